"""A staff user of tenant A sees and changes only A's rows in the admin."""

import pytest
from django.urls import reverse

from bookings.models import Appointment, Resource, Service
from bookings.tests.factories import (
    AppointmentFactory,
    ClosureFactory,
    OpeningHoursFactory,
    ResourceFactory,
    ServiceFactory,
)
from conversations.tests.factories import MessageFactory
from tenants.models import Tenant
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db


def _tenant_rows(tenant):
    message = MessageFactory(conversation__customer__tenant=tenant, text=f"hello from {tenant.slug}")
    conversation = message.conversation
    customer = conversation.customer
    resource = ResourceFactory(tenant=tenant, name=f"Table of {tenant.slug}")
    service = ServiceFactory(tenant=tenant, name_it=f"Service of {tenant.slug}")
    return {
        "tenant": tenant,
        "service": service,
        "openinghours": OpeningHoursFactory(tenant=tenant),
        "closure": ClosureFactory(tenant=tenant, reason=f"closed {tenant.slug}"),
        "resource": resource,
        "customer": customer,
        "conversation": conversation,
        "message": message,
        "appointment": AppointmentFactory(tenant=tenant, customer=customer, resource=resource),
    }


@pytest.fixture
def two_tenants():
    a = TenantFactory(slug="a", name="Tenant A")
    b = TenantFactory(slug="b", name="Tenant B")
    return a, _tenant_rows(a), b, _tenant_rows(b)


@pytest.fixture
def staff_a(client, two_tenants):
    a = two_tenants[0]
    membership = MembershipFactory(tenant=a)
    client.force_login(membership.user)
    return client


def _admin_url(obj, action="change"):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=[obj.pk])


ROW_KINDS = [
    "tenant", "service", "openinghours", "closure", "resource", "customer", "conversation", "message", "appointment"
]


@pytest.mark.parametrize("kind", ROW_KINDS)
def test_staff_opens_own_row(staff_a, two_tenants, kind):
    _, rows_a, _, _ = two_tenants
    assert staff_a.get(_admin_url(rows_a[kind])).status_code == 200


@pytest.mark.parametrize("kind", ROW_KINDS)
@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_staff_gets_404_for_other_tenants_row_by_url(staff_a, two_tenants, kind, action):
    _, _, _, rows_b = two_tenants
    assert staff_a.get(_admin_url(rows_b[kind], action)).status_code == 404


@pytest.mark.parametrize("kind", ROW_KINDS)
def test_staff_cannot_delete_other_tenants_row_by_post(staff_a, two_tenants, kind):
    _, _, _, rows_b = two_tenants
    obj = rows_b[kind]
    response = staff_a.post(_admin_url(obj, "delete"), {"post": "yes"})
    assert response.status_code == 404
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("kind", ROW_KINDS)
def test_changelist_shows_only_own_rows(staff_a, two_tenants, kind):
    _, rows_a, _, rows_b = two_tenants
    meta = rows_a[kind]._meta
    response = staff_a.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200
    pks = {obj.pk for obj in response.context["cl"].result_list}
    assert pks == {rows_a[kind].pk}
    assert rows_b[kind].pk not in pks


def test_tenant_list_and_page_are_scoped(staff_a, two_tenants):
    a, _, b, _ = two_tenants
    response = staff_a.get(reverse("admin:tenants_tenant_changelist"))
    assert [t.pk for t in response.context["cl"].result_list] == [a.pk]
    assert staff_a.get(_admin_url(a)).status_code == 200
    assert staff_a.get(_admin_url(b)).status_code == 404
    assert staff_a.get(reverse("admin:tenants_tenant_add")).status_code == 403


def test_appointment_form_offers_only_own_rows(staff_a, two_tenants):
    _, rows_a, _, rows_b = two_tenants
    assert rows_b["resource"].pk != rows_a["resource"].pk
    form = staff_a.get(reverse("admin:bookings_appointment_add")).context["adminform"].form
    assert set(form.fields["resource"].queryset) == {rows_a["resource"]}
    assert set(form.fields["service"].queryset) == {rows_a["service"]}
    assert set(form.fields["customer"].queryset) == {rows_a["customer"]}
    assert list(form.fields["tenant"].queryset) == [rows_a["resource"].tenant]


