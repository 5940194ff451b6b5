"""A customer's conversation: one open at a time, opened on the first message."""

from django.db import IntegrityError, transaction

from bookings.models import Appointment
from conversations.models import Conversation, ConversationBooking
from conversations.selectors import conversation_open_for_customer
from customers.models import Customer
from tenants.models import Tenant


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


def conversation_booking_link(*, conversation: Conversation, appointment: Appointment) -> ConversationBooking:
    """Record that ``appointment`` was made in ``conversation``; the first conversation stays (idempotent)."""
    link, _ = ConversationBooking.objects.get_or_create(
        appointment=appointment, defaults={"tenant_id": conversation.tenant_id, "conversation": conversation},
    )
    return link
