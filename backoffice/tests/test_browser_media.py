"""Media in a conversation, in headless Chromium at a desk (1280 px) and on a phone (390 px):
the photo and sticker actually load through Lyo's media proxy (served by the fake Graph API),
voice notes and videos get players, documents a download link, places a map link, reactions
their emoji; the page never scrolls sideways and loads nothing from another host."""

from __future__ import annotations

import pytest
import responses

from backoffice.tests.media_fixtures import AUDIO, PDF, PNG, VIDEO, FakeMediaGraph, media_raw, whatsapp_message
from backoffice.tests.test_browser import (
    _assert_no_sideways_scrolling,
    _assert_stays_local,
    _css,
    _log_in,
    _screenshot,
    _wait,
    browser,  # noqa: F401 - the headless Chromium fixture
    trattoria,  # noqa: F401 - the demo restaurant and its login
)
from conversations.models import MessageMedia
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "EAAtrattoria-media-token"


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_see_every_kind_of_media_in_a_conversation(browser, live_server, trattoria, width):  # noqa: F811
    trattoria.whatsapp_access_token = TOKEN
    trattoria.save(update_fields=["whatsapp_access_token"])
    conversation = ConversationFactory(customer=CustomerFactory(tenant=trattoria, display_name="Giulia"))
    question = MessageFactory(conversation=conversation, direction="out", processing_status="",
                              delivery_status="read", text="Vi aspettiamo alle 20!", channel_message_id="wamid.Q1")
    whatsapp_message(conversation, media_raw("image", "111", "image/png", caption="questo tavolo, per favore"))
    whatsapp_message(conversation, media_raw("audio", "222", "audio/ogg", voice=True))
    whatsapp_message(conversation, media_raw("video", "333", "video/mp4"))
    whatsapp_message(conversation, media_raw("document", "444", "application/pdf",
                                             filename="allergie-e-intolleranze-del-gruppo-di-sabato-sera.pdf"))
    whatsapp_message(conversation, media_raw("sticker", "555", "image/png"))
    whatsapp_message(conversation, {"type": "location", "location": {
        "latitude": 45.4642, "longitude": 9.19, "name": "Duomo", "address": "Piazza del Duomo, Milano"}})
    whatsapp_message(conversation, {"type": "reaction", "reaction": {"message_id": question.channel_message_id,
                                                                     "emoji": "👍"}})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # Only Graph is faked: everything else (the live server itself) goes through as it is.
        mock.add_passthru(live_server.url)
        graph = FakeMediaGraph(mock, TOKEN)
        for media_id, content, mime_type in (("111", PNG, "image/png"), ("222", AUDIO, "audio/ogg"),
                                             ("333", VIDEO, "video/mp4"), ("444", PDF, "application/pdf"),
                                             ("555", PNG, "image/png")):
            graph.add(media_id, content, mime_type)

        browser.set_window_size(width, 900)
        _log_in(browser, live_server, "trattoria")
        browser.get(f"{live_server.url}/admin/chat/{conversation.pk}/")
        chat = _css(browser, "#lyo-chat")
        for selector in (".lyo-media-thumb", ".lyo-media-sticker-image"):
            image = browser.find_element("css selector", selector)
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", image)
            _wait(browser).until(lambda d, image=image: d.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth;", image) == 40)
        assert browser.find_elements("css selector", "audio[controls]")
        assert browser.find_elements("css selector", "video[controls]")
        document = browser.find_element("css selector", "a.lyo-media-document")
        assert document.get_attribute("download") is not None
        assert document.text.endswith("allergie-e-intolleranze-del-gruppo-di-sabato-sera.pdf")
        place = browser.find_element("css selector", "a.lyo-media-map")
        assert place.get_attribute("href").startswith("https://www.openstreetmap.org/?mlat=45.464200&mlon=9.190000")
        assert "Piazza del Duomo, Milano" in chat.text
        assert "👍" in chat.text and "ha reagito a “Vi aspettiamo alle 20!”" in chat.text
        assert "sticker" in chat.text
        _assert_no_sideways_scrolling(browser)
        _assert_stays_local(browser, live_server)
        assert TOKEN not in browser.page_source
        _screenshot(browser, f"conversation-media-{width}")
        # Every Graph call carried the business's token; the browser never saw it.
        assert {call.request.headers["Authorization"] for call in mock.calls
                if not call.request.url.startswith(live_server.url)} == {f"Bearer {TOKEN}"}
    assert set(MessageMedia.objects.values_list("mime_type", flat=True)) >= {"image/png"}
