"""Photos, voice notes, videos, documents, stickers, places and reactions on the conversation page,
and the media proxy that fetches their bytes from the Graph API with the tenant's token."""

import pytest
import requests
import responses
from django.test import override_settings
from django.urls import reverse

from backoffice.tests.media_fixtures import AUDIO, PDF, PNG, VIDEO, FakeMediaGraph, media_raw, whatsapp_message
from conversations.models import MessageMedia
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Channel
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(restaurant):
    return ConversationFactory(customer=CustomerFactory(tenant=restaurant, display_name="Giulia"))


@pytest.fixture
def graph(restaurant):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeMediaGraph(mock, restaurant.whatsapp_access_token)


def _media_url(message) -> str:
    return reverse("admin:backoffice_conversation_media", args=[message.conversation_id, message.pk])


def _photo(conversation, media_id="111", **extra):
    return whatsapp_message(conversation, media_raw("image", media_id, "image/png", caption="questo taglio", **extra))


def _assert_no_token(response, token: str) -> None:
    body = response.content if not response.streaming else b"".join(response.streaming_content)
    assert token.encode() not in body
    assert all(token not in value for value in response.headers.values())


# --- The proxy -----------------------------------------------------------------------------


def test_a_photo_is_fetched_with_the_tenants_token_and_served_with_its_type(staff, conversation, graph, restaurant):
    message = _photo(conversation)
    graph.add("111", PNG, "image/png")
    response = staff.get(_media_url(message))
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none';")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, max-age=3600"
    # Asked for the URL, then downloaded it, both with the business's own token.
    assert [call.request.headers["Authorization"] for call in graph.mock.calls] == [
        f"Bearer {restaurant.whatsapp_access_token}"
    ] * 2
    _assert_no_token(response, restaurant.whatsapp_access_token)
    media = MessageMedia.objects.get(message=message)
    assert (media.mime_type, media.size, bytes(media.content), media.tenant_id) == (
        "image/png", len(PNG), PNG, restaurant.pk,
    )


def test_the_second_request_is_served_from_the_copy_kept_without_asking_graph(staff, conversation, graph):
    message = _photo(conversation)
    graph.add("111", PNG, "image/png")
    assert staff.get(_media_url(message)).content == PNG
    assert len(graph.calls) == 2
    graph.files.clear()  # Meta's URL has expired meanwhile: the copy is what staff see
    second = staff.get(_media_url(message))
    assert (second.status_code, second.content, second["Content-Type"]) == (200, PNG, "image/png")
    assert len(graph.calls) == 2


def test_voice_notes_and_videos_are_served_inline_with_their_types(staff, conversation, graph):
    voice = whatsapp_message(conversation, media_raw("audio", "222", "audio/ogg; codecs=opus", voice=True))
    video = whatsapp_message(conversation, media_raw("video", "333", "video/mp4"))
    graph.add("222", AUDIO, "audio/ogg; codecs=opus")
    graph.add("333", VIDEO, "video/mp4")
    for message, content, mime_type in ((voice, AUDIO, "audio/ogg"), (video, VIDEO, "video/mp4")):
        response = staff.get(_media_url(message))
        assert (response.status_code, response.content, response["Content-Type"]) == (200, content, mime_type)
        assert response["Content-Disposition"].startswith("inline")


def test_a_document_downloads_as_an_attachment_under_a_safe_file_name(staff, conversation, graph):
    message = whatsapp_message(
        conversation, media_raw("document", "444", "application/pdf", filename='../../menu "cena"\r\n.pdf')
    )
    graph.add("444", PDF, "application/pdf")
    response = staff.get(_media_url(message))
    assert response.status_code == 200
    assert response.content == PDF
    # Never rendered by the browser, whatever the customer's phone claimed it was.
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="menu cena.pdf"'


def test_an_image_that_is_not_an_image_type_is_offered_as_a_download(staff, conversation, graph):
    message = _photo(conversation, media_id="555")
    graph.add("555", b"<svg onload=alert(1)>", "image/svg+xml")
    response = staff.get(_media_url(message))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


