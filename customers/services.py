"""Customers found or created by the identity rules (docs/channels.md), and the phone numbers staff type."""

import logging
from datetime import datetime

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.model_rows import row_update
from customers.models import Channel, Customer
from customers.selectors import customer_for_channel_identity
from tenants.models import Tenant

logger = logging.getLogger(__name__)


class CustomerIdentityMissing(ValueError):
    """Neither a business-scoped user id nor a phone number: nobody to answer."""


class PhoneNumberInvalid(ValueError):
    """What staff typed is not a phone number of the tenant's country or any other."""


# A number typed without its country code is read as the business's country. Where the
# business's own WhatsApp number does not tell, its time zone does; Italy otherwise.
DEFAULT_PHONE_REGION = "IT"
TIMEZONE_PHONE_REGIONS = {
    "Europe/Rome": "IT", "Europe/Vatican": "VA", "Europe/San_Marino": "SM", "Europe/Zurich": "CH",
    "Europe/Paris": "FR", "Europe/Madrid": "ES", "Europe/Berlin": "DE", "Europe/Vienna": "AT",
    "Europe/London": "GB", "Europe/Lisbon": "PT", "Europe/Malta": "MT", "Europe/Ljubljana": "SI",
}


def tenant_phone_region(tenant: Tenant) -> str:
    """The country (ISO 3166 code) whose numbering plan reads a number typed without "+"."""
    own_number = tenant.whatsapp_display_phone_number or tenant.contact_phone
    if own_number.strip().startswith("+"):
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(own_number, None))
        except phonenumbers.NumberParseException:
            region = None
        if region and region != "ZZ":
            return region
    return TIMEZONE_PHONE_REGIONS.get(tenant.timezone, DEFAULT_PHONE_REGION)


