"""Reads for the staff pages, always for one tenant passed in by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import translation

from backoffice.day import local_instant
from backoffice.media import MessageMediaView, message_media_view, reacted_message_id
from bookings.models import Appointment, Resource, Service
from bookings.selectors import appointments_for_tenant
from chatwoot.models import ChatwootConnection
from conversations.assistant.dialogue import Dialogue
from conversations.models import Conversation, Message, QuickReply
from conversations.replies import Option, Reply
from conversations.services.owner_app import SENT_FROM_APP
from conversations.services.owner_bookings import BOOKING_SUGGESTION, BookingSuggestion
from conversations.services.staff_reply import StaffReplyOptions, staff_reply_options
from customers.models import Channel, Customer
from reminders.services import TemplateChoice, message_templates_fillable
from tenants.models import Tenant

HOME_CONVERSATIONS_MAX = 20
HOME_FAILED_MESSAGES_MAX = 10
# Failures older than this were dealt with (or no longer matter) at the host stand.
HOME_FAILED_MESSAGES_DAYS = 7
TRANSCRIPT_MESSAGES_MAX = 200


@dataclass(frozen=True)
class DayBookings:
    day: date
    appointments: list[Appointment]

    @property
    def covers(self) -> int:
        return sum(a.party_size for a in self.appointments if a.status != Appointment.Status.CANCELLED)

    @property
    def active_count(self) -> int:
        return sum(1 for a in self.appointments if a.status != Appointment.Status.CANCELLED)


@dataclass(frozen=True)
class RejectedToken:
    """A channel whose access token was refused (Meta's or Chatwoot's 401), or never set: nobody on it gets a reply."""

    channel: str  # a ``Channel`` value
    rejected_at: datetime | None  # None: there is no token at all (a newly onboarded business)
    chatwoot_connection_id: int | None = None  # where the Chatwoot bot token is replaced


@dataclass(frozen=True)
class StaffHome:
    tenant: Tenant
    today: DayBookings
    tomorrow: DayBookings
    conversations_needing_person: list[Conversation]
    failed_messages: list[Message]
    failed_messages_count: int
    rejected_tokens: list[RejectedToken]

    @property
    def token_invalid(self) -> bool:
        return bool(self.rejected_tokens)


def day_bookings(*, tenant: Tenant, day: date) -> DayBookings:
    tz = tenant.tzinfo
    starts = local_instant(datetime.combine(day, time()), tz)
    ends = local_instant(datetime.combine(day + timedelta(days=1), time()), tz)
    return DayBookings(day, list(appointments_for_tenant(tenant=tenant, starts_from=starts, starts_before=ends)))


def staff_home(*, tenant: Tenant, now: datetime) -> StaffHome:
    """What staff look at first: today's and tomorrow's bookings and what needs them."""
    today = now.astimezone(tenant.tzinfo).date()
    failed = failed_messages_for_tenant(tenant=tenant, since=now - timedelta(days=HOME_FAILED_MESSAGES_DAYS))
    return StaffHome(
        tenant=tenant,
        today=day_bookings(tenant=tenant, day=today),
        tomorrow=day_bookings(tenant=tenant, day=today + timedelta(days=1)),
        conversations_needing_person=list(
            conversations_needing_person(tenant=tenant)[:HOME_CONVERSATIONS_MAX]
        ),
        failed_messages=list(failed[:HOME_FAILED_MESSAGES_MAX]),
        failed_messages_count=failed.count(),
        rejected_tokens=rejected_tokens(tenant=tenant),
    )


def rejected_tokens(*, tenant: Tenant) -> list[RejectedToken]:
    """The tenant's channels whose token was rejected and not yet replaced, or is missing: WhatsApp, Instagram,
    Chatwoot. Instagram only when the business has an Instagram account on file."""
    rejected = []
    for channel, rejected_at, in_use, has_token in (
        (Channel.WHATSAPP, tenant.whatsapp_token_invalid_at, True, tenant.has_whatsapp_token),
        (Channel.INSTAGRAM, tenant.instagram_token_invalid_at, bool(tenant.instagram_account_id),
         tenant.has_instagram_token),
    ):
        if rejected_at is not None:
            rejected.append(RejectedToken(channel, rejected_at))
        elif in_use and not has_token:
            rejected.append(RejectedToken(channel, None))
    # A switched-off connection answers nobody anyway: its token is no emergency.
    connection = ChatwootConnection.objects.filter(
        tenant=tenant, is_active=True, token_invalid_at__isnull=False
    ).first()
    if connection is not None and connection.token_invalid_at is not None:  # (it is: filtered above)
        rejected.append(RejectedToken(Channel.CHATWOOT, connection.token_invalid_at, connection.pk))
    return rejected


def conversations_needing_person(*, tenant: Tenant) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(tenant=tenant, status=Conversation.Status.HUMAN)
        .select_related("customer")
        .order_by("-last_inbound_at", "-pk")
    )


def failed_messages_for_tenant(*, tenant: Tenant, since: datetime) -> QuerySet[Message]:
    """Replies that could not be sent (Meta refused them, or they could never be sent)."""
    return (
        Message.objects.filter(
            tenant=tenant,
            direction=Message.Direction.OUTBOUND,
            delivery_status__in=(Message.Delivery.FAILED, Message.Delivery.NOT_SENDABLE),
            created_at__gte=since,
        )
        .select_related("conversation__customer")
        .order_by("-created_at", "-pk")
    )


def conversation_for_tenants(*, tenants: QuerySet[Tenant], conversation_id: int) -> Conversation:
    """A conversation of one of ``tenants``; ``Conversation.DoesNotExist`` for a missing or someone else's."""
    return Conversation.objects.select_related("tenant", "customer").get(pk=conversation_id, tenant__in=tenants)


