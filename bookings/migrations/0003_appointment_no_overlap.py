"""No double booking, enforced by PostgreSQL.

Two active (confirmed) appointments of one resource may not overlap in time. The
constraint is created with SQL on PostgreSQL only and kept out of the model's
state: SQLite cannot build it (and would fail when it rebuilds the table), and there
the booking service's check runs inside one write transaction instead.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT_SQL = """
ALTER TABLE lyo_appointments ADD CONSTRAINT appointment_no_overlap
EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, blocks_until, '[)') WITH &&)
WHERE (status = 'confirmed')
"""
DROP_SQL = "ALTER TABLE lyo_appointments DROP CONSTRAINT IF EXISTS appointment_no_overlap"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0002_appointment_blocks_until"),
    ]

    operations = [
        # No-op on other databases. btree_gist is a trusted extension (PostgreSQL 13+):
        # the database owner may create it without being a superuser.
        BtreeGistExtension(),
        migrations.RunPython(_on_postgresql(CONSTRAINT_SQL), _on_postgresql(DROP_SQL)),
    ]
