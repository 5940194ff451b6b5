"""Staff answer a customer from the conversation page, at a desk (1280 px) and on a phone (390 px):
take over, pick a quick reply, send it, watch it delivered without a reload, hand back.
Headless Chromium; the Graph API is the fake one of the WhatsApp tests.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.tests.test_browser import (
    _assert_no_sideways_scrolling,
    _assert_stays_local,
    _click,
    _css,
    _log_in,
    _screenshot,
    _wait,
    browser,  # noqa: F401 - the headless Chromium fixture
    trattoria,  # noqa: F401 - the demo restaurant and its login
)
from conversations.models import Conversation, Message, QuickReply
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from whatsapp.tests.conftest import graph, payload_json, sign  # noqa: F401 - the fake Graph API

pytestmark = pytest.mark.django_db(transaction=True)


def _delivered(phone_number_id: str, wamid: str) -> None:
    """Meta's status webhook for ``wamid``, signed, posted to the app."""
    body = payload_json("whatsapp_status_delivered.json")
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = phone_number_id
    value["statuses"][0].update(id=wamid, timestamp=str(int(timezone.now().timestamp())))
    raw = json.dumps(body).encode()
    response = Client().post(
        "/webhooks/whatsapp", data=raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(raw)
    )
    assert response.status_code == 200


def _transcript_at_newest(driver) -> bool:
    return driver.execute_script(
        "var c = document.getElementById('lyo-chat');"
        "return c.scrollHeight > c.clientHeight && c.scrollHeight - c.scrollTop - c.clientHeight < 40;"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_take_over_reply_see_it_delivered_and_hand_back(
    browser, live_server, trattoria, graph, width  # noqa: F811
):
    trattoria.whatsapp_access_token = "EAAtrattoria-token"
    trattoria.save(update_fields=["whatsapp_access_token"])
    QuickReply.objects.create(tenant=trattoria, title="Tavolo pronto", text="Il vostro tavolo è pronto.")
    customer = CustomerFactory(tenant=trattoria, display_name="Lucia", phone="393471112233")
    conversation = ConversationFactory(customer=customer, last_inbound_at=timezone.now())
    for number in range(25):  # a long conversation: the transcript scrolls
        MessageFactory(conversation=conversation, text=f"Messaggio {number}", processing_status="processed")
    MessageFactory(conversation=conversation, text="Siamo in ritardo di 10 minuti", channel_timestamp=timezone.now(),
                   processing_status="processed")
    browser.set_window_size(width, 900)
    _log_in(browser, live_server, "trattoria")
    browser.get(f"{live_server.url}/admin/chat/{conversation.pk}/")
    _css(browser, "#lyo-reply-text")
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    # The page scrolls the transcript to the newest message once laid out (a wait, not a race).
    _wait(browser).until(_transcript_at_newest)

    _click(browser, "#lyo-take")
    _wait(browser).until(lambda d: Conversation.objects.get(pk=conversation.pk).status == "human")
    _css(browser, "#lyo-hand-back")

    # Too long for WhatsApp: refused in place with the reason, the text kept for editing.
    browser.execute_script(
        "window.lyoSamePage = true; document.getElementById('lyo-reply-text').value = 'x'.repeat(4097);"
    )
    _click(browser, "#lyo-reply-send")
    assert "4097" in _css(browser, "#lyo-reply-error").text
    assert len(_css(browser, "#lyo-reply-text").get_attribute("value")) == 4097
    assert graph.sends == []
    assert browser.execute_script("return window.lyoSamePage === true")  # swapped by htmx, no reload

    _click(browser, "button.lyo-quick-reply")
    box = _css(browser, "#lyo-reply-text")
    assert box.get_attribute("value") == "Il vostro tavolo è pronto."
    box.send_keys(" A dopo!")
    _screenshot(browser, f"reply-typed-{width}")
    _click(browser, "#lyo-reply-send")

    # Sent through the outbox to Lucia's phone from the trattoria's number, as the assistant's replies are.
    _wait(browser).until(lambda d: len(graph.sends) == 1)
    (send,) = graph.sends
    assert (send["phone_number_id"], send["token"]) == (trattoria.whatsapp_phone_number_id, "EAAtrattoria-token")
    assert (send["body"]["to"], send["body"]["text"]["body"]) == ("393471112233", "Il vostro tavolo è pronto. A dopo!")
    message = Message.objects.get(conversation=conversation, direction=Message.Direction.OUTBOUND)
    assert (message.delivery_status, message.sent_by.username) == ("sent", "trattoria")
    # The transcript was swapped in place and the box emptied, without a reload.
    _wait(browser).until(lambda d: "A dopo!" in d.find_element("id", "lyo-chat").text)
    assert _css(browser, "#lyo-reply-text").get_attribute("value") == ""
    assert browser.execute_script("return window.lyoSamePage === true")

    # Meta reports it delivered: the ticks change by themselves (the transcript polls).
    _delivered(trattoria.whatsapp_phone_number_id, message.channel_message_id)
    _wait(browser).until(lambda d: d.find_elements("css selector", "#lyo-chat .lyo-ticks-delivered"))
    _wait(browser).until(_transcript_at_newest)  # refreshed in place, still showing the newest message
    _assert_no_sideways_scrolling(browser)
    _assert_stays_local(browser, live_server)
    _screenshot(browser, f"reply-delivered-{width}")

    _click(browser, "#lyo-hand-back")
    _wait(browser).until(lambda d: Conversation.objects.get(pk=conversation.pk).status == "bot")
    _css(browser, "#lyo-take")
    _assert_stays_local(browser, live_server)

    # Signed out (the session ended): the next refresh shows the login page, not a login form inside the chat.
    browser.delete_all_cookies()
    _wait(browser).until(lambda d: urlsplit(d.current_url).path == "/admin/login/")