@dataclass(frozen=True)
class SuggestedBooking:
    """The booking an owner's app message reads as, shown with "Save this booking" (or as saved)."""

    starts_at: datetime  # aware; shown in the business's zone
    party_size: int
    service_name: str
    saved_reference: str  # "" until saved


@dataclass(frozen=True)
class TranscriptLine:
    message: Message
    reply: Reply | None  # outbound: what was sent, with its buttons or list rows
    media: MessageMediaView | None = None  # inbound: a photo, voice note, location, reaction...
    suggestion: SuggestedBooking | None = None  # the owner's app message reads like a booking confirmation

    @property
    def is_inbound(self) -> bool:
        return self.message.direction == Message.Direction.INBOUND

    @property
    def sent_from_app(self) -> bool:
        """The owner wrote it in the WhatsApp Business app (coexistence), not through Lyo."""
        return not self.is_inbound and self.message.payload.get(SENT_FROM_APP) is True

    @property
    def revoked(self) -> bool:
        return self.sent_from_app and self.message.payload.get("revoked") is True

    @property
    def text(self) -> str:
        if self.media is not None and self.media.kind == Message.Type.REACTION:
            return ""  # the stored text is the emoji, which the reaction shows with what it reacts to
        return self.reply.text if self.reply is not None and self.reply.text else self.message.text

    @property
    def options(self) -> tuple[Option, ...]:
        return self.reply.options if self.reply is not None else ()


def transcript(*, conversation: Conversation) -> list[TranscriptLine]:
    """The latest messages of a conversation, oldest first."""
    latest = list(conversation.messages.order_by("-created_at", "-pk")[:TRANSCRIPT_MESSAGES_MAX])
    # What each reaction is about, in one query: the text of the message it points at.
    reacted_ids = {reacted for message in latest if (reacted := reacted_message_id(message))}
    reacted_texts = dict(
        Message.objects.filter(
            tenant_id=conversation.tenant_id, conversation=conversation, channel_message_id__in=reacted_ids
        ).values_list("channel_message_id", "text")
    ) if reacted_ids else {}
    suggestions = _suggested_bookings(conversation, latest)
    lines = []
    for message in reversed(latest):
        reply = None
        if message.direction == Message.Direction.OUTBOUND and message.payload.get("type"):
            try:
                reply = Reply.from_dict(message.payload)
            except (KeyError, ValueError, TypeError):
                reply = None  # another channel's payload shape: show the stored text
        media = message_media_view(message, reacted_texts.get(reacted_message_id(message), ""))
        lines.append(TranscriptLine(message, reply, media, suggestions.get(message.pk)))
    return lines


def _suggested_bookings(conversation: Conversation, messages: list[Message]) -> dict[int, SuggestedBooking]:
    """Each app message's suggested booking, by message id, with its service's name and (once saved) reference."""
    read = {
        message.pk: suggestion for message in messages
        if message.payload.get(SENT_FROM_APP) is True and not message.payload.get("revoked")
        and (suggestion := BookingSuggestion.from_payload(message.payload.get(BOOKING_SUGGESTION))) is not None
    }
    if not read:
        return {}
    service_ids = {s.service_id for s in read.values() if s.service_id is not None}
    appointment_ids = {s.appointment_id for s in read.values() if s.appointment_id is not None}
    italian = translation.get_language() == "it"
    services = {
        pk: (name_it if italian else name_en or name_it)
        for pk, name_it, name_en in Service.objects.filter(tenant_id=conversation.tenant_id, pk__in=service_ids)
        .values_list("pk", "name_it", "name_en")
    } if service_ids else {}
    references = dict(Appointment.objects.filter(tenant_id=conversation.tenant_id, pk__in=appointment_ids)
                      .values_list("pk", "reference")) if appointment_ids else {}
    return {
        message_id: SuggestedBooking(
            starts_at=suggestion.starts_at, party_size=suggestion.party_size,
            service_name=services.get(suggestion.service_id, "") if suggestion.service_id is not None else "",
            saved_reference=references.get(suggestion.appointment_id, "")
            if suggestion.appointment_id is not None else "",
        )
        for message_id, suggestion in read.items()
    }


