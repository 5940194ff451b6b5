"""The waitlist in the chat: joining it when a time is full, answering an offer, leaving it.

When the asked time is full (every table or staff member taken, not closed or too
soon), the nearest free times come with one more option, "avvisami se si libera" /
"tell me if it frees up"; a customer who says no to the alternatives is asked once
more. Joining stores a request (``bookings.waitlist.waitlist_join``) for a window
around the asked time. The option's id carries what the request needs
(``wl:join:<YYYY-MM-DDTHH:MM>|<party>|<service>|<staff>``), so it works whatever the
conversation did in between.

An offer of a freed slot (sent by ``reminders``) carries two buttons whose ids name the
held booking: ``wl:confirm:<REF>`` and ``wl:decline:<REF>``. Inside WhatsApp's 24-hour
window they are reply buttons; outside it the approved template's quick-reply buttons,
given the same ids as payloads. Confirm books the held slot; too late, the customer is
told it was taken and offered the nearest free times. "My bookings" lists the open
requests, each withdrawable (``wl:withdraw:<id>``).
"""

from datetime import date, datetime, time

from bookings.availability import Verdict, start_check
from bookings.errors import BookingError, HoldExpired
from bookings.models import Resource, Service, WaitlistRequest
from bookings.selectors import (
    resource_of_tenant,
    service_of_tenant,
    waitlist_request_for_offer,
    waitlist_request_of_customer,
    waitlist_requests_open,
)
from bookings.waitlist import waitlist_join, waitlist_offer_accept, waitlist_offer_decline, waitlist_withdraw
from conversations.assistant.dialogue import Draft, Flow
from conversations.assistant.formatting import date_long, date_short, time_short, when_long
from conversations.assistant.turn import Turn
from conversations.services.conversations import conversation_booking_link

PREFIX = "wl:"
KIND = PREFIX.rstrip(":")
CONFIRM = "confirm"
DECLINE = "decline"
JOIN = "join"
NOT_JOINED = "nojoin"
WITHDRAW = "withdraw"


def waitlist_button_id(action: str, reference: str) -> str:
    """The id of an offer's button (a reply button's id, or a template quick reply's payload)."""
    return f"{PREFIX}{action}:{reference}"


# --- joining -------------------------------------------------------------------------


def join_option(turn: Turn, day: date, wanted: time) -> tuple[str, str] | None:
    """The "tell me if it frees up" option for a full time, or ``None`` when the time is not full but refused.

    Closed, too soon or too far is not something a cancellation can change; a move keeps
    the booking it has and is not put on the waitlist.
    """
    turn.dialogue.waitlist_join = ""
    if turn.dialogue.flow != Flow.BOOK:
        return None
    draft = turn.draft
    service, staff = _service(turn, draft.service), _staff(turn, draft.staff)
    start = datetime.combine(day, wanted, tzinfo=turn.tenant.tzinfo)
    if start <= turn.now or (not turn.is_restaurant and service is None):
        return None
    check = start_check(
        turn.tenant, start=start, service=service, party_size=draft.party_or_one, resource=staff, now=turn.now,
    )
    if check.verdict is not Verdict.TAKEN:
        return None
    option_id = (
        f"{PREFIX}{JOIN}:{start.strftime('%Y-%m-%dT%H:%M')}|{draft.party_or_one}|"
        f"{service.pk if service else 0}|{staff.pk if staff else 0}"
    )
    turn.dialogue.waitlist_join = option_id
    return option_id, turn.t("waitlist_join_option")


def join_button(option: tuple[str, str], turn: Turn) -> tuple[str, str]:
    """The join option as a reply button (a shorter title than a list row's)."""
    return option[0], turn.t("waitlist_join_button")


def join_ask(turn: Turn) -> bool:
    """The customer said no to the alternatives of a full time: offer the waitlist once. False: none to offer."""
    option_id, turn.dialogue.waitlist_join = turn.dialogue.waitlist_join, ""
    if not option_id or turn.dialogue.flow != Flow.BOOK:
        return False
    turn.flow_clear()
    turn.buttons(
        turn.t("waitlist_join_ask"),
        [(option_id, turn.t("waitlist_join_button")), (f"{PREFIX}{NOT_JOINED}", turn.t("waitlist_button_decline"))],
    )
    return True


def _join(turn: Turn, value: str) -> bool:
    try:
        when, party, service_id, staff_id = value.split("|")
        start = datetime.fromisoformat(when).replace(tzinfo=turn.tenant.tzinfo)
        party_size = int(party)
        service, staff = _service(turn, int(service_id) or None), _staff(turn, int(staff_id) or None)
    except ValueError:
        return False
    turn.flow_clear()
    try:
        request = waitlist_join(
            tenant=turn.tenant, customer=turn.customer, start=start, party_size=party_size, service=service,
            resource=staff, channel=turn.conversation.channel, now=turn.now,
        )
    except ValueError:
        turn.text(turn.t("waitlist_join_past"))
        return True
    turn.text(turn.t(
        "waitlist_joined", request=_request_text(turn, request), minutes=turn.tenant.waitlist_hold_minutes
    ))
    return True


# --- the offer's buttons ---------------------------------------------------------------


