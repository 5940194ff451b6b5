"""Messages Lyo starts itself: reminders before a booking, and news of what staff changed.

They go through the same outbox as the assistant's replies: stored ``queued`` in the
customer's conversation, handed to the customer's channel once the transaction
commits, retried by the channel's sender and swept like any reply. Each one carries
its free-form text and, when the tenant configured one, the approved template to
send instead outside WhatsApp's 24-hour window (``payload["template"]``); the
channel's sender decides which applies when it sends (whatsapp/services/outbound.py).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from bookings.models import Appointment
from bookings.selectors import appointments_upcoming_for_customer, visit_services
from bookings.services import appointment_reminded_mark
from common import metrics
from common.log_context import log_context
from conversations.assistant.formatting import date_long, services_text, time_short, when_long
from conversations.assistant.reminder_replies import AGAIN, CANCEL, CONFIRM, reminder_button_id
from conversations.assistant.texts import say
from conversations.assistant.waitlist import CONFIRM as WAITLIST_CONFIRM
from conversations.assistant.waitlist import DECLINE as WAITLIST_DECLINE
from conversations.assistant.waitlist import waitlist_button_id
from conversations.models import Conversation, Message
from conversations.replies import BUTTON_BODY_MAX, TEXT_MAX, Option, Reply, ReplyType
from conversations.services.conversations import conversation_get_or_open
from conversations.services.delivery import customer_window_open
from conversations.services.outbound import outbound_message_enqueue
from conversations.services.staff_reply import WINDOW_CHANNELS, StaffTemplate
from customers.models import Channel, Customer
from payments.selectors import PaymentStatus, appointment_deposit_standing
from reminders.models import MessageTemplate, Purpose, ReminderSettings, TemplateParameter
from reminders.selectors import (
    DueReminder,
    message_template_for,
    reconfirm_applies,
    reconfirm_deadline,
    reminder_settings_get,
    reminders_due,
)
from tenants.models import Language, Tenant

logger = logging.getLogger(__name__)

# Payload keys of a notification's outbound row (next to the free-form reply's own).
PURPOSE_KEY = "purpose"
REFERENCE_KEY = "reference"
# The template to send instead outside the 24-hour window; read by the channel's sender
# (``whatsapp.services.outbound.TEMPLATE_KEY``), which this app does not import.
TEMPLATE_KEY = "template"

_STAFF_TEXT: dict[str, str] = {
    Purpose.STAFF_BOOKED: "staff_booked",
    Purpose.STAFF_MOVED: "staff_moved",
    Purpose.STAFF_CANCELLED: "staff_cancelled",
}

_FOLLOW_UP_TEXT: dict[str, str] = {
    Purpose.REVIEW_REQUEST: "review_request",
    Purpose.REBOOK_NUDGE: "rebook_nudge",
    Purpose.NO_SHOW_FOLLOW_UP: "no_show_follow_up",
}


@dataclass(frozen=True)
class ReminderSent:
    reminder: DueReminder
    message: Message


def reminders_send_due(*, now: datetime | None = None, tenant: Tenant | None = None) -> list[ReminderSent]:
    """Queue every reminder due now (Celery beat, every minute; ``manage.py send_due_reminders``).

    Safe to run twice at once or again after a crash: each reminder is claimed on its
    appointment in the transaction that stores the message (``reminder_send``).
    """
    now = now or timezone.now()
    sent = []
    for reminder in reminders_due(now=now, tenant=tenant):
        appointment = reminder.appointment
        if appointment.customer is not None and appointment.customer.opted_out_at is not None:
            continue  # the customer asked for no more messages Lyo starts itself
        with log_context(tenant_id=appointment.tenant_id):
            message = reminder_send(reminder=reminder, now=now)
        if message is not None:
            sent.append(ReminderSent(reminder=reminder, message=message))
    if sent:
        logger.info("Queued %s reminder(s)", len(sent))
    return sent


def reminder_send(*, reminder: DueReminder, now: datetime) -> Message | None:
    """Claim the reminder on its appointment and queue it, in one transaction; ``None`` when already taken.

    The claim (``appointment_reminded_mark``) is a conditional UPDATE: of two runs
    racing for it, the second matches nothing, and so does a booking cancelled or moved
    since it was read.
    """
    appointment = reminder.appointment
    with transaction.atomic():
        if not appointment_reminded_mark(appointment=appointment, field=reminder.kind.field, now=now):
            return None
        return _notification_queue(
            tenant=appointment.tenant, appointment=appointment, purpose=Purpose.REMINDER, now=now
        )


def appointment_change_notify(
    *, tenant: Tenant, appointment: Appointment, purpose: str, now: datetime | None = None
) -> Message | None:
    """Tell the customer that staff booked, moved or cancelled their booking on their behalf.

    Call in the transaction that made the change: the message is stored with it and
    sent once it commits, so a refused change tells nobody anything. Nothing is sent
    for a booking without a customer, one already past, or when the tenant turned
    these messages off.
    """
    if purpose not in _STAFF_TEXT:
        raise ValueError(f"Not a staff change: {purpose!r}")
    now = now or timezone.now()
    if appointment.tenant_id != tenant.pk:
        raise ValueError("The appointment belongs to another tenant.")
    if appointment.customer_id is None or appointment.starts_at <= now:
        return None
    if not reminder_settings_get(tenant=tenant).notify_staff_changes:
        return None
    return _notification_queue(tenant=tenant, appointment=appointment, purpose=purpose, now=now)


def notification_content(
    *, tenant: Tenant, appointment: Appointment, purpose: str
) -> tuple[Reply, dict | None]:
    """The free-form reply, and the template to send instead outside the window (``None``: none configured)."""
    customer = appointment.customer
    assert customer is not None  # only a booking with a customer is ever told anything
    language = _language(customer.language or tenant.language, tenant)
    start = appointment.starts_at.astimezone(tenant.tzinfo)
    first_name = (customer.display_name or "").split(" ")[0].strip()
    values = {
        "name": f" {first_name}" if first_name else "",
        "tenant": tenant.name,
        "what": _what(appointment, language),
        "when": when_long(start, language),
        "reference": appointment.reference,
        "deposit": _deposit_sentence(tenant, appointment, purpose, language),
    }
    if purpose == Purpose.REMINDER:
        text = say("reminder", language, **values)
        settings = reminder_settings_get(tenant=tenant)
        if reconfirm_applies(settings, appointment):
            deadline = reconfirm_deadline(settings, appointment).astimezone(tenant.tzinfo)
            text += " " + say("reconfirm_ask", language, deadline=when_long(deadline, language))
        reply = Reply(
            ReplyType.BUTTONS,
            _shorten(text, BUTTON_BODY_MAX),
            (
                Option(reminder_button_id(CONFIRM, appointment.reference), say("reminder_button_confirm", language)),
                Option(reminder_button_id(CANCEL, appointment.reference), say("reminder_button_cancel", language)),
            ),
        )
    elif purpose == Purpose.REBOOK_NUDGE:
        # One tap books the same again: the booking flow starts with the same service(s) and staff member.
        reply = Reply(
            ReplyType.BUTTONS,
            _shorten(say("rebook_nudge", language, **values), BUTTON_BODY_MAX),
            (Option(reminder_button_id(AGAIN, appointment.reference), say("rebook_button", language)),),
        )
    elif purpose in _FOLLOW_UP_TEXT:
        link = reminder_settings_get(tenant=tenant).review_link
        reply = Reply(ReplyType.TEXT, _shorten(say(_FOLLOW_UP_TEXT[purpose], language, link=link, **values), TEXT_MAX))
    else:
        reply = Reply(ReplyType.TEXT, _shorten(say(_STAFF_TEXT[purpose], language, **values), TEXT_MAX))
    template = message_template_for(tenant=tenant, purpose=purpose, language=language)
    return reply, (_template_spec(template, tenant, appointment) if template else None)


# --- Templates staff send outside the window ---------------------------------------


class TemplateNotFillable(Exception):
    """The template is not the tenant's, or cannot be filled in for this customer; ``str()`` says why."""


