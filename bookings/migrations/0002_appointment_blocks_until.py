from django.db import migrations, models
from django.db.models import F, Q


def blocks_until_fill(apps, schema_editor):
    # Existing bookings had no buffer: the resource is free when the booking ends.
    Appointment = apps.get_model("bookings", "Appointment")
    Appointment.objects.update(blocks_until=F("ends_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="blocks_until",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(blocks_until_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="blocks_until",
            field=models.DateTimeField(),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=Q(blocks_until__gte=F("ends_at")), name="appointment_blocks_after_end"
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=Q(status="confirmed"), fields=["tenant", "blocks_until"],
                name="appointment_active_blocks_idx",
            ),
        ),
    ]