def media_message_for_conversation(*, conversation: Conversation, message_id: int) -> Message | None:
    """An inbound message of ``conversation`` (so of its tenant) by id; None for any other."""
    return Message.objects.filter(
        tenant_id=conversation.tenant_id, conversation=conversation, pk=message_id,
        direction=Message.Direction.INBOUND,
    ).select_related("tenant").first()


def conversation_bookings(*, conversation: Conversation) -> list[Appointment]:
    """The bookings made in ``conversation``, soonest first."""
    return list(
        Appointment.objects.filter(
            tenant_id=conversation.tenant_id, conversation_link__conversation=conversation,
        ).select_related("service", "resource").order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class DraftField:
    key: str
    value: str


@dataclass(frozen=True)
class AssistantDraft:
    """What the assistant has understood so far (``conversation.state``), readable by staff."""

    flow: str
    step: str
    fields: list[DraftField]
    options: list[tuple[str, str]]

    @property
    def is_empty(self) -> bool:
        return not (self.flow or self.step or self.fields or self.options)


def assistant_draft(*, conversation: Conversation) -> AssistantDraft:
    # Read as the assistant reads it (``Dialogue.from_state``): one parser of the state's JSON.
    state = conversation.state if isinstance(conversation.state, dict) else {}
    dialogue = Dialogue.from_state(state)
    draft, tenant = dialogue.draft, conversation.tenant
    values: list[tuple[str, object]] = [
        ("party", draft.party),
        ("service", _service_names(tenant, [draft.service]) if draft.service else None),
        ("service_choices", _service_names(tenant, list(draft.service_choices)) if draft.service_choices else None),
        ("staff", _staff_name(tenant, draft.staff) if draft.staff else None),
        ("date", draft.date.isoformat() if draft.date else None),
        ("time", draft.time.strftime("%H:%M") if draft.time else None),
        ("period", draft.period),
        ("move_reference", dialogue.move_reference),
        ("cancel_reference", dialogue.cancel_reference),
    ]
    fields = [DraftField(key, str(value)) for key, value in values if value not in (None, "")]
    return AssistantDraft(
        flow=str(dialogue.flow or ""), step=str(dialogue.step or ""), fields=fields,
        options=[(option[0], option[1]) for option in dialogue.options],
    )


def _staff_name(tenant: Tenant, staff_id: int) -> str:
    return Resource.objects.filter(tenant=tenant, pk=staff_id).values_list("name", flat=True).first() or str(staff_id)


def _int(value: Any) -> int | None:
    # Any JSON value: what int() refuses is None.
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _service_names(tenant: Tenant, ids: list) -> str:
    wanted = [i for i in (_int(value) for value in ids) if i is not None]
    language = translation.get_language() or "it"
    names = {service.pk: service.name(language) for service in Service.objects.filter(tenant=tenant, pk__in=wanted)}
    return ", ".join(names.get(i, str(i)) for i in wanted)


def trial_conversation(*, tenant: Tenant, sender_id: str) -> Conversation | None:
    """The staff user's latest test conversation with the assistant, if any."""
    customer = Customer.objects.filter(tenant=tenant, channel=Channel.TEST, channel_user_id=sender_id).first()
    if customer is None:
        return None
    return (
        Conversation.objects.filter(tenant=tenant, customer=customer)
        .select_related("tenant", "customer")
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class ReplyBox:
    """What the conversation page's reply box offers now."""

    options: StaffReplyOptions
    templates: list[TemplateChoice]
    quick_replies: list[QuickReply]

    @property
    def can_send(self) -> bool:
        return self.options.free_form or bool(self.templates)


def reply_box(*, conversation: Conversation, now: datetime) -> ReplyBox:
    options = staff_reply_options(conversation=conversation, now=now)
    templates = (
        message_templates_fillable(tenant=conversation.tenant, customer=conversation.customer, now=now)
        if options.template_only else []
    )
    quick_replies = list(QuickReply.objects.filter(tenant=conversation.tenant).order_by("title", "pk"))
    return ReplyBox(options=options, templates=templates, quick_replies=quick_replies if options.free_form else [])
