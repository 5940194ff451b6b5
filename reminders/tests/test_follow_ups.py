"""After the visit: review requests, rebook nudges and no-show follow-ups, each once, never to who opted out."""

from datetime import timedelta

import pytest
from django.test import override_settings

from bookings.models import Appointment
from bookings.tests.factories import ServiceFactory
from conversations.models import Message
from customers.tests.factories import CustomerFactory
from reminders.follow_ups import follow_up_send, follow_ups_due, follow_ups_send_due
from reminders.models import FollowUpSent, MessageTemplate, Purpose
from reminders.selectors import reminder_settings_get
from reminders.services import reminders_send_due
from reminders.tests.conftest import book, reminder_settings, rome
from reminders.tests.test_reminders import _in_two_threads, needs_postgresql
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

VISIT = rome(2026, 11, 20, 19)  # ends 20:30 (the factory's 90 minutes)
END = VISIT + timedelta(minutes=90)
LINK = "https://g.page/r/trattoria/review"


def _purposes(now) -> list[tuple[str, str]]:
    return [(m.payload["purpose"], m.text) for m in follow_ups_send_due(now=now)]


def _visit(tenant, customer, status=Appointment.Status.COMPLETED, starts_at=VISIT, **fields) -> Appointment:
    appointment = book(tenant, customer, starts_at, **fields)
    Appointment.objects.filter(pk=appointment.pk).update(status=status)
    appointment.refresh_from_db()
    return appointment


def test_a_review_request_goes_after_the_delay_once_to_every_guest_who_came(trattoria, customer):
    reminder_settings(trattoria, review_requests_enabled=True, review_delay_hours=2, review_link=LINK)
    _visit(trattoria, customer)
    assert _purposes(END + timedelta(hours=1, minutes=59)) == []
    ((purpose, text),) = _purposes(END + timedelta(hours=2))
    assert purpose == "review_request"
    assert text == (
        f"Ciao Giulia, grazie per essere stato da Trattoria Da Mario! Se ti va, lasciaci una recensione: {LINK}"
    )
    assert _purposes(END + timedelta(hours=3)) == []
    assert FollowUpSent.objects.get().purpose == Purpose.REVIEW_REQUEST


def test_no_review_request_for_no_shows_cancellations_or_when_off_or_without_link(trattoria, customer):
    reminder_settings(trattoria, review_requests_enabled=True, review_link=LINK)
    _visit(trattoria, customer, status=Appointment.Status.NO_SHOW)
    _visit(trattoria, customer, status=Appointment.Status.CANCELLED, starts_at=VISIT - timedelta(hours=3))
    assert _purposes(END + timedelta(hours=3)) == []
    other = TenantFactory(name="Off")
    _visit(other, CustomerFactory(tenant=other))
    reminder_settings(other, review_requests_enabled=True, review_link="")
    assert follow_ups_send_due(now=END + timedelta(hours=3), tenant=other) == []


def test_one_review_request_per_customer_every_n_days(trattoria, customer):
    reminder_settings(trattoria, review_requests_enabled=True, review_link=LINK, review_every_days=30)
    _visit(trattoria, customer)
    assert [p for p, _t in _purposes(END + timedelta(hours=3))] == ["review_request"]
    _visit(trattoria, customer, starts_at=VISIT + timedelta(days=10))
    assert _purposes(END + timedelta(days=10, hours=3)) == []
    _visit(trattoria, customer, starts_at=VISIT + timedelta(days=31))
    assert [p for p, _t in _purposes(END + timedelta(days=31, hours=3))] == ["review_request"]


def test_a_follow_up_claimed_by_a_racing_run_is_not_sent_twice(trattoria, customer):
    reminder_settings(trattoria, review_requests_enabled=True, review_link=LINK)
    _visit(trattoria, customer)
    now = END + timedelta(hours=3)
    (due,) = follow_ups_due(tenant=trattoria, settings=reminder_settings_get(tenant=trattoria), now=now)
    assert follow_up_send(follow_up=due, now=now) is not None
    assert follow_up_send(follow_up=due, now=now) is None
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() == 1


