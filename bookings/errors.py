"""Why a booking, a cancellation or a change was refused.

Every error carries a ``code`` (stable, for the API and the assistant) and a
``message`` that staff can read as it is, in the language active where it was raised
(the staff user's in the admin; English in the API and in tasks); the assistant
words its own reply from the code and the attributes.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext

if TYPE_CHECKING:
    from bookings.availability import Slot


class BookingError(Exception):
    code = "booking_error"
    default_message = gettext_lazy("The booking could not be made.")

    def __init__(self, message: str = "") -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class SlotUnavailable(BookingError):
    """The time is taken (or is not a bookable start); ``alternatives`` are the nearest free slots."""

    code = "slot_unavailable"
    default_message = gettext_lazy("That time is no longer available.")

    def __init__(self, alternatives: list[Slot] | None = None, message: str = "") -> None:
        self.alternatives: list[Slot] = list(alternatives or [])
        super().__init__(message)


class OutsideOpeningHours(BookingError):
    code = "outside_opening_hours"
    default_message = gettext_lazy("The business is closed at that time.")


class NoticeTooShort(BookingError):
    code = "notice_too_short"
    default_message = gettext_lazy("That time is too soon to book.")

    def __init__(self, message: str = "", *, min_notice_minutes: int = 0) -> None:
        self.min_notice_minutes = min_notice_minutes
        super().__init__(message)


class TooFarAhead(BookingError):
    code = "too_far_ahead"
    default_message = gettext_lazy("That date is too far ahead to book.")

    def __init__(self, message: str = "", *, max_days_ahead: int = 0) -> None:
        self.max_days_ahead = max_days_ahead
        super().__init__(message)


class NoTableFits(BookingError):
    """No table seats the party (larger than the largest table, or the chosen table does not fit)."""

    code = "no_table_fits"
    default_message = gettext_lazy("No table fits a party of that size.")

    def __init__(self, message: str = "", *, party_size: int = 0) -> None:
        self.party_size = party_size
        super().__init__(message)


class ServiceNotOffered(BookingError):
    """The service is inactive, someone else's, or nobody (or not the chosen staff member) does it."""

    code = "service_not_offered"
    default_message = gettext_lazy("That service is not offered.")


class TooLateToCancel(BookingError):
    """The customer is inside the cancellation cut-off; staff can still change the booking."""

    code = "too_late_to_cancel"

    def __init__(self, cutoff_hours: int, contact_phone: str = "") -> None:
        self.cutoff_hours = cutoff_hours
        self.contact_phone = contact_phone
        message = gettext(
            "Bookings cannot be cancelled or changed less than %(hours)s hours before they start."
        ) % {"hours": cutoff_hours}
        if contact_phone:
            message += " " + gettext("Please call %(phone)s.") % {"phone": contact_phone}
        super().__init__(message)


class CustomerBookingLimitReached(BookingError):
    """The customer already has as many bookings as the business allows: future ones, or on that day.

    ``limit`` says which (``ACTIVE`` or ``DAY``), ``maximum`` the business's number.
    Only for bookings the customer makes (the assistant, the API on their behalf); staff are not limited.
    """

    code = "customer_booking_limit"
    ACTIVE = "active"
    DAY = "day"

    def __init__(self, limit: str, maximum: int) -> None:
        self.limit = limit
        self.maximum = maximum
        if limit == self.ACTIVE:
            message = ngettext(
                "This customer already has %(count)s upcoming booking, as many as the business allows.",
                "This customer already has %(count)s upcoming bookings, as many as the business allows.",
                maximum,
            ) % {"count": maximum}
        else:
            message = ngettext(
                "This customer already has %(count)s booking on that day, as many as the business allows.",
                "This customer already has %(count)s bookings on that day, as many as the business allows.",
                maximum,
            ) % {"count": maximum}
        super().__init__(message)


class AppointmentNotActive(BookingError):
    code = "appointment_not_active"
    default_message = gettext_lazy("This booking is no longer active (cancelled, completed or a no-show).")


def booking_refusal_text(error: BookingError, *, zone: tzinfo | None = None) -> str:
    """Why a booking was refused, for staff in the active language, with the free times
    nearby when there are some (slots are in the business's time zone; ``zone`` converts)."""
    if not isinstance(error, SlotUnavailable) or not error.alternatives:
        return error.message
    nearby = ", ".join(
        f"{date_format(slot.start.astimezone(zone) if zone else slot.start, 'D j M H:i')} ({slot.resource.name})"
        for slot in error.alternatives
    )
    return f"{error.message} " + gettext("Free nearby: %(times)s.") % {"times": nearby}


class VisitStepRefused(BookingError):
    """A step of the visit (arrived, seated, left, no-show, undo) that the booking cannot take:
    cancelled, no longer running, a no-show who has arrived, nothing to undo.

    ``step`` is the step refused, as staff tapped it.
    """

    code = "visit_step_refused"
    default_message = gettext_lazy("That cannot be marked on this booking.")

    def __init__(self, message: str = "", *, step: str = "") -> None:
        self.step = step
        super().__init__(message)


class HoldExpired(SlotUnavailable):
    """A held booking confirmed too late (its time ran out, or the slot went to someone else).

    ``alternatives`` are the nearest free slots now, for the customer's polite "already taken".
    """

    code = "hold_expired"
    default_message = gettext_lazy("Sorry, that time has already been taken.")