@override_settings(LYO_MEDIA_MAX_BYTES=len(PNG) - 1)
def test_media_over_the_cap_is_neither_downloaded_nor_kept(staff, conversation, graph, restaurant):
    message = _photo(conversation)
    graph.add("111", PNG, "image/png")
    response = staff.get(_media_url(message))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "troppo grande" in response.content.decode()  # too large: open it on the phone
    assert '<html lang="it">' in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert len(graph.calls) == 1  # the declared size was enough: the bytes were never fetched
    assert not MessageMedia.objects.exists()
    _assert_no_token(response, restaurant.whatsapp_access_token)


@override_settings(LYO_MEDIA_MAX_BYTES=len(PNG) - 1)
def test_media_over_the_cap_without_a_declared_size_is_dropped_while_downloading(staff, conversation, graph):
    message = _photo(conversation)
    graph.add("111", PNG, "image/png")
    graph.declared_sizes["111"] = 1  # Graph understated it: the download itself stops at the cap
    response = staff.get(_media_url(message))
    assert response.status_code == 200
    assert "troppo grande" in response.content.decode()
    assert not MessageMedia.objects.exists()


@pytest.mark.parametrize(
    ("graph_status", "code", "status", "text"),
    [
        (404, 100, 404, "non è più disponibile"),
        (400, 100, 404, "non è più disponibile"),
        (500, 2, 502, "riprova più tardi"),
        (401, 190, 502, "token"),
    ],
)
def test_graph_errors_become_a_clear_page_never_a_500(
    staff, conversation, graph, restaurant, graph_status, code, status, text
):
    message = _photo(conversation)
    graph.fail("111", graph_status, code)
    response = staff.get(_media_url(message))
    assert response.status_code == status
    assert text in response.content.decode()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not MessageMedia.objects.exists()
    _assert_no_token(response, restaurant.whatsapp_access_token)


def test_graph_unreachable_is_a_502(staff, conversation, graph):
    message = _photo(conversation, media_id="999")
    graph.mock.replace(responses.GET, graph.mock.registered()[0].url, body=requests.ConnectionError("down"))
    response = staff.get(_media_url(message))
    assert response.status_code == 502


def test_a_business_without_a_token_gets_a_clear_page_and_graph_is_not_called(staff, conversation, graph, restaurant):
    restaurant.whatsapp_access_token = ""
    restaurant.save()
    response = staff.get(_media_url(_photo(conversation)))
    assert response.status_code == 502
    assert graph.calls == []


def test_another_tenants_media_is_a_404_and_nothing_is_fetched(client, conversation, graph, other_restaurant):
    message = _photo(conversation)
    graph.add("111", PNG, "image/png")
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    assert client.get(_media_url(message)).status_code == 404
    assert graph.calls == []
    assert not MessageMedia.objects.exists()


def test_a_message_asked_for_under_another_conversation_is_a_404(staff, conversation, graph, restaurant):
    message = _photo(conversation)
    graph.add("111", PNG, "image/png")
    elsewhere = ConversationFactory(customer=CustomerFactory(tenant=restaurant))
    url = reverse("admin:backoffice_conversation_media", args=[elsewhere.pk, message.pk])
    assert staff.get(url).status_code == 404
    assert graph.calls == []


def test_a_message_without_media_is_a_404(staff, conversation, graph):
    text = MessageFactory(conversation=conversation, text="Ciao")
    assert staff.get(_media_url(text)).status_code == 404
    blanked = _photo(conversation)
    blanked.payload = {}  # past the retention period
    blanked.save()
    assert staff.get(_media_url(blanked)).status_code == 404
    assert graph.calls == []


def test_someone_not_logged_in_is_sent_to_the_login_page(client, conversation, graph):
    message = _photo(conversation)
    response = client.get(_media_url(message))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert graph.calls == []


