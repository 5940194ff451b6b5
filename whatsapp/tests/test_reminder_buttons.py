"""A reminder's buttons tapped on WhatsApp: template quick replies arrive as ``button`` messages."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from conversations.models import Message
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from whatsapp.tests.conftest import payload_bytes

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=ROME)  # when the 24-hour reminder went out
STARTS_AT = datetime(2026, 12, 4, 20, 0, tzinfo=ROME)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        yield


@pytest.fixture
def giulia(tenant) -> Customer:
    # The sample payloads' sender.
    return CustomerFactory(
        tenant=tenant, phone="393471234567", channel_user_id="IT.1349875623410987", display_name="Giulia",
        language="it",
    )


@pytest.fixture
def reminded(tenant, giulia) -> Appointment:
    return AppointmentFactory(tenant=tenant, customer=giulia, starts_at=STARTS_AT, reminder_sent_at=NOW)


def _tap(kind: str, *, id_: str = "", title: str = "", payload: str | None = None, n: int = 1) -> bytes:
    """A tap as Meta delivers it: a template's quick reply (``button``) or a reply button (``interactive``)."""
    name = "whatsapp_template_button.json" if kind == "button" else "whatsapp_button_reply.json"
    body = json.loads(payload_bytes(name))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.TAP{kind}{n}"
    if kind == "button":
        message["button"] = {"text": title, **({"payload": payload} if payload is not None else {})}
    else:
        message["interactive"]["button_reply"] = {"id": id_, "title": title}
    return json.dumps(body).encode()


def _last_reply_text() -> str:
    reply = Message.objects.filter(direction=Message.Direction.OUTBOUND).order_by("-pk").first()
    return reply.text


def test_annulla_on_a_reminder_template_asks_then_cancels(tenant, giulia, reminded, post_webhook, graph):
    ref = reminded.reference
    post_webhook(_tap("button", title="Annulla", payload=f"remind:cancel:{ref}"))
    assert f"Vuoi disdire la prenotazione {ref}" in _last_reply_text()
    # The customer just wrote: the question goes free-form, with its buttons.
    assert graph.sends[-1]["body"]["type"] == "interactive"

    post_webhook(_tap("interactive", id_="yes", title="Sì, disdici", n=2))
    reminded.refresh_from_db()
    assert reminded.status == "cancelled"
    assert f"la prenotazione {ref} è disdetta" in _last_reply_text()


def test_a_template_button_without_our_payload_is_read_by_its_title(tenant, giulia, reminded, post_webhook, graph):
    # The recorded sample: payload "CANCEL" (not ours), title "Annulla".
    post_webhook(payload_bytes("whatsapp_template_button.json"))
    assert f"Vuoi disdire la prenotazione {reminded.reference}" in _last_reply_text()


def test_confermo_marks_the_booking_confirmed_by_the_customer(tenant, giulia, reminded, post_webhook, graph):
    post_webhook(_tap("button", title="Confermo"))  # no payload at all: the title
    reminded.refresh_from_db()
    assert reminded.customer_confirmed_at == NOW + timedelta(minutes=5)
    assert reminded.status == "confirmed"
    assert "Grazie per la conferma! Ti aspettiamo venerdì 4 dicembre alle 20:00." in _last_reply_text()


def test_our_own_annulla_reply_button_is_not_a_reminder_button(tenant, giulia, reminded, post_webhook, graph):
    # The booking summary's "Annulla" button has the id "no": it drops the draft, it cancels nothing.
    post_webhook(_tap("interactive", id_="no", title="Annulla"))
    reminded.refresh_from_db()
    assert reminded.status == "confirmed"
