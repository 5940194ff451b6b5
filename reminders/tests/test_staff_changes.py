"""Staff book, move or cancel in the admin: the customer gets exactly one message per change, through the outbox."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment
from bookings.services import appointment_book
from bookings.tests.conftest import NOW, rome
from conversations.models import Message
from customers.tests.factories import CustomerFactory
from reminders.tests.conftest import reminder_settings
from tenants.tests.factories import MembershipFactory, TenantFactory

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
    return client


@pytest.fixture
def giulia(restaurant):
    return CustomerFactory(tenant=restaurant, display_name="Giulia", language="it", phone="393471234567")


def _notifications(**filters):
    return Message.objects.filter(direction=Message.Direction.OUTBOUND, **filters)


def _booked(restaurant, customer, start=None, **kwargs):
    return appointment_book(
        tenant=restaurant, start=start or rome(2026, 12, 4, 20), party_size=2, channel="whatsapp", customer=customer,
        **kwargs,
    )


def _add(staff, restaurant, **overrides):
    data = {
        "tenant": restaurant.pk, "starts_at_0": "2026-12-04", "starts_at_1": "20:00", "party_size": 2,
        "notes": "", "customer": "", "service": "", "resource": "",
    }
    data.update(overrides)
    return staff.post(ADD_URL, data)


def _edit(staff, appointment, **overrides):
    local = appointment.starts_at.astimezone(appointment.tenant.tzinfo)
    data = {
        "customer": appointment.customer_id or "", "service": appointment.service_id or "",
        "resource": appointment.resource_id, "starts_at_0": f"{local:%Y-%m-%d}", "starts_at_1": f"{local:%H:%M}",
        "party_size": appointment.party_size, "status": appointment.status, "notes": appointment.notes,
    }
    data.update(overrides)
    return staff.post(reverse("admin:bookings_appointment_change", args=[appointment.pk]), data)


def test_a_booking_staff_make_for_a_customer_sends_them_exactly_one_message(
    staff, restaurant, tables, giulia, graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _add(staff, restaurant, customer=giulia.pk)
    assert response.status_code == 302, response.context["adminform"].form.errors

    appointment = Appointment.objects.get(tenant=restaurant)
    message = _notifications().get()
    assert (message.tenant, message.conversation.customer, message.channel) == (restaurant, giulia, "whatsapp")
    assert message.payload["purpose"] == "staff_booked"
    assert message.text == (
        f"Ciao Giulia, {restaurant.name} ha registrato la tua prenotazione: 2 persone, venerdì 4 dicembre alle "
        f"20:00. Codice: {appointment.reference}."
    )
    # Giulia never wrote: outside the window, and no template configured.
    assert message.delivery_status == "not_sendable"
    assert graph.sends == []


def test_with_a_template_the_staff_booking_reaches_a_customer_outside_the_window(
    staff, restaurant, tables, giulia, graph, django_capture_on_commit_callbacks
):
    from reminders.models import MessageTemplate

    MessageTemplate.objects.create(
        tenant=restaurant, purpose="staff_booked", name="prenotazione_registrata", language="it",
        parameters="customer_name,date,time,reference",
    )
    with django_capture_on_commit_callbacks(execute=True):
        _add(staff, restaurant, customer=giulia.pk)

    reference = Appointment.objects.get(tenant=restaurant).reference
    (send,) = graph.sends
    assert send["body"]["template"] == {
        "name": "prenotazione_registrata", "language": {"code": "it"},
        "components": [{"type": "body", "parameters": [
            {"type": "text", "text": value} for value in ("Giulia", "venerdì 4 dicembre", "20:00", reference)
        ]}],
    }
    assert _notifications().get().delivery_status == "sent"


def test_a_booking_without_a_customer_or_a_refused_one_sends_nothing(staff, restaurant, tables, giulia):
    assert _add(staff, restaurant).status_code == 302
    refused = _add(staff, restaurant, customer=giulia.pk, starts_at_1="16:00")  # closed in the afternoon
    assert refused.status_code == 200
    assert not _notifications().exists()


def test_moving_a_booking_sends_one_message_and_editing_notes_none(staff, restaurant, tables, giulia):
    appointment = _booked(restaurant, giulia)
    assert _edit(staff, appointment, notes="window table").status_code == 302
    assert not _notifications().exists()

    appointment.refresh_from_db()
    assert _edit(staff, appointment, starts_at_1="21:00", party_size=3).status_code == 302
    message = _notifications().get()
    assert message.payload["purpose"] == "staff_moved"
    assert "ha modificato la tua prenotazione" in message.text
    assert "3 persone, venerdì 4 dicembre alle 21:00" in message.text


def test_a_refused_move_or_cancel_in_the_admin_tells_nobody(staff, restaurant, tables, giulia):
    # Only T6 seats five: the earlier party holds it until 21:30.
    appointment_book(tenant=restaurant, start=rome(2026, 12, 4, 20), party_size=5, channel="whatsapp")
    later = appointment_book(
        tenant=restaurant, start=rome(2026, 12, 4, 21, 30), party_size=5, channel="whatsapp", customer=giulia
    )
    refused = _edit(staff, later, starts_at_1="20:15", party_size=5)
    assert "è già prenotato" in refused.context["adminform"].form.errors["starts_at"][0]
    # A no-show of a booking that has not started is refused: the new time that came with
    # it is undone and not announced either.
    refused = _edit(staff, later, starts_at_0="2026-12-05", status="no_show")
    assert list(refused.context["adminform"].form.errors) == ["status"]
    assert Appointment.objects.get(pk=later.pk).starts_at == rome(2026, 12, 4, 21, 30)
    assert not _notifications().exists()


def test_a_change_through_the_booking_service_alone_reaches_the_customer(restaurant, tables, giulia):
    # No admin involved: bookings announces the change and reminders, listening, stores the message.
    from bookings.services import appointment_staff_change

    appointment = _booked(restaurant, giulia)
    appointment_staff_change(tenant=restaurant, appointment=appointment, start=rome(2026, 12, 4, 21))
    message = _notifications().get()
    assert (message.conversation.customer, message.payload["purpose"]) == (giulia, "staff_moved")
    assert message.payload["reference"] == appointment.reference


def test_cancelling_an_already_cancelled_booking_in_bulk_tells_nobody_again(staff, restaurant, tables, giulia):
    appointment = _booked(restaurant, giulia)
    for _ in range(2):
        staff.post(LIST_URL, {"action": "cancel_selected", "_selected_action": [appointment.pk]})
    assert list(_notifications().values_list("payload__purpose", flat=True)) == ["staff_cancelled"]


def test_moving_to_another_table_tells_the_customer_nothing(staff, restaurant, tables, giulia):
    appointment = _booked(restaurant, giulia)
    assert _edit(staff, appointment, resource=tables[4].pk).status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).resource == tables[4]
    assert not _notifications().exists()


def test_cancelling_in_the_form_sends_one_message(staff, restaurant, tables, giulia):
    appointment = _booked(restaurant, giulia)
    assert _edit(staff, appointment, status="cancelled", notes="called to cancel").status_code == 302
    message = _notifications().get()
    assert message.payload["purpose"] == "staff_cancelled"
    assert f"ha disdetto la tua prenotazione {appointment.reference}" in message.text


def test_bulk_cancel_sends_one_message_per_booking(staff, restaurant, tables, giulia):
    other = CustomerFactory(tenant=restaurant, language="en", display_name="Ann")
    one, two = _booked(restaurant, giulia), _booked(restaurant, other, start=rome(2026, 12, 5, 20))
    response = staff.post(LIST_URL, {"action": "cancel_selected", "_selected_action": [one.pk, two.pk]})
    assert response.status_code == 302
    assert sorted(_notifications().values_list("conversation__customer", "payload__purpose")) == sorted(
        [(giulia.pk, "staff_cancelled"), (other.pk, "staff_cancelled")]
    )
    assert "Hi Ann, " in _notifications().get(conversation__customer=other).text


def test_giving_a_phone_booking_its_customer_tells_that_customer(staff, restaurant, tables, giulia):
    appointment = _booked(restaurant, None)
    assert _edit(staff, appointment, customer=giulia.pk).status_code == 302
    message = _notifications().get()
    assert (message.conversation.customer, message.payload["purpose"]) == (giulia, "staff_booked")


def test_past_bookings_and_tenants_who_turned_it_off_send_nothing(staff, restaurant, tables, giulia):
    earlier = _booked(restaurant, giulia, start=rome(2026, 12, 1, 12), by_staff=True)
    with time_machine.travel(rome(2026, 12, 1, 15), tick=False):
        assert _edit(staff, earlier, status="completed").status_code == 302
    reminder_settings(restaurant, notify_staff_changes=False)
    assert _add(staff, restaurant, customer=giulia.pk).status_code == 302
    assert not _notifications().exists()


def test_staff_of_another_tenant_can_neither_see_nor_change_the_booking(client, restaurant, tables, giulia):
    appointment = _booked(restaurant, giulia)
    outsider = TenantFactory()
    client.force_login(MembershipFactory(tenant=outsider).user)

    assert _edit(client, appointment, status="cancelled").status_code == 404
    client.post(LIST_URL, {"action": "cancel_selected", "_selected_action": [appointment.pk]})
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    assert not _notifications().exists()


# --- No-shows -------------------------------------------------------------------------


def test_staff_mark_no_shows_and_the_customer_list_counts_them(staff, restaurant, tables, giulia):
    first = _booked(restaurant, giulia, start=rome(2026, 12, 1, 12), by_staff=True)
    second = _booked(restaurant, giulia, start=rome(2026, 12, 2, 12))
    upcoming = _booked(restaurant, giulia, start=rome(2026, 12, 4, 20))
    with time_machine.travel(rome(2026, 12, 2, 15), tick=False):
        response = staff.post(
            LIST_URL, {"action": "mark_no_show", "_selected_action": [first.pk, second.pk, upcoming.pk]}, follow=True
        )
    assert "non ancora iniziata non può essere segnata come non presentato" in response.content.decode()
    assert dict(Appointment.objects.values_list("pk", "status")) == {
        first.pk: "no_show", second.pk: "no_show", upcoming.pk: "confirmed",
    }
    assert not _notifications().exists()

    customers = staff.get(reverse("admin:customers_customer_changelist"))
    (listed,) = customers.context["cl"].result_list
    assert (listed, listed.no_show_count) == (giulia, 2)
    change = staff.get(reverse("admin:customers_customer_change", args=[giulia.pk]))
    assert change.context["adminform"].form.instance.no_show_count == 2


def test_no_shows_of_another_tenants_customers_are_not_counted_or_shown(client, restaurant, tables, giulia):
    missed = _booked(restaurant, giulia, start=rome(2026, 12, 1, 12), by_staff=True)
    Appointment.objects.filter(pk=missed.pk).update(status="no_show")
    outsider = TenantFactory()
    stranger = CustomerFactory(tenant=outsider)
    client.force_login(MembershipFactory(tenant=outsider).user)

    customers = client.get(reverse("admin:customers_customer_changelist"))
    assert [(c, c.no_show_count) for c in customers.context["cl"].result_list] == [(stranger, 0)]
    assert client.get(reverse("admin:customers_customer_change", args=[giulia.pk])).status_code == 404
    client.post(LIST_URL, {"action": "mark_no_show", "_selected_action": [missed.pk]})
    assert Appointment.objects.get(pk=missed.pk).status == "no_show"


def test_staff_see_which_bookings_the_customer_confirmed(staff, restaurant, tables, giulia):
    confirmed = _booked(restaurant, giulia)
    Appointment.objects.filter(pk=confirmed.pk).update(customer_confirmed_at=NOW - timedelta(hours=1))
    page = staff.get(LIST_URL)
    assert "confirmed_by_customer" in page.context["cl"].list_display
    assert 'alt="True"' in page.content.decode()
    change = staff.get(reverse("admin:bookings_appointment_change", args=[confirmed.pk]))
    assert "customer_confirmed_at" in change.context["adminform"].readonly_fields