def test_appointment_with_other_tenants_resource_is_refused(staff_a, two_tenants):
    a, rows_a, _, rows_b = two_tenants
    before = Appointment.objects.count()
    response = staff_a.post(
        reverse("admin:bookings_appointment_add"),
        {
            "tenant": a.pk,
            "customer": rows_a["customer"].pk,
            "resource": rows_b["resource"].pk,
            "starts_at_0": "2026-12-10",
            "starts_at_1": "20:00",
            "ends_at_0": "2026-12-10",
            "ends_at_1": "21:30",
            "party_size": 2,
            "status": "confirmed",
            "reference": "ABCDEF",
            "channel": "admin",
        },
    )
    assert response.status_code == 200
    assert "resource" in response.context["adminform"].form.errors
    assert Appointment.objects.count() == before


def test_new_row_cannot_be_put_in_another_tenant(staff_a, two_tenants):
    _, _, b, _ = two_tenants
    response = staff_a.post(
        reverse("admin:bookings_service_add"),
        {"tenant": b.pk, "name_it": "Intruso", "name_en": "Intruder", "duration_minutes": 30, "buffer_minutes": 0,
         "position": 0, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "tenant" in response.context["adminform"].form.errors
    assert not Service.objects.filter(name_it="Intruso").exists()


def test_new_row_lands_in_own_tenant(staff_a, two_tenants):
    a, _, _, _ = two_tenants
    add_url = reverse("admin:bookings_resource_add")
    assert staff_a.get(add_url).context["adminform"].form.initial["tenant"] == a.pk
    response = staff_a.post(
        add_url,
        {"tenant": a.pk, "kind": "table", "name": "Dehors 1", "min_seats": 1, "max_seats": 2, "position": 0,
         "is_active": "on"},
    )
    assert response.status_code == 302
    assert Resource.objects.get(name="Dehors 1").tenant == a


def test_staff_cannot_link_other_tenants_service_to_a_resource(staff_a, two_tenants):
    a, _, _, rows_b = two_tenants
    staff_resource = ResourceFactory(tenant=a, kind="staff", name="Giulia")
    response = staff_a.post(
        _admin_url(staff_resource),
        {"tenant": a.pk, "kind": "staff", "name": "Giulia", "min_seats": 1, "max_seats": 1, "position": 0,
         "is_active": "on", "services": [rows_b["service"].pk]},
    )
    assert response.status_code == 200
    assert "services" in response.context["adminform"].form.errors
    assert list(staff_resource.services.all()) == []


def test_staff_of_no_tenant_sees_nothing(client, two_tenants):
    from tenants.tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("admin:bookings_appointment_changelist")).status_code == 403


def test_superuser_sees_every_tenant(admin_client, two_tenants):
    response = admin_client.get(reverse("admin:bookings_appointment_changelist"))
    assert len(response.context["cl"].result_list) == 2


def test_tenant_page_never_shows_the_token(client, two_tenants):
    a, _, _, _ = two_tenants
    owner = MembershipFactory(tenant=a, role="owner").user
    client.force_login(owner)
    response = client.get(_admin_url(a))
    assert response.status_code == 200
    assert a.whatsapp_access_token not in response.content.decode()
    assert "new_whatsapp_access_token" in response.content.decode()


def test_superuser_replaces_token_through_the_admin(admin_client, two_tenants):
    a, _, _, _ = two_tenants
    response = admin_client.get(_admin_url(a))
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "id"}
    data.update({"new_whatsapp_access_token": "EAAG-brand-new"})
    for prefix in ("service_set", "openinghours_set", "closure_set", "resource_set", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(_admin_url(a), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Tenant.objects.get(pk=a.pk).whatsapp_access_token == "EAAG-brand-new"
