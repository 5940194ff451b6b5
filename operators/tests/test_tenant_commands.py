"""set_tenant_token, list_tenants, activate_tenant / deactivate_tenant, reencrypt_secrets."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from bookings.tests.factories import AppointmentFactory
from conversations.tests.factories import ConversationFactory
from operators.tests.conftest import EXPIRED_TOKEN, PHONE_NUMBER_ID, WORKING_TOKEN
from tenants.encryption import secret_decrypt
from tenants.models import Tenant
from tenants.selectors import tenant_for_phone_number_id
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _raw_token(tenant: Tenant) -> str:
    pk = Tenant._meta.pk.get_db_prep_value(tenant.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT whatsapp_access_token FROM lyo_tenants WHERE id = %s", [pk])
        return cursor.fetchone()[0]


# --- set_tenant_token ----------------------------------------------------------------


def test_set_tenant_token_reads_stdin_and_clears_the_rejection():
    tenant = TenantFactory(whatsapp_token_invalid_at=timezone.now())
    out = io.StringIO()
    call_command("set_tenant_token", tenant.slug, stdin=io.StringIO(WORKING_TOKEN + "\n"), stdout=out)
    tenant.refresh_from_db()
    assert tenant.whatsapp_access_token == WORKING_TOKEN
    assert tenant.whatsapp_token_invalid_at is None
    assert WORKING_TOKEN not in _raw_token(tenant)  # encrypted at rest
    assert WORKING_TOKEN not in out.getvalue()


def test_set_tenant_token_with_verify_keeps_the_old_token_when_meta_refuses(fake_graph):
    tenant = TenantFactory(whatsapp_phone_number_id=PHONE_NUMBER_ID, whatsapp_access_token="old-token")
    with pytest.raises(CommandError, match=r"Token not stored\. .*expired or invalid \(Graph error 190") as excinfo:
        call_command("set_tenant_token", tenant.slug, verify=True, stdin=io.StringIO(EXPIRED_TOKEN))
    assert excinfo.value.returncode == 3
    tenant.refresh_from_db()
    assert tenant.whatsapp_access_token == "old-token"

    out = io.StringIO()
    call_command("set_tenant_token", tenant.slug, verify=True, stdin=io.StringIO(WORKING_TOKEN), stdout=out)
    assert "WhatsApp check: works" in out.getvalue()
    tenant.refresh_from_db()
    assert tenant.whatsapp_access_token == WORKING_TOKEN


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["nobody"], "tok", "No tenant with slug 'nobody'"),
        (["{slug}"], "\n", "No access token on standard input"),
        (["{slug}", "--token", "tok-on-argv"], "", "never taken from the command line"),
    ],
)
def test_set_tenant_token_refuses_bad_input(args, stdin, message):
    tenant = TenantFactory(whatsapp_access_token="old-token")
    with pytest.raises(CommandError, match=message):
        call_command("set_tenant_token", *[a.format(slug=tenant.slug) for a in args], stdin=io.StringIO(stdin))
    tenant.refresh_from_db()
    assert tenant.whatsapp_access_token == "old-token"


# --- list_tenants --------------------------------------------------------------------


def test_list_tenants_shows_what_the_operator_scans_for(django_assert_num_queries):
    now = timezone.now()
    busy = TenantFactory(name="Busy", slug="busy", whatsapp_phone_number_id="1001")
    ConversationFactory(customer__tenant=busy, last_inbound_at=datetime(2026, 11, 20, 18, 30, tzinfo=UTC))
    ConversationFactory(customer__tenant=busy, last_inbound_at=datetime(2026, 11, 21, 9, 5, tzinfo=UTC))
    for _ in range(3):
        AppointmentFactory(tenant=busy)
    old = AppointmentFactory(tenant=busy)
    type(old).objects.filter(pk=old.pk).update(created_at=now - timedelta(days=8))
    TenantFactory(name="Quiet", slug="quiet", whatsapp_phone_number_id=None, whatsapp_access_token="",
                  is_active=False)
    TenantFactory(name="Rejected", slug="rejected", whatsapp_token_invalid_at=datetime(2026, 11, 1, tzinfo=UTC))

    out = io.StringIO()
    with django_assert_num_queries(1):
        call_command("list_tenants", json=True, stdout=out)
    rows = json.loads(out.getvalue())
    assert rows == [
        {"name": "Busy", "slug": "busy", "phone_number_id": "1001", "active": "yes", "token": "set",
         "last_inbound": "2026-11-21 09:05", "bookings_7d": 3},
        {"name": "Quiet", "slug": "quiet", "phone_number_id": "-", "active": "no", "token": "not set",
         "last_inbound": "-", "bookings_7d": 0},
        {"name": "Rejected", "slug": "rejected", "phone_number_id": rows[2]["phone_number_id"], "active": "yes",
         "token": "rejected 2026-11-01", "last_inbound": "-", "bookings_7d": 0},
    ]

    table = io.StringIO()
    call_command("list_tenants", stdout=table)
    header, first, *_ = table.getvalue().splitlines()
    assert header.split() == ["NAME", "SLUG", "PHONE", "NUMBER", "ID", "ACTIVE", "TOKEN", "LAST", "INBOUND", "(UTC)",
                              "BOOKINGS", "7D"]
    assert first.split() == ["Busy", "busy", "1001", "yes", "set", "2026-11-21", "09:05", "3"]


def test_list_tenants_json_is_one_document_also_without_tenants():
    out = io.StringIO()
    call_command("list_tenants", json=True, stdout=out)
    assert json.loads(out.getvalue()) == []

    TenantFactory(name="One", slug="one")
    TenantFactory(name="Two", slug="two")
    out = io.StringIO()
    call_command("list_tenants", json=True, stdout=out)
    assert [row["slug"] for row in json.loads(out.getvalue())] == ["one", "two"]


def test_list_tenants_activity_leaves_out_the_test_channel():
    """Staff trying their assistant is not customer traffic: a tenant with only that looks idle."""
    tried = TenantFactory(name="Tried only", slug="tried")
    ConversationFactory(customer__tenant=tried, customer__channel="test", channel="test",
                        last_inbound_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    AppointmentFactory(tenant=tried, channel="test")
    live = TenantFactory(name="Live", slug="live")
    ConversationFactory(customer__tenant=live, channel="whatsapp",
                        last_inbound_at=datetime(2026, 11, 20, 18, 30, tzinfo=UTC))
    # A later test chat of the live tenant does not move its last inbound either.
    ConversationFactory(customer__tenant=live, customer__channel="test", channel="test",
                        last_inbound_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    AppointmentFactory(tenant=live, channel="whatsapp")
    AppointmentFactory(tenant=live, channel="test")

    out = io.StringIO()
    call_command("list_tenants", json=True, stdout=out)
    rows = {row["slug"]: row for row in json.loads(out.getvalue())}
    assert (rows["tried"]["last_inbound"], rows["tried"]["bookings_7d"]) == ("-", 0)
    assert (rows["live"]["last_inbound"], rows["live"]["bookings_7d"]) == ("2026-11-20 18:30", 1)


def test_list_tenants_never_decrypts_tokens(settings):
    TenantFactory(name="Old key")
    # A token no configured key opens must not break the listing.
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    out = io.StringIO()
    call_command("list_tenants", stdout=out)
    assert "Old key" in out.getvalue()


# --- activate / deactivate -----------------------------------------------------------


def test_deactivate_and_activate_switch_webhook_routing():
    tenant = TenantFactory(whatsapp_phone_number_id="2002")
    out = io.StringIO()
    call_command("deactivate_tenant", tenant.slug, stdout=out)
    assert "is now inactive" in out.getvalue()
    assert tenant_for_phone_number_id("2002") is None
    call_command("deactivate_tenant", tenant.slug, stdout=out)
    assert "was already inactive" in out.getvalue()
    call_command("activate_tenant", tenant.slug, stdout=out)
    assert "is now active" in out.getvalue()
    assert tenant_for_phone_number_id("2002") == tenant


def test_activate_names_an_unknown_slug():
    with pytest.raises(CommandError, match="No tenant with slug 'ghost'"):
        call_command("activate_tenant", "ghost")


# --- reencrypt_secrets ---------------------------------------------------------------


def test_reencrypt_secrets_moves_every_token_to_the_first_key(settings):
    old_key = settings.FIELD_ENCRYPTION_KEY
    tenant = TenantFactory(whatsapp_access_token=WORKING_TOKEN)
    untouched = TenantFactory(whatsapp_access_token="")
    updated_at = Tenant.objects.get(pk=tenant.pk).updated_at
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = f"{new_key},{old_key}"

    out = io.StringIO()
    call_command("reencrypt_secrets", stdout=out)
    assert "Re-encrypted 1 secret(s)" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEY = new_key  # the old key can go now
    assert secret_decrypt(_raw_token(tenant)) == WORKING_TOKEN
    assert Tenant.objects.get(pk=tenant.pk).updated_at == updated_at
    assert _raw_token(untouched) == ""


def test_reencrypt_secrets_names_rows_no_key_opens(settings):
    tenant = TenantFactory(whatsapp_access_token=WORKING_TOKEN)
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(CommandError, match=f"tenants.Tenant {tenant.pk} whatsapp_access_token"):
        call_command("reencrypt_secrets", stdout=io.StringIO())