@dataclass(frozen=True)
class TemplateChoice:
    template: MessageTemplate
    filled: StaffTemplate


def message_templates_fillable(*, tenant: Tenant, customer: Customer, now: datetime) -> list[TemplateChoice]:
    """The tenant's approved templates staff can send this customer now, filled in.

    A template that names a booking (date, time, code...) is filled from the customer's
    next booking; without one, only templates that need no more than the customer's
    name are offered.
    """
    appointment = _next_booking(tenant, customer, now)
    choices = []
    for template in MessageTemplate.objects.filter(tenant=tenant).order_by("purpose", "language", "pk"):
        filled = _staff_template(template, tenant, customer, appointment)
        if filled is not None:
            choices.append(TemplateChoice(template=template, filled=filled))
    return choices


def message_template_fill(*, tenant: Tenant, customer: Customer, template_id: int, now: datetime) -> StaffTemplate:
    """Template ``template_id`` of ``tenant`` filled in for ``customer``; ``TemplateNotFillable`` when it
    is someone else's, missing, or needs a booking the customer does not have."""
    template = MessageTemplate.objects.filter(tenant=tenant, pk=template_id).first()
    if template is None:
        raise TemplateNotFillable(gettext("That message template does not exist (any more)."))
    filled = _staff_template(template, tenant, customer, _next_booking(tenant, customer, now))
    if filled is None:
        raise TemplateNotFillable(gettext(
            "This template is about a booking, and the customer has no upcoming booking to fill it with."
        ))
    return filled


