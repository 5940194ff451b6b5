"""A customer asks Lyo to stop writing first ("stop", "non scrivermi più").

Only a whole message that says just that counts: "stop, ho sbagliato ora" is a booking
conversation, not an opt-out, and a bare "stop" while booking still means "start over".
Reminders, rebook nudges and review requests then stop;
confirmations of the customer's own bookings still go.
"""

from conversations.assistant.turn import Turn
from conversations.assistant.understanding.text import normalise
from customers.services import customer_opt_out

OPT_OUT_PHRASES = frozenset({
    "stop", "basta", "basta messaggi", "non scrivermi", "non scrivermi piu", "non scrivetemi piu",
    "non voglio piu messaggi", "disiscrivimi", "unsubscribe", "stop messages", "dont message me",
    "do not message me", "stop messaging me", "no more messages",
})


# In the middle of a booking these still mean "start over" (the escape words of understanding/intents.py).
ESCAPE_WORDS = frozenset({"stop", "basta"})


def opt_out_requested(text: str, *, in_flow: bool = False) -> bool:
    said = normalise(text).rstrip(" !.")
    return said in OPT_OUT_PHRASES and not (in_flow and said in ESCAPE_WORDS)


def opt_out_handle(turn: Turn) -> bool:
    """Record the opt-out and say so; ``False`` when the message is not one."""
    if not opt_out_requested(turn.inbound.text or "", in_flow=turn.dialogue.flow is not None):
        return False
    customer_opt_out(customer=turn.customer, now=turn.now)
    turn.flow_clear()
    turn.text(turn.t("opted_out"))
    return True
