"""Instagram payloads parsed into the normalised inbound form; surprises become ``unsupported``, never errors."""

from datetime import UTC, datetime

import pytest

from conversations.inbound import InboundKind
from conversations.models import Message
from instagram.parsing import PayloadInvalid, ReceiptKind, webhook_body_load, webhook_entries_parse
from instagram.tests.conftest import SAMPLE_ACCOUNT_ID, SAMPLE_IGSID, payload_bytes, payload_json


def only_message(body: dict):
    (entry,) = webhook_entries_parse(body)
    (message,) = entry.messages
    return message


def event_body(event: dict, account: str = SAMPLE_ACCOUNT_ID) -> dict:
    base = {"sender": {"id": SAMPLE_IGSID}, "recipient": {"id": account}, "timestamp": 1764093600000}
    return {"object": "instagram", "entry": [{"id": account, "time": 1764093600000, "messaging": [{**base, **event}]}]}


@pytest.mark.parametrize(
    ("name", "expected", "message_type"),
    [
        (
            "instagram_text.json",
            {"kind": InboundKind.TEXT, "text": "vorrei prenotare per 2 stasera alle 21"},
            Message.Type.TEXT,
        ),
        (
            "instagram_quick_reply.json",
            {"kind": InboundKind.CHOICE, "choice_id": "confirm", "choice_title": "Conferma"},
            Message.Type.INTERACTIVE,
        ),
        (
            "instagram_postback.json",
            {"kind": InboundKind.CHOICE, "choice_id": "BOOK", "choice_title": "Prenota"},
            Message.Type.INTERACTIVE,
        ),
    ],
)
def test_sample_messages_parse_into_the_normalised_form(name, expected, message_type):
    message = only_message(payload_json(name))
    assert message.sender_id == SAMPLE_IGSID
    assert message.message_type == message_type
    assert message.inbound.channel_message_id == message.id
    assert message.id.startswith("aWdfZAG1")
    for field, value in expected.items():
        assert getattr(message.inbound, field) == value
    # The whole messaging event is kept for staff.
    assert message.raw["sender"]["id"] == SAMPLE_IGSID


def test_timestamps_are_milliseconds():
    message = only_message(payload_json("instagram_text.json"))
    assert message.timestamp == datetime(2025, 11, 25, 18, 0, tzinfo=UTC)


def test_the_entry_names_the_account_the_tenant_is_found_by():
    (entry,) = webhook_entries_parse(payload_json("instagram_text.json"))
    assert entry.account_id == SAMPLE_ACCOUNT_ID


def test_echo_is_counted_never_a_message():
    (entry,) = webhook_entries_parse(payload_json("instagram_echo.json"))
    assert (entry.messages, entry.receipts, entry.echoes) == ((), (), 1)


def test_read_and_delivery_events_become_receipts():
    read = event_body({"read": {"mid": "mid.SENT0001"}})
    delivery = event_body({"delivery": {"mids": ["mid.SENT0001", "mid.SENT0002"], "watermark": 1764093600000}})
    ((read_entry,), (delivery_entry,)) = webhook_entries_parse(read), webhook_entries_parse(delivery)
    assert [(r.kind, r.mids) for r in read_entry.receipts] == [(ReceiptKind.READ, ("mid.SENT0001",))]
    assert [(r.kind, r.mids) for r in delivery_entry.receipts] == [
        (ReceiptKind.DELIVERED, ("mid.SENT0001", "mid.SENT0002"))
    ]
    assert read_entry.messages == delivery_entry.messages == ()


@pytest.mark.parametrize(
    ("message", "kind", "message_type", "media_type"),
    [
        ({"attachments": [{"type": "image", "payload": {"url": "https://x"}}]}, InboundKind.MEDIA, "image", "image"),
        ({"attachments": [{"type": "audio", "payload": {}}]}, InboundKind.MEDIA, "audio", "audio"),
        ({"attachments": [{"type": "file", "payload": {}}]}, InboundKind.MEDIA, "document", "document"),
        ({"attachments": [{"type": "story_mention", "payload": {}}]}, InboundKind.UNSUPPORTED, "unsupported", ""),
        ({"is_unsupported": True}, InboundKind.UNSUPPORTED, "unsupported", ""),
        ({}, InboundKind.UNSUPPORTED, "unknown", ""),
    ],
)
def test_attachments_and_unknown_messages_are_kept_as_media_or_unsupported(message, kind, message_type, media_type):
    parsed = only_message(event_body({"message": {"mid": "m.1", **message}}))
    assert (parsed.inbound.kind, parsed.message_type, parsed.inbound.media_type) == (kind, message_type, media_type)


def test_reaction_is_a_reaction_with_an_id_stable_across_redeliveries():
    body = event_body({"reaction": {"mid": "mid.SENT0001", "action": "react", "reaction": "love", "emoji": "❤️"}})
    first, again = only_message(body), only_message(body)
    assert (first.inbound.kind, first.inbound.emoji, first.inbound.reacted_message_id) == (
        InboundKind.REACTION, "❤️", "mid.SENT0001"
    )
    assert first.id == again.id


def test_postback_without_a_mid_gets_an_id_stable_across_redeliveries():
    body = event_body({"postback": {"title": "Prenota", "payload": "BOOK"}})
    assert only_message(body).id == only_message(body).id == f"ig.postback.{SAMPLE_IGSID}.1764093600000"


@pytest.mark.parametrize(
    "event",
    [
        {"message": {"mid": "m.1", "is_deleted": True}},
        {"message": {"text": "no mid"}},
        {"reaction": {"mid": "m.1", "action": "unreact"}},
        {"referral": {"ref": "ad"}},
        {"read": {}},
        {"delivery": {"mids": "not a list"}},
    ],
    ids=["deleted", "no-mid", "unreact", "referral", "read-without-mid", "delivery-without-mids"],
)
def test_events_with_nothing_to_do_are_ignored(event):
    (entry,) = webhook_entries_parse(event_body(event))
    assert (entry.messages, entry.receipts, entry.ignored) == ((), (), 1)


def test_message_without_a_sender_is_ignored():
    body = event_body({"message": {"mid": "m.1", "text": "ciao"}})
    del body["entry"][0]["messaging"][0]["sender"]
    (entry,) = webhook_entries_parse(body)
    assert entry.messages == ()


@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"[]", b'{"object": NaN}', b'{"object": "page"}', payload_bytes("instagram_text.json")[:50]],
)
def test_body_that_is_not_an_instagram_object_is_invalid(body):
    with pytest.raises(PayloadInvalid):
        webhook_body_load(body)


def test_type_confused_fields_read_as_missing():
    body = {"object": "instagram", "entry": [
        {"id": 17841400000000001, "messaging": [
            {"sender": {"id": 6543210987654321}, "timestamp": "soon", "message": {"mid": 5, "text": ["x"]}},
            {"sender": "nobody", "message": "text"},
            "not an event",
        ]},
        {"id": None, "messaging": {"not": "a list"}},
        "not an entry",
    ]}
    first, second = webhook_entries_parse(body)
    (message,) = first.messages
    assert (first.account_id, message.sender_id, message.id) == (SAMPLE_ACCOUNT_ID, SAMPLE_IGSID, "5")
    assert message.inbound.kind == InboundKind.UNSUPPORTED
    assert (second.account_id, second.messages) == ("", ())
