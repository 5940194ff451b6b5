"""Every channel plugs into the outbox through one adapter, registered once, and its refusals share one base."""

import inspect
from unittest import mock

import pytest
from celery import current_app
from django.core.exceptions import ImproperlyConfigured

from chatwoot.adapter import ChatwootAdapter
from chatwoot.client import (
    ChatwootAddressNotAllowed,
    ChatwootError,
    ChatwootPermanentError,
    ChatwootTokenInvalid,
    ChatwootTransientError,
)
from conversations import channels
from conversations.channels import (
    ChannelAdapter,
    ChannelPermanentError,
    ChannelRefusal,
    ChannelTokenInvalid,
    ChannelTransientError,
    RefusalKind,
    RenderedReply,
    channel_adapter,
    channel_adapter_register,
    channel_adapters,
)
from conversations.models import Message
from conversations.replies import text_reply
from conversations.services.delivery import outbound_message_deliver
from conversations.services.outbound import SendOutcome
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Channel
from instagram.adapter import InstagramAdapter
from meta.graph import GraphError, GraphPermanentError, GraphTokenInvalid, GraphTransientError
from whatsapp.adapter import WhatsAppAdapter

PROTOCOL_METHODS = ["render", "post", "send", "refusal", "token_refused", "enqueue", "handoff_mirror"]


@pytest.mark.parametrize("channel", Channel.values)
def test_every_channel_has_an_adapter_that_satisfies_the_protocol(channel):
    adapter = channel_adapter(channel)

    assert isinstance(adapter, ChannelAdapter)
    assert adapter.channel == channel
    for name in PROTOCOL_METHODS:
        # Not only present (all ``isinstance`` checks): called the way the outbox calls it.
        expected = list(inspect.signature(getattr(ChannelAdapter, name)).parameters)[1:]
        assert list(inspect.signature(getattr(adapter, name)).parameters) == expected, name


def test_only_the_channels_have_adapters():
    assert sorted(channel_adapters()) == sorted(Channel.values)


@pytest.mark.parametrize("channel", [Channel.WHATSAPP, Channel.INSTAGRAM, Channel.CHATWOOT])
def test_a_channels_send_task_is_registered_and_is_what_enqueue_publishes(channel):
    adapter = channel_adapter(channel)
    task = current_app.tasks[adapter.send_task]

    with mock.patch.object(task, "apply_async") as apply_async:
        adapter.enqueue(41, 2.5)

    apply_async.assert_called_once_with((41,), countdown=2.5)


def test_the_test_channel_publishes_no_task():
    assert channel_adapter(Channel.TEST).send_task is None


def test_registering_a_second_adapter_for_a_channel_raises_and_keeps_the_first():
    first = channel_adapter(Channel.WHATSAPP)
    with pytest.raises(ImproperlyConfigured, match="already has an adapter"):
        channel_adapter_register(WhatsAppAdapter())
    assert channel_adapter(Channel.WHATSAPP) is first


def test_registering_something_that_is_not_an_adapter_raises():
    class HalfAdapter:
        channel = "sms"
        send_task = None

        def send(self, message_id, *, loaded=None):
            return None

    with mock.patch.dict(channels._adapters), pytest.raises(ImproperlyConfigured, match="not a ChannelAdapter"):
        channel_adapter_register(HalfAdapter())
    assert "sms" not in channel_adapters()


def test_a_channel_nobody_registered_is_a_lookup_error():
    with pytest.raises(LookupError, match="sms"):
        channel_adapter("sms")


# --- Refusals: one base for every transport, classified by the channel's adapter --------------------


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (GraphTransientError("slow"), RefusalKind.TRANSIENT),
        (GraphPermanentError("bad parameter"), RefusalKind.PERMANENT),
        (GraphTokenInvalid("code 190"), RefusalKind.TOKEN_INVALID),
        (ChatwootTransientError("busy", status=503), RefusalKind.TRANSIENT),
        (ChatwootPermanentError("no such conversation", status=404), RefusalKind.PERMANENT),
        (ChatwootTokenInvalid("401", status=401), RefusalKind.TOKEN_INVALID),
        (ChatwootAddressNotAllowed("private address"), RefusalKind.PERMANENT),
    ],
)
def test_the_transports_errors_share_the_refusal_kinds(error, kind):
    assert isinstance(error, ChannelRefusal)
    assert error.kind == kind
    assert error.transient is (kind == RefusalKind.TRANSIENT)


def test_chatwoot_errors_carry_the_http_status_as_their_code():
    error = ChatwootPermanentError("refused", status=422, title="Chatwoot refused the request (HTTP 422).")
    assert (error.status, error.code, error.title) == (422, 422, "Chatwoot refused the request (HTTP 422).")


