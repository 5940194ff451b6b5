"""``Tenant.config_version``: bumped by every change to what the assistant reads about the tenant."""

from datetime import time

import pytest

from bookings.models import Closure, OpeningHours, Resource, Service
from bookings.tests.factories import ClosureFactory, OpeningHoursFactory, ResourceFactory, ServiceFactory
from conversations.assistant.understanding import vocabulary_for_tenant
from operators.demo import demo_tenants_seed
from operators.services import tenant_onboard
from tenants.models import Tenant
from tenants.services import tenant_config_changed
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _version(tenant: Tenant) -> int:
    return Tenant.objects.values_list("config_version", flat=True).get(pk=tenant.pk)


def test_a_new_tenant_starts_at_zero_and_each_change_adds_one(django_assert_num_queries):
    tenant = TenantFactory()
    assert _version(tenant) == 0
    with django_assert_num_queries(1):
        tenant_config_changed(tenant.pk)
    tenant_config_changed(tenant.pk)
    assert _version(tenant) == 2


def test_a_change_of_one_tenant_leaves_the_others_alone():
    tenant, other = TenantFactory(), TenantFactory()
    ServiceFactory(tenant=tenant)
    ClosureFactory(tenant=tenant)
    assert (_version(tenant), _version(other)) == (2, 0)


def test_closures_bump_when_saved_and_deleted():
    tenant = TenantFactory()
    closure = ClosureFactory(tenant=tenant)
    closure.reason = "Ferie"
    closure.save()
    closure.delete()
    assert _version(tenant) == 3


def test_which_staff_do_which_service_bumps_from_either_side():
    tenant = TenantFactory(kind="salon")
    service = ServiceFactory(tenant=tenant)
    giulia = ResourceFactory(tenant=tenant, kind=Resource.Kind.STAFF, name="Giulia")
    before = _version(tenant)

    giulia.services.add(service)
    assert _version(tenant) == before + 1
    service.resources.remove(giulia)
    assert _version(tenant) == before + 2
    giulia.services.set([service])
    giulia.services.clear()
    assert _version(tenant) == before + 4


def test_deleting_in_bulk_bumps_once_per_row():
    # QuerySet.delete() sends post_delete for every row, unlike update() and bulk_create().
    tenant = TenantFactory()
    OpeningHoursFactory(tenant=tenant, weekday=0)
    OpeningHoursFactory(tenant=tenant, weekday=1)
    OpeningHours.objects.filter(tenant=tenant).delete()
    assert _version(tenant) == 4


def test_saving_a_tenant_loaded_before_a_change_keeps_the_new_version():
    stale = TenantFactory()
    ServiceFactory(tenant=Tenant.objects.get(pk=stale.pk))
    stale.address = "Via Po 2"
    stale.save()
    fresh = Tenant.objects.get(pk=stale.pk)
    assert (fresh.address, fresh.config_version) == ("Via Po 2", 1)


def test_a_deferred_field_is_not_written_by_a_save():
    TenantFactory(slug="da-mario", address="Via Roma 1")
    tenant = Tenant.objects.only("slug", "name").get(slug="da-mario")
    tenant.name = "Da Mario"
    tenant.save()
    fresh = Tenant.objects.get(slug="da-mario")
    assert (fresh.name, fresh.address) == ("Da Mario", "Via Roma 1")


ONBOARDING = {
    "name": "Salone Bella",
    "slug": "salone-bella",
    "kind": "salon",
    "opening_hours": {"tue-sat": ["09:00-19:00"]},
    "services": [
        {"name_it": "Piega", "name_en": "Blow-dry", "duration_minutes": 30},
        {"name_it": "Colore", "name_en": "Colour", "duration_minutes": 90},
    ],
    "resources": [
        {"kind": "staff", "name": "Giulia", "services": ["Piega", "Colore"]},
        {"kind": "staff", "name": "Marco", "services": ["Piega"]},
    ],
}


def test_onboarding_an_update_bumps_the_version_and_the_assistant_reads_it():
    tenant = tenant_onboard(document=ONBOARDING).tenant
    cached = vocabulary_for_tenant(Tenant.objects.get(pk=tenant.pk))
    assert [s.names for s in cached.services] == [("Piega", "Blow-dry"), ("Colore", "Colour")]
    before = _version(tenant)

    # Colore and Marco are deactivated with update(), the hours rewritten with bulk_create().
    tenant_onboard(document={
        "slug": "salone-bella",
        "opening_hours": {"tue-sat": ["10:00-18:00"]},
        "services": [{"name_it": "Piega", "name_en": "Blow-dry", "duration_minutes": 30}],
        "resources": [{"kind": "staff", "name": "Giulia", "services": ["Piega"]}],
    })

    reloaded = Tenant.objects.get(pk=tenant.pk)
    assert reloaded.config_version > before
    vocabulary = vocabulary_for_tenant(reloaded)
    assert [s.names for s in vocabulary.services] == [("Piega", "Blow-dry")]
    assert [m.name for m in vocabulary.staff] == ["Giulia"]
    assert vocabulary.opening_ranges == ((time(10, 0), time(18, 0)),)
    assert list(Service.objects.filter(tenant=tenant, is_active=False).values_list("name_it", flat=True)) == ["Colore"]


def test_onboarding_written_only_in_bulk_still_bumps_once():
    tenant = TenantFactory(slug="da-mario")
    # No row to delete, so no signal: only the bump at the end of the onboarding.
    tenant_onboard(document={"slug": "da-mario", "opening_hours": {"mon": ["12:00-15:00"]},
                             "closures": [{"from": "2026-12-24", "to": "2026-12-26"}]})
    assert _version(tenant) == 1
    assert (OpeningHours.objects.filter(tenant=tenant).count(), Closure.objects.filter(tenant=tenant).count()) == (1, 1)


def test_reseeding_the_demo_bumps_the_demo_tenants():
    demo_tenants_seed()
    before = {t.slug: t.config_version for t in Tenant.objects.all()}
    demo_tenants_seed()
    after = {t.slug: t.config_version for t in Tenant.objects.all()}
    assert set(after) == {"trattoria-demo", "salone-demo"}
    assert all(after[slug] > before[slug] for slug in after)