def _offer_answer(turn: Turn, action: str, reference: str) -> bool:
    request = waitlist_request_for_offer(tenant=turn.tenant, customer=turn.customer, reference=reference)
    turn.flow_clear()
    if request is None or request.offer is None:
        turn.text(turn.t("waitlist_offer_unknown"))
        return True
    held = request.offer
    if action == DECLINE:
        if request.status == WaitlistRequest.Status.BOOKED:
            turn.text(turn.t("waitlist_already_booked", reference=held.reference))
        elif waitlist_offer_decline(tenant=turn.tenant, request=request, now=turn.now):
            turn.text(turn.t("waitlist_declined"))
        else:
            turn.text(turn.t("waitlist_offer_closed"))
        return True
    if request.status == WaitlistRequest.Status.BOOKED:
        turn.text(turn.t("waitlist_already_booked", reference=held.reference))
        return True
    try:
        booked = waitlist_offer_accept(tenant=turn.tenant, request=request, now=turn.now)
    except HoldExpired:
        _taken(turn, request)
        return True
    except (BookingError, WaitlistRequest.DoesNotExist):
        turn.text(turn.t("booking_failed"))
        return True
    conversation_booking_link(conversation=turn.conversation, appointment=booked)
    when = when_long(booked.starts_at.astimezone(turn.tenant.tzinfo), turn.language, twelve_hour=turn.twelve_hour)
    turn.text(turn.t("waitlist_booked", what=_what(turn, request), when=when, reference=booked.reference))
    turn.text(turn.t("how_to_cancel"))
    return True


def _taken(turn: Turn, request: WaitlistRequest) -> None:
    """Too late: "already taken", and the nearest free times, in the booking flow so a tap books one."""
    from conversations.assistant import booking  # the booking flow goes on from here

    held = request.offer
    assert held is not None
    start = held.starts_at.astimezone(turn.tenant.tzinfo)
    turn.dialogue.flow = Flow.BOOK
    turn.dialogue.draft = Draft(party=request.party_size, service=request.service_id, staff=request.resource_id)
    when = when_long(start, turn.language, twelve_hour=turn.twelve_hour)
    booking.alternatives_offer(turn, start.date(), start.time(), turn.t("waitlist_taken", when=when))


# --- my bookings ------------------------------------------------------------------------


def waiting_answer(turn: Turn) -> bool:
    """List the customer's open waitlist requests, each withdrawable; False when there is none."""
    requests = waitlist_requests_open(tenant=turn.tenant, customer=turn.customer, now=turn.now, limit=10)
    if not requests:
        return False
    lines = [turn.t("waitlist_waiting")] + [f"• {_request_text(turn, request)}" for request in requests]
    if len(requests) == 1:
        turn.buttons("\n".join(lines), [(f"{PREFIX}{WITHDRAW}:{requests[0].pk}", turn.t("waitlist_withdraw_button"))])
    else:
        options = [
            (f"{PREFIX}{WITHDRAW}:{request.pk}", _request_title(turn, request), _what(turn, request))
            for request in requests
        ]
        turn.choice_list("\n".join([*lines, turn.t("waitlist_withdraw_which")]), options,
                         turn.t("waitlist_withdraw_button"))
    return True


def _withdraw(turn: Turn, value: str) -> bool:
    if not value.isdigit():
        return False
    turn.flow_clear()
    request = waitlist_request_of_customer(tenant=turn.tenant, customer=turn.customer, pk=int(value))
    if request is not None and waitlist_withdraw(tenant=turn.tenant, request=request, now=turn.now):
        turn.text(turn.t("waitlist_withdrawn", request=_request_text(turn, request)))
    else:
        turn.text(turn.t("waitlist_not_waiting"))
    return True


# --- dispatch ---------------------------------------------------------------------------


def waitlist_choice_handle(turn: Turn, value: str) -> bool:
    """Act on ``<action>:<rest>`` (the part after ``wl:``); False when it is not one of ours."""
    action, _, rest = value.partition(":")
    if action in (CONFIRM, DECLINE) and rest:
        return _offer_answer(turn, action, rest)
    if action == JOIN:
        return _join(turn, rest)
    if action == NOT_JOINED:
        turn.flow_clear()
        turn.text(turn.t("waitlist_not_joined"))
        return True
    if action == WITHDRAW:
        return _withdraw(turn, rest)
    return False


# --- wording ----------------------------------------------------------------------------


def _service(turn: Turn, service_id: int | None) -> Service | None:
    return service_of_tenant(tenant=turn.tenant, pk=service_id)


def _staff(turn: Turn, staff_id: int | None) -> Resource | None:
    return resource_of_tenant(tenant=turn.tenant, pk=staff_id)


def _what(turn: Turn, request: WaitlistRequest) -> str:
    if request.service is not None:
        return request.service.name(turn.language)
    return turn.t("party_one" if request.party_size == 1 else "party_people", count=request.party_size)


def _request_text(turn: Turn, request: WaitlistRequest) -> str:
    """"4 persone, sabato 5 dicembre tra le 19:30 e le 21:30"."""
    tz = turn.tenant.tzinfo
    starts, ends = request.window_starts_at.astimezone(tz), request.window_ends_at.astimezone(tz)
    return turn.t(
        "waitlist_request", what=_what(turn, request), date=date_long(starts.date(), turn.language),
        start=time_short(starts, twelve_hour=turn.twelve_hour), end=time_short(ends, twelve_hour=turn.twelve_hour),
    )


def _request_title(turn: Turn, request: WaitlistRequest) -> str:
    starts = request.window_starts_at.astimezone(turn.tenant.tzinfo)
    return f"{date_short(starts.date(), turn.language, today=turn.now.date())} {time_short(starts)}"
