"""Writes of the staff pages that no other app owns."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from bookings.models import Appointment, Resource, Service
from bookings.services import appointment_staff_book, appointments_trial_delete
from conversations.models import Conversation, Message
from conversations.services.staff_reply import StaffReplyRefused, conversation_staff_reply
from customers.models import Channel, Customer
from customers.services import customer_get_or_create_for_staff_booking
from reminders.services import TemplateNotFillable, message_template_fill
from tenants.models import Tenant


@dataclass(frozen=True)
class TrialDataCleared:
    appointments: int
    conversations: int


@transaction.atomic
def trial_data_clear(*, tenant: Tenant) -> TrialDataCleared:
    """Delete the tenant's test bookings and test conversations ("Try your assistant", ``manage.py chat``).

    Test bookings are deleted rather than cancelled (``appointments_trial_delete``).
    Only the test channel is touched: no real customer's booking or message can go.
    """
    appointments = appointments_trial_delete(tenant=tenant)
    conversations = Conversation.objects.filter(tenant=tenant, channel=Channel.TEST).count()
    # Deleting the test customers takes their conversations and messages with them.
    Customer.objects.filter(tenant=tenant, channel=Channel.TEST).delete()
    return TrialDataCleared(appointments=appointments, conversations=conversations)


def staff_booking_make(
    *,
    tenant: Tenant,
    start: datetime,
    name: str,
    phone: str,
    notes: str = "",
    party_size: int = 1,
    service: Service | None = None,
    resource: Resource | None = None,
) -> Appointment:
    """A booking staff take on the day view, for a real customer: the guest's WhatsApp
    customer, found or created by their phone number, told about it like any booking
    staff make for them (``appointment_staff_book``). ``phone=""`` is a walk-in without
    a number: no customer; the name goes at the head of the notes so the day view can
    show it.

    All or nothing: a refused booking (``BookingError``) creates no customer and tells
    nobody, and an invalid number (``PhoneNumberInvalid``) writes nothing.
    """
    with transaction.atomic():
        customer = customer_get_or_create_for_staff_booking(tenant=tenant, name=name, phone=phone) if phone else None
        if customer is None:
            notes = " · ".join(part for part in (name.strip(), notes.strip()) if part)
        appointment = appointment_staff_book(
            tenant=tenant, start=start, party_size=party_size, service=service, resource=resource,
            customer=customer, channel=Appointment.Channel.ADMIN, notes=notes.strip(),
        )
    return appointment


def conversation_reply_send(
    *, conversation: Conversation, user: AbstractBaseUser, text: str, template_id: int | None, now: datetime
) -> Message:
    """What staff wrote on the conversation page, queued: the typed text, or (outside WhatsApp's
    window) the approved template they picked, filled in for the customer.

    Raises ``StaffReplyRefused`` with the reason the page shows.
    """
    template = None
    if template_id is not None:
        try:
            template = message_template_fill(
                tenant=conversation.tenant, customer=conversation.customer, template_id=template_id, now=now
            )
        except TemplateNotFillable as problem:
            raise StaffReplyRefused(str(problem)) from problem
    return conversation_staff_reply(conversation=conversation, user=user, text=text, now=now, template=template)
