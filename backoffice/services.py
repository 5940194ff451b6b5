"""Writes of the staff pages that no other app owns."""

from dataclasses import dataclass

from django.db import transaction

from bookings.models import Appointment
from conversations.models import Channel, Conversation, Customer
from tenants.models import Tenant


@dataclass(frozen=True)
class TrialDataCleared:
    appointments: int
    conversations: int


@transaction.atomic
def trial_data_clear(*, tenant: Tenant) -> TrialDataCleared:
    """Delete the tenant's test bookings and test conversations ("Try your assistant", ``manage.py chat``).

    Test bookings are deleted rather than cancelled: they never happened, and a
    cancelled row would still show on the day view and in the statistics. Only the
    test channel is touched: no real customer's booking or message can go.
    """
    _, deleted = Appointment.objects.filter(tenant=tenant, channel=Appointment.Channel.TEST).delete()
    conversations = Conversation.objects.filter(tenant=tenant, channel=Channel.TEST).count()
    # Deleting the test customers takes their conversations and messages with them.
    Customer.objects.filter(tenant=tenant, channel=Channel.TEST).delete()
    return TrialDataCleared(appointments=deleted.get("bookings.Appointment", 0), conversations=conversations)
