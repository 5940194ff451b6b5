"""Entry point of the assistant: one inbound message in, replies and new state out.

Channel-neutral: the input is an ``InboundMessage`` (text, a tapped option, media,
location, reaction), the output ``Reply``s and the conversation's new state.
Bookings are read and written only through ``bookings``' selectors and services.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bookings.setup import booking_setup_cached
from conversations.assistant import booking, info, my_bookings, opt_out, reminder_replies, waitlist
from conversations.assistant.dialogue import Dialogue, Draft, Flow, Step
from conversations.assistant.turn import JUST_BOOKED_KEY, TWELVE_HOUR_KEY, Turn
from conversations.assistant.understanding import Intent, Understanding, understand, vocabulary_for_tenant
from conversations.inbound import InboundKind, InboundMessage
from conversations.models import Conversation
from conversations.replies import Reply
from customers.models import Customer
from tenants.models import Tenant

# Longer messages are cut before understanding: nobody books in the 2,001st character,
# and the grammar's cost grows with the text.
UNDERSTOOD_CHARS_MAX = 2000
# Not understood this many times in a row: show the menu; then hand over to a person.
MISSES_BEFORE_MENU = 2
MISSES_BEFORE_HANDOFF = 3
# Options that mean the same thing whatever state the conversation is in.
SELF_CONTAINED_CHOICES = ("m:", reminder_replies.PREFIX, waitlist.PREFIX)


@dataclass(frozen=True)
class AssistantResult:
    replies: list[Reply]
    state: dict
    # The customer asked for a person (or the assistant gave up): staff take over.
    handoff: bool = False
    # Why, when ``handoff``: a ``Conversation.HandoffReason`` value.
    handoff_reason: str = ""
    # The customer's language as detected in this message ("it" / "en"), "" when it said nothing about it.
    language: str = ""
    extra: dict = field(default_factory=dict)


def assistant_handle(
    *, tenant: Tenant, customer: Customer, conversation: Conversation, inbound: InboundMessage, now: datetime
) -> AssistantResult:
    """Decide the replies to ``inbound``.

    Call while holding the conversation's row lock: the state read here is written
    back by the caller together with the replies. A conversation handed to staff
    gets no reply at all until staff hand it back.
    """
    if conversation.status != Conversation.Status.BOT:
        return AssistantResult(replies=[], state=copy.deepcopy(conversation.state or {}))

    local_now = now.astimezone(tenant.tzinfo)
    state = copy.deepcopy(conversation.state or {})
    expired = _state_expired(state, tenant, now)
    had_flow = bool(state.get("flow"))
    if expired:
        state = {}
    dialogue = Dialogue.from_state(state)

    text = inbound.choice_title if inbound.kind == InboundKind.CHOICE else inbound.text
    understanding = understand(
        (text or "")[:UNDERSTOOD_CHARS_MAX],
        now=local_now,
        vocabulary=vocabulary_for_tenant(tenant),
        language_hint=customer.language or None,
    )
    # A message we could not understand at all says little about its language: it only
    # counts while we know nothing better about the customer.
    understood = understanding.intent != Intent.UNKNOWN or _has_booking_details(understanding)
    detected = understanding.language if understood or not customer.language else None
    turn = Turn(
        tenant=tenant,
        customer=customer,
        conversation=conversation,
        inbound=inbound,
        now=local_now,
        language=detected or customer.language or tenant.language,
        understanding=understanding,
        state=state,
        dialogue=dialogue,
    )
    if understanding.twelve_hour:
        turn.state[TWELVE_HOUR_KEY] = True
    # The tenant row was read for this message: its setup may come from the process's
    # cache, which keys on the row's config_version (bookings.setup).
    with booking_setup_cached():
        _dispatch(turn, expired=expired and had_flow)
    turn.dialogue.state_write(turn.state)
    turn.state["updated_at"] = now.isoformat()
    return AssistantResult(
        replies=turn.replies, state=turn.state, handoff=turn.handoff, handoff_reason=turn.handoff_reason,
        language=detected or "",
    )


def _state_expired(state: dict, tenant: Tenant, now: datetime) -> bool:
    updated = state.get("updated_at")
    if not updated:
        return False
    try:
        last = datetime.fromisoformat(updated)
    except (TypeError, ValueError):
        return True
    return now - last > timedelta(minutes=tenant.conversation_timeout_minutes)


# --- dispatch ----------------------------------------------------------------------


def _dispatch(turn: Turn, *, expired: bool) -> None:
    inbound = turn.inbound
    if inbound.kind == InboundKind.REACTION:
        return  # a 👍 on our message needs no answer
    turn.acks_before = turn.state.pop("acks", 0)
    if inbound.kind == InboundKind.LOCATION:
        turn.text(turn.t("location"))
        return
    if inbound.kind in (InboundKind.MEDIA, InboundKind.UNSUPPORTED) and not inbound.text.strip():
        # A sticker or a photo says nothing we can act on: answered politely once, then
        # counted like any message not understood, so a stream of them cannot be answered for ever.
        _acknowledged(turn, lambda: turn.text(turn.t("media")))
        return

    choice = _choice(turn)
    self_contained = choice is not None and choice.startswith(SELF_CONTAINED_CHOICES)
    if expired and not self_contained and (choice or _is_answer_to_question(turn)):
        # An old button or a bare "yes" refers to a question we no longer remember.
        turn.text(turn.t("expired"))
        _menu(turn)
        return
    if choice and _choice_handle(turn, choice):
        turn.state["misses"] = 0
        return
    _text_handle(turn)


def _is_answer_to_question(turn: Turn) -> bool:
    u = turn.understanding
    return u.intent in (Intent.YES, Intent.NO, Intent.UNKNOWN) and not _has_booking_details(u)


def _choice(turn: Turn) -> str | None:
    """The option the customer picked: tapped, or typed as its title or its number."""
    inbound = turn.inbound
    if inbound.kind == InboundKind.CHOICE and inbound.choice_id:
        return reminder_replies.reminder_choice(inbound) or inbound.choice_id
    typed = " ".join(inbound.text.split()).casefold()
    if not typed:
        return None
    options = turn.dialogue.options
    for option_id, title in options:
        if typed == title.casefold():
            return option_id
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1][0]
    return None


def _choice_handle(turn: Turn, choice: str) -> bool:
    """Act on a picked option; False when the id is not ours (then its title is read as text)."""
    kind, _, value = choice.partition(":")
    dialogue = turn.dialogue
    flow, step = dialogue.flow, dialogue.step
    if kind == "m":
        return _menu_item(turn, value)
    if kind == reminder_replies.KIND:
        return reminder_replies.reminder_reply_handle(turn, value)
    if kind == waitlist.KIND:
        return waitlist.waitlist_choice_handle(turn, value)
    if choice == "yes":
        if flow in (Flow.BOOK, Flow.MOVE) and step == Step.CONFIRM:
            booking.book_confirm(turn)
        elif flow == Flow.CANCEL and step == Step.CONFIRM:
            my_bookings.cancel_confirm(turn)
        else:
            _menu(turn)
        return True
    if choice == "no":
        if flow == Flow.BOOK and step == Step.TIME and waitlist.join_ask(turn):
            return True  # no to the alternatives of a full time: the waitlist, once
        if flow in (Flow.BOOK, Flow.MOVE):
            booking.book_drop(turn)
        elif flow == Flow.CANCEL:
            my_bookings.cancel_keep(turn)
        else:
            _menu(turn)
        return True
    if choice == "other":
        booking.book_other_time(turn)
        return True
    draft = dialogue.draft
    if kind == "party" and value.isdigit():
        dialogue.draft_update(party=int(value))
    elif kind == "svc" and value.isdigit():
        dialogue.draft_update(service=int(value), service_choices=())
    elif kind == "day" and (day := _iso_date(value)) is not None:
        # A time the customer gave with two disagreeing days ("venerdì 22 alle 20") stays for the day picked.
        dialogue.draft_update(date=day, date_choices=(), time=draft.time if draft.date_choices else None)
    elif kind == "slot" and (start := _iso_minute(value)) is not None:
        dialogue.draft_update(date=start.date(), time=start.time(), period=None)
    elif kind == "appt":
        my_bookings.manage_choice(turn, value)
        return True
    else:
        return False
    if flow not in (Flow.BOOK, Flow.MOVE):
        dialogue.flow = Flow.BOOK
    booking.book_advance(turn)
    return True


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _iso_minute(value: str) -> datetime | None:
    # "2026-11-27T20:15": a slot's id, in the business's wall clock.
    if "T" not in value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _menu_item(turn: Turn, item: str) -> bool:
    actions = {
        "book": lambda: _book_fresh(turn, None),
        "my": lambda: my_bookings.my_bookings_answer(turn),
        "cancel": lambda: my_bookings.manage_start(turn, "cancel"),
        "move": lambda: my_bookings.manage_start(turn, "move"),
        "hours": lambda: info.hours_answer(turn),
        "services": lambda: info.services_answer(turn),
        "address": lambda: info.address_answer(turn),
        "human": lambda: _handoff(turn, "handoff"),
        "menu": lambda: _menu(turn),
    }
    action = actions.get(item)
    if action is None:
        return False
    if item in ("book", "my", "cancel", "move", "human", "menu"):
        turn.flow_clear()
    action()
    return True


def _text_handle(turn: Turn) -> None:
    if opt_out.opt_out_handle(turn):
        return
    u = turn.understanding
    flow, step = turn.dialogue.flow, turn.dialogue.step

    if u.intent == Intent.MENU:
        turn.flow_clear()
        turn.text(turn.t("reset"))
        _menu(turn)
        return
    if u.intent == Intent.HUMAN:
        _handoff(turn, "handoff")
        return

    if flow is not None and step == Step.CONFIRM:
        if u.intent == Intent.YES or (u.yes_no is True and not _has_booking_details(u)):
            _understood(turn)
            _choice_handle(turn, "yes")
            return
        if u.intent == Intent.NO or (u.yes_no is False and not _has_booking_details(u)):
            _understood(turn)
            _choice_handle(turn, "no")
            return

    no_to_alternatives = (
        flow == Flow.BOOK and step == Step.TIME and u.intent == Intent.NO and not _has_booking_details(u)
    )
    if no_to_alternatives and waitlist.join_ask(turn):
        _understood(turn)
        return

    if flow in (Flow.CANCEL, Flow.MOVE) and step == Step.CHOOSE and u.reference:
        _understood(turn)
        my_bookings.manage_choice(turn, u.reference.upper())
        return

    if flow in (Flow.BOOK, Flow.MOVE) and u.intent not in (Intent.CANCEL, Intent.RESCHEDULE, Intent.MY_BOOKINGS):
        if booking.draft_merge(turn, u) or _bare_party_size(turn):
            _understood(turn)
            booking.book_advance(turn)
            return
        if u.intent in (Intent.HOURS, Intent.SERVICES, Intent.ADDRESS, Intent.THANKS, Intent.GREETING):
            _intent_answer(turn, u)  # a side question; the booking waits where it was
            return

    _intent_answer(turn, u)


def _bare_party_size(turn: Turn) -> bool:
    """While asking "how many people?", a bare number is the answer."""
    typed = turn.inbound.text.strip()
    if turn.dialogue.step == Step.PARTY and typed.isdigit() and 0 < int(typed) < 1000:
        turn.dialogue.draft_update(party=int(typed))
        return True
    return False


def _has_booking_details(u: Understanding) -> bool:
    return bool(u.date or u.time or u.period or u.party_size or u.service_ids or u.staff_id)


def _intent_answer(turn: Turn, u: Understanding) -> None:
    intent = u.intent
    if intent == Intent.UNKNOWN and _has_booking_details(u):
        intent = Intent.BOOK
    if intent == Intent.GREETING and _has_booking_details(u):
        intent = Intent.BOOK
    # "grazie", "ok", "👍" on their own: nothing to act on, so they do not reset the miss count.
    acknowledgement = intent == Intent.THANKS or (intent == Intent.YES and not _has_booking_details(u))
    if intent != Intent.UNKNOWN and not acknowledgement:
        _understood(turn)
    if intent == Intent.BOOK and u.change_cue and turn.state.get(JUST_BOOKED_KEY):
        # "si può fare alle 22 invece?", "anzi domani" right after booking: move that booking.
        turn.flow_clear()
        my_bookings.manage_start(turn, "move", u)
    elif intent == Intent.BOOK:
        turn.flow_clear()
        _book_fresh(turn, u)
    elif intent == Intent.MY_BOOKINGS:
        turn.flow_clear()
        my_bookings.my_bookings_answer(turn)
    elif intent in (Intent.CANCEL, Intent.RESCHEDULE):
        turn.flow_clear()
        my_bookings.manage_start(turn, "cancel" if intent == Intent.CANCEL else "move", u)
    elif intent == Intent.HOURS:
        info.hours_answer(turn)
    elif intent == Intent.SERVICES:
        info.services_answer(turn)
    elif intent == Intent.ADDRESS:
        info.address_answer(turn)
    elif intent == Intent.THANKS:
        _acknowledged(turn, lambda: turn.text(turn.t("thanks")))
    elif intent == Intent.GREETING:
        first_name = (turn.customer.display_name or "").split(" ")[0]
        turn.text(turn.t("greeting", name=f" {first_name}" if first_name else "", tenant=turn.tenant.name))
        _menu(turn, intro=turn.t("menu_prompt"))
    elif acknowledgement:
        # "ok", "perfetto", "👍" outside a question: an acknowledgement, like "grazie".
        _acknowledged(turn, lambda: _menu(turn))
    elif intent in (Intent.YES, Intent.NO, Intent.MENU):
        _menu(turn)
    else:
        _missed(turn)


def _book_fresh(turn: Turn, u: Understanding | None) -> None:
    turn.dialogue.draft = Draft()
    if u is not None:
        booking.draft_merge(turn, u)
    booking.book_start(turn)


def _understood(turn: Turn) -> None:
    turn.state["misses"] = 0


def _missed(turn: Turn, *, quiet: bool = False) -> None:
    """Not understood: "didn't get that", then the menu, then a person. ``quiet`` says nothing the first time."""
    misses = turn.state.get("misses", 0) + 1
    turn.state["misses"] = misses
    if misses >= MISSES_BEFORE_HANDOFF:
        _handoff(turn, "handoff_after_failures")
    elif misses >= MISSES_BEFORE_MENU:
        _menu(turn, intro=turn.t("not_understood_menu"))
    elif not quiet:
        turn.text(turn.t("not_understood" if turn.is_restaurant else "not_understood_salon"))


def _acknowledged(turn: Turn, polite_answer: Callable[[], None]) -> None:
    """A bare "grazie", "ok", "👍" or a sticker: nothing to act on.

    The first in a row gets its polite answer (a "grazie" after a booking is thanked).
    Each one after it counts as not understood, without a word the first time, then the
    menu, then a person: a stream of them (two assistants thanking each other, a flood
    of stickers) gets a few replies, not one each.
    """
    turn.state["acks"] = turn.acks_before + 1
    if turn.acks_before == 0:
        polite_answer()
    else:
        _missed(turn, quiet=True)


def _menu(turn: Turn, intro: str = "") -> None:
    book_label = turn.t("menu_book_table") if turn.is_restaurant else turn.t("menu_book_service")
    options = [
        ("m:book", book_label),
        ("m:my", turn.t("menu_my_bookings")),
        ("m:move", turn.t("menu_reschedule")),
        ("m:cancel", turn.t("menu_cancel")),
        ("m:hours", turn.t("menu_hours")),
    ]
    if not turn.is_restaurant:
        options.append(("m:services", turn.t("menu_services")))
    options += [("m:address", turn.t("menu_address")), ("m:human", turn.t("menu_human"))]
    turn.choice_list(intro or turn.t("menu_prompt"), options, turn.t("menu_button"))


_HANDOFF_REASONS = {
    "handoff": Conversation.HandoffReason.REQUESTED,
    "handoff_after_failures": Conversation.HandoffReason.NOT_UNDERSTOOD,
}


def _handoff(turn: Turn, key: str) -> None:
    turn.handoff_reason = _HANDOFF_REASONS[key]
    turn.flow_clear()
    turn.state["misses"] = 0
    text = turn.t(key)
    if turn.tenant.contact_phone:
        text = f"{text} {turn.t('handoff_phone', phone=turn.tenant.contact_phone)}"
    turn.text(text)
    turn.handoff = True
