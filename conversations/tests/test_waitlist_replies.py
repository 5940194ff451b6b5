"""The waitlist's buttons in the chat: only the customer's own offer and requests are acted on."""

from datetime import time

import pytest
import time_machine

from bookings.models import WaitlistRequest
from bookings.services import appointment_book, appointment_cancel
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import OpeningHoursFactory, ResourceFactory
from bookings.waitlist import waitlist_join
from conversations.assistant.waitlist import CONFIRM, DECLINE, waitlist_button_id
from conversations.assistant_trial import trial_customer_get_or_create, trial_message_id, trial_message_send
from conversations.inbound import InboundKind, InboundMessage
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture
def restaurant(db):
    """Open every evening 19:00-23:00."""
    tenant = TenantFactory(kind="restaurant", slot_minutes=15, min_notice_minutes=120, default_duration_minutes=90)
    for weekday in range(7):
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(19), closes=time(23))
    return tenant


@pytest.fixture
def tables(restaurant):
    return {
        6: ResourceFactory(tenant=restaurant, name="T6", min_seats=4, max_seats=6, position=0),
        4: ResourceFactory(tenant=restaurant, name="T4", min_seats=2, max_seats=4, position=1),
    }


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _tap(choice_id: str) -> InboundMessage:
    return InboundMessage(kind=InboundKind.CHOICE, channel_message_id=trial_message_id(), timestamp=NOW,
                          choice_id=choice_id)


def _say(tenant, customer, choice_id: str) -> str:
    replies = trial_message_send(tenant=tenant, customer=customer, inbound=_tap(choice_id))
    return "\n".join(reply.text for reply in replies)


@pytest.fixture
def offered(restaurant, tables, django_capture_on_commit_callbacks):
    """Giulia (on the test chat) waits for 20:00; the cancelled table is held for her."""
    appointment_book(tenant=restaurant, start=AT_20, party_size=6, resource=tables[6], channel="whatsapp", now=NOW)
    booking = appointment_book(
        tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="whatsapp",
        customer=CustomerFactory(tenant=restaurant), now=NOW,
    )
    giulia = trial_customer_get_or_create(tenant=restaurant, sender_id="giulia", display_name="Giulia")
    request = waitlist_join(tenant=restaurant, customer=giulia, start=AT_20, party_size=4, channel="test", now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=restaurant, appointment=booking, now=NOW)
    request.refresh_from_db()
    assert request.status == "offered"
    return request


@pytest.mark.parametrize("action", [CONFIRM, DECLINE])
def test_someone_elses_offer_tapped_is_not_found_and_the_hold_stays(restaurant, offered, action):
    reference = offered.offer.reference
    stranger = trial_customer_get_or_create(tenant=restaurant, sender_id="stranger")
    other_tenant = TenantFactory()
    elsewhere = trial_customer_get_or_create(tenant=other_tenant, sender_id="giulia")

    assert "Non trovo questa proposta" in _say(restaurant, stranger, waitlist_button_id(action, reference))
    assert "Non trovo questa proposta" in _say(other_tenant, elsewhere, waitlist_button_id(action, reference))
    offered.refresh_from_db()
    offered.offer.refresh_from_db()
    assert (offered.status, offered.offer.status) == ("offered", "held")


def test_only_the_customers_own_request_is_withdrawn(restaurant, offered):
    stranger = trial_customer_get_or_create(tenant=restaurant, sender_id="stranger")
    assert "non è più in lista d'attesa" in _say(restaurant, stranger, f"wl:withdraw:{offered.pk}")
    offered.refresh_from_db()
    assert offered.status == "offered"

    text = _say(restaurant, offered.customer, f"wl:withdraw:{offered.pk}")
    assert "Fatto, non sei più in lista d'attesa per 4 persone, venerdì 4 dicembre tra le 19:00 e le 21:00." in text
    offered.refresh_from_db()
    offered.offer.refresh_from_db()
    assert (offered.status, offered.offer.status) == ("withdrawn", "expired")


def test_a_join_button_for_a_time_already_past_is_refused_politely(restaurant):
    giulia = trial_customer_get_or_create(tenant=restaurant, sender_id="giulia")
    text = _say(restaurant, giulia, "wl:join:2026-11-30T20:00|2|0|0")
    assert text == "Mi dispiace, quell'orario è già passato."
    assert not WaitlistRequest.objects.exists()
