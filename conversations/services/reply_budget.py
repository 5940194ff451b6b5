"""Limits on the assistant's replies that a real customer never meets and a bot loop never escapes.

Checked for every inbound message before the assistant answers it, while the
conversation's row lock is held (see ``inbound.inbound_message_process``). Every
rule reads the messages stored for the conversation, so it holds whichever worker
handles the next message, and after a restart:

- a reply loop: the other side has answered several of our replies in a row within
  moments, as only a machine does (two assistants relaying to each other);
- the reply budget: at most ``tenant.reply_limit_per_minute`` and
  ``tenant.reply_limit_per_hour`` answers per conversation;
- a repeat: the same message (same words, or the same kind of media with no text)
  as the one just before it, moments later, gets no second answer; a run of them
  (a flood of "grazie" or stickers) is handed to staff. Taps on our buttons are
  never repeats.

A suppressed message is still stored and marked processed: nothing is lost, staff
read it on the conversation page.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import connection

from common.model_rows import ModelColumns
from conversations.models import Conversation, Message
from customers.models import Channel
from tenants.models import Tenant

# A customer who sends the same words twice within this long (a double tap, an
# impatient resend) has had their answer; a person retyping it later may mean it anew.
REPEAT_WINDOW = timedelta(seconds=30)
# This many unanswered messages in a row, each a repeat of the one before: nobody is
# reading our answers any more, and staff should look.
REPEATS_BEFORE_HANDOFF = 5
# A person needs more than this to read a reply and type an answer; a bot does not.
LOOP_REPLY_GAP = timedelta(seconds=3)
# Answers this fast, this many times in a row, are a loop (one fast typist is not).
LOOP_EXCHANGES = 5
# Enough recent messages for either rule: LOOP_EXCHANGES exchanges of a message and
# a few reply bubbles, or a run of repeats.
_RECENT_ROWS = 40
_WORDS = re.compile(r"\w+")


class Suppression(StrEnum):
    """Why a reply was not sent (the ``type`` label of ``lyo_replies_suppressed_total``)."""

    LOOP = "loop"
    REPLY_BUDGET = "reply_budget"
    REPEAT = "repeat"


@dataclass(frozen=True)
class ReplySuppressed:
    reason: Suppression
    # A ``Conversation.HandoffReason`` when staff should take over, else "".
    handoff_reason: str = ""


def reply_budget_check(*, tenant: Tenant, conversation: Conversation, message: Message) -> ReplySuppressed | None:
    """Whether the assistant must not answer ``message`` (stored, not yet handled), and why; ``None`` to answer.

    Call holding the conversation's row lock, before the reply is decided.
    """
    if message.type == Message.Type.REACTION:
        return None  # a reaction is never answered
    if conversation.channel == Channel.TEST:
        # Staff trying their assistant (the admin's chat, the terminal, /api/test-message)
        # tap fast and type the same thing twice on purpose; no customer or bot is there.
        return None
    recent = _recent_messages(conversation, message)
    if _loop_exchanges(recent) >= LOOP_EXCHANGES:
        return ReplySuppressed(Suppression.LOOP, Conversation.HandoffReason.LOOP)
    if _budget_spent(tenant, conversation, message):
        return ReplySuppressed(Suppression.REPLY_BUDGET, Conversation.HandoffReason.REPLY_BUDGET)
    repeats = _repeats(recent)
    if repeats:
        handoff = Conversation.HandoffReason.REPEATED if repeats >= REPEATS_BEFORE_HANDOFF else ""
        return ReplySuppressed(Suppression.REPEAT, handoff)
    return None


# A tap on one of our buttons is a choice made on purpose (a second tap on a reminder's
# "Confirm" is answered again, as a confirmation): never a repeat. Bots type, they do not tap.
_TAPS = frozenset({Message.Type.INTERACTIVE, Message.Type.BUTTON})


def message_fingerprint(message: Message) -> str | None:
    """What makes two inbound messages "the same": the words (case, spacing, punctuation aside), else the kind.

    ``None`` for a tap, which repeats nothing.
    """
    if message.type in _TAPS:
        return None
    text = message.text or ""
    words = _WORDS.findall(text.casefold())
    if words:
        return "text:" + " ".join(words)
    if text.strip():
        return "symbols:" + "".join(text.split())  # emoji only
    return "type:" + message.type


# --- Internals --------------------------------------------------------------------


_RECENT = ModelColumns(Message, "m", only=("id", "direction", "type", "text", "channel_timestamp", "created_at"))


def _recent_messages(conversation: Conversation, message: Message) -> list[Message]:
    """The conversation's latest messages up to ``message``, oldest first: inbound ones and our answers.

    Reactions are left out (they get no answer and interrupt nothing); so are messages
    Lyo starts itself (reminders), which answer nothing. Written as SQL, as the reply
    budget's count is: both run for every inbound message, and compiling the two
    querysets was about a sixth of the worker's CPU per message.
    """
    sql = (
        f"SELECT {_RECENT.select_list()} FROM {_RECENT.table} m "  # noqa: S608 - names from the model
        "WHERE m.conversation_id = %s AND m.created_at <= %s AND (m.direction = %s OR m.reply_to_id IS NOT NULL) "
        "AND m.type <> %s AND NOT (m.direction = %s AND m.id > %s) "
        f"ORDER BY m.created_at DESC, m.id DESC LIMIT {_RECENT_ROWS}"
    )
    params = [
        conversation.pk, connection.ops.adapt_datetimefield_value(message.created_at), Message.Direction.INBOUND,
        Message.Type.REACTION, Message.Direction.INBOUND, message.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_RECENT.instance(row) for row in reversed(rows)]


def _inbound(row: Message) -> bool:
    return row.direction == Message.Direction.INBOUND


def _sent_at(row: Message) -> datetime:
    """When the customer sent it (the channel's timestamp), for an inbound row."""
    return row.channel_timestamp or row.created_at


def _loop_exchanges(recent: list[Message]) -> int:
    """How many of the latest inbound messages, in a row, came within LOOP_REPLY_GAP of our answer before them.

    Measured from when our answer was stored (``created_at``: it is sent straight
    after) to the channel's timestamp of the message that followed it. Channels give
    whole seconds, so an instant answer can look a little older than our reply: any
    message stored after our reply and timestamped less than the gap after it counts.
    """
    exchanges = 0
    index = len(recent) - 1
    while index >= 1 and _inbound(recent[index]) and not _inbound(recent[index - 1]):
        if _sent_at(recent[index]) - recent[index - 1].created_at >= LOOP_REPLY_GAP:
            break
        exchanges += 1
        index -= 1
        while index >= 0 and not _inbound(recent[index]):
            index -= 1  # the other bubbles of that answer, back to the message it answered
    return exchanges


def _budget_spent(tenant: Tenant, conversation: Conversation, message: Message) -> bool:
    """Has the conversation had its answers for the minute, or the hour, before ``message``?

    Counts the inbound messages we stored a reply to (answers, not bubbles: a booking's
    "done" and "how to cancel" are one answer), by when they were received: messages
    answered late, all at once after an outage, were still sent at the customer's pace.
    """
    received = message.created_at
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN m.created_at > %s THEN 1 ELSE 0 END), 0) FROM {_RECENT.table} m "  # noqa: S608
        "WHERE m.conversation_id = %s AND m.direction = %s AND m.created_at > %s AND m.created_at <= %s "
        f"AND EXISTS (SELECT 1 FROM {_RECENT.table} r WHERE r.reply_to_id = m.id)"
    )
    params = [
        adapt(received - timedelta(minutes=1)), conversation.pk, Message.Direction.INBOUND,
        adapt(received - timedelta(hours=1)), adapt(received),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        hour, minute = cursor.fetchone()
    return minute >= tenant.reply_limit_per_minute or hour >= tenant.reply_limit_per_hour


def _repeats(recent: list[Message]) -> int:
    """How many inbound messages in a row, ending with the newest, each repeat the one before
    within REPEAT_WINDOW, whether or not we answered it (0: the newest is no repeat)."""
    inbound = [row for row in recent if _inbound(row)]
    repeats = 0
    for later, earlier in zip(reversed(inbound), list(reversed(inbound))[1:], strict=False):
        if _sent_at(later) - _sent_at(earlier) >= REPEAT_WINDOW:
            break
        fingerprint = message_fingerprint(later)
        if fingerprint is None or fingerprint != message_fingerprint(earlier):
            break
        repeats += 1
    return repeats
