"""What a reminder looks like on WhatsApp: free-form inside the window, the tenant's template outside it."""

from datetime import timedelta

import pytest
import time_machine

from bookings.tests.factories import ServiceFactory
from conversations.models import Message
from conversations.services.conversations import conversation_get_or_open
from conversations.tests.factories import MessageFactory
from customers.tests.factories import CustomerFactory
from reminders.services import reminders_send_due
from reminders.tests.conftest import book, reminder_template, rome
from whatsapp.services.outbound import TEMPLATE_KEY as WHATSAPP_TEMPLATE_KEY

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)
DUE = AT_20 - timedelta(hours=24)


@pytest.fixture
def run_due(django_capture_on_commit_callbacks):
    """Queue the reminders due at ``at`` and let the outbox send them (on commit, as in production)."""

    def run(at=DUE):
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return reminders_send_due()

    return run


def _reminder_message() -> Message:
    return Message.objects.get(direction=Message.Direction.OUTBOUND, payload__purpose="reminder")


def test_outside_the_window_the_reminder_is_the_template_with_the_bookings_parameters(
    whatsapp_trattoria, customer, graph, run_due
):
    reminder_template(whatsapp_trattoria, "it", name="promemoria_prenotazione", confirm_cancel_buttons=True)
    appointment = book(whatsapp_trattoria, customer, AT_20, party_size=4)
    run_due()

    (send,) = graph.sends
    assert send["phone_number_id"] == whatsapp_trattoria.whatsapp_phone_number_id
    ref = appointment.reference
    assert send["body"] == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "393471234567", "type": "template",
        "template": {
            "name": "promemoria_prenotazione",
            "language": {"code": "it"},
            "components": [
                {"type": "body", "parameters": [
                    {"type": "text", "text": "Giulia"},
                    {"type": "text", "text": "venerdì 4 dicembre"},
                    {"type": "text", "text": "20:00"},
                    {"type": "text", "text": "4 persone"},
                    {"type": "text", "text": ref},
                ]},
                {"type": "button", "sub_type": "quick_reply", "index": "0",
                 "parameters": [{"type": "payload", "payload": f"remind:confirm:{ref}"}]},
                {"type": "button", "sub_type": "quick_reply", "index": "1",
                 "parameters": [{"type": "payload", "payload": f"remind:cancel:{ref}"}]},
            ],
        },
        "biz_opaque_callback_data": f"lyo-message:{_reminder_message().pk}",
    }
    message = _reminder_message()
    assert (message.type, message.delivery_status, message.channel_message_id) == ("template", "sent", "wamid.SENT0001")


def test_the_template_is_in_the_customers_language_with_its_parameters_in_that_language(
    whatsapp_trattoria, graph, run_due
):
    reminder_template(whatsapp_trattoria, "it", name="promemoria")
    reminder_template(whatsapp_trattoria, "en_US", name="reminder", parameters="date,time,party_or_service")
    tourist = CustomerFactory(tenant=whatsapp_trattoria, language="en", display_name="Ann Lee")
    salon_service = ServiceFactory(tenant=whatsapp_trattoria, name_it="Degustazione", name_en="Tasting menu")
    book(whatsapp_trattoria, tourist, AT_20, service=salon_service)
    run_due()

    (send,) = graph.sends
    template = send["body"]["template"]
    assert (template["name"], template["language"]) == ("reminder", {"code": "en_US"})
    assert template["components"] == [{"type": "body", "parameters": [
        {"type": "text", "text": "Friday 4 December"}, {"type": "text", "text": "20:00"},
        {"type": "text", "text": "Tasting menu"},
    ]}]


def test_a_customer_of_unknown_language_and_name_gets_the_businesss_language(whatsapp_trattoria, graph, run_due):
    reminder_template(whatsapp_trattoria, "en", name="reminder_en")
    reminder_template(whatsapp_trattoria, "it", name="reminder_it", parameters="customer_name")
    nameless = CustomerFactory(tenant=whatsapp_trattoria, language="", display_name="")
    book(whatsapp_trattoria, nameless, AT_20)
    run_due()

    template = graph.sends[0]["body"]["template"]
    assert template["name"] == "reminder_it"
    # Meta refuses an empty parameter: an unknown name still reads naturally.
    assert template["components"][0]["parameters"] == [{"type": "text", "text": "cliente"}]


def test_outside_the_window_without_a_template_the_reminder_is_not_sendable(
    whatsapp_trattoria, customer, graph, run_due
):
    book(whatsapp_trattoria, customer, AT_20)
    run_due()

    assert graph.sends == []
    message = _reminder_message()
    assert (message.type, message.delivery_status) == ("interactive", "not_sendable")
    assert "24-hour window" in message.error_title
    assert WHATSAPP_TEMPLATE_KEY not in message.payload


def test_inside_the_window_the_reminder_is_a_free_form_message_with_confirm_and_cancel(
    whatsapp_trattoria, customer, graph, run_due
):
    reminder_template(whatsapp_trattoria, "it", confirm_cancel_buttons=True)
    appointment = book(whatsapp_trattoria, customer, AT_20)
    conversation = conversation_get_or_open(tenant=whatsapp_trattoria, customer=customer)
    conversation.last_inbound_at = DUE - timedelta(hours=3)  # the customer wrote this afternoon
    conversation.save(update_fields=["last_inbound_at"])
    MessageFactory(conversation=conversation, channel_timestamp=DUE - timedelta(hours=3), processing_status="processed")
    run_due()

    (send,) = graph.sends
    interactive = send["body"]["interactive"]
    assert interactive["type"] == "button"
    assert "ti ricordiamo la prenotazione da Trattoria Da Mario" in interactive["body"]["text"]
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": f"remind:confirm:{appointment.reference}", "title": "Confermo"},
        {"id": f"remind:cancel:{appointment.reference}", "title": "Annulla"},
    ]
    assert _reminder_message().type == "interactive"


def test_the_template_key_is_the_one_the_whatsapp_sender_reads():
    from reminders.services import TEMPLATE_KEY

    assert TEMPLATE_KEY == WHATSAPP_TEMPLATE_KEY
