"""Entry point of the assistant: one inbound message in, replies and new state out."""

from dataclasses import dataclass, field
from datetime import datetime

from conversations.inbound import InboundMessage
from conversations.models import Conversation, Customer
from conversations.replies import Reply, text_reply
from tenants.models import Tenant


@dataclass(frozen=True)
class AssistantResult:
    replies: list[Reply]
    state: dict
    # The customer asked for a person (or the assistant gave up): staff take over.
    handoff: bool = False
    # The customer's language as detected now ("it" / "en"), to remember on the customer.
    language: str = ""
    extra: dict = field(default_factory=dict)


_ACKNOWLEDGEMENT = {
    "it": "Grazie, abbiamo ricevuto il tuo messaggio. Ti risponderemo al più presto.",
    "en": "Thank you, we have received your message. We will get back to you shortly.",
}


def assistant_handle(
    *, tenant: Tenant, customer: Customer, conversation: Conversation, inbound: InboundMessage, now: datetime
) -> AssistantResult:
    """Decide the replies to ``inbound``. Reads and writes bookings only through ``bookings.services``.

    Call while holding the conversation's row lock: the state read here is written
    back by the caller together with the replies.
    """
    language = customer.language or tenant.language
    return AssistantResult(
        replies=[text_reply(_ACKNOWLEDGEMENT[language])], state=dict(conversation.state), language=language
    )
