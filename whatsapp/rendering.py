"""Channel-neutral ``Reply``s rendered as WhatsApp Cloud API message bodies, within Meta's limits.

Meta rejects a message whose text, title or label is one character too long, or whose
button titles repeat; so everything is shortened, split or de-duplicated here and
never sent as it came. Limits: Meta's "Messages" reference (text body 4096,
interactive reply buttons and list messages), as ``conversations.replies`` lists them.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from conversations.replies import (
    BUTTON_BODY_MAX,
    BUTTON_TITLE_MAX,
    BUTTONS_MAX,
    LIST_BUTTON_LABEL_MAX,
    LIST_ROW_DESCRIPTION_MAX,
    LIST_ROW_TITLE_MAX,
    LIST_ROWS_MAX,
    OPTION_ID_MAX,
    TEXT_MAX,
    Option,
    Reply,
    ReplyType,
    text_length,
    text_shorten,
    text_split,
)

logger = logging.getLogger(__name__)

# A list message's body may be as long as a text message (Meta: 4096); a reply-buttons body only 1024.
LIST_BODY_MAX = TEXT_MAX

# User-facing defaults when a reply leaves them empty.
_CHOOSE_PROMPT = {"it": "Scegli un'opzione:", "en": "Choose an option:"}
_LIST_BUTTON_LABEL = {"it": "Scegli", "en": "Choose"}


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: the phone number when known, else the business-scoped id (docs/channels.md)."""

    phone: str = ""
    user_id: str = ""

    def __bool__(self) -> bool:
        return bool(self.phone or self.user_id)

    def as_fields(self) -> dict:
        return {"to": self.phone} if self.phone else {"recipient": self.user_id}


# --- Length rules -------------------------------------------------------------------


def _title(text: str, limit: int) -> str:
    """A one-line label (button, row, list button): whitespace runs collapsed, then shortened."""
    return text_shorten(" ".join(text.split()), limit)


# --- Bodies ---------------------------------------------------------------------------


def _envelope(recipient: Recipient) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", **recipient.as_fields()}


def text_body(recipient: Recipient, text: str, *, preview_url: bool = False) -> dict:
    """One text message; call ``text_split`` first for text that may exceed 4096."""
    return {
        **_envelope(recipient),
        "type": "text",
        "text": {"body": text_shorten(text, TEXT_MAX), "preview_url": preview_url},
    }


def buttons_body(recipient: Recipient, text: str, options: Sequence[Option], *, language: str = "it") -> dict:
    """Reply buttons: at most 3, titles at most 20 and unique, body at most 1024."""
    if len(options) > BUTTONS_MAX:
        logger.warning("Reply had %s buttons; the first %s are sent", len(options), BUTTONS_MAX)
    options = options[:BUTTONS_MAX]
    ids = _unique([text_shorten(o.id, OPTION_ID_MAX) or str(i) for i, o in enumerate(options, 1)], OPTION_ID_MAX)
    titles = _unique([_title(o.title, BUTTON_TITLE_MAX) or "…" for o in options], BUTTON_TITLE_MAX)
    return {
        **_envelope(recipient),
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": text_shorten(text, BUTTON_BODY_MAX) or _CHOOSE_PROMPT[_lang(language)]},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": option_id, "title": title}}
                    for option_id, title in zip(ids, titles, strict=True)
                ]
            },
        },
    }


