"""A booking that needs a deposit, in the chat: quoted before "yes", held with a link, confirmed by Stripe's webhook."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from bookings.models import Appointment
from conversations.assistant_trial import trial_customer_get_or_create, trial_message_id, trial_message_send
from conversations.inbound import InboundKind, InboundMessage
from conversations.models import Message
from payments.models import Payment, PaymentPolicy
from payments.tests.conftest import NOW, fake, policy, restaurant, session_event, signed, tables  # noqa: F401

pytestmark = pytest.mark.django_db


def _say(tenant, customer, *, text="", choice=""):
    common = {"channel_message_id": trial_message_id(), "timestamp": NOW}
    if choice:
        inbound = InboundMessage(kind=InboundKind.CHOICE, choice_id=choice, choice_title="", **common)
    else:
        inbound = InboundMessage(kind=InboundKind.TEXT, text=text, **common)
    with time_machine.travel(NOW, tick=False):
        return trial_message_send(tenant=tenant, customer=customer, inbound=inbound)


@pytest.fixture
def checkout(fake):  # noqa: F811
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_chat", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_chat"})
    return fake


def test_the_deposit_is_quoted_before_yes_and_yes_sends_the_link_and_the_deadline(
    policy, tables, checkout, django_capture_on_commit_callbacks,  # noqa: F811
):
    tenant = policy.tenant
    customer = trial_customer_get_or_create(tenant=tenant, sender_id="giulia")
    replies = _say(tenant, customer, text="tavolo per 4 venerdì alle 20")
    assert replies[-1].text == (
        "Riepilogo: tavolo per 4 venerdì 4 dicembre alle 20:00. Per questa prenotazione chiediamo un acconto di "
        "50,00 €, da pagare con un link entro 15 minuti. Se disdici almeno 24 ore prima ti viene restituito; "
        "dopo, o se non vieni, resta a noi. Confermo?"
    )
    assert not Appointment.objects.exists()
    replies = _say(tenant, customer, choice="yes")
    held = Appointment.objects.get()
    assert (held.status, held.hold_reason, held.party_size) == ("held", "payment", 4)
    assert [r.text for r in replies] == [
        "Ti tengo il posto fino alle 10:15. Paga l'acconto di 50,00 € qui: https://checkout.test/cs_chat "
        f"Appena arriva il pagamento la prenotazione {held.reference} è confermata."
    ]
    form = checkout.requests[0][2]
    assert form["line_items[0][price_data][unit_amount]"] == ["5000"]
    assert form["line_items[0][price_data][product_data][name]"] == [
        f"{tenant.name}: tavolo per 4, venerdì 4 dicembre alle 20:00"
    ]

    # Stripe says it is paid: the booking is confirmed and the customer told through the outbox.
    body, signature = signed(session_event("evt_chat", {
        "id": "cs_chat", "mode": "payment", "payment_status": "paid", "payment_intent": "pi_chat",
        "metadata": {"tenant_id": str(tenant.pk)},
    }))
    with time_machine.travel(NOW + timedelta(minutes=4), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/webhooks/stripe", body, content_type="application/json",
                                 HTTP_STRIPE_SIGNATURE=signature)
    assert response.json() == {"status": "handled"}
    held.refresh_from_db()
    assert held.status == "confirmed"
    told = Message.objects.filter(direction=Message.Direction.OUTBOUND).order_by("-pk").first()
    assert told.text == (
        f"Pagamento ricevuto, grazie! Prenotazione {held.reference} confermata: tavolo per 4, "
        "venerdì 4 dicembre alle 20:00."
    )
    assert told.conversation.customer_id == customer.pk


def test_without_a_policy_that_applies_yes_books_at_once(policy, tables, checkout):  # noqa: F811
    PaymentPolicy.objects.filter(pk=policy.pk).update(min_party_size=6)
    tenant = policy.tenant
    customer = trial_customer_get_or_create(tenant=tenant, sender_id="marco")
    replies = _say(tenant, customer, text="tavolo per 4 venerdì alle 20")
    assert "acconto" not in replies[-1].text
    _say(tenant, customer, choice="yes")
    assert Appointment.objects.get().status == "confirmed"
    assert not Payment.objects.exists() and not checkout.requests


def test_a_provider_that_refuses_holds_nothing(policy, tables, fake):  # noqa: F811
    fake.answer("POST", "/v1/checkout/sessions", {"error": {"type": "api_error", "message": "down"}}, status=400)
    tenant = policy.tenant
    customer = trial_customer_get_or_create(tenant=tenant, sender_id="anna")
    _say(tenant, customer, text="tavolo per 4 venerdì alle 20")
    replies = _say(tenant, customer, choice="yes")
    assert [r.text for r in replies] == [
        "Mi dispiace, ora non riesco a preparare il link di pagamento. Riprova tra poco o scrivi "
        "\"persona\" per parlare con noi."
    ]
    assert Appointment.objects.get().status == "expired"


def test_an_unpaid_hold_tells_the_customer_the_time_ran_out(
    policy, tables, checkout, django_capture_on_commit_callbacks,  # noqa: F811
):
    from bookings.services import holds_expired_release

    checkout.answer("POST", "/v1/checkout/sessions/cs_chat/expire", {"id": "cs_chat", "object": "checkout.session"})
    tenant = policy.tenant
    customer = trial_customer_get_or_create(tenant=tenant, sender_id="luca")
    _say(tenant, customer, text="table for 4 on friday at 8pm")
    _say(tenant, customer, choice="yes")
    with django_capture_on_commit_callbacks(execute=True):
        holds_expired_release(now=NOW + timedelta(minutes=15))
    told = Message.objects.filter(direction=Message.Direction.OUTBOUND).order_by("-pk").first()
    assert told.text == (
        "The time to pay has run out, so the place (table for 4, Friday 4 December at 20:00) is no longer held. "
        "To try again, just write to us here."
    )
