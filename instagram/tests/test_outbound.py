"""Replies rendered for Instagram and sent with retries; permanent errors, the token flag, never a second send."""

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from conversations.models import Message
from conversations.replies import Option, Reply, ReplyType, text_length, text_reply
from conversations.services.outbound import SEND_MAX_ATTEMPTS
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Channel
from customers.tests.factories import CustomerFactory
from instagram.adapter import InstagramAdapter
from instagram.rendering import reply_render
from instagram.tasks import instagram_message_send_task
from instagram.tests.conftest import payload_bytes
from tenants.models import Tenant


def queued_reply(tenant: Tenant, reply: Reply | None = None) -> Message:
    customer = CustomerFactory(tenant=tenant, channel=Channel.INSTAGRAM, phone=None)
    conversation = ConversationFactory(customer=customer)
    inbound = MessageFactory(conversation=conversation)
    reply = reply or text_reply("Grazie!")
    return Message.objects.create(
        tenant=tenant, conversation=conversation, direction=Message.Direction.OUTBOUND, channel=Channel.INSTAGRAM,
        text=reply.text, payload=reply.as_dict(), delivery_status=Message.Delivery.QUEUED, reply_to=inbound,
    )


# --- Rendering ------------------------------------------------------------------------------


def test_text_reply_is_one_text_message_to_the_igsid():
    assert reply_render(text_reply("Ciao!"), recipient_id="42") == [
        {"recipient": {"id": "42"}, "messaging_type": "RESPONSE", "message": {"text": "Ciao!"}}
    ]


def test_buttons_become_quick_replies_with_the_option_ids_as_payloads():
    reply = Reply(ReplyType.BUTTONS, "Confermo?", (Option("yes", "Sì, prenota"), Option("no", "Annulla")))
    (body,) = reply_render(reply, recipient_id="42")
    assert body["message"] == {
        "text": "Confermo?",
        "quick_replies": [
            {"content_type": "text", "title": "Sì, prenota", "payload": "yes"},
            {"content_type": "text", "title": "Annulla", "payload": "no"},
        ],
    }


def test_list_rows_with_descriptions_are_listed_in_the_text_and_offered_as_quick_replies():
    rows = (Option("svc:1", "Taglio donna", "45 minuti"), Option("svc:2", "Colore e piega lunghi", "90 minuti"))
    (body,) = reply_render(Reply(ReplyType.LIST, "Quale servizio?", rows, "Servizi"), recipient_id="42")
    message = body["message"]
    assert message["text"] == "Quale servizio?\n\n• Taglio donna — 45 minuti\n• Colore e piega lunghi — 90 minuti"
    assert [q["title"] for q in message["quick_replies"]] == ["Taglio donna", "Colore e piega…"]
    assert [q["payload"] for q in message["quick_replies"]] == ["svc:1", "svc:2"]


def test_long_text_is_split_under_1000_and_quick_replies_ride_on_the_last_piece():
    text = ("Una frase abbastanza lunga per riempire il messaggio. " * 60).strip()
    reply = Reply(ReplyType.BUTTONS, text, (Option("yes", "Sì"),))
    bodies = reply_render(reply, recipient_id="42")
    assert len(bodies) > 1
    assert all(text_length(b["message"]["text"]) <= 1000 for b in bodies)
    assert [("quick_replies" in b["message"]) for b in bodies] == [False] * (len(bodies) - 1) + [True]
    assert " ".join(b["message"]["text"] for b in bodies).split() == text.split()


def test_more_than_13_options_keep_the_first_13():
    # Meta's "Quick Replies" for Instagram: at most 13 per message.
    options = tuple(Option(f"o{i}", f"Opzione {i}") for i in range(20))
    (body,) = reply_render(Reply(ReplyType.LIST, "Scegli", options, "Scegli"), recipient_id="42")
    assert [quick["payload"] for quick in body["message"]["quick_replies"]] == [f"o{i}" for i in range(13)]


def test_quick_reply_titles_are_cut_to_20_characters():
    # Meta's "Quick Replies" for Instagram: a title of at most 20 characters.
    options = (Option("a", "Piega e trattamento!"), Option("b", "Colore e piega lunghi"))
    (body,) = reply_render(Reply(ReplyType.BUTTONS, "Quale?", options), recipient_id="42")
    titles = [quick["title"] for quick in body["message"]["quick_replies"]]
    assert titles == ["Piega e trattamento!", "Colore e piega…"]
    assert [len(option.title) for option in options] == [20, 21]


def test_options_without_text_get_a_prompt_in_the_customer_language():
    (body,) = reply_render(Reply(ReplyType.BUTTONS, "", (Option("yes", "Yes"),)), recipient_id="42", language="en")
    assert body["message"]["text"] == "Choose an option:"


