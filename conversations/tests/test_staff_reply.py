"""Staff write to the customer: through the outbox, within Meta's window, taking the conversation over."""

import itertools
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import User

from conversations.assistant.engine import AssistantResult
from conversations.models import Conversation, Message
from conversations.replies import text_reply
from conversations.services.inbound import inbound_message_process
from conversations.services.staff_reply import (
    StaffReplyRefused,
    StaffTemplate,
    conversation_staff_reply,
    conversations_staff_idle_hand_back,
)
from conversations.tasks import staff_idle_hand_back_task
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
_PHONES = itertools.count(393471234567)
TEMPLATE = StaffTemplate(
    name="staff_follow_up", language="it", parameters=("Giulia",), summary="staff_follow_up (it): Giulia"
)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def user(db):
    return User.objects.create_user("maria", is_staff=True)


def _conversation(channel="whatsapp", last_wrote: timedelta | None = timedelta(hours=1), tenant=None, **fields):
    tenant = tenant or TenantFactory()
    customer = CustomerFactory(tenant=tenant, channel=channel, phone=str(next(_PHONES)), display_name="Giulia")
    at = NOW - last_wrote if last_wrote is not None else None
    conversation = ConversationFactory(customer=customer, last_inbound_at=at, **fields)
    if at is not None:
        MessageFactory(conversation=conversation, channel_timestamp=at, processing_status="processed")
    return conversation


def _reply(conversation, user, text="Certo, a stasera!", **kwargs):
    return conversation_staff_reply(conversation=conversation, user=user, text=text, now=NOW, **kwargs)


def _outbound(conversation):
    return list(Message.objects.filter(conversation=conversation, direction=Message.Direction.OUTBOUND))


# --- Inside the window: free-form, through the outbox ------------------------------------------


def test_inside_the_window_the_typed_text_is_queued_with_its_author_and_sent_on_commit(
    user, django_capture_on_commit_callbacks
):
    conversation = _conversation(last_wrote=timedelta(hours=23, minutes=59))
    with mock.patch("conversations.services.staff_reply.outbound_message_enqueue") as enqueue:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            message = _reply(conversation, user, text="  Certo, a stasera!  ")
        enqueue.assert_not_called()  # nothing goes before the commit
        for callback in callbacks:
            callback()
    enqueue.assert_called_once_with(message.pk, "whatsapp")
    message.refresh_from_db()
    assert (message.direction, message.type, message.text, message.delivery_status) == (
        "out", "text", "Certo, a stasera!", "queued"
    )
    assert message.payload == {"type": "text", "text": "Certo, a stasera!"}
    assert (message.sent_by, message.reply_to, message.channel, message.tenant_id) == (
        user, None, "whatsapp", conversation.tenant_id
    )


def test_a_test_chat_without_a_window_takes_free_form_text_whenever(user):
    conversation = _conversation(channel="test", last_wrote=timedelta(days=3))
    assert _reply(conversation, user).type == "text"


# --- Outside the window -----------------------------------------------------------------------


def test_outside_the_window_on_whatsapp_an_approved_template_is_queued_as_a_template(user):
    conversation = _conversation(last_wrote=timedelta(hours=25))
    message = _reply(conversation, user, text="", template=TEMPLATE)
    message.refresh_from_db()
    assert (message.type, message.text, message.delivery_status, message.sent_by) == (
        "template", "staff_follow_up (it): Giulia", "queued", user
    )
    assert message.payload["template"] == {
        "name": "staff_follow_up", "language": "it", "parameters": ["Giulia"], "buttons": [],
    }


def test_outside_the_window_on_whatsapp_free_text_is_refused_with_the_reason(user):
    conversation = _conversation(last_wrote=timedelta(hours=25))
    with pytest.raises(StaffReplyRefused, match="WhatsApp now delivers only an approved message template"):
        _reply(conversation, user)
    assert _outbound(conversation) == []
    conversation.refresh_from_db()
    assert conversation.status == "bot"  # a refused reply takes nothing over


def test_a_customer_who_never_wrote_is_outside_the_window(user):
    conversation = _conversation(last_wrote=None)
    with pytest.raises(StaffReplyRefused, match="more than 24 hours ago"):
        _reply(conversation, user)


def test_outside_the_window_on_instagram_nothing_can_be_sent(user):
    conversation = _conversation(channel="instagram", last_wrote=timedelta(hours=25))
    with pytest.raises(StaffReplyRefused, match="Instagram does not allow"):
        _reply(conversation, user)
    with pytest.raises(StaffReplyRefused, match="WhatsApp only"):
        _reply(conversation, user, template=TEMPLATE)
    assert _outbound(conversation) == []


# --- Bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "limit"), [("whatsapp", 4096), ("instagram", 1000)])
def test_text_longer_than_the_channel_takes_is_refused_and_the_limit_itself_goes(user, channel, limit):
    conversation = _conversation(channel=channel)
    with pytest.raises(StaffReplyRefused, match=f"{limit + 1} characters, and this channel takes at most {limit}"):
        _reply(conversation, user, text="a" * (limit + 1))
    assert _outbound(conversation) == []
    assert _reply(conversation, user, text="a" * limit).text == "a" * limit