def _next_booking(tenant: Tenant, customer: Customer, now: datetime) -> Appointment | None:
    upcoming = appointments_upcoming_for_customer(tenant=tenant, customer=customer, now=now)
    return upcoming[0] if upcoming else None


def _staff_template(
    template: MessageTemplate, tenant: Tenant, customer: Customer, appointment: Appointment | None
) -> StaffTemplate | None:
    if appointment is not None:
        spec = _template_spec(template, tenant, appointment)
    else:
        booking_free = set(template.parameter_names) <= {TemplateParameter.CUSTOMER_NAME.value}
        if not booking_free or (template.purpose == Purpose.REMINDER and template.confirm_cancel_buttons):
            return None
        language = _language(template.base_language, tenant)
        name = (customer.display_name or "").split(" ")[0].strip() or say("customer_name_unknown", language)
        spec = {
            "name": template.name, "language": template.language,
            "parameters": [name for _parameter in template.parameter_names], "buttons": [],
            "category": template.category,
        }
    parameters = tuple(spec["parameters"])
    summary = f"{template.name} ({template.language})" + (": " + " · ".join(parameters) if parameters else "")
    return StaffTemplate(
        name=spec["name"], language=spec["language"], parameters=parameters, buttons=tuple(spec["buttons"]),
        summary=summary, category=spec["category"],
    )


def notification_queue(*, tenant: Tenant, appointment: Appointment, purpose: str, now: datetime) -> Message:
    """Store the message for ``purpose`` about ``appointment`` and send it once the transaction commits.

    For senders that claimed the message themselves (the follow-ups after a visit).
    """
    return _notification_queue(tenant=tenant, appointment=appointment, purpose=purpose, now=now)


# --- Internals --------------------------------------------------------------------


def _notification_queue(*, tenant: Tenant, appointment: Appointment, purpose: str, now: datetime) -> Message:
    """Store the message in the customer's conversation (opened if needed) and send it on commit."""
    reply, template = notification_content(tenant=tenant, appointment=appointment, purpose=purpose)
    assert appointment.customer is not None  # only a booking with a customer is ever told anything
    conversation = conversation_get_or_open(tenant=tenant, customer=appointment.customer)
    return notification_store(
        tenant=tenant, conversation=conversation, appointment=appointment, purpose=purpose, reply=reply,
        template=template,
    )


def notification_store(
    *, tenant: Tenant, conversation: Conversation, appointment: Appointment, purpose: str, reply: Reply,
    template: dict | None,
) -> Message:
    """Store ``reply`` about ``appointment`` (and the template to send instead outside the window) as queued
    in ``conversation``; it is handed to the channel once the transaction commits."""
    payload = {**reply.as_dict(), PURPOSE_KEY: str(purpose), REFERENCE_KEY: appointment.reference}
    if template is not None:
        payload[TEMPLATE_KEY] = template
    message = Message.objects.create(
        tenant=tenant,
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        channel=conversation.channel,
        # Free-form until the sender finds the window closed and sends the template instead.
        type=Message.Type.TEXT if reply.type == ReplyType.TEXT else Message.Type.INTERACTIVE,
        text=reply.text,
        payload=payload,
        delivery_status=Message.Delivery.QUEUED,
    )
    metrics.outbound_messages.labels(channel=message.channel, status=Message.Delivery.QUEUED).inc()
    transaction.on_commit(partial(_committed, message.pk, message.channel, str(purpose)))
    return message


def _committed(message_id: int, channel: str, purpose: str) -> None:
    metrics.notifications.labels(purpose=purpose).inc()
    outbound_message_enqueue(message_id, channel)


def notification_store_if_reachable(
    *, tenant: Tenant, customer: Customer, appointment: Appointment, purpose: str,
    reply_for: Callable[[str], Reply], now: datetime,
) -> Message | None:
    """Queue what ``reply_for(language)`` says where the customer can receive it: free-form inside
    the 24-hour window (or on a channel without one), else the tenant's approved WhatsApp
    template of ``purpose``; ``None`` (nothing stored) when neither."""
    with transaction.atomic():
        conversation = conversation_get_or_open(tenant=tenant, customer=customer)
        language = language_for(customer.language or tenant.language, tenant)
        window_open = conversation.channel not in WINDOW_CHANNELS or customer_window_open(
            conversation=conversation, now=now
        )
        template = None
        if not window_open and conversation.channel == Channel.WHATSAPP:
            template = message_template_for(tenant=tenant, purpose=purpose, language=language)
        if not window_open and template is None:
            return None
        return notification_store(
            tenant=tenant, conversation=conversation, appointment=appointment, purpose=purpose,
            reply=reply_for(language),
            template=template_spec(template=template, tenant=tenant, appointment=appointment) if template else None,
        )


