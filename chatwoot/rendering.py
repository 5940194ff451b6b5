"""Channel-neutral ``Reply``s rendered as Chatwoot messages.

Options become a numbered list under the text, not Chatwoot's ``input_select``:
Chatwoot shows ``input_select`` only in its web widget (and, for some inboxes,
converts it), while a Chatwoot inbox may be WhatsApp, SMS, e-mail, Instagram...
Plain text reaches every one of them, and the assistant already takes a typed
number or title as the option it names (``engine._choice``).
"""

from conversations.replies import TEXT_MAX, Reply, ReplyType, text_split

_HINT = {"it": "Rispondi con il numero.", "en": "Reply with the number."}


def reply_render(reply: Reply, *, language: str = "it") -> list[dict]:
    """The Chatwoot message bodies that deliver ``reply``, in order."""
    text = reply.text
    if reply.type != ReplyType.TEXT and reply.options:
        lines = [
            f"{number}. {option.title}" + (f" — {option.description}" if option.description else "")
            for number, option in enumerate(reply.options, 1)
        ]
        text = "\n\n".join(filter(None, [text.strip(), "\n".join(lines), _HINT.get(language, _HINT["it"])]))
    return [
        {"content": piece, "message_type": "outgoing", "private": False, "content_type": "text"}
        for piece in text_split(text, TEXT_MAX)
    ]