def test_review_request_outside_the_window_carries_the_approved_template(trattoria, customer):
    reminder_settings(trattoria, review_requests_enabled=True, review_link=LINK)
    MessageTemplate.objects.create(
        tenant=trattoria, purpose=Purpose.REVIEW_REQUEST, language="it", name="review_invite",
        parameters="customer_name",
    )
    _visit(trattoria, customer)
    (message,) = follow_ups_send_due(now=END + timedelta(hours=3))
    assert message.payload["template"] == {
        "name": "review_invite", "language": "it", "parameters": ["Giulia"], "buttons": [], "category": "marketing",
    }


def _due_follow_up(tenant, customer, purpose: str) -> tuple[Appointment, object]:
    """A booking for which ``purpose`` is due, and the moment it is due."""
    reminder_settings(
        tenant, review_requests_enabled=True, review_link=LINK, no_show_follow_up_enabled=True,
        rebook_nudges_enabled=True,
    )
    if purpose == Purpose.NO_SHOW_FOLLOW_UP:
        return _visit(tenant, customer, status=Appointment.Status.NO_SHOW), END + timedelta(minutes=1)
    if purpose == Purpose.REBOOK_NUDGE:
        # Reviewed already, so only the nudge is due six weeks on.
        reminder_settings(tenant, review_requests_enabled=False)
        colour = ServiceFactory(tenant=tenant, name_it="Colore", rebook_after_weeks=6)
        return _visit(tenant, customer, service=colour), VISIT + timedelta(weeks=6)
    return _visit(tenant, customer), END + timedelta(hours=3)


@pytest.mark.parametrize("purpose", [Purpose.REVIEW_REQUEST, Purpose.NO_SHOW_FOLLOW_UP, Purpose.REBOOK_NUDGE])
def test_each_follow_up_goes_free_form_in_the_window_and_carries_its_template_for_outside(
    trattoria, customer, purpose
):
    # The sender judges the window when it sends: inside it the free-form text goes, outside
    # it the template the row carries (or nothing, recorded not sendable, without one).
    MessageTemplate.objects.create(
        tenant=trattoria, purpose=purpose, language="it", name=f"{purpose}_it", parameters="customer_name",
    )
    MessageTemplate.objects.create(
        tenant=trattoria, purpose=purpose, language="en", name=f"{purpose}_en", parameters="customer_name",
    )
    _appointment, now = _due_follow_up(trattoria, customer, purpose)
    (message,) = follow_ups_send_due(now=now)
    assert message.payload["purpose"] == purpose
    assert message.text.startswith("Ciao Giulia, ")
    assert message.payload["template"] == {
        "name": f"{purpose}_it", "language": "it", "parameters": ["Giulia"], "buttons": [],
        "category": "utility" if purpose == "no_show_follow_up" else "marketing",
    }


@pytest.mark.parametrize("purpose", [Purpose.REVIEW_REQUEST, Purpose.NO_SHOW_FOLLOW_UP, Purpose.REBOOK_NUDGE])
def test_a_follow_up_without_an_approved_template_goes_free_form_only(trattoria, customer, purpose):
    # A template for another purpose is never borrowed.
    MessageTemplate.objects.create(tenant=trattoria, purpose=Purpose.REMINDER, language="it", name="booking_reminder")
    _appointment, now = _due_follow_up(trattoria, customer, purpose)
    (message,) = follow_ups_send_due(now=now)
    assert message.payload["purpose"] == purpose
    assert message.text.startswith("Ciao Giulia, ")
    assert "template" not in message.payload


def test_a_no_show_follow_up_goes_once_when_turned_on(trattoria, customer):
    _visit(trattoria, customer, status=Appointment.Status.NO_SHOW)
    assert _purposes(END) == []
    reminder_settings(trattoria, no_show_follow_up_enabled=True)
    assert _purposes(END) == [
        ("no_show_follow_up",
         "Ciao Giulia, ci sei mancato oggi da Trattoria Da Mario. Vuoi che troviamo un altro momento?")
    ]
    assert _purposes(END + timedelta(hours=1)) == []


