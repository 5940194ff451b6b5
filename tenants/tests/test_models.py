import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from tenants.encryption import SecretUndecryptable
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("label", "table"),
    [
        ("tenants.Tenant", "lyo_tenants"),
        ("customers.Customer", "lyo_users"),
        ("conversations.Conversation", "lyo_conversations"),
        ("bookings.Appointment", "lyo_appointments"),
        ("conversations.Message", "lyo_messages"),
        ("bookings.Service", "lyo_services"),
        ("bookings.OpeningHours", "lyo_opening_hours"),
        ("bookings.Closure", "lyo_closures"),
        ("bookings.Resource", "lyo_resources"),
        ("tenants.TenantMembership", "lyo_tenant_memberships"),
    ],
)
def test_tables_keep_the_names_of_the_existing_schema(label, table):
    assert apps.get_model(label)._meta.db_table == table
    assert table in connection.introspection.table_names()


def test_every_lyo_table_is_prefixed():
    ours = [m for m in apps.get_models() if m._meta.app_label in {"tenants", "conversations", "bookings", "whatsapp"}]
    assert {m._meta.db_table[:4] for m in ours} == {"lyo_"}


def test_whatsapp_phone_number_id_is_unique():
    TenantFactory(whatsapp_phone_number_id="106540352242922")
    with pytest.raises(IntegrityError), transaction.atomic():
        TenantFactory(whatsapp_phone_number_id="106540352242922")


def test_tenants_without_whatsapp_number_may_coexist():
    TenantFactory(whatsapp_phone_number_id=None)
    TenantFactory(whatsapp_phone_number_id=None)
    assert Tenant.objects.filter(whatsapp_phone_number_id__isnull=True).count() == 2


def _raw_token_column(tenant_id) -> str:
    with connection.cursor() as cursor:
        # SQLite stores UUIDs as 32 hex characters, PostgreSQL as uuid.
        key = tenant_id.hex if connection.vendor == "sqlite" else tenant_id
        cursor.execute("SELECT whatsapp_access_token FROM lyo_tenants WHERE id = %s", [key])
        return cursor.fetchone()[0]


def test_access_token_is_not_stored_in_plaintext():
    tenant = TenantFactory(whatsapp_access_token="EAAGsecret-token-1234567890")
    raw = _raw_token_column(tenant.id)
    assert "EAAGsecret" not in raw
    assert "1234567890" not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    assert Tenant.objects.get(pk=tenant.pk).whatsapp_access_token == "EAAGsecret-token-1234567890"


def test_access_token_decrypts_after_key_rotation_and_moves_to_the_new_key(settings):
    old_key = settings.FIELD_ENCRYPTION_KEY
    new_key = Fernet.generate_key().decode()
    tenant = TenantFactory(whatsapp_access_token="EAAG-rotating")

    with override_settings(FIELD_ENCRYPTION_KEY=f"{new_key},{old_key}"):
        reloaded = Tenant.objects.get(pk=tenant.pk)
        assert reloaded.whatsapp_access_token == "EAAG-rotating"
        reloaded.save()  # re-encrypted with the first (new) key

    with override_settings(FIELD_ENCRYPTION_KEY=new_key):
        assert Tenant.objects.get(pk=tenant.pk).whatsapp_access_token == "EAAG-rotating"

    with override_settings(FIELD_ENCRYPTION_KEY=old_key), pytest.raises(SecretUndecryptable):
        Tenant.objects.get(pk=tenant.pk)


def test_empty_token_means_not_set():
    tenant = TenantFactory(whatsapp_access_token="")
    assert _raw_token_column(tenant.id) == ""
    assert Tenant.objects.get(pk=tenant.pk).has_whatsapp_token is False
