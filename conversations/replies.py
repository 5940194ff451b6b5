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