def template_spec(*, template: MessageTemplate, tenant: Tenant, appointment: Appointment) -> dict:
    """What the channel needs to send ``template`` about ``appointment`` (name, language, parameters, buttons)."""
    return _template_spec(template, tenant, appointment)


def _template_spec(template: MessageTemplate, tenant: Tenant, appointment: Appointment) -> dict:
    """What the channel needs to send ``template``: name, language, body parameters, button payloads."""
    language = _language(template.base_language, tenant)
    start = appointment.starts_at.astimezone(tenant.tzinfo)
    customer = appointment.customer
    assert customer is not None  # only a booking with a customer is ever told anything
    values: dict[str, str] = {
        TemplateParameter.CUSTOMER_NAME: (customer.display_name or "").split(" ")[0].strip()
        or say("customer_name_unknown", language),
        TemplateParameter.DATE: date_long(start.date(), language),
        TemplateParameter.TIME: time_short(start),
        TemplateParameter.PARTY_OR_SERVICE: _what(appointment, language),
        TemplateParameter.REFERENCE: appointment.reference,
    }
    buttons = []
    if template.purpose == Purpose.REMINDER and template.confirm_cancel_buttons:
        # In the template's button order: Confirm first, Cancel second (see MessageTemplate).
        buttons = [reminder_button_id(action, appointment.reference) for action in (CONFIRM, CANCEL)]
    elif template.purpose == Purpose.WAITLIST_OFFER and template.confirm_cancel_buttons:
        buttons = [waitlist_button_id(action, appointment.reference) for action in (WAITLIST_CONFIRM, WAITLIST_DECLINE)]
    return {
        "name": template.name,
        "language": template.language,
        "parameters": [values[name] for name in template.parameter_names],
        "buttons": buttons,
        # What Meta bills it as, kept on the row: "What Lyo sends" counts it so even if staff
        # change the template later.
        "category": template.category,
    }


# What the message says of a deposit, by where the booking's money stands (payments.selectors.PaymentStatus).
_DEPOSIT_TEXT: dict[str, dict[str, str]] = {
    Purpose.REMINDER: {PaymentStatus.PAID: "deposit_paid"},
    Purpose.STAFF_BOOKED: {PaymentStatus.PAID: "deposit_paid"},
    Purpose.STAFF_MOVED: {PaymentStatus.PAID: "deposit_paid"},
    # Sent after payments heard the same cancellation (it is installed first): the refund, if
    # any, is already written.
    Purpose.STAFF_CANCELLED: {PaymentStatus.REFUNDED: "deposit_refunded", PaymentStatus.KEPT: "deposit_kept"},
}


def _deposit_sentence(tenant: Tenant, appointment: Appointment, purpose: str, language: str) -> str:
    """" Caparra di 20,00 € versata." when the booking has a deposit worth telling; else ""."""
    texts = _DEPOSIT_TEXT.get(purpose)
    if not texts:
        return ""
    standing = appointment_deposit_standing(tenant=tenant, appointment=appointment)
    if standing is None or standing.status not in texts:
        return ""
    return say(texts[standing.status], language, amount=standing.amount_text)


def what_text(appointment: Appointment, language: str) -> str:
    """"4 persone" / "Taglio": what the booking is, as the customer reads it."""
    return _what(appointment, language)


def language_for(language: str, tenant: Tenant) -> str:
    """``language`` when Lyo speaks it, else the business's (else Italian)."""
    return _language(language, tenant)


def _what(appointment: Appointment, language: str) -> str:
    if appointment.service is not None:
        # A visit of several services is reminded once, naming them all ("Colore e piega").
        return services_text([service.name(language) for service in visit_services(appointment)], language)
    key = "party_one" if appointment.party_size == 1 else "party_people"
    return say(key, language, count=appointment.party_size)


def _language(language: str, tenant: Tenant) -> str:
    if language in Language.values:
        return language
    return tenant.language if tenant.language in Language.values else Language.ITALIAN


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def reminder_settings_update(*, tenant: Tenant, changes: dict) -> ReminderSettings:
    """Write the tenant's reminder settings (its row is made on the first save; until then defaults apply).

    ``changes`` holds model field names and values already validated by the caller's form.
    """
    row, _created = ReminderSettings.objects.update_or_create(tenant=tenant, defaults=changes)
    return row
