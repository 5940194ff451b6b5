"""A customer's personal data: export all of it, or erase it (GDPR articles 15, 17 and 20).

Erasure deletes the customer, their conversations and every message (texts and the
channel's payloads, which carry the phone number and profile name). Appointments
stay, so that the tenant's statistics keep their counts, but lose their link to the
customer and their free-text notes. Admin history entries keep who did what and
when, without the customer's name.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from bookings.models import Appointment
from conversations.models import Conversation, Customer, Message
from lyo.log_context import log_context
from tenants.models import Tenant

logger = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 1


class CustomerNotFound(Exception):
    """No customer of the tenant has this phone number."""


def phone_normalise(phone: str) -> str:
    """E.164 digits without "+", as WhatsApp's ``wa_id``: "+39 347-123 4567" → "393471234567"."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits.removeprefix("00") if phone.strip().startswith("00") else digits


def customers_find_by_phone(*, tenant: Tenant, phone: str) -> list[Customer]:
    """The tenant's customers with this phone number (one per channel at most)."""
    digits = phone_normalise(phone)
    customers = list(Customer.objects.filter(tenant=tenant, phone=digits).order_by("channel", "pk")) if digits else []
    if not customers:
        raise CustomerNotFound(f"No customer of {tenant.slug} has the phone number {digits or phone!r}.")
    return customers


def _row(instance: models.Model, *, exclude: tuple[str, ...] = ("tenant",)) -> dict:
    """Every column of ``instance`` as JSON-ready values (new columns are exported without changes here)."""
    encoder = DjangoJSONEncoder()
    row = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = field.value_from_object(instance)
        if value is not None and not isinstance(value, str | int | float | bool | dict | list):
            value = encoder.default(value)
        row[field.attname if field.is_relation else field.name] = value
    return row


def customers_data_export(customers: Iterable[Customer]) -> dict:
    """Everything stored about these customers: the customer rows, conversations with their
    messages, and appointments. Call with customers of one or several tenants the caller may see."""
    exported = []
    for customer in customers:
        conversations = []
        for conversation in Conversation.objects.filter(customer=customer).order_by("created_at", "pk"):
            messages = Message.objects.filter(conversation=conversation).order_by("created_at", "pk")
            conversations.append({**_row(conversation), "messages": [_row(m) for m in messages]})
        appointments = [
            {**_row(a), "service_name": a.service.name_it if a.service else "", "resource_name": a.resource.name}
            for a in Appointment.objects.filter(customer=customer).select_related("service", "resource")
            .order_by("starts_at", "pk")
        ]
        exported.append({
            "tenant": {"slug": customer.tenant.slug, "name": customer.tenant.name},
            "customer": _row(customer),
            "conversations": conversations,
            "appointments": appointments,
        })
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "customers": exported,
    }


@dataclass(frozen=True)
class ErasureSummary:
    customers: int = 0
    conversations: int = 0
    messages: int = 0
    appointments_kept: int = 0


def customers_erase(customers: Iterable[Customer]) -> ErasureSummary:
    """Erase these customers' personal data, all or nothing; appointments stay without it."""
    customers = list(customers)
    if not customers:
        return ErasureSummary()
    ids = [c.pk for c in customers]
    with transaction.atomic():
        # Locked first: a message arriving now waits, then creates a fresh customer.
        list(Customer.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        conversation_ids = list(Conversation.objects.filter(customer__in=ids).values_list("pk", flat=True))
        message_ids = list(Message.objects.filter(conversation__in=conversation_ids).values_list("pk", flat=True))
        appointments_kept = Appointment.objects.filter(customer__in=ids).update(
            customer=None, notes="", updated_at=timezone.now()
        )
        _admin_history_anonymise(Customer, ids, "erased customer")
        _admin_history_anonymise(Conversation, conversation_ids, "erased conversation")
        _admin_history_anonymise(Message, message_ids, "erased message")
        # Messages first: with the customer gone, the cascade would have to find them itself.
        Message.objects.filter(pk__in=message_ids).delete()
        Conversation.objects.filter(pk__in=conversation_ids).delete()
        Customer.objects.filter(pk__in=ids).delete()
    summary = ErasureSummary(len(ids), len(conversation_ids), len(message_ids), appointments_kept)
    for tenant_id in {c.tenant_id for c in customers}:
        with log_context(tenant_id=tenant_id):
            # Counts only: the point is that nothing personal remains, here included.
            logger.info("customer data erased: %s", summary)
    return summary


def _admin_history_anonymise(model: type[models.Model], ids: list, label: str) -> None:
    if not ids:
        return
    content_type = ContentType.objects.get_for_model(model)
    # The history keeps who did what and when. The object's name goes, and so does the
    # change message: for inline rows it quotes their text (a message's text is its name).
    LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in ids]).update(
        object_repr=label, change_message=""
    )
