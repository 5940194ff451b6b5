"""From webhook POST to the Instagram Send API, with Celery in-process and the Send API faked."""

from conversations.models import Conversation, Message
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from instagram.tests.conftest import (
    SAMPLE_ACCOUNT_ID,
    SAMPLE_IGSID,
    direct_message,
    payload_bytes,
    payload_json,
)
from tenants.tests.factories import TenantFactory

INBOUND = Message.Direction.INBOUND
OUTBOUND = Message.Direction.OUTBOUND


def test_text_is_stored_answered_and_sent_with_the_tenants_token(tenant, post_webhook, instagram):
    post_webhook(payload_bytes("instagram_text.json"))

    customer = Customer.objects.get(tenant=tenant)
    assert (customer.channel, customer.channel_user_id, customer.phone) == ("instagram", SAMPLE_IGSID, None)
    inbound = Message.objects.get(direction=INBOUND)
    assert (inbound.channel, inbound.type, inbound.processing_status) == ("instagram", "text", "processed")
    assert inbound.text == "vorrei prenotare per 2 stasera alle 21"
    assert inbound.payload["message"]["recipient"]["id"] == SAMPLE_ACCOUNT_ID
    reply = Message.objects.get(direction=OUTBOUND)
    assert (reply.channel, reply.delivery_status, reply.channel_message_id) == ("instagram", "sent", "mid.SENT0001")
    (send,) = instagram.sends
    assert send["token"] == "IGAA-sample-token"
    assert send["body"]["recipient"] == {"id": SAMPLE_IGSID}


def test_echo_of_our_own_message_sends_nothing_and_stores_nothing(tenant, post_webhook, instagram):
    response = post_webhook(payload_bytes("instagram_echo.json"))
    assert response.status_code == 200
    assert (Message.objects.count(), Customer.objects.count(), len(instagram.sends)) == (0, 0, 0)


def test_redelivered_message_is_stored_once_and_answered_once(tenant, post_webhook, instagram):
    for _ in range(5):
        assert post_webhook(payload_bytes("instagram_text.json")).status_code == 200
    assert Message.objects.filter(direction=INBOUND).count() == 1
    assert Message.objects.filter(direction=OUTBOUND).count() == 1
    assert len(instagram.sends) == 1
    assert post_webhook(payload_bytes("instagram_text.json")).json()["duplicates"] == 1


def test_postback_is_handled_as_a_choice(tenant, post_webhook, instagram):
    post_webhook(payload_bytes("instagram_postback.json"))
    inbound = Message.objects.get(direction=INBOUND)
    assert (inbound.type, inbound.text) == ("interactive", "Prenota")
    assert inbound.payload["inbound"]["choice_id"] == "BOOK"
    assert len(instagram.sends) == 1


def test_read_and_delivery_move_our_message_forward_only(tenant, post_webhook, instagram):
    post_webhook(payload_bytes("instagram_text.json"))
    reply = Message.objects.get(direction=OUTBOUND)
    body = payload_json("instagram_text.json")
    event = body["entry"][0]["messaging"][0]
    del event["message"]

    read = {"mid": reply.channel_message_id}
    post_webhook({**body, "entry": [{**body["entry"][0], "messaging": [{**event, "read": read}]}]})
    reply.refresh_from_db()
    assert reply.delivery_status == "read"
    assert reply.read_at is not None

    # A late delivery receipt never moves a read message back.
    delivery = {"mids": [reply.channel_message_id], "watermark": 1}
    post_webhook({**body, "entry": [{**body["entry"][0], "messaging": [{**event, "delivery": delivery}]}]})
    reply.refresh_from_db()
    assert reply.delivery_status == "read"
    assert len(instagram.sends) == 1  # receipts are never answered


def test_receipt_for_another_tenants_message_changes_nothing(db, post_webhook, instagram):
    mine = TenantFactory(instagram_account_id="111", instagram_access_token="IGAA-mine")
    TenantFactory(instagram_account_id="222", instagram_access_token="IGAA-theirs")
    post_webhook(direct_message("vorrei prenotare", account="111"))
    reply = Message.objects.get(direction=OUTBOUND, tenant=mine)

    read = direct_message("", account="222")
    event = read["entry"][0]["messaging"][0]
    del event["message"]
    event["read"] = {"mid": reply.channel_message_id}
    post_webhook(read)
    reply.refresh_from_db()
    assert reply.delivery_status == "sent"


def test_two_tenants_in_one_post_get_their_own_conversations_and_tokens(db, post_webhook, instagram):
    first = TenantFactory(instagram_account_id="111", instagram_access_token="IGAA-first")
    second = TenantFactory(instagram_account_id="222", instagram_access_token="IGAA-second")
    body = direct_message("vorrei prenotare", account="111", sender="999")
    body["entry"] += direct_message("vorrei prenotare", account="222", sender="999")["entry"]

    assert post_webhook(body).status_code == 200

    for tenant in (first, second):
        conversation = Conversation.objects.get(tenant=tenant)
        assert conversation.customer.tenant_id == tenant.pk
        assert Message.objects.filter(conversation=conversation, direction=INBOUND).count() == 1
        assert Message.objects.filter(conversation=conversation, direction=OUTBOUND).count() == 1
    assert Customer.objects.count() == 2  # the same person is a separate customer of each tenant
    assert sorted(send["token"] for send in instagram.sends) == ["IGAA-first", "IGAA-second"]


def test_an_instagram_customer_is_not_the_whatsapp_customer_with_the_same_id(tenant, post_webhook, instagram):
    whatsapp_customer = CustomerFactory(tenant=tenant, channel="whatsapp", channel_user_id=SAMPLE_IGSID)
    post_webhook(payload_bytes("instagram_text.json"))
    instagram_customer = Customer.objects.get(tenant=tenant, channel="instagram")
    assert instagram_customer.pk != whatsapp_customer.pk
    assert not Conversation.objects.filter(customer=whatsapp_customer).exists()


def test_the_instagram_token_never_reaches_the_logs(tenant, post_webhook, instagram, caplog):
    import logging

    caplog.set_level(logging.DEBUG)  # every library's debug output too (urllib3 logs each request)
    instagram.fail_next(401, 190, "Error validating access token")
    post_webhook(payload_bytes("instagram_text.json"))
    assert len(instagram.sends) == 1
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {vars(r)!r}" for r in caplog.records)
    assert "IGAA-sample-token" not in logged
