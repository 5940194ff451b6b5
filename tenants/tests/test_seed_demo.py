import pytest
from django.core.management import CommandError, call_command

from bookings.models import OpeningHours, Resource, Service
from tenants.models import Tenant, TenantMembership

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Tenant.objects.count(), Service.objects.count(), Resource.objects.count(),
        OpeningHours.objects.count(), TenantMembership.objects.count(),
    )


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first == (2, 5, 7, 17, 2)


def test_demo_restaurant_matches_the_brief(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    trattoria = Tenant.objects.get(slug="trattoria-demo")
    assert (trattoria.name, trattoria.kind, trattoria.timezone, trattoria.language) == (
        "Trattoria Demo", "restaurant", "Europe/Rome", "it"
    )
    tables = Resource.objects.filter(tenant=trattoria)
    assert sorted({t.max_seats for t in tables}) == [2, 4, 6]
    assert not OpeningHours.objects.filter(tenant=trattoria, weekday=0).exists()  # closed on Mondays
    assert OpeningHours.objects.filter(tenant=trattoria, weekday=5).count() == 2  # lunch and dinner
    salon = Tenant.objects.get(slug="salone-demo")
    assert Resource.objects.filter(tenant=salon, kind="staff").count() == 2
    assert Service.objects.get(tenant=salon, name_it="Barba").resources.get().name == "Marco"


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert Tenant.objects.count() == 0
