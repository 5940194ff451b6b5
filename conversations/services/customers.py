"""Customers and their conversations: found or created by the identity rules of SPEC §4."""

import logging

from django.db import IntegrityError, transaction

from conversations.models import Channel, Conversation, Customer
from conversations.selectors import conversation_open_for_customer, customer_for_channel_identity
from tenants.models import Tenant

logger = logging.getLogger(__name__)


class CustomerIdentityMissing(ValueError):
    """Neither a business-scoped user id nor a phone number: nobody to answer."""


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
    customer.display_name = name
    customer.save(update_fields=["display_name", "updated_at"])


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


def conversation_get_or_open(*, tenant: Tenant, customer: Customer) -> Conversation:
    """The customer's open conversation, opened when there is none (one open per customer)."""
    conversation = conversation_open_for_customer(customer=customer)
    if conversation is not None:
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(tenant=tenant, customer=customer, channel=customer.channel)
    except IntegrityError:
        # Opened concurrently by another request (uniq_open_conversation_per_customer).
        conversation = conversation_open_for_customer(customer=customer)
        if conversation is None:
            raise
        return conversation


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
