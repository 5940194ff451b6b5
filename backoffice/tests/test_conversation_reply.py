"""The reply box of the conversation page: htmx and plain posts, the window, templates, quick replies, tenancy."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import translation

from backoffice.tests.conftest import NOW
from conversations.models import Conversation, Message, QuickReply
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from reminders.models import MessageTemplate, Purpose
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

HTMX = {"HTTP_HX_REQUEST": "true"}


def _conversation(tenant, *, channel="whatsapp", last_wrote=timedelta(hours=1), phone="393471234567", **fields):
    customer = CustomerFactory(tenant=tenant, channel=channel, phone=phone, display_name="Giulia Rossi")
    conversation = ConversationFactory(customer=customer, last_inbound_at=NOW - last_wrote, **fields)
    MessageFactory(conversation=conversation, text="Avete posto stasera?", channel_timestamp=NOW - last_wrote,
                   processing_status="processed")
    return conversation


def _page(conversation) -> str:
    return reverse("admin:backoffice_conversation", args=[conversation.pk])


def _reply_url(conversation) -> str:
    return reverse("admin:backoffice_conversation_reply", args=[conversation.pk])


def _live_url(conversation) -> str:
    return reverse("admin:backoffice_conversation_live", args=[conversation.pk])


def _outbound(conversation) -> list[Message]:
    return list(Message.objects.filter(conversation=conversation, direction=Message.Direction.OUTBOUND))


def _textarea(html: str) -> str:
    return re.search(r'<textarea name="text" id="lyo-reply-text"[^>]*>(.*?)</textarea>', html, re.S).group(1)


# --- The page ---------------------------------------------------------------------------------


def test_the_page_has_a_reply_box_polling_transcript_and_htmx_from_the_app(staff, restaurant):
    conversation = _conversation(restaurant)
    QuickReply.objects.create(tenant=restaurant, title="Orari", text="Siamo aperti dalle 12 alle 15.")
    html = staff.get(_page(conversation)).content.decode()
    assert 'id="lyo-reply-form"' in html and f'hx-post="{_reply_url(conversation)}"' in html
    assert f'action="{_reply_url(conversation)}"' in html  # without JavaScript the form posts as usual
    assert f'hx-get="{_live_url(conversation)}" hx-trigger="every 5s"' in html
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in html
    assert 'data-lyo-fill="Siamo aperti dalle 12 alle 15."' in html and ">Orari</button>" in html
    assert "csrfmiddlewaretoken" in html


def test_the_htmx_script_is_one_of_the_apps_static_files():
    found = finders.find("django_htmx/htmx-2.min.js")
    assert found and "htmx" in Path(found).read_text()[:2000]


# --- Sending ----------------------------------------------------------------------------------


def test_a_plain_post_queues_the_reply_takes_over_and_redirects_back(staff, restaurant):
    conversation = _conversation(restaurant)
    response = staff.post(_reply_url(conversation), {"text": "Sì, alle 20 c'è posto."})
    assert response.status_code == 302 and response["Location"] == _page(conversation) + "#latest"
    (message,) = _outbound(conversation)
    assert (message.text, message.type, message.sent_by.pk) == (
        "Sì, alle 20 c'è posto.", "text", int(staff.session["_auth_user_id"])
    )
    assert message.delivery_status in {"queued", "not_sendable", "sent"}  # whatever the test sender did
    conversation.refresh_from_db()
    assert (conversation.status, conversation.handoff_reason) == ("human", "staff")
    html = staff.get(_page(conversation)).content.decode()
    assert "Sì, alle 20 c&#x27;è posto." in html and 'id="lyo-hand-back"' in html


def test_an_htmx_post_answers_the_transcript_and_a_fresh_box(staff, restaurant):
    conversation = _conversation(restaurant)
    response = staff.post(_reply_url(conversation), {"text": "Vi aspettiamo!"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="lyo-live"')
    assert "Vi aspettiamo!" in html.split('id="lyo-reply"')[0]  # in the transcript
    assert '<section class="lyo-reply" id="lyo-reply" hx-swap-oob="outerHTML">' in html
    assert _textarea(html) == ""  # the box is emptied for the next message
    assert "<html" not in html
    assert [m.text for m in _outbound(conversation)] == ["Vi aspettiamo!"]


def test_the_live_fragment_shows_ticks_and_failures(staff, restaurant):
    conversation = _conversation(restaurant)
    MessageFactory(conversation=conversation, direction="out", text="Consegnato", processing_status="",
                   delivery_status="delivered")
    MessageFactory(conversation=conversation, direction="out", text="Rifiutato", processing_status="",
                   delivery_status="failed", error_title="Message undeliverable", error_code=131026)
    response = staff.get(_live_url(conversation), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="lyo-live"')
    assert 'lyo-ticks lyo-ticks-delivered" title="Consegnato"' in html
    assert "lyo-bubble-failed" in html and "Message undeliverable (131026)" in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_an_empty_reply_is_refused_with_a_400_and_the_reason(staff, restaurant, headers):
    conversation = _conversation(restaurant)
    response = staff.post(_reply_url(conversation), {"text": "   "}, **headers)
    assert response.status_code == 400
    with translation.override("it"):  # the staff pages speak the business's language
        reason = translation.gettext("Type a message first.")
    assert f'id="lyo-reply-error" role="alert">{reason}</p>' in response.content.decode()
    assert _outbound(conversation) == []


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_too_long_reply_is_refused_and_the_text_is_kept(staff, restaurant, headers):
    conversation = _conversation(restaurant, channel="instagram", phone=None)
    text = "a" * 1001
    response = staff.post(_reply_url(conversation), {"text": text}, **headers)
    assert response.status_code == 400
    html = response.content.decode()
    assert "1001" in html and "1000" in html
    assert _textarea(html) == text
    assert _outbound(conversation) == []
    assert Conversation.objects.get(pk=conversation.pk).status == "bot"


@pytest.mark.parametrize("value", ["abc", "1" * 30, "-1", "٣"])
def test_a_bad_template_id_is_a_400_not_a_500(staff, restaurant, value):
    conversation = _conversation(restaurant, last_wrote=timedelta(hours=30))
    response = staff.post(_reply_url(conversation), {"template": value})
    assert response.status_code == 400
    assert _outbound(conversation) == []


# --- Outside the window --------------------------------------------------------------------------


def test_outside_the_window_whatsapp_offers_the_approved_templates_and_sends_the_one_picked(staff, restaurant):
    conversation = _conversation(restaurant, last_wrote=timedelta(hours=30))
    template = MessageTemplate.objects.create(
        tenant=restaurant, purpose=Purpose.STAFF_MOVED, name="staff_follow_up", language="it",
        parameters="customer_name",
    )
    html = staff.get(_page(conversation)).content.decode()
    assert 'id="lyo-reply-text"' not in html
    assert f'<option value="{template.pk}">' in html and "staff_follow_up (it): Giulia" in html
    response = staff.post(_reply_url(conversation), {"template": str(template.pk)})
    assert response.status_code == 302
    (message,) = _outbound(conversation)
    assert (message.type, message.payload["template"]["name"]) == ("template", "staff_follow_up")
    assert message.payload["template"]["category"] == "utility"  # what Meta bills it as, kept on the row


def test_outside_the_window_without_an_approved_template_the_page_says_why(staff, restaurant):
    conversation = _conversation(restaurant, last_wrote=timedelta(hours=30))
    html = staff.get(_page(conversation)).content.decode()
    assert 'id="lyo-reply-form"' not in html
    assert 'id="lyo-reply-no-template"' in html
    assert staff.post(_reply_url(conversation), {"text": "Ciao"}).status_code == 400
    assert _outbound(conversation) == []


def test_outside_the_window_instagram_offers_nothing(staff, restaurant):
    conversation = _conversation(restaurant, channel="instagram", phone=None, last_wrote=timedelta(hours=30))
    MessageTemplate.objects.create(tenant=restaurant, purpose=Purpose.STAFF_MOVED, name="t", language="it",
                                   parameters="")
    html = staff.get(_page(conversation)).content.decode()
    assert 'id="lyo-reply-form"' not in html and "<select" not in html
    assert "Instagram" in html.split('id="lyo-reply-reason">')[1].split("</p>")[0]


# --- Tenancy, access, CSRF ---------------------------------------------------------------------


def test_another_tenants_conversation_is_404_on_every_new_endpoint(staff, other_restaurant):
    theirs = _conversation(other_restaurant)
    assert staff.post(_reply_url(theirs), {"text": "Ciao"}).status_code == 404
    assert staff.post(_reply_url(theirs), {"text": "Ciao"}, **HTMX).status_code == 404
    assert staff.get(_live_url(theirs)).status_code == 404
    assert _outbound(theirs) == []
    assert Conversation.objects.get(pk=theirs.pk).status == "bot"


def test_staff_without_access_to_any_tenant_get_404(client, restaurant):
    conversation = _conversation(restaurant)
    client.force_login(User.objects.create_user("nobody", is_staff=True))
    assert client.post(_reply_url(conversation), {"text": "Ciao"}).status_code == 404
    assert client.get(_live_url(conversation)).status_code == 404
    assert _outbound(conversation) == []


def test_the_reply_needs_the_csrf_token(restaurant):
    conversation = _conversation(restaurant)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(MembershipFactory(tenant=restaurant).user)
    assert browser.post(_reply_url(conversation), {"text": "Ciao"}).status_code == 403
    assert browser.post(_reply_url(conversation), {"text": "Ciao"}, **HTMX).status_code == 403
    assert _outbound(conversation) == []
    page = browser.get(_page(conversation))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert browser.post(_reply_url(conversation), {"text": "Ciao", "csrfmiddlewaretoken": token}).status_code == 302
    assert [m.text for m in _outbound(conversation)] == ["Ciao"]


def test_the_reply_endpoint_takes_posts_only(staff, restaurant):
    assert staff.get(_reply_url(_conversation(restaurant))).status_code == 405
