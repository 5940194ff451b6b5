"""The customer's answer to a reminder: its "Confirm" and "Cancel" buttons.

Reminders (``reminders`` app) carry two buttons whose ids name the booking:
``remind:confirm:<REF>`` and ``remind:cancel:<REF>``. Inside WhatsApp's 24-hour
window they are reply buttons; outside it the tenant's approved template's
quick-reply buttons, given the same ids as payloads. A template's button tapped
without a payload of ours (none was set, or another one) is known by its title
("Confermo", "Annulla", "Confirm", "Cancel"), and stands for the customer's booking
that was reminded (the soonest, if several).

Confirm records that the customer is coming; cancel runs the ordinary cancel flow
for that booking, so the cut-off and the "are you sure?" question apply.

A rebook nudge carries ``remind:again:<REF>`` ("Book the same again"): the ordinary
booking flow starts with that past visit's services and staff member, and asks the day.
"""

from bookings.errors import AppointmentNotActive
from bookings.models import Appointment, Resource
from bookings.selectors import appointment_of_customer, appointment_upcoming_for_customer, visit_services
from bookings.services import appointment_customer_confirm
from conversations.assistant import booking, my_bookings
from conversations.assistant.dialogue import Draft
from conversations.assistant.formatting import when_long
from conversations.assistant.texts import CATALOG
from conversations.assistant.turn import Turn
from conversations.inbound import InboundKind, InboundMessage

PREFIX = "remind:"
KIND = PREFIX.rstrip(":")
CONFIRM = "confirm"
CANCEL = "cancel"
AGAIN = "again"
# ``InboundMessage.channel_type`` of a template's quick-reply tap (WhatsApp's "button" message).
TEMPLATE_BUTTON = "button"
# Button titles in every language, as a template without payloads sends them back.
_TITLES = {
    " ".join(title.split()).casefold(): action
    for action, key in ((CONFIRM, "reminder_button_confirm"), (CANCEL, "reminder_button_cancel"))
    for title in CATALOG[key].values()
}


def reminder_button_id(action: str, reference: str) -> str:
    """The id of a reminder's button (a reply button's id, or a template quick reply's payload)."""
    return f"{PREFIX}{action}:{reference}"


def reminder_choice(inbound: InboundMessage) -> str | None:
    """The reminder button ``inbound`` is, when it is one: ``remind:<action>:<REF>`` (REF may be empty)."""
    if inbound.kind != InboundKind.CHOICE or not inbound.choice_id:
        return None
    if inbound.choice_id.startswith(PREFIX):
        return inbound.choice_id
    # Only a template's button: our own reply buttons have titles like "Annulla" too,
    # with ids of their own ("no").
    if inbound.channel_type != TEMPLATE_BUTTON:
        return None
    for label in (inbound.choice_title, inbound.choice_id):
        action = _TITLES.get(" ".join(label.split()).casefold())
        if action:
            return reminder_button_id(action, "")
    return None


def reminder_reply_handle(turn: Turn, value: str) -> bool:
    """Act on ``<action>:<REF>`` (the part after ``remind:``); False when there is no booking to act on."""
    action, _, reference = value.partition(":")
    if action == AGAIN:
        return _book_again(turn, reference.strip().upper())
    if action not in (CONFIRM, CANCEL):
        return False
    appointment = _appointment(turn, reference.strip().upper())
    if appointment is None:
        if not reference:
            return False  # a bare "Confirm" / "Cancel" we cannot place: read it as text
        turn.flow_clear()
        turn.text(turn.t("booking_not_found", reference=reference.upper()))
        return True
    turn.flow_clear()
    if action == CANCEL:
        my_bookings.manage_chosen(turn, "cancel", appointment, None)
        return True
    try:
        appointment_customer_confirm(tenant=turn.tenant, appointment=appointment, now=turn.now)
    except AppointmentNotActive:
        turn.text(turn.t("booking_not_found", reference=appointment.reference))
        return True
    start = appointment.starts_at.astimezone(turn.tenant.tzinfo)
    turn.text(turn.t("reminder_confirmed", when=when_long(start, turn.language, twelve_hour=turn.twelve_hour)))
    return True


def _appointment(turn: Turn, reference: str) -> Appointment | None:
    return appointment_upcoming_for_customer(
        tenant=turn.tenant, customer=turn.customer, now=turn.now, reference=reference
    )


def _book_again(turn: Turn, reference: str) -> bool:
    """"Book the same again" on a rebook nudge: the same services and, if still free to choose, the same person."""
    past = appointment_of_customer(tenant=turn.tenant, customer=turn.customer, reference=reference)
    turn.flow_clear()
    if past is None:
        if not reference:
            return False
        turn.text(turn.t("booking_not_found", reference=reference))
        return True
    services = [service for service in visit_services(past) if service.is_active]
    by_staff = past.resource.kind == Resource.Kind.STAFF and past.resource.is_active
    turn.dialogue.draft = Draft(
        party=past.party_size,
        service=services[0].pk if services else None,
        then=tuple(service.pk for service in services[1:]),
        staff=past.resource_id if by_staff else None,
    )
    booking.book_start(turn)
    return True