def phone_normalise(phone: str, *, region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164 digits without "+", as WhatsApp's ``wa_id``: "+39 347-123 4567" → "393471234567".

    A number without its country code ("347 123 4567") is read in ``region``.
    ``PhoneNumberInvalid`` when it cannot be a phone number at all.
    """
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberInvalid(str(exc)) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberInvalid("Not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).removeprefix("+")


def customer_get_or_create_for_staff_booking(*, tenant: Tenant, name: str, phone: str) -> Customer:
    """The customer a booking taken by staff (on the phone, at the door) is for.

    The tenant's WhatsApp customer with that number, created when new, so the reminder
    reaches the guest on WhatsApp and their first WhatsApp message finds the same
    customer (and bookings). A name already known (their WhatsApp profile name) is
    kept; staff's spelling fills it only when empty. ``PhoneNumberInvalid`` before
    anything is written.
    """
    name = name.strip()
    wa_id = phone_normalise(phone, region=tenant_phone_region(tenant))
    try:
        with transaction.atomic():
            customer, created = Customer.objects.get_or_create(
                tenant=tenant, channel=Channel.WHATSAPP, phone=wa_id, defaults={"display_name": name}
            )
    except IntegrityError:
        # Created a moment ago by a webhook or a colleague (uniq_customer_channel_phone).
        customer, created = Customer.objects.get(tenant=tenant, channel=Channel.WHATSAPP, phone=wa_id), False
    if not created and name and not customer.display_name:
        customer_display_name_set(customer=customer, name=name)
    return customer


def customer_get_or_create_for_whatsapp(*, tenant: Tenant, user_id: str, wa_id: str, name: str = "") -> Customer:
    """The WhatsApp customer with this business-scoped id and/or phone number, created when new.

    Found by the business-scoped id when present, else by the phone number; the
    other identifier is filled in when it was missing. Safe under concurrent
    webhooks: a lost creation race finds the row the winner created.
    """
    if not user_id and not wa_id:
        raise CustomerIdentityMissing("A WhatsApp customer needs a user id or a phone number.")
    try:
        with transaction.atomic():
            customer = _whatsapp_customer_resolve(tenant=tenant, user_id=user_id, wa_id=wa_id)
    except IntegrityError:
        # Another request created or changed the same customer a moment ago: its row wins.
        customer = _whatsapp_customer_resolve(tenant=tenant, user_id=user_id, wa_id=wa_id)
    if name and customer.display_name != name:
        customer_display_name_set(customer=customer, name=name)
    return customer


def customer_display_name_set(*, customer: Customer, name: str) -> None:
    """The name the customer shows on the channel (their profile name), kept up to date."""
    # One UPDATE by key, written once: this runs inside the webhook request whenever a
    # profile name changes, where a model save, or compiling update(), cost a tenth of
    # the request (and nothing listens for a customer's save).
    customer.display_name, customer.updated_at = name, timezone.now()
    row_update(Customer, customer.pk, display_name=name, updated_at=customer.updated_at)


def customer_number_change(*, tenant: Tenant, user_id: str, old_wa_id: str, new_wa_id: str) -> Customer | None:
    """Apply a ``user_changed_number`` system message: the same customer, a new phone number.

    Never creates a customer: when nobody is known by the old number or the user id,
    the customer's next message creates them with the new number.
    """
    customer = customer_for_channel_identity(
        tenant=tenant, channel=Channel.WHATSAPP, user_id=user_id, phone=old_wa_id
    ) or customer_for_channel_identity(tenant=tenant, channel=Channel.WHATSAPP, phone=new_wa_id)
    if customer is None or not new_wa_id or customer.phone == new_wa_id:
        return customer
    with transaction.atomic():
        if _phone_take_over(tenant=tenant, customer=customer, phone=new_wa_id):
            customer.phone = new_wa_id
            customer.save(update_fields=["phone", "updated_at"])
    return customer


def _whatsapp_customer_resolve(*, tenant: Tenant, user_id: str, wa_id: str) -> Customer:
    by_user = (
        customer_for_channel_identity(tenant=tenant, channel=Channel.WHATSAPP, user_id=user_id) if user_id else None
    )
    by_phone = customer_for_channel_identity(tenant=tenant, channel=Channel.WHATSAPP, phone=wa_id) if wa_id else None

    if by_user is not None:
        if wa_id and by_user.phone != wa_id and _phone_take_over(tenant=tenant, customer=by_user, phone=wa_id):
            by_user.phone = wa_id
            by_user.save(update_fields=["phone", "updated_at"])
        return by_user

    if by_phone is not None:
        if not user_id or by_phone.channel_user_id == user_id:
            return by_phone
        if by_phone.channel_user_id is None:
            # Known by phone from before Meta sent user ids: same person, learn the id.
            by_phone.channel_user_id = user_id
            by_phone.save(update_fields=["channel_user_id", "updated_at"])
            return by_phone
        # The number now belongs to someone else (numbers are recycled): the new
        # person gets it, the previous holder keeps their user id.
        _phone_take_over(tenant=tenant, customer=None, phone=wa_id)

    return Customer.objects.create(
        tenant=tenant, channel=Channel.WHATSAPP, channel_user_id=user_id or None, phone=wa_id or None
    )


def _phone_take_over(*, tenant: Tenant, customer: Customer | None, phone: str) -> bool:
    """Free ``phone`` from whoever else holds it, so ``customer`` can take it.

    A holder known by user id simply loses the number. A phone-only holder cannot
    (a customer needs an identity), so the number stays with them and the caller
    keeps its old value: a duplicate person is better than a lost one.
    """
    holder = customer_for_channel_identity(tenant=tenant, channel=Channel.WHATSAPP, phone=phone)
    if holder is None or (customer is not None and holder.pk == customer.pk):
        return True
    if holder.channel_user_id is None:
        logger.warning(
            "WhatsApp number already belongs to customer %s (no user id); left unchanged", holder.pk
        )
        return False
    holder.phone = None
    holder.save(update_fields=["phone", "updated_at"])
    return True


def customer_opt_out(*, customer: Customer, now: datetime) -> bool:
    """Record that the customer wants no more messages Lyo starts itself; ``False`` when already recorded.

    The first request's moment is kept: staff see since when.
    """
    updated = Customer.objects.filter(pk=customer.pk, opted_out_at__isnull=True).update(opted_out_at=now)
    if updated:
        customer.opted_out_at = now
    return bool(updated)
