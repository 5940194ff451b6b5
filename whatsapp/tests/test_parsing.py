"""Meta payloads parsed into the normalised inbound form; surprises become ``unsupported``, never errors."""

from datetime import UTC, datetime

import pytest

from conversations.inbound import InboundKind, Location
from whatsapp.parsing import (
    PayloadInvalid,
    StatusKind,
    webhook_body_load,
    webhook_values_parse,
)
from whatsapp.tests.conftest import payload_bytes, payload_json


def only_message(name: str):
    (value,) = webhook_values_parse(payload_json(name))
    (message,) = value.messages
    return message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "whatsapp_text.json",
            {"kind": InboundKind.TEXT, "text": "Ciao, vorrei prenotare un tavolo per 4 domani alle 20"},
        ),
        (
            "whatsapp_button_reply.json",
            {"kind": InboundKind.CHOICE, "choice_id": "confirm", "choice_title": "Conferma"},
        ),
        (
            "whatsapp_list_reply.json",
            {"kind": InboundKind.CHOICE, "choice_id": "slot-2026-11-26T20:00", "choice_title": "20:00"},
        ),
        (
            "whatsapp_template_button.json",
            {"kind": InboundKind.CHOICE, "choice_id": "CANCEL", "choice_title": "Annulla"},
        ),
        (
            "whatsapp_location.json",
            {"kind": InboundKind.LOCATION, "location": Location(45.4642, 9.19, "Duomo", "Piazza del Duomo, Milano")},
        ),
        (
            "whatsapp_image.json",
            {"kind": InboundKind.MEDIA, "media_type": "image", "media_id": "1234567890", "text": "questo taglio"},
        ),
        (
            "whatsapp_reaction.json",
            {"kind": InboundKind.REACTION, "emoji": "👍", "reacted_message_id": "wamid.OUTBOUND0001"},
        ),
        ("whatsapp_unsupported.json", {"kind": InboundKind.UNSUPPORTED, "channel_type": "unsupported"}),
        ("whatsapp_flow_reply.json", {"kind": InboundKind.UNSUPPORTED, "channel_type": "interactive"}),
        ("whatsapp_system_changed_number.json", {"kind": InboundKind.UNSUPPORTED, "channel_type": "system"}),
    ],
)
def test_sample_messages_parse_into_the_normalised_form(name, expected):
    inbound = only_message(name).inbound
    assert {key: getattr(inbound, key) for key in expected} == expected


def test_message_keeps_ids_timestamp_and_reply_context():
    message = only_message("whatsapp_button_reply.json")
    assert (message.id, message.from_wa_id, message.from_user_id) == (
        "wamid.INBOUND0002", "393471234567", "IT.1349875623410987"
    )
    assert message.timestamp == datetime(2025, 11, 25, 18, 0, tzinfo=UTC)
    assert message.inbound.timestamp == message.timestamp
    assert message.inbound.extra["context_id"] == "wamid.OUTBOUND0001"


def test_changed_number_names_the_new_number():
    message = only_message("whatsapp_system_changed_number.json")
    assert (message.from_wa_id, message.changed_number_to) == ("393471234567", "393479999999")


def test_unsupported_message_carries_meta_error():
    message = only_message("whatsapp_unsupported.json")
    assert (message.inbound.extra["error_code"], message.inbound.extra["error_title"]) == (
        131051, "Message type unknown"
    )


def test_unknown_message_type_becomes_unsupported():
    body = payload_json("whatsapp_text.json")
    raw = body["entry"][0]["changes"][0]["value"]["messages"][0]
    raw["type"] = "hologram"
    (value,) = webhook_values_parse(body)
    assert (value.messages[0].message_type, value.messages[0].inbound.kind) == ("unknown", InboundKind.UNSUPPORTED)


@pytest.mark.parametrize(
    "mutation",
    [
        lambda m: m.update(text=None),
        lambda m: m.update(text="just a string"),
        lambda m: m.update(timestamp="yesterday"),
        lambda m: m.update(timestamp=10**30),
        lambda m: m.update(type=["text"]),
        lambda m: m.update(**{"from": {"nested": True}}),
        lambda m: m.update(type="location", location={"latitude": "north", "longitude": 9}),
        lambda m: m.update(type="interactive", interactive={"type": "button_reply", "button_reply": []}),
    ],
)
def test_type_confused_fields_never_raise(mutation):
    body = payload_json("whatsapp_text.json")
    mutation(body["entry"][0]["changes"][0]["value"]["messages"][0])
    (value,) = webhook_values_parse(body)
    assert len(value.messages) == 1


def test_message_without_an_id_is_skipped():
    body = payload_json("whatsapp_text.json")
    del body["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    (value,) = webhook_values_parse(body)
    assert value.messages == ()


def test_changes_of_other_fields_are_ignored():
    body = payload_json("whatsapp_text.json")
    body["entry"][0]["changes"][0]["field"] = "message_template_status_update"
    assert webhook_values_parse(body) == []


def test_batch_has_two_contacts_and_two_messages():
    (value,) = webhook_values_parse(payload_json("whatsapp_batch.json"))
    assert value.phone_number_id == "106540352242922"
    assert [c.name for c in value.contacts] == ["Anna", "Paolo"]
    assert [m.id for m in value.messages] == ["wamid.INBOUND0201", "wamid.INBOUND0202"]


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("whatsapp_status_sent.json", StatusKind.SENT),
        ("whatsapp_status_delivered.json", StatusKind.DELIVERED),
        ("whatsapp_status_read.json", StatusKind.READ),
        ("whatsapp_status_failed.json", StatusKind.FAILED),
    ],
)
def test_statuses_parse(name, status):
    (value,) = webhook_values_parse(payload_json(name))
    (parsed,) = value.statuses
    assert (parsed.id, parsed.status, parsed.recipient_user_id) == ("wamid.OUTBOUND0001", status, "IT.1349875623410987")


def test_unknown_status_value_becomes_unknown():
    body = payload_json("whatsapp_status_read.json")
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] = "deleted"
    (value,) = webhook_values_parse(body)
    assert value.statuses[0].status == StatusKind.UNKNOWN


@pytest.mark.parametrize("body", [b"nope", b"[1]", b'{"object": "instagram"}', b'{"a": Infinity}', b"[" * 100000])
def test_body_load_refuses_what_is_not_a_whatsapp_object(body):
    with pytest.raises(PayloadInvalid):
        webhook_body_load(body)


def test_body_load_strips_nul_and_lone_surrogates():
    data = webhook_body_load(b'{"object": "whatsapp_business_account", "x": "a\\u0000b\\ud800c"}')
    assert data["x"] == "ab?c"


def test_sample_payload_loads():
    assert webhook_body_load(payload_bytes("whatsapp_text.json"))["object"] == "whatsapp_business_account"


@pytest.mark.parametrize("media_type", ["audio", "video", "document", "sticker"])
def test_every_media_type_parses_into_media_with_id_and_caption(media_type):
    body = payload_json("whatsapp_image.json")
    raw = body["entry"][0]["changes"][0]["value"]["messages"][0]
    raw.pop("image", None)
    raw["type"] = media_type
    raw[media_type] = {"id": "987654321", "mime_type": "application/octet-stream", "caption": "guarda"}
    (value,) = webhook_values_parse(body)
    inbound = value.messages[0].inbound
    assert (inbound.kind, inbound.media_type, inbound.media_id, inbound.text) == (
        InboundKind.MEDIA, media_type, "987654321", "guarda"
    )
    assert value.messages[0].message_type == media_type
