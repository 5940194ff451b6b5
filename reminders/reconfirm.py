"""Double confirmation: big parties (or everyone) confirm their booking by a deadline, or staff hear of it.

The tenant's reminder settings say who is asked (``reconfirm_party_size``: parties of that
many or more, 1 for everyone), when (``reconfirm_hours_before``: their reminder, with its
Confirm / Cancel buttons, goes out then, saying by when to answer) and the deadline
(``reconfirm_deadline_hours`` before the booking). A booking still unconfirmed at the
deadline is announced (``reconfirmation_missed``; ``alerts`` tells staff), and with
``reconfirm_release`` it is cancelled, its table or time offered to the waitlist (the
cancellation frees it) and the customer told why.

Only a booking whose reminder actually went out counts: one made after the ask was due
was never asked, and is never released for not answering.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from bookings.errors import BookingError
from bookings.models import Appointment
from bookings.services import appointment_cancel
from reminders.approvals import booking_news_send
from reminders.models import Purpose, ReminderSettings
from reminders.selectors import reminder_settings_get
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# A booking still unconfirmed at its deadline. Sent inside the transaction that handled it.
# Arguments: ``tenant``, ``appointment``, ``released`` (cancelled for it) and ``now``.
reconfirmation_missed = Signal()


def reconfirmations_missed_handle(*, now: datetime | None = None, tenant: Tenant | None = None) -> list[int]:
    """Every booking past its deadline unconfirmed: announced, and released where the tenant chose it; their ids.

    Periodic (Celery beat, with the reminders). Announcing is idempotent above (one alert
    per booking); a release is a cancellation, which happens once: a cancelled booking is
    no longer a candidate.
    """
    now = now or timezone.now()
    tenants = Tenant.objects.filter(is_active=True, reminder_settings__reconfirm_party_size__isnull=False)
    if tenant is not None:
        tenants = tenants.filter(pk=tenant.pk)
    handled = []
    for each in tenants.select_related("reminder_settings"):
        settings = reminder_settings_get(tenant=each)
        assert settings.reconfirm_party_size is not None  # filtered above
        due = Appointment.objects.filter(
            tenant=each, status=Appointment.Status.CONFIRMED, customer__isnull=False, visit_first__isnull=True,
            party_size__gte=settings.reconfirm_party_size, customer_confirmed_at__isnull=True,
            reminder_sent_at__isnull=False, starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=settings.reconfirm_deadline_hours),
        ).select_related("tenant", "customer", "resource")
        for appointment in due:
            if _missed_handle(each, settings, appointment, now):
                handled.append(appointment.pk)
    if handled:
        logger.info("%s booking(s) not reconfirmed by their deadline", len(handled))
    return handled


def _missed_handle(tenant: Tenant, settings: ReminderSettings, appointment: Appointment, now: datetime) -> bool:
    with transaction.atomic():
        released = False
        if settings.reconfirm_release:
            try:
                appointment = appointment_cancel(tenant=tenant, appointment=appointment, by_staff=True, now=now)
            except BookingError:
                return False  # cancelled or changed a moment ago: nothing to release
            released = True
            booking_news_send(tenant=tenant, appointment=appointment, text_key="reconfirm_released",
                              template_purpose=Purpose.STAFF_CANCELLED, now=now)
        reconfirmation_missed.send(
            sender=Appointment, tenant=tenant, appointment=appointment, released=released, now=now
        )
    return True
