"""What a channel does for the outbox, and the one registry of channels.

Each channel (WhatsApp, Instagram, Chatwoot, the test channel) implements one
``ChannelAdapter`` in its own app and registers it once, from its ``AppConfig.ready``
(``channel_adapter_register``). The outbox and the hand-off find it by the message's
or conversation's channel (``channel_adapter``), so conversations never imports a
channel, and a reader follows one path: the outbox stores a reply, ``adapter.send``
hands it to the delivery (``conversations.services.delivery``), which asks
``adapter.render`` for the channel's message bodies and gives each to ``adapter.post``.

The transports' errors share one base, ``ChannelRefusal``, whose ``kind`` says what
the outbox does about it: try again later, give up, or give up and flag the token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    # Annotations only: the transports (meta/, chatwoot/) import this module for their
    # error base, before the app registry is ready.
    from conversations.models import Message
    from conversations.replies import Reply
    from conversations.services.outbound import SendResult


class RefusalKind(StrEnum):
    """What a channel's refusal means for the message it was sending."""

    # The same call may succeed later (network trouble, throttling, the channel's own outage): retry with backoff.
    TRANSIENT = "transient"
    # The request itself is wrong for the channel (bad parameter, window closed, undeliverable): do not retry.
    PERMANENT = "permanent"
    # Permanent, and every further call will be refused too until someone sets a new token.
    TOKEN_INVALID = "token_invalid"  # noqa: S105 - a kind of refusal, not a secret


class ChannelRefusal(Exception):
    """A channel's transport refused a call or could not make it. ``kind`` says whether to try again.

    ``code`` is the channel's error code (Meta's, or the HTTP status where the channel
    has none), ``title`` what staff see on the message.
    """

    kind: ClassVar[RefusalKind] = RefusalKind.PERMANENT

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None, title: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code
        self.title = title or message

    @property
    def transient(self) -> bool:
        """The same call may succeed later."""
        return self.kind == RefusalKind.TRANSIENT


class ChannelTransientError(ChannelRefusal):
    kind = RefusalKind.TRANSIENT


class ChannelPermanentError(ChannelRefusal):
    kind = RefusalKind.PERMANENT


class ChannelTokenInvalid(ChannelPermanentError):
    kind = RefusalKind.TOKEN_INVALID


class ReplyNotSendable(Exception):
    """The reply cannot go out as things stand (channel not configured, nobody to address...)."""


Destination = TypeVar("Destination")


@dataclass(frozen=True)
class RenderedReply(Generic[Destination]):
    """One stored reply in the channel's terms: its message bodies, in order, and where they go."""

    bodies: Sequence[dict]
    # Found while rendering (the tenant and its number, its Chatwoot connection and
    # conversation): handed back to ``post`` and ``token_refused``, so sending a body
    # reads nothing again.
    destination: Destination


@runtime_checkable
class ChannelAdapter(Protocol):
    """How one channel takes the outbox's messages out, and shows a hand-off."""

    # Read-only (properties here, plain class attributes in an adapter).

    @property
    def channel(self) -> str:
        """The channel's value (``customers.models.Channel``): the ``channel`` of its messages and conversations."""
        ...

    @property
    def send_task(self) -> str | None:
        """The Celery task ``enqueue`` publishes (None: it publishes nothing), so the sweep can ask
        the broker how many of the channel's rows already wait."""
        ...

    def render(self, message: Message, reply: Reply) -> RenderedReply:
        """The channel's bodies for ``message`` (its tenant, conversation and customer loaded, the row
        held); raises ``ReplyNotSendable`` when it cannot go out."""
        ...

    def post(self, rendered: RenderedReply, body: dict) -> str | None:
        """Send one body; the channel's id of the new message. Raises the channel's ``ChannelRefusal``."""
        ...

    def send(self, message_id: int, *, loaded: Message | None = None) -> SendResult:
        """Try one stored outbound message once, here and now; ``loaded``: the row as the worker
        that has just written it holds it (with tenant, conversation and customer)."""
        ...

    def refusal(self, error: Exception) -> RefusalKind | None:
        """What ``error``, raised by ``post``, means; None when it is not the channel's refusal (a bug)."""
        ...

    def token_refused(self, rendered: RenderedReply) -> None:
        """The channel rejected the token ``rendered`` was sent with: flag it, so sends stop until a new one."""
        ...

    def enqueue(self, message_id: int, countdown: float | None = None) -> object:
        """Hand the row to the channel's worker task, at once or after ``countdown`` seconds
        (may raise when the broker is down)."""
        ...

    def handoff_mirror(self, conversation_id: int) -> None:
        """Show the conversation's current hand-off status in the channel, once the change committed;
        a no-op for a channel without a status of its own. Reads the status, never assumes one, so
        a late or repeated call still shows the truth."""
        ...


_adapters: dict[str, ChannelAdapter] = {}


def channel_adapter_register(adapter: ChannelAdapter) -> None:
    """Register the channel's adapter; once per channel, from its ``AppConfig.ready``."""
    if not isinstance(adapter, ChannelAdapter):
        raise ImproperlyConfigured(f"{adapter!r} is not a ChannelAdapter")
    registered = _adapters.get(adapter.channel)
    if registered is not None:
        raise ImproperlyConfigured(
            f"Channel {adapter.channel!r} already has an adapter ({type(registered).__name__})"
        )
    _adapters[adapter.channel] = adapter


def channel_adapter(channel: str) -> ChannelAdapter:
    """The adapter of ``channel``; ``LookupError`` when no app registered one."""
    try:
        return _adapters[channel]
    except KeyError:
        raise LookupError(f"No adapter is registered for channel {channel!r}") from None


def channel_adapters() -> Mapping[str, ChannelAdapter]:
    """Every registered adapter by its channel (read-only)."""
    return MappingProxyType(_adapters)
