from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0003_appointment_no_overlap"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="customer_confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="reminder_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="second_reminder_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
