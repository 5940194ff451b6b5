"""Status webhooks move outbound messages forward only, within their own tenant."""

import json

import pytest

from conversations.models import Message
from conversations.tests.factories import MessageFactory
from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import payload_json

WAMID = "wamid.OUTBOUND0001"  # the id the sample status payloads report on


def status_payload(status: str, phone_number_id: str | None = None) -> dict:
    body = payload_json(f"whatsapp_status_{status}.json")
    if phone_number_id:
        body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = phone_number_id
    return body


@pytest.fixture
def outbound(tenant):
    return MessageFactory(
        tenant=tenant, conversation__customer__tenant=tenant, direction=Message.Direction.OUTBOUND,
        channel_message_id=WAMID, processing_status="", delivery_status=Message.Delivery.SENT,
    )


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        (["delivered"], "delivered"),
        (["delivered", "read"], "read"),
        (["read", "delivered"], "read"),  # a late "delivered" never overwrites "read"
        (["read", "sent"], "read"),
        (["delivered", "sent"], "delivered"),
        (["read", "failed"], "read"),
        (["failed", "delivered"], "failed"),
    ],
)
def test_statuses_move_forward_only(outbound, post_webhook, sequence, expected):
    for status in sequence:
        assert post_webhook(status_payload(status)).status_code == 200
    outbound.refresh_from_db()
    assert outbound.delivery_status == expected


def test_read_status_records_when_it_was_read(outbound, post_webhook):
    post_webhook(status_payload("read"))
    outbound.refresh_from_db()
    assert outbound.read_at.timestamp() == 1764093700


def test_failed_status_stores_the_error_code_and_title(outbound, post_webhook):
    post_webhook(status_payload("failed"))
    outbound.refresh_from_db()
    assert (outbound.delivery_status, outbound.error_code, outbound.error_title) == (
        "failed", 131047, "Re-engagement message"
    )
    assert outbound.failed_at.timestamp() == 1764093700


def test_status_for_an_unknown_message_changes_nothing(outbound, post_webhook):
    body = status_payload("read")
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = "wamid.NOTOURS"
    assert post_webhook(body).status_code == 200
    outbound.refresh_from_db()
    assert outbound.delivery_status == "sent"


def test_status_reported_on_another_tenants_number_changes_nothing(outbound, post_webhook):
    other = TenantFactory()
    before = Message.objects.values().get(pk=outbound.pk)
    assert post_webhook(status_payload("read", phone_number_id=other.whatsapp_phone_number_id)).status_code == 200
    assert Message.objects.values().get(pk=outbound.pk) == before


def test_statuses_batched_in_one_post_are_all_applied(tenant, post_webhook):
    first = MessageFactory(
        tenant=tenant, conversation__customer__tenant=tenant, direction=Message.Direction.OUTBOUND,
        channel_message_id="wamid.A", delivery_status="sent",
    )
    second = MessageFactory(
        tenant=tenant, conversation__customer__tenant=tenant, direction=Message.Direction.OUTBOUND,
        channel_message_id="wamid.B", delivery_status="sent",
    )
    body = status_payload("delivered")
    statuses = body["entry"][0]["changes"][0]["value"]["statuses"]
    statuses[0]["id"] = "wamid.A"
    statuses.append({**json.loads(json.dumps(statuses[0])), "id": "wamid.B", "status": "read"})
    post_webhook(body)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.delivery_status, second.delivery_status) == ("delivered", "read")


def test_a_status_update_is_one_statement(outbound, post_webhook):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post_webhook(status_payload("delivered"))  # warm: the tenant looked up once per process
    with CaptureQueriesContext(connection) as queries:
        post_webhook(status_payload("read"))
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["UPDATE"]
    outbound.refresh_from_db()
    assert outbound.delivery_status == "read"
