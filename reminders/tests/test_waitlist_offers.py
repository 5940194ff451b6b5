"""A freed slot held for a waitlisted customer is offered on their channel: free-form, template, or skipped."""

from datetime import timedelta

import pytest
import time_machine

from bookings.models import WaitlistRequest
from bookings.services import appointment_book, appointment_cancel
from bookings.tests.conftest import NOW, rome
from bookings.waitlist import waitlist_join
from conversations.models import Message
from conversations.services.conversations import conversation_get_or_open
from customers.tests.factories import CustomerFactory
from reminders.models import MessageTemplate, Purpose
from reminders.waitlist_offers import waitlist_offer_send
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

AT_20_30 = rome(2026, 12, 5, 20, 30)  # a Saturday


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _customer(restaurant, name="Giulia Rossi", language="it", wrote_hours_ago=None, **fields):
    customer = CustomerFactory(tenant=restaurant, display_name=name, language=language, **fields)
    if wrote_hours_ago is not None:
        conversation = conversation_get_or_open(tenant=restaurant, customer=customer)
        conversation.last_inbound_at = NOW - timedelta(hours=wrote_hours_ago)
        conversation.save(update_fields=["last_inbound_at"])
    return customer


def _full_then_join(restaurant, tables, *customers):
    """Every table for four is taken at 20:30; ``customers`` join the waitlist in order; T4's booking."""
    appointment_book(tenant=restaurant, start=AT_20_30, party_size=6, resource=tables[6], channel="whatsapp")
    booking = appointment_book(
        tenant=restaurant, start=AT_20_30, party_size=4, resource=tables[4], channel="whatsapp",
        customer=CustomerFactory(tenant=restaurant),
    )
    requests = [
        waitlist_join(tenant=restaurant, customer=customer, start=AT_20_30, party_size=4,
                      now=NOW + timedelta(seconds=index))
        for index, customer in enumerate(customers)
    ]
    return booking, requests


def _offers(restaurant):
    return list(
        Message.objects.filter(
            tenant=restaurant, direction=Message.Direction.OUTBOUND, payload__purpose="waitlist_offer"
        ).select_related("conversation__customer").order_by("pk")
    )


def test_inside_the_window_the_offer_is_a_message_with_confirm_and_no_thanks(
    restaurant, tables, graph, django_capture_on_commit_callbacks
):
    giulia = _customer(restaurant, wrote_hours_ago=3, phone="393471234567")
    booking, (request,) = _full_then_join(restaurant, tables, giulia)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=restaurant, appointment=booking, now=NOW)

    request.refresh_from_db()
    held = request.offer
    (message,) = _offers(restaurant)
    assert (request.status, message.conversation.customer, message.delivery_status) == ("offered", giulia, "sent")
    assert message.payload["type"] == "buttons"
    assert message.text == (
        "Ciao Giulia, si è liberato un tavolo per 4 sabato 5 dicembre alle 20:30. Lo prendo per te? "
        "Te lo tengo per 10 minuti."
    )
    assert message.payload["options"] == [
        {"id": f"wl:confirm:{held.reference}", "title": "Confermo"},
        {"id": f"wl:decline:{held.reference}", "title": "No grazie"},
    ]
    assert "template" not in message.payload
    (send,) = graph.sends
    assert send["body"]["type"] == "interactive"
    assert [button["reply"]["id"] for button in send["body"]["interactive"]["action"]["buttons"]] == [
        f"wl:confirm:{held.reference}", f"wl:decline:{held.reference}",
    ]


def test_an_english_customer_reads_the_offer_in_english(restaurant, tables, django_capture_on_commit_callbacks):
    emma = _customer(restaurant, name="Emma Smith", language="en", wrote_hours_ago=1)
    booking, (request,) = _full_then_join(restaurant, tables, emma)
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False), django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=restaurant, appointment=booking, now=NOW)
    request.refresh_from_db()
    # Sent three minutes after the hold was made: what is left of it is what the customer is told.
    waitlist_offer_send(tenant=restaurant, request_id=request.pk, now=NOW + timedelta(minutes=3))
    texts = [message.text for message in _offers(restaurant)]
    assert texts == [
        "Hi Emma, a table for 4 has freed up Saturday 5 December at 20:30. Shall I take it for you? "
        "I'll keep it for you for 10 minutes.",
        "Hi Emma, a table for 4 has freed up Saturday 5 December at 20:30. Shall I take it for you? "
        "I'll keep it for you for 7 minutes.",
    ]
    assert [option["title"] for option in _offers(restaurant)[0].payload["options"]] == ["Confirm", "No thanks"]


def test_outside_the_window_the_offer_goes_as_the_approved_template_with_the_buttons_payloads(
    restaurant, tables, graph, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.create(
        tenant=restaurant, purpose=Purpose.WAITLIST_OFFER, name="posto_liberato", language="it",
        parameters="customer_name,party_or_service,date,time", confirm_cancel_buttons=True,
    )
    giulia = _customer(restaurant, wrote_hours_ago=30, phone="393471234567")
    booking, (request,) = _full_then_join(restaurant, tables, giulia)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=restaurant, appointment=booking, now=NOW)

    request.refresh_from_db()
    reference = request.offer.reference
    (message,) = _offers(restaurant)
    assert (request.status, message.delivery_status) == ("offered", "sent")
    (send,) = graph.sends
    template = send["body"]["template"]
    assert (template["name"], template["language"]) == ("posto_liberato", {"code": "it"})
    assert template["components"][0] == {"type": "body", "parameters": [
        {"type": "text", "text": value} for value in ("Giulia", "4 persone", "sabato 5 dicembre", "20:30")
    ]}
    assert [component["parameters"][0]["payload"] for component in template["components"][1:]] == [
        f"wl:confirm:{reference}", f"wl:decline:{reference}",
    ]


def test_outside_the_window_without_a_template_the_request_is_skipped_and_the_next_is_offered(
    restaurant, tables, graph, django_capture_on_commit_callbacks
):
    silent = _customer(restaurant, name="Anna", wrote_hours_ago=25)
    opted_out = _customer(restaurant, name="Bruno", wrote_hours_ago=1, opted_out_at=NOW - timedelta(days=1))
    marco = _customer(restaurant, name="Marco", wrote_hours_ago=2)
    booking, (first, second, third) = _full_then_join(restaurant, tables, silent, opted_out, marco)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=restaurant, appointment=booking, now=NOW)

    for request in (first, second, third):
        request.refresh_from_db()
    assert (first.status, second.status, third.status) == ("skipped", "skipped", "offered")
    assert [message.conversation.customer for message in _offers(restaurant)] == [marco]
    assert third.offer.status == "held" and third.offer.resource == tables[4]


def test_an_answered_or_another_tenants_request_is_not_offered_again(
    restaurant, tables, django_capture_on_commit_callbacks
):
    giulia = _customer(restaurant, wrote_hours_ago=1)
    booking, (request,) = _full_then_join(restaurant, tables, giulia)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(tenant=restaurant, appointment=booking, now=NOW)
    assert len(_offers(restaurant)) == 1

    other = TenantFactory()
    assert waitlist_offer_send(tenant=other, request_id=request.pk, now=NOW) is None
    WaitlistRequest.objects.filter(pk=request.pk).update(status=WaitlistRequest.Status.DECLINED)
    assert waitlist_offer_send(tenant=restaurant, request_id=request.pk, now=NOW) is None
    assert len(_offers(restaurant)) == 1
    request.refresh_from_db()
    assert request.status == "declined"
