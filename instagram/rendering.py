"""Channel-neutral ``Reply``s rendered as Instagram Send API bodies, within Instagram's limits.

Instagram has no reply buttons or list messages: choices become quick replies on
the last text message (at most 13, titles cut at 20 characters; Meta's "Quick
Replies" for Instagram), and text goes in messages of at most 1000 characters
(Meta's "Send API": ``message.text`` under 1000). Lengths are measured the way the
WhatsApp rendering measures them (UTF-16 units), which never undercounts.
"""

from conversations.replies import Option, Reply, ReplyType, text_shorten, text_split

TEXT_MAX = 1000
QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_MAX = 20

_CHOOSE_PROMPT = {"it": "Scegli un'opzione:", "en": "Choose an option:"}


def reply_render(reply: Reply, *, recipient_id: str, language: str = "it") -> list[dict]:
    """The bodies that deliver ``reply`` to the customer ``recipient_id`` (IGSID), in order."""
    options = tuple(reply.options)[:QUICK_REPLIES_MAX] if reply.type != ReplyType.TEXT else ()
    pieces = text_split(_with_details(reply.text, options), TEXT_MAX)
    if not options:
        return [_body(recipient_id, {"text": piece}) for piece in pieces]
    last = pieces.pop() if pieces else _CHOOSE_PROMPT.get(language, _CHOOSE_PROMPT["it"])
    quick_replies = [
        {"content_type": "text", "title": _title(option.title) or "…", "payload": option.id} for option in options
    ]
    return [
        *(_body(recipient_id, {"text": piece}) for piece in pieces),
        _body(recipient_id, {"text": last, "quick_replies": quick_replies}),
    ]


def _with_details(text: str, options: tuple[Option, ...]) -> str:
    """List rows carry descriptions (a service's duration) and titles up to 24 characters, which
    quick replies cannot show: then the options are listed in full under the text as well."""
    if not any(option.description or _title(option.title) != option.title for option in options):
        return text
    lines = [f"• {o.title} — {o.description}" if o.description else f"• {o.title}" for o in options]
    return "\n\n".join(filter(None, [text.strip(), "\n".join(lines)]))


def _title(title: str) -> str:
    return text_shorten(" ".join(title.split()), QUICK_REPLY_TITLE_MAX)


def _body(recipient_id: str, message: dict) -> dict:
    # RESPONSE: an answer to the customer's message, inside Instagram's 24-hour window.
    return {"recipient": {"id": recipient_id}, "messaging_type": "RESPONSE", "message": message}
