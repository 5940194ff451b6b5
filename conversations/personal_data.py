"""A customer's personal data: export all of it, or erase it (GDPR articles 15, 17 and 20).

A customer is found by any identity they are known by: a phone number however it is
written, the channel's id (Meta's business-scoped id, an Instagram id, a Chatwoot
contact id), or a phone number that only the stored payloads carry (Chatwoot sends
the contact's number inside every message, not as the customer's identity).

Erasure deletes the customer, their conversations and every message (texts and the
channel's payloads, which carry the phone number and profile name). Appointments
stay, so that the tenant's statistics keep their counts, but lose their link to the
customer and their free-text notes; notes of other bookings that name the customer
or their number (typed by staff before bookings had a customer) are blanked too.
Admin history entries keep who did what and when, without the customer's name.
Every export and erasure leaves an audit record (``tenants.audit``): who, when,
which customer by id, never their name.
"""

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import phonenumbers
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from bookings.models import Appointment
from bookings.services import appointments_anonymise
from common.log_context import log_context
from conversations.models import Conversation, Message
from customers.models import Customer
from customers.services import PhoneNumberInvalid, tenant_phone_region
from customers.services import phone_normalise as _phone_e164
from tenants.audit import audit_record
from tenants.models import AuditEvent, Tenant

logger = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 2
# Shorter names ("Ale") would match other people's notes and history; the phone still finds them.
NAME_MATCH_MIN_LENGTH = 4
# Digits with the separators people type between them: "+39 347-123 45 67", "(02) 1234.5678".
_PHONE_LIKE = re.compile(r"\+?\d[\d\s\-./()]{5,}\d")

Actor = User | AnonymousUser | None


class CustomerNotFound(Exception):
    """No customer of the tenant is known by this phone number or id."""


def phone_normalise(phone: str, *, region: str = "IT") -> str:
    """E.164 digits without "+", as WhatsApp's ``wa_id``: "+39 347-123 4567" → "393471234567".

    Anything that is not a valid number in ``region`` (or with its country code) keeps
    just its digits, "00" dropped: a search still finds a number stored as written.
    """
    try:
        return _phone_e164(phone, region=region)
    except PhoneNumberInvalid:
        digits = "".join(ch for ch in phone if ch.isdigit())
        return digits.removeprefix("00") if phone.strip().startswith("00") else digits


def customers_find(*, tenant: Tenant, identity: str) -> list[Customer]:
    """The tenant's customers known by ``identity``: a phone number (any format), a channel's
    user id, or a phone number found in their stored message payloads. ``CustomerNotFound``."""
    identity = identity.strip()
    phones = _phone_spellings(identity, region=tenant_phone_region(tenant)) if identity else set()
    query = Q(channel_user_id=identity) if identity else Q(pk__in=[])
    if phones:
        query |= Q(phone__in=phones)
        query |= Q(pk__in=_customer_ids_in_payloads(tenant=tenant, phones=phones))
    customers = list(Customer.objects.filter(query, tenant=tenant).order_by("channel", "pk"))
    if not customers:
        raise CustomerNotFound(f"No customer of {tenant.slug} has the phone number or id {identity!r}.")
    return customers


def customers_find_by_phone(*, tenant: Tenant, phone: str) -> list[Customer]:
    """The tenant's customers with this phone number or id (see ``customers_find``)."""
    return customers_find(tenant=tenant, identity=phone)


def _phone_spellings(text: str, *, region: str) -> set[str]:
    """The E.164 digits ``text`` may stand for (the number as dialled in ``region``, and as written)."""
    if len([ch for ch in text if ch.isdigit()]) < 6:
        return set()  # not a phone number: an id, or a typo
    spellings = {phone_normalise(text, region=region), "".join(ch for ch in text if ch.isdigit())}
    return {digits for digits in spellings if digits}


