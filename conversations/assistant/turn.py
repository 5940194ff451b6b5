"""One customer message being answered: what came in, what we know, what we say."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from conversations.assistant.dialogue import Dialogue, Draft
from conversations.assistant.texts import say
from conversations.assistant.understanding import Understanding
from conversations.inbound import InboundMessage
from conversations.models import Conversation
from conversations.replies import (
    BUTTON_BODY_MAX,
    BUTTON_TITLE_MAX,
    BUTTONS_MAX,
    LIST_BUTTON_LABEL_MAX,
    LIST_ROW_DESCRIPTION_MAX,
    LIST_ROW_TITLE_MAX,
    LIST_ROWS_MAX,
    TEXT_MAX,
    Option,
    Reply,
    ReplyType,
)
from customers.models import Customer
from tenants.models import Tenant


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# The reference of the booking this conversation made last: "si può fare alle 22 invece?" right after
# means that one. Not a flow key: it outlives the booking flow, and goes with the state's timeout.
JUST_BOOKED_KEY = "just_booked"
# The customer writes the 12-hour clock ("8 pm"): kept for the conversation, like its language.
TWELVE_HOUR_KEY = "clock12"


@dataclass
class Turn:
    tenant: Tenant
    customer: Customer
    conversation: Conversation
    inbound: InboundMessage
    # Aware, in the tenant's time zone: "today" and "tomorrow" are the tenant's.
    now: datetime
    language: str
    understanding: Understanding
    # The keys that outlive a flow (misses, acknowledgements, the 12-hour clock, the booking just made).
    state: dict
    # The flow in progress: read from the state once, written back once (``dialogue.Dialogue``).
    dialogue: Dialogue = field(default_factory=Dialogue)
    replies: list[Reply] = field(default_factory=list)
    handoff: bool = False
    # Why, when ``handoff``: a ``Conversation.HandoffReason`` value.
    handoff_reason: str = ""
    # Acknowledgements ("grazie", "ok", a sticker) in a row before this message.
    acks_before: int = 0
    # Rows read once per message (a service, a staff member): one turn asks for them many times.
    rows: dict = field(default_factory=dict)

    @property
    def twelve_hour(self) -> bool:
        """English replies use the 12-hour clock once the customer wrote it ("8 pm"); Italian never does."""
        return self.language == "en" and bool(self.state.get(TWELVE_HOUR_KEY))

    @property
    def is_restaurant(self) -> bool:
        return self.tenant.kind == Tenant.Kind.RESTAURANT

    def t(self, key: str, **values: object) -> str:
        return say(key, self.language, **values)

    @property
    def draft(self) -> Draft:
        return self.dialogue.draft

    def flow_clear(self) -> None:
        """Forget the booking, cancellation or move in progress (not the language or the miss count)."""
        self.dialogue = Dialogue()

    # --- replies, always within the channels' limits ---------------------------

    def text(self, text: str) -> None:
        previous = self._text_to_merge(text, TEXT_MAX)
        self.replies.append(Reply(ReplyType.TEXT, shorten_body(previous + text, TEXT_MAX)))

    def buttons(self, text: str, options: list[tuple[str, str]]) -> None:
        """Up to three reply buttons; more options become a list."""
        if len(options) > BUTTONS_MAX:
            self.choice_list(text, options, self.t("menu_button"))
            return
        chosen = tuple(Option(id_, shorten(title, BUTTON_TITLE_MAX)) for id_, title in options)
        text = self._text_to_merge(text, BUTTON_BODY_MAX) + text
        self.replies.append(Reply(ReplyType.BUTTONS, shorten_body(text, BUTTON_BODY_MAX), chosen))
        self._remember_options(chosen)

    def choice_list(
        self, text: str, options: Sequence[tuple[str, str] | tuple[str, str, str]], label: str
    ) -> None:
        """A list of up to ten rows; the caller orders options by relevance."""
        rows = tuple(
            Option(
                option[0],
                shorten(option[1], LIST_ROW_TITLE_MAX),
                shorten(option[2], LIST_ROW_DESCRIPTION_MAX) if len(option) > 2 else "",
            )
            for option in options[:LIST_ROWS_MAX]
        )
        text = self._text_to_merge(text, BUTTON_BODY_MAX) + text
        self.replies.append(
            Reply(ReplyType.LIST, shorten_body(text, BUTTON_BODY_MAX), rows, shorten(label, LIST_BUTTON_LABEL_MAX))
        )
        self._remember_options(rows)

    def _text_to_merge(self, text: str, limit: int) -> str:
        """The plain text just before this reply, taken out to open it, when both fit one message.

        Meta bills per message: a text followed by another text or by a question with
        buttons goes as one message whenever the two fit its limit.
        """
        if not self.replies or self.replies[-1].type != ReplyType.TEXT:
            return ""
        previous = self.replies[-1].text + "\n\n"
        if len(previous) + len(text) > limit:
            return ""
        self.replies.pop()
        return previous

    def _remember_options(self, options: tuple[Option, ...]) -> None:
        # Typed text that repeats an option's title (or its number) picks it.
        self.dialogue.options = [[o.id, o.title] for o in options]


def shorten_body(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
