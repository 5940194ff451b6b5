"""The example onboarding files in docs/examples/ load as the README says, so they never rot."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from bookings.models import OpeningHours, Resource, Service
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_every_example_is_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == ["restaurant.yaml", "salon.yaml"]


def test_the_restaurant_example_onboards_a_restaurant():
    out = io.StringIO()
    call_command("onboard_tenant", file=EXAMPLES / "restaurant.yaml", stdout=out)
    tenant = Tenant.objects.get(slug="osteria-del-ponte")
    assert "Created tenant Osteria del Ponte (osteria-del-ponte)" in out.getvalue()
    assert (tenant.kind, tenant.timezone, tenant.language, tenant.whatsapp_phone_number_id) == (
        "restaurant", "Europe/Rome", "it", None
    )
    assert (tenant.slot_minutes, tenant.default_duration_minutes, tenant.pacing_max_covers) == (15, 90, 24)
    tables = Resource.objects.filter(tenant=tenant).order_by("max_seats", "name")
    assert [(t.kind, t.max_seats) for t in tables] == [
        ("table", 2), ("table", 2), ("table", 4), ("table", 4), ("table", 6), ("table", 12)
    ]
    # Tuesday to Sunday, lunch and dinner; closed on Mondays.
    assert sorted(set(OpeningHours.objects.filter(tenant=tenant).values_list("weekday", flat=True))) == [
        1, 2, 3, 4, 5, 6
    ]
    assert not Service.objects.filter(tenant=tenant).exists()


def test_the_salon_example_onboards_a_salon_with_services_and_staff():
    call_command("onboard_tenant", file=EXAMPLES / "salon.yaml", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="salone-aurora")
    assert tenant.kind == "salon"
    assert sorted(Service.objects.filter(tenant=tenant).values_list("name_en", flat=True)) == [
        "Blow-dry", "Colour", "Manicure", "Men's haircut", "Women's haircut"
    ]
    sara = Resource.objects.get(tenant=tenant, name="Sara")
    assert sorted(sara.services.values_list("name_it", flat=True)) == ["Manicure", "Piega"]
    assert Resource.objects.filter(tenant=tenant, kind="staff").count() == 3


@pytest.mark.parametrize("example", ["restaurant.yaml", "salon.yaml"])
def test_running_an_example_again_updates_the_same_business(example):
    call_command("onboard_tenant", file=EXAMPLES / example, stdout=io.StringIO())
    before = (Tenant.objects.count(), Resource.objects.count(), OpeningHours.objects.count(), Service.objects.count())
    out = io.StringIO()
    call_command("onboard_tenant", file=EXAMPLES / example, stdout=out)
    assert "Updated tenant" in out.getvalue()
    assert (Tenant.objects.count(), Resource.objects.count(), OpeningHours.objects.count(),
            Service.objects.count()) == before