def _customer_ids_in_payloads(*, tenant: Tenant, phones: set[str]) -> set[int]:
    """Customers whose stored payloads carry one of ``phones`` (Chatwoot's ``sender.phone_number``,
    ``contact_inbox.source_id``, Meta's ``wa_id``...).

    The database narrows it down by the digits in the JSON text; each candidate is then
    confirmed on its values, so a longer id that merely contains the digits is no match.
    A full scan of the tenant's messages: erasure requests are rare, correctness wins.
    """
    text_match = Q()
    for digits in phones:
        text_match |= Q(payload_text__contains=digits)
    candidates = (
        Message.objects.filter(tenant=tenant).annotate(payload_text=Cast("payload", TextField()))
        .filter(text_match).values_list("conversation__customer_id", "payload")
    )
    return {
        customer_id for customer_id, payload in candidates
        if any("".join(ch for ch in value if ch.isdigit()) in phones for value in _strings(payload))
    }


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _text_names_customer(text: str, *, customer: Customer, region: str) -> bool:
    """Whether ``text`` (a booking's notes, a history entry) names ``customer`` or their number."""
    if not text:
        return False
    name = customer.display_name.strip()
    if len(name) >= NAME_MATCH_MIN_LENGTH and name.casefold() in text.casefold():
        return True
    if not customer.phone:
        return False
    national = customer.phone[len(str(_country_code(customer.phone))):] if _country_code(customer.phone) else ""
    for match in _PHONE_LIKE.finditer(text):
        written = match.group()
        digits = "".join(ch for ch in written if ch.isdigit())
        if digits in (customer.phone, national) or phone_normalise(written, region=region) == customer.phone:
            return True
    return False


def _country_code(e164_digits: str) -> int | None:
    try:
        return phonenumbers.parse(f"+{e164_digits}", None).country_code
    except phonenumbers.NumberParseException:
        return None


def _digits_spaced_pattern(digits: str) -> str:
    """A regular expression for ``digits`` however people space them: "12 34 56", "123-456", "123.456"."""
    return "[ .()/-]*".join(digits)


def _appointments_naming(customer: Customer, *, region: str) -> list[Appointment]:
    """Bookings of the customer's tenant not linked to them whose notes name them or their number."""
    hints = Q()
    if len(customer.display_name.strip()) >= NAME_MATCH_MIN_LENGTH:
        hints |= Q(notes__icontains=customer.display_name.strip())
    if customer.phone:
        hints |= Q(notes__regex=_digits_spaced_pattern(customer.phone[-6:]))
    if not hints:
        return []
    candidates = (
        Appointment.objects.filter(tenant_id=customer.tenant_id).exclude(notes="")
        .exclude(customer=customer).filter(hints).select_related("service", "resource").order_by("starts_at", "pk")
    )
    return [a for a in candidates if _text_names_customer(a.notes, customer=customer, region=region)]


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


def customers_data_export(customers: Iterable[Customer], *, actor: Actor, actor_label: str = "") -> dict:
    """Everything stored about these customers: the customer rows, conversations with their
    messages, appointments, and other bookings whose notes name them. Call with customers
    of one or several tenants the caller may see; one audit record per customer."""
    exported = []
    with transaction.atomic():
        for customer in customers:
            exported.append(_customer_export(customer))
            audit_record(
                tenant=customer.tenant, actor=actor, actor_label=actor_label,
                action=AuditEvent.Action.PERSONAL_DATA_EXPORT, target=f"customer {customer.pk}",
            )
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "customers": exported,
    }


def _appointment_export(appointment: Appointment) -> dict:
    return {
        **_row(appointment),
        "service_name": appointment.service.name_it if appointment.service else "",
        "resource_name": appointment.resource.name,
    }


