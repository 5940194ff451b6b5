"""The assistant's reply limits: floods, repeats and loops get a bounded number of replies, then staff."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from prometheus_client import REGISTRY

from conversations.inbound import InboundKind, InboundMessage
from conversations.models import Conversation, Message
from conversations.services.handoff import conversation_hand_back
from conversations.services.inbound import inbound_message_process, inbound_message_record
from conversations.services.reply_budget import LOOP_EXCHANGES, REPEATS_BEFORE_HANDOFF
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory
from operators.demo import demo_tenants_seed
from tenants.models import Tenant
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026, 19:00 in Rome.
START = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def send(conversation: Conversation, at: datetime, text: str = "", media: str = "") -> list[Message]:
    """The customer's message, sent (and received) at ``at``, stored and handled as a webhook's is; our replies."""
    kind = InboundKind.MEDIA if media else InboundKind.TEXT
    inbound = InboundMessage(
        kind=kind, channel_message_id=f"wamid.{uuid.uuid4().hex}", timestamp=at, text=text, media_type=media,
        media_id="MEDIA1" if media else "",
    )
    with time_machine.travel(at, tick=False):
        message = inbound_message_record(
            tenant=conversation.tenant, customer=conversation.customer, conversation=conversation, inbound=inbound,
            message_type=media or Message.Type.TEXT, channel_payload={"text": text},
        )
        inbound_message_process(message_id=message.pk)
    conversation.refresh_from_db()
    return list(Message.objects.filter(reply_to=message).order_by("sequence"))


def answered(conversation: Conversation) -> int:
    """How many inbound messages got a reply."""
    return Message.objects.filter(conversation=conversation, direction="out").values("reply_to").distinct().count()


def inbound_processed(conversation: Conversation) -> int:
    return Message.objects.filter(conversation=conversation, direction="in", processing_status="processed").count()


def suppressed(channel: str, kind: str) -> float:
    value = REGISTRY.get_sample_value("lyo_replies_suppressed_total", {"channel": channel, "type": kind})
    return value or 0.0


@pytest.fixture
def conversation():
    return ConversationFactory(customer__language="it")


def test_two_hundred_grazie_a_second_apart_get_one_reply_and_go_to_staff_as_repeated(conversation):
    replies = [send(conversation, START + timedelta(seconds=n), "grazie") for n in range(200)]

    assert [r.text for r in replies[0]] == ["Grazie a te! A presto."]
    assert sum(len(r) for r in replies) == 1
    # The sixth "grazie" is the fifth repeat in a row: staff are asked to look.
    assert REPEATS_BEFORE_HANDOFF == 5
    assert (conversation.status, conversation.handoff_reason) == ("human", "repeated")
    assert inbound_processed(conversation) == 200  # every message stored and handled, none lost


def test_two_hundred_grazie_a_minute_apart_get_thanks_the_menu_and_a_person(conversation):
    replies = [send(conversation, START + timedelta(minutes=n), "grazie!") for n in range(200)]

    texts = [[r.text for r in turn] for turn in replies[:5]]
    assert texts[0] == ["Grazie a te! A presto."]
    assert texts[1] == []  # a second "grazie" in a row is not answered
    assert texts[2] == ["Non sono sicuro di aver capito. Ecco cosa posso fare:"]
    assert texts[3][0].startswith("Mi dispiace, non riesco a capire. Ti metto in contatto")
    assert texts[4] == []
    assert answered(conversation) == 3
    assert (conversation.status, conversation.handoff_reason) == ("human", "not_understood")
    assert inbound_processed(conversation) == 200


def test_varied_acknowledgements_count_as_not_understood(conversation):
    words = ["grazie", "ok", "👍", "perfetto", "thanks", "grazie mille"]
    replies = [send(conversation, START + timedelta(seconds=10 * n), word) for n, word in enumerate(words)]

    assert [len(turn) for turn in replies] == [1, 0, 1, 1, 0, 0]
    assert (conversation.status, conversation.handoff_reason) == ("human", "not_understood")


def test_two_hundred_stickers_get_one_reply_and_go_to_staff_as_repeated(conversation):
    replies = [send(conversation, START + timedelta(seconds=n), media="sticker") for n in range(200)]

    assert [r.text for r in replies[0]] == [
        "Grazie! Purtroppo posso leggere solo messaggi di testo. Scrivimi pure cosa ti serve."
    ]
    assert sum(len(r) for r in replies) == 1
    assert (conversation.status, conversation.handoff_reason) == ("human", "repeated")
    assert inbound_processed(conversation) == 200


def test_two_hundred_stickers_a_minute_apart_get_three_replies_then_staff(conversation):
    replies = [send(conversation, START + timedelta(minutes=n), media="sticker") for n in range(200)]

    assert [len(turn) for turn in replies[:5]] == [1, 0, 1, 1, 0]
    assert answered(conversation) == 3
    assert (conversation.status, conversation.handoff_reason) == ("human", "not_understood")


def test_a_relay_loop_with_another_assistant_stops_after_five_rounds_as_a_loop(conversation):
    # The other assistant answers each of our replies a second later, never twice the same words.
    other_bot = itertools.cycle(["Ciao!", "Orari?", "Dove siete?", "Buonasera", "Che orari fate?", "Indirizzo?"])
    at = START
    rounds = 0
    for _ in range(40):
        replies = send(conversation, at, next(other_bot))
        if replies:
            rounds += 1
            at = replies[-1].created_at + timedelta(seconds=1)
        else:
            at += timedelta(seconds=1)

    assert LOOP_EXCHANGES == 5
    # The first message and the next four, each a second after our reply, were answered;
    # the fifth answer that fast in a row is the loop.
    assert rounds == 5
    assert answered(conversation) == 5
    assert (conversation.status, conversation.handoff_reason) == ("human", "loop")
    assert inbound_processed(conversation) == 40


def test_more_answers_than_the_minute_allows_go_to_staff_with_reply_budget(conversation):
    # Four seconds apart: too slow to be a loop, but more than a person asks for.
    questions = itertools.cycle(["Che orari fate?", "Dove siete?"])
    replies = [send(conversation, START + timedelta(seconds=4 * n), next(questions)) for n in range(20)]

    assert conversation.tenant.reply_limit_per_minute == 8
    assert [bool(turn) for turn in replies] == [True] * 8 + [False] * 12
    assert (conversation.status, conversation.handoff_reason) == ("human", "reply_budget")


def test_more_answers_than_the_hour_allows_go_to_staff_with_reply_budget(conversation):
    Tenant.objects.filter(pk=conversation.tenant_id).update(reply_limit_per_hour=10)
    conversation.tenant.refresh_from_db()
    questions = itertools.cycle(["Che orari fate?", "Dove siete?"])
    # One a minute: never more than the minute allows.
    replies = [send(conversation, START + timedelta(minutes=n), next(questions)) for n in range(15)]

    assert [bool(turn) for turn in replies] == [True] * 10 + [False] * 5
    assert (conversation.status, conversation.handoff_reason) == ("human", "reply_budget")


def test_the_same_message_twice_within_half_a_minute_is_answered_once(conversation):
    first = send(conversation, START, "Che orari fate?")
    again = send(conversation, START + timedelta(seconds=10), "che orari fate")
    later = send(conversation, START + timedelta(seconds=45), "Che orari fate?")

    assert (bool(first), again, bool(later)) == (True, [], True)
    assert (conversation.status, conversation.handoff_reason) == ("bot", "")


def test_staff_handing_back_clears_the_reason(conversation):
    for n in range(7):
        send(conversation, START + timedelta(seconds=n), "grazie")
    assert conversation.handoff_reason == "repeated"
    assert conversation_hand_back(conversation=conversation) is True
    conversation.refresh_from_db()
    assert (conversation.status, conversation.handoff_reason) == ("bot", "")
    assert send(conversation, START + timedelta(minutes=5), "Dove siete?") != []


def test_each_reply_not_sent_because_of_a_limit_is_counted(conversation, django_capture_on_commit_callbacks):
    channel = conversation.channel
    before = {kind: suppressed(channel, kind) for kind in ("repeat", "reply_budget", "loop")}
    with (
        mock.patch("conversations.services.inbound.inbound_message_enqueue"),
        mock.patch("conversations.services.outbound.outbound_replies_send"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for n in range(10):
            send(conversation, START + timedelta(seconds=n), "grazie")

    # Replies 2 to 6 were held back as repeats (the sixth handed over); staff have the rest.
    assert {kind: suppressed(channel, kind) - before[kind] for kind in before} == {
        "repeat": 5, "reply_budget": 0, "loop": 0
    }


def test_a_customer_booking_at_a_human_pace_is_answered_every_time():
    demo_tenants_seed()
    tenant = Tenant.objects.get(slug="trattoria-demo")
    conversation = ConversationFactory(customer=CustomerFactory(tenant=tenant, language="it"))
    turns = [
        ("Ciao, vorrei prenotare un tavolo per 4 domani alle 20", "Confermo?"),
        ("sì", "Fatto!"),
        ("grazie", "Grazie a te"),
        ("a che ora aprite domenica?", "Domenica 29 novembre siamo aperti"),
        ("dove siete?", "Ci trovi"),
        ("ok grazie", "Come posso aiutarti?"),
        ("le mie prenotazioni", "Le tue prossime prenotazioni"),
        ("grazie mille", "Grazie a te"),
    ]
    at = START
    for text, expected in turns:
        replies = send(conversation, at, text)
        assert expected in " ".join(r.text for r in replies), text
        at = replies[-1].created_at + timedelta(seconds=5)  # reads and types for five seconds
    assert (conversation.status, conversation.handoff_reason) == ("bot", "")
    assert answered(conversation) == len(turns)


def test_the_test_channel_is_never_limited():
    # Staff trying their assistant tap fast and repeat themselves on purpose.
    conversation = ConversationFactory(customer__channel="test", customer__language="it")
    replies = [send(conversation, START + timedelta(seconds=n), "Che orari fate?") for n in range(12)]
    assert all(replies)
    assert (conversation.status, conversation.handoff_reason) == ("bot", "")


# --- what staff see ------------------------------------------------------------------


@pytest.fixture
def looping(conversation):
    other_bot = itertools.cycle(["Ciao!", "Orari?", "Dove siete?"])
    at = START
    for _ in range(8):
        replies = send(conversation, at, next(other_bot))
        at = (replies[-1].created_at if replies else at) + timedelta(seconds=1)
    assert conversation.handoff_reason == "loop"
    return conversation


@pytest.fixture
def staff(client, looping):
    client.force_login(MembershipFactory(tenant=looping.tenant).user)
    return client


def test_the_conversation_page_shows_why_staff_were_asked_in_italian_and_english(staff, looping):
    url = reverse("admin:backoffice_conversation", args=[looping.pk])
    page = staff.get(url).content.decode()
    assert (
        '<span class="lyo-handoff-reason" id="lyo-handoff-reason">'
        "Motivo: Risposte automatiche (un botta e risposta con un altro bot)</span>"
    ) in page

    staff.post(reverse("set_language"), {"language": "en", "next": url})
    page = staff.get(url).content.decode()
    assert (
        '<span class="lyo-handoff-reason" id="lyo-handoff-reason">'
        "Why: Automatic replies (a loop with another bot)</span>"
    ) in page


def test_the_conversations_list_shows_the_reason(staff, looping):
    page = staff.get(reverse("admin:conversations_conversation_changelist")).content.decode()
    assert '<td class="field-handoff_reason">Risposte automatiche (un botta e risposta con un altro bot)</td>' in page


def test_a_conversation_the_assistant_answers_shows_no_reason(client, conversation):
    client.force_login(MembershipFactory(tenant=conversation.tenant).user)
    send(conversation, START, "Che orari fate?")
    page = client.get(reverse("admin:backoffice_conversation", args=[conversation.pk])).content.decode()
    assert "lyo-handoff-reason" not in page


def test_messages_answered_late_all_at_once_after_an_outage_are_not_over_the_budget(conversation):
    # Twelve questions over twelve minutes, stored while the workers were down, handled together.
    questions = itertools.cycle(["Che orari fate?", "Dove siete?"])
    stored = []
    for n in range(12):
        at = START + timedelta(minutes=n)
        inbound = InboundMessage(
            kind=InboundKind.TEXT, channel_message_id=f"wamid.late{n}", timestamp=at, text=next(questions)
        )
        with time_machine.travel(at, tick=False):
            stored.append(inbound_message_record(
                tenant=conversation.tenant, customer=conversation.customer, conversation=conversation,
                inbound=inbound, message_type=Message.Type.TEXT, channel_payload={},
            ))
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        assert inbound_message_process(message_id=stored[0].pk).processed == 12

    conversation.refresh_from_db()
    assert answered(conversation) == 12
    assert (conversation.status, conversation.handoff_reason) == ("bot", "")
