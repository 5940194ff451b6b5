"""The owner's own bookings: an app message that reads like a booking confirmation, saved with one tap.

The owner answers a customer in the WhatsApp Business app ("ok vi aspetto sabato alle
20, siete in 4"); Lyo reads the message with the assistant's own grammar
(``conversations.assistant.understanding.understand``) and, when it names a day, a time
and a party (restaurants) or one service (salons), keeps that as a suggestion on the
stored message. Nothing is booked until staff tap "Save this booking" on the
conversation page; the tap books through ``bookings.services.appointment_book`` (as
staff: opening hours, closures, pacing and overlaps are checked) once, however often
it is tapped.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, Resource, Service
from bookings.services import appointment_book
from conversations.assistant.understanding import Intent, understand, vocabulary_for_tenant
from conversations.assistant.understanding.text import normalise
from conversations.models import Conversation, Message
from conversations.services.conversations import conversation_booking_link
from tenants.models import Tenant

# ``Message.payload`` key of the booking an app message suggests; ``appointment_id`` once saved.
# Only ``conversations.services.owner_app`` writes it, on the owner's app messages.
BOOKING_SUGGESTION = "booking_suggestion"

# Words that turn a day and a time into a refusal, a question or a cancellation, not a
# confirmation ("sabato alle 20 siamo pieni, mi dispiace"), on the grammar's normalised
# text (lower case, no accents, apostrophes as spaces).
_NOT_A_CONFIRMATION = re.compile(
    r"\b(?:non|purtroppo|dispiace|spiacente|spiacenti|pieni|pieno|completo|chiusi|chiuso|esaurito|annull\w*|"
    r"cancell\w*|disdett\w*|not|no|sorry|unfortunately|afraid|full|closed|cancel\w*|can t|cannot|unable)\b"
)
# The grammar's intents a confirmation may carry: booking words, or a plain yes ("ok, sabato alle 20 in 4").
_CONFIRMING_INTENTS = frozenset({Intent.BOOK, Intent.YES, Intent.THANKS, Intent.GREETING, Intent.UNKNOWN})


@dataclass(frozen=True)
class BookingSuggestion:
    starts_at: datetime.datetime  # aware
    party_size: int
    service_id: int | None = None
    staff_id: int | None = None
    appointment_id: int | None = None  # set once saved

    def as_payload(self) -> dict:
        return {
            "starts_at": self.starts_at.isoformat(),
            "party_size": self.party_size,
            "service_id": self.service_id,
            "staff_id": self.staff_id,
            "appointment_id": self.appointment_id,
        }

    @classmethod
    def from_payload(cls, data: object) -> "BookingSuggestion | None":
        if not isinstance(data, dict):
            return None
        try:
            starts_at = datetime.datetime.fromisoformat(str(data["starts_at"]))
            party_size = int(data["party_size"])
        except (KeyError, TypeError, ValueError):
            return None
        if starts_at.tzinfo is None:
            return None

        def optional_id(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return cls(
            starts_at=starts_at,
            party_size=party_size,
            service_id=optional_id("service_id"),
            staff_id=optional_id("staff_id"),
            appointment_id=optional_id("appointment_id"),
        )


class SuggestionMissing(Exception):
    """No booking is suggested by that message (not the owner's, no longer, or another conversation's)."""


@dataclass(frozen=True)
class SuggestionSaved:
    appointment: Appointment
    already: bool  # saved by an earlier tap: nothing new was booked


def owner_booking_suggestion_read(*, tenant: Tenant, text: str, at: datetime.datetime) -> BookingSuggestion | None:
    """The booking ``text`` (the owner's app message, written at ``at``) confirms, or None."""
    plain = normalise(text or "")
    if not plain or "?" in (text or "") or _NOT_A_CONFIRMATION.search(plain):
        return None
    now = at.astimezone(tenant.tzinfo)
    understood = understand(text, now=now, vocabulary=vocabulary_for_tenant(tenant))
    if understood.intent not in _CONFIRMING_INTENTS or understood.yes_no is False:
        return None
    if understood.date is None or understood.time is None:
        return None
    starts_at = datetime.datetime.combine(understood.date, understood.time, tzinfo=tenant.tzinfo)
    if starts_at <= now:
        return None
    if tenant.kind == Tenant.Kind.RESTAURANT:
        if understood.party_size is None:
            return None
        return BookingSuggestion(starts_at=starts_at, party_size=understood.party_size)
    # A salon books a service: exactly one named, else it is not clear what to save.
    if len(understood.service_ids) != 1:
        return None
    return BookingSuggestion(
        starts_at=starts_at,
        party_size=1,
        service_id=understood.service_ids[0],
        staff_id=understood.staff_id,
    )


def booking_suggestion_payload(*, tenant: Tenant, text: str, at: datetime.datetime) -> dict:
    """The payload entry for a new app message: ``{BOOKING_SUGGESTION: ...}`` or nothing."""
    suggestion = owner_booking_suggestion_read(tenant=tenant, text=text, at=at)
    return {BOOKING_SUGGESTION: suggestion.as_payload()} if suggestion is not None else {}


def booking_suggestion_reread(*, tenant: Tenant, message: Message, text: str, revoked: bool) -> dict:
    """The payload after the owner edited (or deleted) an app message: a saved booking stays; else read again."""
    payload = dict(message.payload)
    saved = BookingSuggestion.from_payload(payload.get(BOOKING_SUGGESTION))
    if saved is not None and saved.appointment_id is not None:
        return payload
    payload.pop(BOOKING_SUGGESTION, None)
    if revoked:
        return payload
    at = message.channel_timestamp or message.created_at
    return {**payload, **booking_suggestion_payload(tenant=tenant, text=text, at=at)}


def owner_booking_suggestion_save(
    *,
    tenant: Tenant,
    conversation: Conversation,
    message_id: int,
    now: datetime.datetime | None = None,
) -> SuggestionSaved:
    """Book what the owner's app message ``message_id`` suggests, once; raises ``SuggestionMissing`` or a
    ``bookings.errors.BookingError`` (nothing booked).

    The message row is locked first, so a second tap waits for the first and finds its booking.
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(tenant=tenant, conversation=conversation, pk=message_id, direction=Message.Direction.OUTBOUND)
            .first()
        )
        if message is None or message.payload.get("revoked"):
            raise SuggestionMissing()
        suggestion = BookingSuggestion.from_payload(message.payload.get(BOOKING_SUGGESTION))
        if suggestion is None:
            raise SuggestionMissing()
        if suggestion.appointment_id is not None:
            earlier = Appointment.objects.filter(tenant=tenant, pk=suggestion.appointment_id).first()
            if earlier is not None:
                return SuggestionSaved(appointment=earlier, already=True)
        service = (
            Service.objects.filter(tenant=tenant, pk=suggestion.service_id, is_active=True).first()
            if suggestion.service_id is not None
            else None
        )
        if suggestion.service_id is not None and service is None:
            raise SuggestionMissing()  # the service is gone since the message
        staff = (
            Resource.objects.filter(
                tenant=tenant, pk=suggestion.staff_id, kind=Resource.Kind.STAFF, is_active=True
            ).first()
            if suggestion.staff_id is not None
            else None
        )
        appointment = appointment_book(
            tenant=tenant,
            start=suggestion.starts_at,
            party_size=suggestion.party_size,
            service=service,
            resource=staff,
            customer=conversation.customer,
            channel=Appointment.Channel.ADMIN,
            by_staff=True,
            now=now,
        )
        # Listed with the bookings made in this conversation, like the assistant's.
        conversation_booking_link(conversation=conversation, appointment=appointment)
        saved = BookingSuggestion(**{**suggestion.__dict__, "appointment_id": appointment.pk})
        message.payload = {**message.payload, BOOKING_SUGGESTION: saved.as_payload()}
        message.save(update_fields=["payload"])
    return SuggestionSaved(appointment=appointment, already=False)