def list_body(
    recipient: Recipient, text: str, options: Sequence[Option], *, button_label: str = "", language: str = "it"
) -> dict:
    """A list message: at most 10 rows; row title 24, description 72, button label 20; row ids unique."""
    if len(options) > LIST_ROWS_MAX:
        # The assistant offers at most 10; if it ever offers more, the first (soonest, best) are kept.
        logger.warning("List had %s rows; the first %s are sent", len(options), LIST_ROWS_MAX)
    options = options[:LIST_ROWS_MAX]
    ids = _unique([text_shorten(o.id, OPTION_ID_MAX) or str(i) for i, o in enumerate(options, 1)], OPTION_ID_MAX)
    rows = []
    for option_id, option in zip(ids, options, strict=True):
        row = {"id": option_id, "title": _title(option.title, LIST_ROW_TITLE_MAX) or "…"}
        if option.description:
            row["description"] = _title(option.description, LIST_ROW_DESCRIPTION_MAX)
        rows.append(row)
    label = _title(button_label, LIST_BUTTON_LABEL_MAX) or _LIST_BUTTON_LABEL[_lang(language)]
    return {
        **_envelope(recipient),
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": text_shorten(text, LIST_BODY_MAX) or _CHOOSE_PROMPT[_lang(language)]},
            "action": {"button": label, "sections": [{"rows": rows}]},
        },
    }


def template_body(
    recipient: Recipient, name: str, language: str, parameters: Sequence[str] = (),
    button_payloads: Sequence[str] = (),
) -> dict:
    """An approved template (the only thing Meta delivers outside the 24-hour window).

    ``parameters`` fill the body's {{1}}, {{2}}, ...; ``button_payloads`` are given to
    its quick-reply buttons in order, and come back as the payload of the customer's tap.
    Meta refuses a parameter with a newline, a tab or a run of spaces: whitespace collapses.
    """
    template: dict = {"name": name, "language": {"code": language}}
    components: list[dict] = []
    if parameters:
        components.append(
            {"type": "body", "parameters": [{"type": "text", "text": " ".join(str(p).split())} for p in parameters]}
        )
    for index, payload in enumerate(button_payloads):
        components.append({
            "type": "button", "sub_type": "quick_reply", "index": str(index),
            "parameters": [{"type": "payload", "payload": payload}],
        })
    if components:
        template["components"] = components
    return {**_envelope(recipient), "type": "template", "template": template}


def reply_render(reply: Reply, *, recipient: Recipient, language: str = "it") -> list[dict]:
    """The message bodies that deliver ``reply``, in order; long text comes first as text messages.

    Buttons with more than 3 options become a list; options without any become text.
    """
    kind = reply.type
    options = tuple(reply.options)
    if kind != ReplyType.TEXT and not options:
        kind = ReplyType.TEXT
    if kind == ReplyType.BUTTONS and len(options) > BUTTONS_MAX:
        kind = ReplyType.LIST
    if kind == ReplyType.TEXT:
        return [text_body(recipient, piece) for piece in text_split(reply.text, TEXT_MAX)]

    body_max = BUTTON_BODY_MAX if kind == ReplyType.BUTTONS else LIST_BODY_MAX
    leading, body = _split_tail(reply.text, body_max)
    bodies = [text_body(recipient, piece) for piece in leading]
    if kind == ReplyType.BUTTONS:
        bodies.append(buttons_body(recipient, body, options, language=language))
    else:
        bodies.append(
            list_body(recipient, body, options, button_label=reply.button_label, language=language)
        )
    return bodies


def _split_tail(text: str, tail_max: int) -> tuple[list[str], str]:
    """Text pieces to send first, and a last piece of at most ``tail_max`` for the interactive body."""
    pieces = text_split(text, TEXT_MAX)
    if not pieces:
        return [], ""
    last = pieces.pop()
    if text_length(last) > tail_max:
        tail = text_split(last, tail_max)[-1]
        head = last[: last.rfind(tail)].rstrip()
        pieces.extend(text_split(head, TEXT_MAX))
        last = tail
    return pieces, last


def _unique(values: list[str], limit: int) -> list[str]:
    """Meta refuses repeated button titles and row ids: number the repeats."""
    seen: set[str] = set()
    unique = []
    for value in values:
        candidate, n = value, 2
        while candidate in seen:
            suffix = f" {n}"
            candidate = text_shorten(value, limit - len(suffix)) + suffix
            n += 1
        seen.add(candidate)
        unique.append(candidate)
    return unique


def _lang(language: str) -> str:
    return language if language in _CHOOSE_PROMPT else "it"
