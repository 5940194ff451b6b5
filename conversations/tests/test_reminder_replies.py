"""A reminder's Confirm / Cancel buttons, whoever taps them and however they arrive."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from conversations.assistant.reminder_replies import reminder_button_id, reminder_choice
from conversations.assistant_trial import trial_customer_get_or_create, trial_message_id, trial_message_send
from conversations.inbound import InboundKind, InboundMessage
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _tap(choice_id: str, title: str = "", channel_type: str = "choice") -> InboundMessage:
    return InboundMessage(
        kind=InboundKind.CHOICE, channel_message_id=trial_message_id(), timestamp=NOW, choice_id=choice_id,
        choice_title=title, channel_type=channel_type,
    )


def _say(tenant, customer, inbound) -> str:
    replies = trial_message_send(tenant=tenant, customer=customer, inbound=inbound)
    return "\n".join(reply.text for reply in replies)


@pytest.mark.parametrize(
    ("choice_id", "title", "channel_type", "expected"),
    [
        ("remind:cancel:K7M3QD", "Annulla", "button", "remind:cancel:K7M3QD"),
        ("remind:confirm:K7M3QD", "", "interactive", "remind:confirm:K7M3QD"),
        ("Annulla", "Annulla", "button", "remind:cancel:"),  # a template button without a payload
        ("CANCEL", "Annulla", "button", "remind:cancel:"),  # a payload that is not ours
        ("Confirm", "Confirm", "button", "remind:confirm:"),
        ("no", "Annulla", "interactive", None),  # our own "Annulla" reply button
        ("BOOK_AGAIN", "Prenota di nuovo", "button", None),
    ],
)
def test_which_taps_are_reminder_buttons(choice_id, title, channel_type, expected):
    assert reminder_choice(_tap(choice_id, title, channel_type)) == expected


def test_a_code_of_another_tenant_is_not_found_and_nothing_changes():
    tenant, other = TenantFactory(), TenantFactory()
    customer = trial_customer_get_or_create(tenant=tenant, sender_id="me")
    theirs = AppointmentFactory(tenant=other, starts_at=NOW + timedelta(days=1))

    text = _say(tenant, customer, _tap(reminder_button_id("confirm", theirs.reference)))
    assert f"Non trovo una prenotazione attiva con il codice {theirs.reference}" in text
    text = _say(tenant, customer, _tap(reminder_button_id("cancel", theirs.reference)))
    assert "Non trovo" in text and "Vuoi disdire" not in text
    theirs.refresh_from_db()
    assert (theirs.status, theirs.customer_confirmed_at) == ("confirmed", None)


def test_confirm_on_a_cancelled_booking_confirms_nothing():
    tenant = TenantFactory()
    customer = trial_customer_get_or_create(tenant=tenant, sender_id="me")
    cancelled = AppointmentFactory(
        tenant=tenant, customer=customer, starts_at=NOW + timedelta(days=1), status=Appointment.Status.CANCELLED
    )
    assert "Non trovo" in _say(tenant, customer, _tap(reminder_button_id("confirm", cancelled.reference)))
    cancelled.refresh_from_db()
    assert cancelled.customer_confirmed_at is None


def test_a_title_only_button_stands_for_the_booking_that_was_reminded():
    tenant = TenantFactory()
    customer = trial_customer_get_or_create(tenant=tenant, sender_id="me")
    AppointmentFactory(tenant=tenant, customer=customer, starts_at=NOW + timedelta(hours=5))  # not reminded
    reminded = AppointmentFactory(
        tenant=tenant, customer=customer, starts_at=NOW + timedelta(days=1), reminder_sent_at=NOW - timedelta(hours=1)
    )
    assert "Grazie per la conferma" in _say(tenant, customer, _tap("Confermo", "Confermo", "button"))
    assert dict(Appointment.objects.values_list("pk", "customer_confirmed_at"))[reminded.pk] == NOW


def test_a_title_only_button_with_nothing_reminded_is_read_as_text():
    tenant = TenantFactory()
    customer = trial_customer_get_or_create(tenant=tenant, sender_id="me")
    text = _say(tenant, customer, _tap("Annulla", "Annulla", "button"))
    assert "ricominciamo" in text  # "annulla" typed: start over
