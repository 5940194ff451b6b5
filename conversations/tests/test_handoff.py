import pytest
from django.urls import reverse

from conversations.models import Conversation
from conversations.services.handoff import conversation_hand_back, conversation_hand_to_staff
from conversations.tests.factories import ConversationFactory
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_hand_back_resets_the_state_and_lets_the_assistant_answer():
    conversation = ConversationFactory(status=Conversation.Status.HUMAN, state={"flow": "book", "misses": 2})
    assert conversation_hand_back(conversation=conversation) is True
    conversation.refresh_from_db()
    assert (conversation.status, conversation.state) == ("bot", {})
    assert conversation_hand_back(conversation=conversation) is False


def test_staff_take_over_only_a_bot_conversation():
    conversation = ConversationFactory()
    assert conversation_hand_to_staff(conversation=conversation) is True
    assert Conversation.objects.get(pk=conversation.pk).status == "human"
    assert conversation_hand_to_staff(conversation=conversation) is False


def test_admin_action_hands_back_only_own_tenants_conversations(client):
    mine = ConversationFactory(status=Conversation.Status.HUMAN)
    theirs = ConversationFactory(status=Conversation.Status.HUMAN)
    client.force_login(MembershipFactory(tenant=mine.tenant).user)
    response = client.post(
        reverse("admin:conversations_conversation_changelist"),
        {"action": "hand_back_to_assistant", "_selected_action": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 302
    assert Conversation.objects.get(pk=mine.pk).status == "bot"
    assert Conversation.objects.get(pk=theirs.pk).status == "human"


def test_needs_a_person_filter_lists_handed_off_conversations(client):
    waiting = ConversationFactory(status=Conversation.Status.HUMAN)
    ConversationFactory(tenant=waiting.tenant, customer__tenant=waiting.tenant)
    client.force_login(MembershipFactory(tenant=waiting.tenant).user)
    response = client.get(reverse("admin:conversations_conversation_changelist"), {"status__exact": "human"})
    assert [c.pk for c in response.context["cl"].result_list] == [waiting.pk]


# --- The channel shows it: each channel's adapter mirrors it ------------------------------------


@pytest.fixture
def mirrored(monkeypatch):
    """The test channel's adapter, recording the conversation ids it is told to mirror."""
    from conversations.channels import channel_adapter

    calls: list[int] = []
    monkeypatch.setattr(channel_adapter("test"), "handoff_mirror", calls.append)
    return calls


def test_hand_off_and_hand_back_are_mirrored_once_committed(mirrored, django_capture_on_commit_callbacks):
    conversation = ConversationFactory(channel="test", customer__channel="test")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        conversation_hand_to_staff(conversation=conversation)
    assert mirrored == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert mirrored == [conversation.pk]

    with django_capture_on_commit_callbacks(execute=True):
        conversation_hand_to_staff(conversation=conversation)  # no change: nothing to show
        conversation_hand_back(conversation=conversation)
    assert mirrored == [conversation.pk, conversation.pk]


def test_a_change_the_channel_reported_is_not_mirrored_back(mirrored, django_capture_on_commit_callbacks):
    conversation = ConversationFactory(channel="test", customer__channel="test")
    with django_capture_on_commit_callbacks(execute=True):
        assert conversation_hand_to_staff(conversation=conversation, mirror=False) is True
        assert conversation_hand_back(conversation=conversation, mirror=False) is True
    assert mirrored == []


def test_a_hand_off_is_mirrored_only_by_the_conversations_own_channel(mirrored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation_hand_to_staff(conversation=ConversationFactory())  # WhatsApp: its mirror does nothing
    assert mirrored == []


def test_the_assistant_handing_off_is_mirrored(mirrored, django_capture_on_commit_callbacks):
    from conversations.assistant_trial import assistant_trial_turn

    tenant = ConversationFactory().tenant
    with django_capture_on_commit_callbacks(execute=True):
        assistant_trial_turn(tenant=tenant, sender_id="me", text="voglio parlare con una persona")
    conversation = Conversation.objects.get(tenant=tenant, channel="test")
    assert conversation.status == Conversation.Status.HUMAN
    assert mirrored == [conversation.pk]
