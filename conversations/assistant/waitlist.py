"""The waitlist in the chat: the offer's Confirm / No thanks buttons.

An offer of a freed slot (sent by ``reminders``) carries two buttons whose ids name
the held booking: ``wl:confirm:<REF>`` and ``wl:decline:<REF>``. Inside WhatsApp's
24-hour window they are reply buttons; outside it the approved template's quick-reply
buttons, given the same ids as payloads.
"""

PREFIX = "wl:"
CONFIRM = "confirm"
DECLINE = "decline"


def waitlist_button_id(action: str, reference: str) -> str:
    """The id of an offer's button (a reply button's id, or a template quick reply's payload)."""
    return f"{PREFIX}{action}:{reference}"