@given(
    text=st.text(max_size=3000),
    titles=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=20),
    kind=st.sampled_from([ReplyType.TEXT, ReplyType.BUTTONS, ReplyType.LIST]),
)
def test_any_reply_renders_within_instagrams_limits(text, titles, kind):
    options = tuple(Option(f"id{i}", title) for i, title in enumerate(titles)) if kind != ReplyType.TEXT else ()
    for body in reply_render(Reply(kind, text, options), recipient_id="42"):
        message = body["message"]
        # Meta's limits, written out rather than read from the module under test.
        assert 0 < text_length(message["text"]) <= 1000
        quick = message.get("quick_replies", [])
        assert len(quick) <= 13
        assert all(0 < text_length(q["title"]) <= 20 for q in quick)


# --- Sending --------------------------------------------------------------------------------


def test_graph_500_500_200_ends_in_exactly_one_sent_message(tenant, post_webhook, instagram, celery_retries_inline):
    instagram.fail_next(500)
    instagram.fail_next(500)
    post_webhook(payload_bytes("instagram_text.json"))

    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert (reply.delivery_status, reply.channel_message_id, reply.attempts) == ("sent", "mid.SENT0001", 3)
    assert len(instagram.sends) == 3


@pytest.mark.parametrize(("status", "code"), [(400, 613), (400, 80002), (400, 4), (429, None), (503, None)])
def test_throttling_and_server_errors_retry_up_to_the_limit(tenant, instagram, celery_retries_inline, status, code):
    message = queued_reply(tenant)
    for _ in range(SEND_MAX_ATTEMPTS + 2):
        instagram.fail_next(status, code)
    instagram_message_send_task.delay(message.pk)
    message.refresh_from_db()
    assert (message.delivery_status, message.attempts) == ("failed", SEND_MAX_ATTEMPTS)
    assert len(instagram.sends) == SEND_MAX_ATTEMPTS


@pytest.mark.parametrize("code", [100, 10, 551])
def test_permanent_errors_fail_at_once(tenant, instagram, code):
    message = queued_reply(tenant)
    instagram.fail_next(400, code, "(#10) This message is sent outside of allowed window.")
    instagram_message_send_task.delay(message.pk)
    message.refresh_from_db()
    assert (message.delivery_status, message.error_code, message.attempts) == ("failed", code, 1)
    assert message.error_title == "(#10) This message is sent outside of allowed window."
    assert len(instagram.sends) == 1


def test_invalid_token_flags_the_tenant_and_stops_its_instagram_sends(tenant, instagram):
    first, second = queued_reply(tenant), queued_reply(tenant)
    instagram.fail_next(401, 190, "Error validating access token")
    instagram_message_send_task.delay(first.pk)

    tenant.refresh_from_db()
    assert tenant.instagram_token_invalid_at is not None
    assert tenant.whatsapp_token_invalid_at is None  # the WhatsApp token is another matter

    instagram_message_send_task.delay(second.pk)
    second.refresh_from_db()
    assert second.delivery_status == Message.Delivery.NOT_SENDABLE
    assert "rejected" in second.error_title
    assert len(instagram.sends) == 1


def test_a_split_reply_never_sends_a_part_twice(tenant, instagram, celery_retries_inline):
    long = Reply(ReplyType.TEXT, ("Paragrafo lungo. " * 70).strip())
    message = queued_reply(tenant, long)
    parts = len(reply_render(long, recipient_id="42"))
    assert parts == 2
    instagram.script = [None, (500, {"error": {"message": "down", "code": 2}})]
    instagram_message_send_task.delay(message.pk)

    message.refresh_from_db()
    assert (message.delivery_status, message.channel_message_id) == ("sent", "mid.SENT0002")
    first, refused, again = (send["body"]["message"]["text"] for send in instagram.sends)
    assert refused == again != first  # part 1 once; part 2 refused, then sent


def test_a_sent_message_is_not_sent_again(tenant, instagram):
    message = queued_reply(tenant)
    InstagramAdapter().send(message_id=message.pk)
    assert InstagramAdapter().send(message_id=message.pk).outcome == "skipped"
    assert len(instagram.sends) == 1


def test_tenant_without_an_instagram_token_cannot_send(tenant, instagram):
    tenant.instagram_access_token = ""
    tenant.save()
    message = queued_reply(tenant)
    assert InstagramAdapter().send(message_id=message.pk).outcome == "not_sendable"
    message.refresh_from_db()
    assert message.error_title == "Instagram is not configured for this tenant (access token missing)."
    assert len(instagram.sends) == 0


@override_settings(LYO_SEND_BACKEND="console")
def test_console_backend_prints_instead_of_sending(tenant, instagram, capsys):
    tenant.instagram_access_token = ""
    tenant.save()
    message = queued_reply(tenant)
    assert InstagramAdapter().send(message_id=message.pk).outcome == "sent"
    assert "Instagram → " in capsys.readouterr().out
    assert "Grazie!" in Message.objects.get(pk=message.pk).text
    assert len(instagram.sends) == 0
