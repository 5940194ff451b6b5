"""Drop Django REST framework's token table: its keys are stored in plain text.

API tokens are now django-rest-knox's (hashed, expiring; ``manage.py api_token``).
An old key cannot become a knox token (knox stores a digest of a token of its own
format), so the old keys are deleted, not converted: clients need a new token.
"""

from django.db import migrations

DRF_TOKEN_TABLE = "authtoken_token"  # noqa: S105 - a table name, not a secret


def drf_token_table_drop(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if DRF_TOKEN_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(DRF_TOKEN_TABLE)}")
    # Forget the app's migrations too, so that installing it again would create its table.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):

    dependencies = [
        ("tenants", "0006_audit_events"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(drf_token_table_drop, migrations.RunPython.noop)]
