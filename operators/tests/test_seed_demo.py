from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest

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


def test_demo_logins_are_the_ones_the_readme_lists(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    admin = get_user_model().objects.get(username="admin")
    assert (admin.is_active, admin.is_staff, admin.is_superuser) == (True, True, True)
    assert admin.check_password("admin")
    assert not admin.tenant_memberships.exists()  # the superuser sees every tenant
    # Through django-axes, which needs the request to count failures per address.
    assert client.login(request=HttpRequest(), username="admin", password="admin")
    assert client.get("/admin/").status_code == 200
    for username, slug in [("trattoria", "trattoria-demo"), ("salone", "salone-demo")]:
        user = get_user_model().objects.get(username=username)
        assert (user.is_staff, user.is_superuser, user.check_password(username)) == (True, False, True)
        assert list(user.tenant_memberships.values_list("tenant__slug", "role")) == [(slug, "owner")]


def test_demo_salon_services_have_prices(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    services = Service.objects.filter(tenant__slug="salone-demo").order_by("position")
    assert [(s.name_it, s.duration_minutes, s.price) for s in services] == [
        ("Taglio donna", 45, Decimal("35.00")),
        ("Taglio uomo", 30, Decimal("20.00")),
        ("Piega", 30, Decimal("20.00")),
        ("Colore", 90, Decimal("60.00")),
        ("Barba", 20, Decimal("12.00")),
    ]
