"""The customer's own bookings: list them, cancel one, or pick one to move."""

from bookings.errors import AppointmentNotActive, BookingError, TooLateToCancel
from bookings.models import Appointment
from bookings.selectors import appointments_upcoming_for_customer
from bookings.services import appointment_cancel
from conversations.assistant import waitlist
from conversations.assistant.booking import appointment_summary, move_start, too_late_answer
from conversations.assistant.dialogue import Flow, Step
from conversations.assistant.formatting import date_short, time_short
from conversations.assistant.turn import JUST_BOOKED_KEY, Turn
from conversations.assistant.understanding import Understanding


def _upcoming(turn: Turn) -> list[Appointment]:
    return appointments_upcoming_for_customer(tenant=turn.tenant, customer=turn.customer, now=turn.now)


def _option(turn: Turn, appointment: Appointment) -> tuple[str, str, str]:
    start = appointment.starts_at.astimezone(turn.tenant.tzinfo)
    day = date_short(start.date(), turn.language, today=turn.now.date())
    title = f"{day} {time_short(start, twelve_hour=turn.twelve_hour)}"
    what = appointment.service.name(turn.language) if appointment.service else turn.t(
        "party_one" if appointment.party_size == 1 else "party_people", count=appointment.party_size
    )
    return (f"appt:{appointment.reference}", title, f"{what} · {appointment.reference}")


def _within_cutoff(turn: Turn, appointment: Appointment) -> bool:
    hours = turn.tenant.cancellation_cutoff_hours
    return (appointment.starts_at - turn.now).total_seconds() < hours * 3600


def my_bookings_answer(turn: Turn) -> None:
    upcoming = _upcoming(turn)
    if not upcoming:
        if not waitlist.waiting_answer(turn):
            _no_bookings(turn)
        return
    lines = [turn.t("your_bookings")]
    lines += [f"• {appointment_summary(turn, a)}" for a in upcoming[:10]]
    turn.text("\n".join(lines))
    turn.buttons(
        turn.t("menu_prompt"),
        [("m:cancel", turn.t("menu_cancel")), ("m:move", turn.t("menu_reschedule")), ("m:book", _book_label(turn))],
    )
    waitlist.waiting_answer(turn)


def _book_label(turn: Turn) -> str:
    return turn.t("menu_book_table") if turn.is_restaurant else turn.t("menu_book_service")


def _no_bookings(turn: Turn) -> None:
    turn.buttons(turn.t("no_bookings"), [("m:book", _book_label(turn)), ("m:menu", turn.t("menu_button"))])
    turn.flow_clear()


def manage_start(turn: Turn, action: str, understanding: Understanding | None = None) -> None:
    """``action`` is "cancel" or "move". A typed reference code or a single booking skips the choice."""
    upcoming = _upcoming(turn)
    if not upcoming:
        _no_bookings(turn)
        return
    chosen = None
    if understanding is not None and understanding.reference:
        chosen = next((a for a in upcoming if a.reference == understanding.reference.upper()), None)
        if chosen is None:
            turn.text(turn.t("booking_not_found", reference=understanding.reference.upper()))
    if chosen is None and len(upcoming) == 1:
        chosen = upcoming[0]
    if chosen is None and action == "move":
        # "anzi spostala a domani" right after booking: the booking just made, among several.
        chosen = next((a for a in upcoming if a.reference == turn.state.get(JUST_BOOKED_KEY)), None)
    if chosen is None:
        turn.dialogue.flow = Flow(action)
        turn.dialogue.step = Step.CHOOSE
        key = "which_to_cancel" if action == "cancel" else "which_to_move"
        turn.choice_list(turn.t(key), [_option(turn, a) for a in upcoming], turn.t("bookings_button"))
        return
    manage_chosen(turn, action, chosen, understanding)


def manage_choice(turn: Turn, reference: str) -> None:
    action = "move" if turn.dialogue.moving else "cancel"
    appointment = next((a for a in _upcoming(turn) if a.reference == reference), None)
    if appointment is None:
        turn.text(turn.t("booking_not_found", reference=reference))
        turn.flow_clear()
        return
    manage_chosen(turn, action, appointment, None)


def manage_chosen(turn: Turn, action: str, appointment: Appointment, understanding: Understanding | None) -> None:
    if _within_cutoff(turn, appointment):
        too_late_answer(turn, turn.tenant.cancellation_cutoff_hours)
        turn.flow_clear()
        return
    if action == "move":
        move_start(turn, appointment, understanding)
        return
    turn.dialogue.flow = Flow.CANCEL
    turn.dialogue.step = Step.CONFIRM
    turn.dialogue.cancel_reference = appointment.reference
    turn.buttons(
        turn.t("confirm_cancel", summary=appointment_summary(turn, appointment)),
        [("yes", turn.t("button_yes_cancel")), ("no", turn.t("button_keep"))],
    )


def cancel_confirm(turn: Turn) -> None:
    reference = turn.dialogue.cancel_reference
    turn.flow_clear()
    appointment = next((a for a in _upcoming(turn) if a.reference == reference), None)
    if appointment is None:
        turn.text(turn.t("booking_not_found", reference=reference))
        return
    try:
        appointment_cancel(tenant=turn.tenant, appointment=appointment, now=turn.now)
    except TooLateToCancel as exc:
        too_late_answer(turn, exc.cutoff_hours)
        return
    except AppointmentNotActive:
        turn.text(turn.t("booking_not_found", reference=reference))
        return
    except BookingError:
        turn.text(turn.t("booking_failed"))
        return
    turn.text(turn.t("cancelled", reference=reference))


def cancel_keep(turn: Turn) -> None:
    turn.flow_clear()
    turn.text(turn.t("kept"))
