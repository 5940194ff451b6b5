"""An Instagram attachment as the webhook stores it: its CDN URL is found again and fetched
server-side, without the token (the CDN needs none)."""

import pytest
import responses

from conversations.models import Message
from instagram.services.media import instagram_media_fetch, instagram_media_reference
from instagram.tests.conftest import direct_message
from meta.graph import GraphPermanentError, MediaTooLarge
from meta.media import MediaReference

pytestmark = pytest.mark.django_db

CDN = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000001&signature=abc"


def _attachment(kind: str, url: str) -> dict:
    body = direct_message()
    message = body["entry"][0]["messaging"][0]["message"]
    message.pop("text")
    message["attachments"] = [{"type": kind, "payload": {"url": url}}]
    return body


def test_a_photo_from_the_webhook_names_its_cdn_url(tenant, post_webhook, instagram):
    post_webhook(_attachment("image", CDN))
    message = Message.objects.get(direction="in")
    assert message.type == "image"
    assert instagram_media_reference(message) == MediaReference(locator=CDN)


def test_an_attachment_on_a_plain_http_host_or_a_share_is_not_media(tenant, post_webhook, instagram):
    post_webhook(_attachment("image", "http://169.254.169.254/latest/meta-data"))
    post_webhook(_attachment("share", CDN))
    assert [instagram_media_reference(m) for m in Message.objects.filter(direction="in")] == [None, None]


def test_the_attachment_is_fetched_without_the_token_and_within_the_cap():
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, CDN, body=b"GIF89a", content_type="image/gif")
        download = instagram_media_fetch(reference=MediaReference(locator=CDN), max_bytes=100)
        assert "Authorization" not in mock.calls[0].request.headers
    assert (download.content, download.mime_type) == (b"GIF89a", "image/gif")
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, CDN, body=b"x" * 101, content_type="image/gif")
        with pytest.raises(MediaTooLarge):
            instagram_media_fetch(reference=MediaReference(locator=CDN), max_bytes=100)


def test_a_url_that_is_not_https_is_refused_before_any_request():
    with responses.RequestsMock() as mock, pytest.raises(GraphPermanentError):
        instagram_media_fetch(reference=MediaReference(locator="file:///etc/passwd"), max_bytes=100)
    assert len(mock.calls) == 0
