"""A large signed batch (thousands of messages, several tenants) is stored in bulk, idempotently."""

import json
import math
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation, Message
from conversations.services.inbound import inbound_message_enqueue
from customers.models import Customer
from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import WEBHOOK, sign

PHONE_NUMBER_IDS = ("106540352242001", "106540352242002", "106540352242003")
SENDERS_PER_TENANT = 40


@pytest.fixture
def tenants(db):
    return [TenantFactory(whatsapp_phone_number_id=number, language="it") for number in PHONE_NUMBER_IDS]


def batch(count: int, *, first: int = 0, senders: int = SENDERS_PER_TENANT, sender_offset: int = 0) -> bytes:
    """``count`` text messages with ids ``wamid.BATCH<n>`` from ``first`` on, spread over the three tenants."""
    now = int(time.time())
    values = {number: {"messages": [], "contacts": {}} for number in PHONE_NUMBER_IDS}
    for n in range(first, first + count):
        number = PHONE_NUMBER_IDS[n % 3]
        sender = sender_offset + (n // 3) % senders
        wa_id, user_id = f"39347{number[-1]}{sender:06d}", f"IT.{number[-1]}.{sender}"
        values[number]["contacts"][wa_id] = {"profile": {"name": f"Cliente {sender}"}, "wa_id": wa_id,
                                             "user_id": user_id}
        values[number]["messages"].append({
            "from": wa_id, "from_user_id": user_id, "id": f"wamid.BATCH{n:06d}", "timestamp": str(now - count + n),
            "type": "text", "text": {"body": f"Messaggio {n}"},
        })
    entry = [
        {"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": number},
            "contacts": list(value["contacts"].values()), "messages": value["messages"],
        }}]}
        for number, value in values.items()
    ]
    return json.dumps({"object": "whatsapp_business_account", "entry": entry}).encode()


@pytest.fixture
def post_batch(client, django_capture_on_commit_callbacks):
    """POST a signed body; what it enqueued (message ids) and the queries it ran, without running the tasks."""

    def post(body: bytes):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            response = client.post(WEBHOOK, data=body, content_type="application/json",
                                   HTTP_X_HUB_SIGNATURE_256=sign(body))
        enqueued = [cb.args[0] for cb in callbacks if getattr(cb, "func", None) is inbound_message_enqueue]
        assert len(enqueued) == len(callbacks)  # nothing else is left for after the commit
        return response, enqueued, queries.captured_queries

    return post


def _insert_batches(rows: int) -> int:
    """How many INSERTs this database needs for ``rows`` messages (SQLite caps a query's parameters)."""
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [Message()] * rows))


def test_a_batch_of_2000_messages_for_3_tenants_stores_each_once_and_enqueues_each_once(tenants, post_batch):
    response, enqueued, _ = post_batch(batch(2000))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "stored": 2000, "duplicates": 0, "rejected": 0}
    assert Message.objects.count() == 2000
    assert sorted(enqueued) == sorted(Message.objects.values_list("pk", flat=True))
    assert Customer.objects.count() == Conversation.objects.count() == 3 * SENDERS_PER_TENANT
    for tenant in tenants:
        assert Message.objects.filter(tenant=tenant).count() in (666, 667)
    # Every message is in its own sender's conversation, at its own tenant.
    message = Message.objects.select_related("conversation__customer").get(channel_message_id="wamid.BATCH000004")
    assert message.tenant.whatsapp_phone_number_id == PHONE_NUMBER_IDS[1]
    assert (message.conversation.customer.phone, message.conversation.customer.channel_user_id) == (
        "393472000001", "IT.2.1"
    )
    assert message.conversation.customer.display_name == "Cliente 1"
    assert (message.text, message.processing_status, message.payload["inbound"]["text"]) == (
        "Messaggio 4", Message.Processing.PENDING, "Messaggio 4"
    )