def _customer_export(customer: Customer) -> dict:
    conversations = []
    for conversation in Conversation.objects.filter(customer=customer).order_by("created_at", "pk"):
        messages = Message.objects.filter(conversation=conversation).order_by("created_at", "pk")
        conversations.append({**_row(conversation), "messages": [_row(m) for m in messages]})
    appointments = Appointment.objects.filter(customer=customer).select_related("service", "resource")
    region = tenant_phone_region(customer.tenant)
    return {
        "tenant": {"slug": customer.tenant.slug, "name": customer.tenant.name},
        "customer": _row(customer),
        "conversations": conversations,
        "appointments": [_appointment_export(a) for a in appointments.order_by("starts_at", "pk")],
        "appointments_mentioning": [_appointment_export(a) for a in _appointments_naming(customer, region=region)],
    }


@dataclass(frozen=True)
class ErasureSummary:
    customers: int = 0
    conversations: int = 0
    messages: int = 0
    appointments_kept: int = 0
    notes_blanked: int = 0


def customers_erase(customers: Iterable[Customer], *, actor: Actor, actor_label: str = "") -> ErasureSummary:
    """Erase these customers' personal data, all or nothing; appointments stay without it.

    One audit record per customer, by id, in the same transaction.
    """
    customers = list(customers)
    if not customers:
        return ErasureSummary()
    ids = [c.pk for c in customers]
    with transaction.atomic():
        # Locked first: a message arriving now waits, then creates a fresh customer.
        customers = list(Customer.objects.select_for_update().filter(pk__in=ids).select_related("tenant"))
        ids = [c.pk for c in customers]
        conversation_ids = list(Conversation.objects.filter(customer__in=ids).values_list("pk", flat=True))
        message_ids = list(Message.objects.filter(conversation__in=conversation_ids).values_list("pk", flat=True))
        now = timezone.now()
        mentioning = {
            a.pk for c in customers for a in _appointments_naming(c, region=tenant_phone_region(c.tenant))
        }
        appointments = appointments_anonymise(customer_ids=ids, naming_ids=mentioning, now=now)
        _admin_history_anonymise(Customer, ids, "erased customer")
        _admin_history_anonymise(Conversation, conversation_ids, "erased conversation")
        _admin_history_anonymise(Message, message_ids, "erased message")
        for customer in customers:
            _admin_history_mentions_anonymise(customer)
        # Messages first: with the customer gone, the cascade would have to find them itself.
        # A reply of someone else's conversation may point at one of them: it lets go (SET_NULL).
        Message.objects.filter(pk__in=message_ids).delete()
        Conversation.objects.filter(pk__in=conversation_ids).delete()
        Customer.objects.filter(pk__in=ids).delete()
        for customer in customers:
            audit_record(
                tenant=customer.tenant, actor=actor, actor_label=actor_label,
                action=AuditEvent.Action.PERSONAL_DATA_ERASE, target=f"customer {customer.pk}",
            )
    summary = ErasureSummary(
        len(ids), len(conversation_ids), len(message_ids), appointments.kept, appointments.notes_blanked
    )
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


def _admin_history_mentions_anonymise(customer: Customer) -> None:
    """History entries of other rows that quote the customer (a booking's change message, an
    object named after them): the same treatment, found by name and number."""
    hints = Q()
    name = customer.display_name.strip()
    if len(name) >= NAME_MATCH_MIN_LENGTH:
        hints |= Q(object_repr__icontains=name) | Q(change_message__icontains=name)
    if customer.phone:
        pattern = _digits_spaced_pattern(customer.phone[-6:])
        hints |= Q(object_repr__regex=pattern) | Q(change_message__regex=pattern)
    if not hints:
        return
    region = tenant_phone_region(customer.tenant)
    named = [
        entry.pk for entry in LogEntry.objects.filter(hints).only("pk", "object_repr", "change_message")
        if _text_names_customer(f"{entry.object_repr}\n{entry.change_message}", customer=customer, region=region)
    ]
    LogEntry.objects.filter(pk__in=named).update(object_repr="erased", change_message="")