@pytest.mark.parametrize(
    ("adapter", "own", "foreign"),
    [
        (WhatsAppAdapter(), GraphTokenInvalid("190"), ChatwootTokenInvalid("401", status=401)),
        (InstagramAdapter(), GraphTransientError("slow"), ChatwootTransientError("busy", status=503)),
        (ChatwootAdapter(), ChatwootTokenInvalid("401", status=401), GraphTokenInvalid("190")),
    ],
)
def test_an_adapter_classifies_its_own_transports_refusals_only(adapter, own, foreign):
    assert adapter.refusal(own) == own.kind
    # Another transport's error, or a bug, is not this channel refusing: it propagates.
    assert adapter.refusal(foreign) is None
    assert adapter.refusal(RuntimeError("a bug")) is None
    assert issubclass(GraphError, ChannelRefusal) and issubclass(ChatwootError, ChannelRefusal)


# --- The delivery drives any adapter: render, then post each body ---------------------------------


class ScriptedAdapter:
    """A channel that renders two bodies and answers each post from a script (default: accepted)."""

    channel = Channel.TEST
    send_task = None

    def __init__(self, script: dict[int, Exception] | None = None):
        self.script = script or {}
        self.posted: list[tuple[str, dict]] = []
        self.tokens_refused: list[str] = []

    def render(self, message, reply):
        return RenderedReply(bodies=[{"part": 1}, {"part": 2}], destination=f"thread-{message.pk}")

    def post(self, rendered, body):
        failure = self.script.pop(len(self.posted), None)
        if failure is not None:
            raise failure
        self.posted.append((rendered.destination, body))
        return f"id-{body['part']}"

    def send(self, message_id, *, loaded=None):
        return outbound_message_deliver(adapter=self, message_id=message_id, loaded=loaded)

    def refusal(self, error):
        return error.kind if isinstance(error, ChannelRefusal) else None

    def token_refused(self, rendered):
        self.tokens_refused.append(rendered.destination)

    def enqueue(self, message_id, countdown=None):
        return None

    def handoff_mirror(self, conversation_id):
        return None


def _queued_test_reply() -> Message:
    conversation = ConversationFactory(channel=Channel.TEST, customer__channel=Channel.TEST)
    return MessageFactory(
        conversation=conversation, direction=Message.Direction.OUTBOUND, channel_message_id=None,
        text="Ciao", payload=text_reply("Ciao").as_dict(), delivery_status=Message.Delivery.QUEUED,
    )


@pytest.mark.django_db
def test_the_delivery_posts_each_rendered_body_in_order_to_the_rendered_destination():
    message = _queued_test_reply()
    adapter = ScriptedAdapter()

    assert adapter.send(message.pk).outcome == SendOutcome.SENT

    assert adapter.posted == [(f"thread-{message.pk}", {"part": 1}), (f"thread-{message.pk}", {"part": 2})]
    message.refresh_from_db()
    assert (message.delivery_status, message.channel_message_id, message.attempts) == ("sent", "id-2", 1)


@pytest.mark.django_db
def test_a_transient_refusal_retries_and_the_retry_posts_only_the_parts_not_yet_accepted():
    message = _queued_test_reply()
    adapter = ScriptedAdapter({1: ChannelTransientError("busy", code=503, title="Busy")})

    assert adapter.send(message.pk).outcome == SendOutcome.RETRY
    message.refresh_from_db()
    assert (message.delivery_status, message.error_code, message.error_title) == ("queued", 503, "Busy")

    assert adapter.send(message.pk).outcome == SendOutcome.SENT
    assert [body for _, body in adapter.posted] == [{"part": 1}, {"part": 2}]
    assert adapter.tokens_refused == []


@pytest.mark.django_db
def test_a_token_refusal_fails_the_row_and_tells_the_adapter_once():
    message = _queued_test_reply()
    adapter = ScriptedAdapter({0: ChannelTokenInvalid("401", code=401, title="Token rejected")})

    assert adapter.send(message.pk).outcome == SendOutcome.FAILED

    assert adapter.tokens_refused == [f"thread-{message.pk}"]
    message.refresh_from_db()
    assert (message.delivery_status, message.error_code, message.error_title) == ("failed", 401, "Token rejected")


@pytest.mark.django_db
def test_a_permanent_refusal_fails_the_row_without_flagging_the_token():
    message = _queued_test_reply()
    adapter = ScriptedAdapter({0: ChannelPermanentError("bad", code=100, title="Bad parameter")})

    assert adapter.send(message.pk).outcome == SendOutcome.FAILED
    assert adapter.tokens_refused == []


@pytest.mark.django_db
def test_an_error_the_adapter_does_not_claim_propagates_as_a_bug():
    message = _queued_test_reply()
    adapter = ScriptedAdapter({0: RuntimeError("a bug in the channel")})

    with pytest.raises(RuntimeError, match="a bug"):
        adapter.send(message.pk)