def test_the_number_of_queries_of_a_batch_does_not_grow_with_its_size(tenants, post_batch):
    def other_than_inserts(queries) -> int:
        return sum(not q["sql"].lstrip().upper().startswith("INSERT") for q in queries)

    post_batch(batch(60))  # the tenants' routing is cached from the first delivery on
    # New senders each time, then a batch of senders already known: every path of the bulk store.
    _, _, small = post_batch(batch(200, first=60, senders=40, sender_offset=500))
    _, _, large = post_batch(batch(2000, first=260, senders=400, sender_offset=1000))
    _, _, known = post_batch(batch(2000, first=2260, senders=400, sender_offset=1000))
    assert Message.objects.count() == 4260
    assert other_than_inserts(large) == other_than_inserts(small) <= 40
    assert other_than_inserts(known) <= 40
    # One INSERT per table and tenant (SQLite splits a large one in parts of its parameter limit).
    inserts = len(large) - other_than_inserts(large)
    assert inserts <= 3 * 3 * _insert_batches(2000)


def test_a_redelivered_batch_stores_nothing_and_enqueues_nothing(tenants, post_batch):
    body = batch(2000)
    post_batch(body)
    response, enqueued, _ = post_batch(body)
    assert response.json() == {"status": "ok", "stored": 0, "duplicates": 2000, "rejected": 0}
    assert enqueued == []
    assert Message.objects.count() == 2000
    assert Customer.objects.count() == 3 * SENDERS_PER_TENANT


def test_a_batch_mixing_stored_and_new_messages_stores_only_the_new(tenants, post_batch):
    post_batch(batch(1000))
    response, enqueued, _ = post_batch(batch(1500, first=500))
    assert response.json() == {"status": "ok", "stored": 1000, "duplicates": 500, "rejected": 0}
    new = Message.objects.filter(channel_message_id__gte="wamid.BATCH001000")
    assert sorted(enqueued) == sorted(new.values_list("pk", flat=True))
    assert new.count() == 1000 and Message.objects.count() == 2000
    # The known senders kept their customer and open conversation.
    assert Customer.objects.count() == Conversation.objects.count() == 3 * SENDERS_PER_TENANT


def test_a_message_id_twice_in_one_batch_is_stored_once(tenants, post_batch):
    data = json.loads(batch(60))
    messages = data["entry"][0]["changes"][0]["value"]["messages"]
    messages.append(dict(messages[0]))
    response, enqueued, _ = post_batch(json.dumps(data).encode())
    assert response.json()["stored"] == 60 and response.json()["duplicates"] == 1
    assert len(enqueued) == 60


def test_a_batch_whose_sender_is_known_by_phone_alone_follows_the_identity_rules(tenants, post_batch):
    """A customer known by phone who now shows a user id: learned one at a time, no second customer."""
    tenant = tenants[0]
    Customer.objects.create(tenant=tenant, channel="whatsapp", phone="393471000000")
    response, enqueued, _ = post_batch(batch(300))
    assert response.json()["stored"] == 300
    customer = Customer.objects.get(tenant=tenant, phone="393471000000")
    assert customer.channel_user_id == "IT.1.0"
    assert Customer.objects.filter(tenant=tenant).count() == SENDERS_PER_TENANT
    assert len(enqueued) == 300


def test_a_batch_racing_a_concurrent_delivery_of_one_message_stores_the_rest_one_at_a_time(
    tenants, post_batch, monkeypatch
):
    from whatsapp.services import inbound

    def one_tenant(body: bytes) -> bytes:
        data = json.loads(body)
        data["entry"] = data["entry"][:1]
        return json.dumps(data).encode()

    post_batch(one_tenant(batch(90)))  # 30 messages: the senders are known from here on
    real_resolve = inbound._bulk_identities_resolve

    def concurrent_delivery_meanwhile(*, tenant, names):
        resolved = real_resolve(tenant=tenant, names=names)
        # Another request stores the first new message between our read and our INSERT.
        Message.objects.create(
            tenant=tenant, conversation=next(iter(resolved[0].values())), direction=Message.Direction.INBOUND,
            channel="whatsapp", channel_message_id="wamid.BATCH000090",
        )
        return resolved

    monkeypatch.setattr(inbound, "_bulk_identities_resolve", concurrent_delivery_meanwhile)
    response, enqueued, _ = post_batch(one_tenant(batch(90, first=90)))
    assert response.json() == {"status": "ok", "stored": 29, "duplicates": 1, "rejected": 0}
    assert Message.objects.count() == 60
    assert len(enqueued) == 29
    # 30 known + 10 new senders, less the one whose only message the other request took.
    assert Customer.objects.count() == Conversation.objects.count() == 39