def test_an_emoji_counts_as_meta_counts_it(user):
    conversation = _conversation(channel="instagram")
    with pytest.raises(StaffReplyRefused, match="1001 characters"):
        _reply(conversation, user, text="a" * 999 + "😀")  # two UTF-16 units


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_reply_is_refused(user, text):
    conversation = _conversation()
    with pytest.raises(StaffReplyRefused, match="Type a message first"):
        _reply(conversation, user, text=text)
    assert _outbound(conversation) == []


def test_a_closed_conversation_takes_no_reply(user):
    conversation = _conversation(status=Conversation.Status.CLOSED)
    with pytest.raises(StaffReplyRefused, match="closed"):
        _reply(conversation, user)


# --- One flow: a reply takes the conversation over -------------------------------------------


def test_replying_takes_the_conversation_over_and_the_channel_is_told_once(user, django_capture_on_commit_callbacks):
    conversation = _conversation(channel="test")
    with (
        mock.patch("conversations.channels._adapters") as adapters,
        django_capture_on_commit_callbacks(execute=True),
    ):
        adapter = adapters.get.return_value
        _reply(conversation, user)
        _reply(conversation, user, text="Un'altra cosa")
    adapter.handoff_mirror.assert_called_once_with(conversation.pk)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.handoff_reason, conversation.staff_active_at) == ("human", "staff", NOW)


def test_replying_to_a_conversation_the_assistant_handed_over_makes_it_staffs(user):
    conversation = _conversation(status=Conversation.Status.HUMAN, handoff_reason="requested")
    _reply(conversation, user)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.handoff_reason, conversation.staff_active_at) == ("human", "staff", NOW)


def test_the_assistant_stays_silent_while_staff_own_the_conversation(user):
    conversation = _conversation()
    _reply(conversation, user)
    customer_writes = MessageFactory(conversation=conversation, text="Grazie! E domani?", channel_timestamp=NOW)
    with mock.patch(
        "conversations.services.inbound.assistant_handle", return_value=AssistantResult([text_reply("Ciao")], {})
    ) as assistant:
        assert inbound_message_process(message_id=customer_writes.pk).processed == 1
    assistant.assert_not_called()
    assert [m.sent_by for m in _outbound(conversation)] == [user]  # only the staff reply


# --- Handing idle conversations back -----------------------------------------------------------


def _taken_over(hours_ago: float, tenant=None, **fields):
    conversation = _conversation(tenant=tenant, status=Conversation.Status.HUMAN, handoff_reason="staff", **fields)
    Conversation.objects.filter(pk=conversation.pk).update(staff_active_at=NOW - timedelta(hours=hours_ago))
    return conversation


def _status(conversation) -> str:
    return Conversation.objects.get(pk=conversation.pk).status


def test_a_conversation_staff_left_idle_goes_back_after_the_tenants_hours_once():
    tenant = TenantFactory(staff_hand_back_hours=12)
    idle = _taken_over(12, tenant=tenant, state={"flow": "book"})
    recent = _taken_over(11.9, tenant=tenant)
    assert conversations_staff_idle_hand_back(now=NOW) == 1
    idle.refresh_from_db()
    assert (idle.status, idle.handoff_reason, idle.state) == ("bot", "", {})
    assert _status(recent) == "human"
    # Run again: nothing more to do, same result.
    assert conversations_staff_idle_hand_back(now=NOW) == 0
    assert (_status(idle), _status(recent)) == ("bot", "human")


def test_the_default_is_12_hours_and_a_staff_reply_restarts_the_clock(user):
    conversation = _taken_over(13)
    assert conversation.tenant.staff_hand_back_hours == 12
    _reply(conversation, user)
    assert conversations_staff_idle_hand_back(now=NOW) == 0
    assert conversations_staff_idle_hand_back(now=NOW + timedelta(hours=11, minutes=59)) == 0
    assert conversations_staff_idle_hand_back(now=NOW + timedelta(hours=12)) == 1
    assert _status(conversation) == "bot"


def test_zero_hours_means_never():
    conversation = _taken_over(24 * 365, tenant=TenantFactory(staff_hand_back_hours=0))
    assert conversations_staff_idle_hand_back(now=NOW) == 0
    assert _status(conversation) == "human"


def test_a_conversation_the_assistant_handed_over_waits_for_a_person():
    conversation = _taken_over(48)
    Conversation.objects.filter(pk=conversation.pk).update(handoff_reason="requested")
    assert conversations_staff_idle_hand_back(now=NOW) == 0
    assert _status(conversation) == "human"


def test_the_beat_task_hands_back_every_tenants_idle_conversations_and_runs_twice_harmlessly():
    first, second = _taken_over(30), _taken_over(30)
    assert first.tenant_id != second.tenant_id
    staff_idle_hand_back_task.delay()
    staff_idle_hand_back_task.delay()
    assert (_status(first), _status(second)) == ("bot", "bot")


def test_the_task_is_on_the_beat_schedule_every_five_minutes(settings):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "conversations.staff_idle_hand_back")
    assert entry["schedule"] == 300.0
