"""Held bookings: a slot kept for one customer for a while (a freed slot offered from the
waitlist, a big party waiting for approval).

A hold occupies its resource like a confirmed booking, so the exclusion constraint
``appointment_no_overlap`` (PostgreSQL only, see 0003) and the partial index of active
bookings now cover both statuses.
"""

from django.db import migrations, models
from django.db.models import Q

ADD_SQL = """
ALTER TABLE lyo_appointments DROP CONSTRAINT IF EXISTS appointment_no_overlap;
ALTER TABLE lyo_appointments ADD CONSTRAINT appointment_no_overlap
EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, blocks_until, '[)') WITH &&)
WHERE (status IN ('confirmed', 'held'))
"""
BACK_SQL = """
ALTER TABLE lyo_appointments DROP CONSTRAINT IF EXISTS appointment_no_overlap;
ALTER TABLE lyo_appointments ADD CONSTRAINT appointment_no_overlap
EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, blocks_until, '[)') WITH &&)
WHERE (status = 'confirmed')
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0008_after_the_visit"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="hold_expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="held until"),
        ),
        migrations.AddField(
            model_name="appointment",
            name="hold_reason",
            field=models.CharField(
                blank=True, max_length=20, verbose_name="held because",
                choices=[("waitlist_offer", "Offered from the waitlist"), ("approval", "Waiting for staff approval")],
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="status",
            field=models.CharField(
                choices=[
                    ("confirmed", "Confirmed"), ("cancelled", "Cancelled"), ("completed", "Completed"),
                    ("no_show", "No-show"), ("held", "Held"), ("expired", "Hold expired"),
                ],
                default="confirmed", max_length=10, verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False), name="appointment_held_expires"
            ),
        ),
        migrations.RemoveIndex(model_name="appointment", name="appointment_active_blocks_idx"),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=Q(status__in=["confirmed", "held"]), fields=["tenant", "blocks_until"],
                name="appointment_active_blocks_idx",
            ),
        ),
        migrations.RunPython(_on_postgresql(ADD_SQL), _on_postgresql(BACK_SQL)),
    ]
