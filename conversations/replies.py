"""What the assistant answers: channel-neutral replies within Meta's limits.

Each channel renders these its own way (WhatsApp reply buttons and lists, Instagram
quick replies, Chatwoot text). The limits below are the strictest ones a channel
imposes, so a reply that fits here fits everywhere.
"""

from dataclasses import dataclass, field
from enum import StrEnum

# WhatsApp Cloud API interactive message limits (Meta's "Interactive messages" docs).
TEXT_MAX = 4096
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_BODY_MAX = 1024
LIST_ROWS_MAX = 10
LIST_ROW_TITLE_MAX = 24
LIST_ROW_DESCRIPTION_MAX = 72
LIST_BUTTON_LABEL_MAX = 20
OPTION_ID_MAX = 200


class ReplyType(StrEnum):
    TEXT = "text"
    BUTTONS = "buttons"
    LIST = "list"


@dataclass(frozen=True)
class Option:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Reply:
    type: ReplyType
    text: str
    options: tuple[Option, ...] = field(default_factory=tuple)
    # LIST only: the label of the button that opens the list.
    button_label: str = ""

    def as_dict(self) -> dict:
        """The JSON shape of ``/api/test-message`` and of the outbox payload."""
        data: dict = {"type": str(self.type), "text": self.text}
        if self.type != ReplyType.TEXT:
            data["options"] = [
                {"id": o.id, "title": o.title, **({"description": o.description} if o.description else {})}
                for o in self.options
            ]
        if self.button_label:
            data["button_label"] = self.button_label
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Reply":
        return cls(
            type=ReplyType(data["type"]),
            text=data.get("text", ""),
            options=tuple(
                Option(o["id"], o["title"], o.get("description", "")) for o in data.get("options", [])
            ),
            button_label=data.get("button_label", ""),
        )


def text_reply(text: str) -> Reply:
    return Reply(ReplyType.TEXT, text)


def reply_limit_violations(reply: Reply) -> list[str]:
    """What in ``reply`` a channel would refuse; empty when it fits every channel's limits."""
    problems = []
    body_max = TEXT_MAX if reply.type == ReplyType.TEXT else BUTTON_BODY_MAX
    if not reply.text.strip():
        problems.append("empty text")
    if len(reply.text) > body_max:
        problems.append(f"text of {len(reply.text)} characters (max {body_max})")
    if reply.type == ReplyType.TEXT:
        if reply.options:
            problems.append("a text reply carries options")
        return problems
    count_max, title_max = (BUTTONS_MAX, BUTTON_TITLE_MAX) if reply.type == ReplyType.BUTTONS else (
        LIST_ROWS_MAX, LIST_ROW_TITLE_MAX
    )
    if not 1 <= len(reply.options) <= count_max:
        problems.append(f"{len(reply.options)} options (1 to {count_max})")
    if len({o.id for o in reply.options}) != len(reply.options):
        problems.append("duplicate option ids")
    for option in reply.options:
        if not option.title.strip() or len(option.title) > title_max:
            problems.append(f"option title {option.title!r} (1 to {title_max} characters)")
        if not option.id or len(option.id) > OPTION_ID_MAX:
            problems.append(f"option id {option.id!r} (1 to {OPTION_ID_MAX} characters)")
        if len(option.description) > LIST_ROW_DESCRIPTION_MAX or (option.description and reply.type != ReplyType.LIST):
            problems.append(f"option description {option.description!r}")
    if reply.type == ReplyType.LIST and not 1 <= len(reply.button_label) <= LIST_BUTTON_LABEL_MAX:
        problems.append(f"list button label {reply.button_label!r} (1 to {LIST_BUTTON_LABEL_MAX} characters)")
    return problems


# --- Cutting text to the channels' limits ----------------------------------------------
# Every channel cuts its texts the same way (Meta counts UTF-16 code units; Chatwoot is
# given the same pieces), so the cutting lives beside the limits it serves.

ELLIPSIS = "…"
_PREFERRED_BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")


def text_length(text: str) -> int:
    """Length as Meta counts it (UTF-16 code units, so an emoji may count twice): the safe measure."""
    return len(text.encode("utf-16-le")) // 2


def text_shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` with an ellipsis, at a word break when one is near."""
    if text_length(text) <= limit:
        return text
    head = _prefix_within(text, limit - 1)
    space = head.rfind(" ")
    if space >= len(head) * 2 // 3:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def text_split(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit``, cut at paragraph, line, sentence or word breaks."""
    rest = text.strip()
    pieces = []
    while text_length(rest) > limit:
        head = _prefix_within(rest, limit)
        cut = len(head)
        for separator in _PREFERRED_BREAKS:
            index = head.rfind(separator)
            # Only a break in the second half: never a tiny piece for a far-away break.
            if index >= len(head) // 2:
                cut = index + len(separator)
                break
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            pieces.append(piece)
    if rest:
        pieces.append(rest)
    return pieces


def _prefix_within(text: str, limit: int) -> str:
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text
