"""The owner's writes to the tenant: its own settings, and its channels' access tokens."""

import pytest

from tenants.models import AuditEvent, Tenant
from tenants.services import tenant_access_token_set, tenant_settings_update
from tenants.tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_only_the_changed_settings_are_written_and_named():
    tenant = TenantFactory(name="Uno", slot_minutes=15)
    before = Tenant.objects.get(pk=tenant.pk).config_version
    assert tenant_settings_update(tenant=tenant, changes={"name": "Uno", "slot_minutes": 30}) == ["slot_minutes"]
    stored = Tenant.objects.get(pk=tenant.pk)
    assert (stored.name, stored.slot_minutes, stored.config_version) == ("Uno", 30, before + 1)


def test_nothing_changed_writes_nothing():
    tenant = TenantFactory(name="Uno")
    before = Tenant.objects.get(pk=tenant.pk)
    assert tenant_settings_update(tenant=tenant, changes={"name": "Uno"}) == []
    after = Tenant.objects.get(pk=tenant.pk)
    assert (after.updated_at, after.config_version) == (before.updated_at, before.config_version)


def test_a_new_time_zone_is_the_tenants_zone_at_once():
    tenant = TenantFactory(timezone="Europe/Rome")
    assert str(tenant.tzinfo) == "Europe/Rome"
    tenant_settings_update(tenant=tenant, changes={"timezone": "Europe/London"})
    assert str(tenant.tzinfo) == "Europe/London"


@pytest.mark.parametrize("field", ["slug", "kind", "is_active", "whatsapp_phone_number_id", "whatsapp_access_token"])
def test_what_wires_the_tenant_to_meta_is_not_an_owners_setting(field):
    tenant = TenantFactory()
    with pytest.raises(ValueError, match="not an owner's setting"):
        tenant_settings_update(tenant=tenant, changes={field: "x"})


def test_a_token_set_is_stored_and_audited_without_its_value():
    tenant = TenantFactory(whatsapp_access_token="old")
    Tenant.objects.filter(pk=tenant.pk).update(whatsapp_token_invalid_at="2026-12-01T10:00:00Z")
    owner = UserFactory()
    tenant_access_token_set(tenant=tenant, channel="whatsapp", token="EAAG-new", actor=owner)
    stored = Tenant.objects.get(pk=tenant.pk)
    assert (stored.whatsapp_access_token, stored.whatsapp_token_invalid_at) == ("EAAG-new", None)
    event = AuditEvent.objects.get(tenant=tenant)
    assert (event.action, event.target, event.actor) == ("token_set", "WhatsApp access token", owner)
    assert "EAAG-new" not in str(event)


def test_an_unknown_channel_is_refused():
    with pytest.raises(ValueError):
        tenant_access_token_set(tenant=TenantFactory(), channel="telegram", token="x", actor=None)
