"""Inbound media messages as the channels store them, and a fake Graph API that serves their bytes."""

from __future__ import annotations

import json
import re
import struct
import time
import zlib

import responses
from django.conf import settings

from conversations.models import Message
from conversations.services.inbound import inbound_message_as_dict
from conversations.tests.factories import MessageFactory
from whatsapp.parsing import webhook_values_parse


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# A small red PNG: a real image a browser decodes (naturalWidth 40).
PNG = _png(40, 30)
# Enough of a WebM/Ogg/PDF header for the tests that only check bytes and headers.
AUDIO = b"OggS\x00\x02" + b"\x00" * 40
VIDEO = b"\x1a\x45\xdf\xa3" + b"\x00" * 40
PDF = b"%PDF-1.4\n%%EOF\n"
GRAPH = f"{settings.GRAPH_API_BASE}/{settings.GRAPH_API_VERSION}"
# Where the fake Graph says each media's bytes are (on its own host, like Meta's lookaside URLs).
DOWNLOAD = f"{settings.GRAPH_API_BASE}/whatsapp_business/attachments/"
_MEDIA_ID = re.compile(rf"{re.escape(GRAPH)}/(\w+)$")
_DOWNLOAD_ID = re.compile(rf"{re.escape(DOWNLOAD)}\?mid=(\w+)$")


def whatsapp_message(conversation, raw: dict, **fields) -> Message:
    """A stored inbound WhatsApp message, its payload exactly as the webhook path stores it."""
    raw = {"from": "393471234567", "id": f"wamid.M{time.monotonic_ns()}", "timestamp": "1764093600", **raw}
    body = {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": conversation.tenant.whatsapp_phone_number_id}, "messages": [raw]}}]}]}
    parsed = webhook_values_parse(body)[0].messages[0]
    return MessageFactory(
        conversation=conversation, channel_message_id=parsed.id, type=parsed.message_type,
        text=parsed.inbound.text or parsed.inbound.choice_title or parsed.inbound.emoji, processing_status="processed",
        payload={"message": parsed.raw, "inbound": inbound_message_as_dict(parsed.inbound)}, **fields,
    )


def media_raw(kind: str, media_id: str, mime_type: str, **extra) -> dict:
    return {"type": kind, kind: {"id": media_id, "mime_type": mime_type, "sha256": "x", **extra}}


class FakeMediaGraph:
    """Graph's media endpoints: GET /<media_id> answers the URL, GET that URL the bytes (both need the token)."""

    def __init__(self, mock: responses.RequestsMock, token: str):
        self.mock = mock
        self.token = token
        self.files: dict[str, tuple[bytes, str]] = {}
        self.declared_sizes: dict[str, int] = {}
        self.errors: dict[str, tuple[int, dict]] = {}
        mock.add_callback(responses.GET, _MEDIA_ID, callback=self._metadata)
        mock.add_callback(responses.GET, _DOWNLOAD_ID, callback=self._download)

    def add(self, media_id: str, content: bytes, mime_type: str) -> None:
        self.files[media_id] = (content, mime_type)

    def fail(self, media_id: str, status: int, code: int | None) -> None:
        self.errors[media_id] = (status, {"error": {"message": "media error", "type": "OAuthException", "code": code}})

    @property
    def calls(self) -> list[str]:
        return [call.request.url for call in self.mock.calls]

    def _authorised(self, request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    def _metadata(self, request):
        media_id = _MEDIA_ID.match(request.url).group(1)
        if not self._authorised(request):
            return 401, {}, json.dumps({"error": {"message": "Invalid OAuth access token", "code": 190}})
        if media_id in self.errors:
            status, body = self.errors[media_id]
            return status, {}, json.dumps(body)
        if media_id not in self.files:
            return 404, {}, json.dumps({"error": {"message": "Unsupported get request", "code": 100}})
        content, mime_type = self.files[media_id]
        return 200, {}, json.dumps({
            "messaging_product": "whatsapp", "url": f"{DOWNLOAD}?mid={media_id}", "mime_type": mime_type,
            "sha256": "x", "file_size": self.declared_sizes.get(media_id, len(content)), "id": media_id,
        })

    def _download(self, request):
        if not self._authorised(request):
            return 401, {}, ""
        content, _mime_type = self.files[_DOWNLOAD_ID.match(request.url).group(1)]
        return 200, {"Content-Type": "application/octet-stream"}, content