def test_a_rebook_nudge_goes_after_the_services_weeks_unless_booked_again(trattoria, customer):
    reminder_settings(trattoria, rebook_nudges_enabled=True)
    colour = ServiceFactory(tenant=trattoria, name_it="Colore", rebook_after_weeks=6)
    _visit(trattoria, customer, service=colour)
    assert _purposes(VISIT + timedelta(weeks=6) - timedelta(minutes=1)) == []
    ((purpose, text),) = _purposes(VISIT + timedelta(weeks=6))
    assert purpose == "rebook_nudge" and "(Colore)" in text
    assert _purposes(VISIT + timedelta(weeks=6, hours=1)) == []

    nudge = Message.objects.get(payload__purpose="rebook_nudge")
    visit = Appointment.objects.get(customer=customer)
    assert (nudge.type, nudge.payload["options"]) == (
        "interactive", [{"id": f"remind:again:{visit.reference}", "title": "Prenota di nuovo"}],
    )

    other = CustomerFactory(tenant=trattoria, display_name="Anna")
    _visit(trattoria, other, service=colour, starts_at=VISIT + timedelta(days=1))
    book(trattoria, other, VISIT + timedelta(weeks=8))  # already has a future booking
    assert _purposes(VISIT + timedelta(weeks=6, days=1)) == []


def test_opted_out_customers_get_no_reminders_nudges_or_reviews_but_confirmations_still_go(trattoria, customer):
    from reminders.services import appointment_change_notify

    reminder_settings(
        trattoria, review_requests_enabled=True, review_link=LINK, no_show_follow_up_enabled=True,
        rebook_nudges_enabled=True,
    )
    customer.opted_out_at = VISIT - timedelta(days=30)
    customer.save()
    cut = ServiceFactory(tenant=trattoria, rebook_after_weeks=1)
    _visit(trattoria, customer, service=cut)
    _visit(trattoria, customer, status=Appointment.Status.NO_SHOW, starts_at=VISIT + timedelta(weeks=1))
    upcoming = book(trattoria, customer, VISIT + timedelta(weeks=2))
    for hours in (3, 24 * 7, 24 * 7 + 2, 24 * 13):
        assert follow_ups_send_due(now=END + timedelta(hours=hours)) == []
    assert reminders_send_due(now=upcoming.starts_at - timedelta(hours=2)) == []
    assert appointment_change_notify(
        tenant=trattoria, appointment=upcoming, purpose=Purpose.STAFF_MOVED, now=upcoming.starts_at - timedelta(days=1)
    ) is not None


@pytest.fixture
def four_reviews_due(transactional_db):
    tenant = TenantFactory(name="Salone")
    reminder_settings(tenant, review_requests_enabled=True, review_link=LINK)
    for i in range(4):
        _visit(tenant, CustomerFactory(tenant=tenant), starts_at=VISIT + timedelta(minutes=15 * i))
    return tenant, END + timedelta(hours=3)


@needs_postgresql
@override_settings(LYO_SEND_BACKEND="console")
def test_two_runs_that_found_the_same_follow_ups_send_each_exactly_once(four_reviews_due):
    tenant, now = four_reviews_due

    def run(barrier):
        barrier.wait(timeout=30)
        due = follow_ups_due(tenant=tenant, settings=reminder_settings_get(tenant=tenant), now=now)
        barrier.wait(timeout=30)  # both found every follow-up before either claims one
        return [follow_up_send(follow_up=follow_up, now=now) for follow_up in due]

    results = _in_two_threads(run)
    assert all(isinstance(result, list) and len(result) == 4 for result in results), results
    assert sum(message is not None for result in results for message in result) == 4
    assert Message.objects.filter(direction=Message.Direction.OUTBOUND).count() == 4
    assert FollowUpSent.objects.filter(tenant=tenant).count() == 4
