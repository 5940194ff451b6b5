"""Inbound WhatsApp media as the webhook stores it: its media id is found again, and the client
fetches the bytes from Graph with the tenant's token (Meta's "Media" reference)."""

import json
import re

import pytest
import responses
from django.conf import settings
from django.urls import reverse

from conversations.models import Message
from meta.graph import GraphPermanentError, MediaTooLarge
from meta.media import MediaReference
from tenants.tests.factories import MembershipFactory
from whatsapp.client import WhatsAppClient
from whatsapp.services.media import whatsapp_media_reference
from whatsapp.tests.conftest import payload_bytes

pytestmark = pytest.mark.django_db

GRAPH = f"{settings.GRAPH_API_BASE}/{settings.GRAPH_API_VERSION}"
CDN = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1234567890&ext=1&hash=x"


def _graph_media(mock, *, size: int = 4, url: str = CDN) -> None:
    mock.add(responses.GET, f"{GRAPH}/1234567890", json={
        "messaging_product": "whatsapp", "url": url, "mime_type": "image/jpeg", "sha256": "abc123",
        "file_size": size, "id": "1234567890",
    })
    mock.add(responses.GET, CDN, body=b"\xff\xd8\xff\xe0", content_type="binary/octet-stream")


def test_a_photo_from_the_webhook_names_its_media_id_and_type(tenant, post_webhook, graph):
    post_webhook(payload_bytes("whatsapp_image.json"))
    message = Message.objects.get(direction="in")
    assert whatsapp_media_reference(message) == MediaReference(locator="1234567890", mime_type="image/jpeg")


def test_a_text_or_a_blanked_message_has_no_media(tenant, post_webhook, graph):
    post_webhook(payload_bytes("whatsapp_text.json"))
    message = Message.objects.get(direction="in")
    assert whatsapp_media_reference(message) is None
    message.type, message.payload = "image", {}
    assert whatsapp_media_reference(message) is None


def test_the_client_asks_for_the_url_then_downloads_it_with_the_same_token():
    with responses.RequestsMock() as mock:
        _graph_media(mock)
        download = WhatsAppClient().media_download(media_id="1234567890", token="EAAG-x", max_bytes=100)
        assert [call.request.headers["Authorization"] for call in mock.calls] == ["Bearer EAAG-x"] * 2
    # Graph's own type, not the CDN's generic one.
    assert (download.content, download.mime_type) == (b"\xff\xd8\xff\xe0", "image/jpeg")


def test_the_client_does_not_download_media_declared_over_the_cap():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _graph_media(mock, size=101)
        with pytest.raises(MediaTooLarge):
            WhatsAppClient().media_download(media_id="1234567890", token="EAAG-x", max_bytes=100)
        assert len(mock.calls) == 1


def test_an_answer_without_a_url_is_a_permanent_error():
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, f"{GRAPH}/1234567890", json={"id": "1234567890"})
        with pytest.raises(GraphPermanentError):
            WhatsAppClient().media_download(media_id="1234567890", token="EAAG-x", max_bytes=100)


def test_staff_see_the_samples_photo_place_and_reaction_and_open_the_photo(
    tenant, post_webhook, graph, client
):
    for name in ("whatsapp_image.json", "whatsapp_location.json", "whatsapp_reaction.json"):
        post_webhook(payload_bytes(name))
    photo = Message.objects.get(type="image")
    client.force_login(MembershipFactory(tenant=tenant).user)
    html = client.get(reverse("admin:backoffice_conversation", args=[photo.conversation_id])).content.decode()
    media_url = reverse("admin:backoffice_conversation_media", args=[photo.conversation_id, photo.pk])
    assert f'<img class="lyo-media-thumb" src="{media_url}"' in html
    assert "📍 Duomo</a>" in html and "Piazza del Duomo, Milano" in html
    assert '<span class="lyo-media-emoji">👍</span>' in html
    assert len(re.findall("👍", html)) == 1  # the emoji once, not again as the bubble's text
    with responses.RequestsMock() as mock:
        _graph_media(mock)
        response = client.get(media_url)
    assert (response.status_code, response.content, response["Content-Type"]) == (200, b"\xff\xd8\xff\xe0",
                                                                                   "image/jpeg")
    assert tenant.whatsapp_access_token not in html
    assert json.dumps(tenant.whatsapp_access_token)[1:-1] not in response.content.decode("latin-1")