def test_a_logged_in_user_who_is_not_staff_is_sent_to_the_login_page(client, conversation, graph, restaurant):
    user = UserFactory(is_staff=False)
    MembershipFactory(tenant=restaurant, user=user)
    client.force_login(user)
    response = client.get(_media_url(_photo(conversation)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert graph.calls == []


def test_the_proxy_only_answers_reads(staff, conversation, graph):
    assert staff.post(_media_url(_photo(conversation))).status_code == 405
    assert graph.calls == []


def test_an_instagram_attachment_is_fetched_from_its_cdn_without_the_token(staff, restaurant):
    restaurant.instagram_access_token = "IGQ-secret-token"
    restaurant.save()
    customer = CustomerFactory(tenant=restaurant, channel=Channel.INSTAGRAM)
    conversation = ConversationFactory(customer=customer)
    cdn = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=abc"
    message = MessageFactory(
        conversation=conversation, type="image", text="",
        payload={"message": {"message": {"mid": "m1", "attachments": [{"type": "image", "payload": {"url": cdn}}]}},
                 "inbound": {"kind": "media", "media_type": "image"}},
    )
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, cdn, body=PNG, content_type="image/png")
        response = staff.get(_media_url(message))
        assert "Authorization" not in mock.calls[0].request.headers
    assert (response.status_code, response.content, response["Content-Type"]) == (200, PNG, "image/png")
    _assert_no_token(response, "IGQ-secret-token")


def test_an_instagram_attachment_on_a_plain_http_host_is_not_fetched(staff, restaurant):
    conversation = ConversationFactory(customer=CustomerFactory(tenant=restaurant, channel=Channel.INSTAGRAM))
    message = MessageFactory(
        conversation=conversation, type="image",
        payload={"message": {"message": {"attachments": [{"type": "image", "payload": {"url": "http://10.0.0.1/x"}}]}}},
    )
    with responses.RequestsMock() as mock:
        assert staff.get(_media_url(message)).status_code == 404
        assert len(mock.calls) == 0


# --- The page -------------------------------------------------------------------------------


def test_the_conversation_page_shows_each_kind_of_media(staff, conversation):
    question = MessageFactory(conversation=conversation, direction="out", processing_status="",
                              delivery_status="read", text="A che ora?", channel_message_id="wamid.OUT1")
    photo = _photo(conversation)
    voice = whatsapp_message(conversation, media_raw("audio", "222", "audio/ogg", voice=True))
    video = whatsapp_message(conversation, media_raw("video", "333", "video/mp4"))
    document = whatsapp_message(conversation, media_raw("document", "444", "application/pdf", filename="menu.pdf"))
    sticker = whatsapp_message(conversation, media_raw("sticker", "555", "image/webp", animated=False))
    whatsapp_message(conversation, {"type": "location", "location": {
        "latitude": 45.4642, "longitude": 9.19, "name": "Duomo", "address": "Piazza del Duomo, Milano"}})
    whatsapp_message(conversation, {"type": "reaction", "reaction": {
        "message_id": question.channel_message_id, "emoji": "👍"}})
    html = staff.get(reverse("admin:backoffice_conversation", args=[conversation.pk])).content.decode()

    assert f'<img class="lyo-media-thumb" src="{_media_url(photo)}"' in html
    assert "questo taglio" in html  # the caption, under the photo
    assert f'<audio controls preload="none" src="{_media_url(voice)}">' in html
    assert f'<video controls preload="metadata" src="{_media_url(video)}">' in html
    assert f'<a class="lyo-media-document" href="{_media_url(document)}" download>📄 menu.pdf</a>' in html
    assert f'<img class="lyo-media-sticker-image" src="{_media_url(sticker)}" alt="Sticker"' in html
    assert '<span class="lyo-media-label">sticker</span>' in html
    assert ('<a class="lyo-media-map" href="https://www.openstreetmap.org/?mlat=45.464200&amp;mlon=9.190000'
            '#map=17/45.464200/9.190000" target="_blank" rel="noopener noreferrer">📍 Duomo</a>') in html
    assert '<div class="lyo-media-address">Piazza del Duomo, Milano</div>' in html
    assert '<span class="lyo-media-emoji">👍</span>' in html
    assert "ha reagito a “A che ora?”" in html
    # Nothing but links to Lyo's own proxy: no Graph or CDN URL, no token.
    assert "graph.facebook.com" not in html and conversation.tenant.whatsapp_access_token not in html


def test_a_media_message_past_retention_shows_no_broken_media(staff, conversation):
    photo = _photo(conversation)
    photo.payload = {}
    photo.text = ""
    photo.save()
    html = staff.get(reverse("admin:backoffice_conversation", args=[conversation.pk])).content.decode()
    assert _media_url(photo) not in html
