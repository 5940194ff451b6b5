"""The admin's add form books a guest by name and phone; the bookings list answers "who is coming"."""

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment
from bookings.services import appointment_book
from bookings.tests.conftest import NOW, rome
from conversations.models import Message
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:bookings_appointment_add")
LIST_URL = reverse("admin:bookings_appointment_changelist")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff(client, restaurant):
    client.force_login(MembershipFactory(tenant=restaurant).user)
    client.cookies["django_language"] = "en"
    return client


def _add(client, tenant, **overrides):
    data = {
        "tenant": tenant.pk, "starts_at_0": "2026-12-04", "starts_at_1": "20:00", "party_size": 2, "notes": "",
        "customer": "", "guest_name": "", "guest_phone": "", "service": "", "resource": "",
    }
    data.update(overrides)
    return client.post(ADD_URL, data)


def _told() -> list[tuple[str, str]]:
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND).order_by("pk")
    return [(m.conversation.customer.phone, m.payload["purpose"]) for m in outbound]


def test_a_guest_typed_by_name_and_phone_becomes_the_bookings_whatsapp_customer(staff, restaurant, tables):
    response = _add(staff, restaurant, guest_name="Bianchi", guest_phone="333 123 4567", notes="birthday")
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get()
    assert (customer.tenant, customer.channel, customer.phone, customer.display_name) == (
        restaurant, "whatsapp", "393331234567", "Bianchi",
    )
    appointment = Appointment.objects.get()
    assert (appointment.customer, appointment.notes, appointment.channel) == (customer, "birthday", "admin")
    assert _told() == [("393331234567", "staff_booked")]


def test_a_guest_already_known_by_that_number_is_reused(staff, restaurant, tables):
    known = CustomerFactory(tenant=restaurant, phone="393331234567", display_name="Anna")
    assert _add(staff, restaurant, guest_name="A. Bianchi", guest_phone="+39 333 1234567").status_code == 302
    assert Customer.objects.get() == known
    assert Appointment.objects.get().customer == known


@pytest.mark.parametrize(("fields", "field", "error"), [
    ({"guest_name": "Bianchi", "guest_phone": "12"}, "guest_phone",
     "This is not a valid phone number. Type it with its country code if it is foreign, e.g. +44 7700 900123."),
    ({"guest_name": "Bianchi"}, "guest_phone", "Type the guest's phone number, or pick a customer."),
    ({"guest_phone": "333 123 4567"}, "guest_name", "Type the guest's name."),
])
def test_an_incomplete_or_invalid_guest_is_a_form_error_and_writes_nothing(staff, restaurant, tables, fields,
                                                                            field, error):
    response = _add(staff, restaurant, **fields)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [error]
    assert not Customer.objects.exists() and not Appointment.objects.exists() and not Message.objects.exists()


def test_a_customer_and_a_guest_at_once_is_a_form_error(staff, restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    response = _add(staff, restaurant, customer=customer.pk, guest_name="Bianchi", guest_phone="333 123 4567")
    assert response.context["adminform"].form.errors["guest_phone"] == [
        "Pick a customer or type the guest's name and phone, not both."
    ]
    assert not Appointment.objects.exists()


def test_a_refused_booking_creates_no_guest(staff, restaurant, tables):
    response = _add(staff, restaurant, starts_at_1="16:00", guest_name="Bianchi", guest_phone="333 123 4567")
    assert response.status_code == 200
    assert not Customer.objects.exists() and not Message.objects.exists()


def test_the_guest_is_created_in_the_bookings_business_only(staff, restaurant, tables):
    elsewhere = CustomerFactory(tenant=TenantFactory(), phone="393331234567", display_name="Other")
    assert _add(staff, restaurant, guest_name="Bianchi", guest_phone="333 123 4567").status_code == 302
    mine = Customer.objects.get(tenant=restaurant)
    assert mine.pk != elsewhere.pk and mine.display_name == "Bianchi"
    assert Appointment.objects.get().customer == mine
    assert Customer.objects.filter(phone="393331234567").count() == 2


def test_the_edit_form_has_no_guest_fields(staff, restaurant, tables):
    booking = appointment_book(tenant=restaurant, start=rome(2026, 12, 4, 20), party_size=2, channel="whatsapp")
    form = staff.get(reverse("admin:bookings_appointment_change", args=[booking.pk])).context["adminform"].form
    assert "guest_name" not in form.fields and "guest_phone" not in form.fields


# --- The list -------------------------------------------------------------------------


def _columns(client) -> list[str]:
    return [c for c in client.get(LIST_URL).context["cl"].list_display if c != "action_checkbox"]


def _names(columns) -> list[str]:
    return [c if isinstance(c, str) else c.__name__ for c in columns]


def test_a_restaurant_sees_party_but_no_service_column(staff, restaurant):
    assert _names(_columns(staff)) == [
        "starts_at", "guest", "party_size", "resource", "status", "channel", "confirmed_by_customer", "reference",
    ]


def test_a_salon_sees_service_but_no_party_column(client, salon):
    client.force_login(MembershipFactory(tenant=salon["tenant"]).user)
    assert _names(_columns(client)) == [
        "starts_at", "guest", "service", "resource", "status", "channel", "confirmed_by_customer", "reference",
    ]


def test_the_operator_of_both_kinds_sees_both_and_the_business(client, restaurant, salon):
    client.force_login(UserFactory(is_superuser=True))
    assert _names(_columns(client)) == [
        "starts_at", "guest", "party_size", "service", "resource", "status", "channel", "confirmed_by_customer",
        "reference", "tenant",
    ]
    only = client.get(LIST_URL, {"tenant__id__exact": str(salon["tenant"].pk)}).context["cl"].list_display
    assert "party_size" not in _names(only) and "service" in _names(only)


def test_cancelled_bookings_are_hidden_unless_asked(staff, restaurant, tables):
    kept = appointment_book(tenant=restaurant, start=rome(2026, 12, 4, 20), party_size=2, channel="whatsapp")
    gone = appointment_book(tenant=restaurant, start=rome(2026, 12, 4, 21), party_size=2, channel="whatsapp")
    Appointment.objects.filter(pk=gone.pk).update(status=Appointment.Status.CANCELLED)

    def listed(query=""):
        return {a.pk for a in staff.get(LIST_URL + query).context["cl"].result_list}

    assert listed() == {kept.pk}
    assert listed("?status__exact=all") == {kept.pk, gone.pk}
    assert listed("?status__exact=cancelled") == {gone.pk}
    assert "?status__exact=all" in staff.get(LIST_URL).content.decode()
    assert staff.get(LIST_URL + "?status__exact=nonsense").status_code in (200, 302)


def test_a_walk_in_is_listed_by_the_name_heading_its_notes(staff, restaurant, tables):
    appointment_book(tenant=restaurant, start=rome(2026, 12, 4, 20), party_size=2, channel="admin",
                     notes="Rossi · high chair")
    html = staff.get(LIST_URL).content.decode()
    assert '<td class="field-guest">Rossi</td>' in html
