"""The Business app's contacts (``smb_app_state_sync``) and history (``history``), imported in the background."""

from conversations.models import Message
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import payload_bytes


def test_contact_names_fill_known_customers_names_only(tenant, post_webhook):
    giulia = CustomerFactory(tenant=tenant, channel="whatsapp", phone="393471234567", display_name="Giulia")
    assert post_webhook(payload_bytes("whatsapp_smb_app_state_sync.json")).status_code == 200
    giulia.refresh_from_db()
    assert giulia.display_name == "Giulia Rossi (sabato)"
    # The owner's address book is not a customer list: nobody new is created.
    assert not Customer.objects.filter(tenant=tenant, phone="393480000000").exists()


def test_contacts_never_rename_another_tenants_customer(tenant, post_webhook):
    other = TenantFactory(whatsapp_phone_number_id="999000111222", whatsapp_access_token="EAAG-other")
    theirs = CustomerFactory(tenant=other, channel="whatsapp", phone="393471234567", display_name="Giulia")
    post_webhook(payload_bytes("whatsapp_smb_app_state_sync.json"))
    theirs.refresh_from_db()
    assert theirs.display_name == "Giulia"


def test_history_is_imported_once_as_past_messages_never_answered(tenant, post_webhook, graph):
    body = payload_bytes("whatsapp_history.json")
    assert post_webhook(body).status_code == 200
    assert post_webhook(body).status_code == 200  # redelivered

    messages = list(Message.objects.filter(tenant=tenant).order_by("created_at"))
    assert [(m.channel_message_id, m.direction, m.text) for m in messages] == [
        ("wamid.HIST0001", Message.Direction.INBOUND, "Avete posto venerdì?"),
        ("wamid.HIST0002", Message.Direction.OUTBOUND, "Sì, a che ora?"),
    ]
    assert messages[0].processing_status == Message.Processing.PROCESSED
    assert messages[1].delivery_status == Message.Delivery.SENT
    assert messages[0].created_at == messages[0].channel_timestamp
    assert messages[0].conversation_id == messages[1].conversation_id
    assert messages[0].conversation.customer.phone == "393471234567"
    assert graph.sends == []  # no reply, nothing re-sent


def test_history_for_an_unknown_number_imports_nothing(db, post_webhook):
    assert post_webhook(payload_bytes("whatsapp_history.json")).status_code == 200
    assert not Message.objects.exists()
