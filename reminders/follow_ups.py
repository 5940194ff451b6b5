"""Messages after the visit: a review request, a rebook nudge, a no-show follow-up.

Each goes at most once per booking: it is claimed by inserting its ``FollowUpSent`` row
(unique per booking and purpose) in the transaction that stores the message, so two
runs racing for it queue one. None goes to a customer who opted out.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bookings.models import Appointment
from conversations.models import Message
from reminders.models import FollowUpSent, Purpose, ReminderSettings
from reminders.selectors import reminder_settings_get
from reminders.services import notification_queue
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# A message about a visit long past reads as a mistake: after an outage, older ones are dropped.
STALE_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class FollowUpDue:
    appointment: Appointment
    purpose: str


def follow_ups_due(*, tenant: Tenant, settings: ReminderSettings, now: datetime) -> list[FollowUpDue]:
    """Follow-ups of ``tenant`` due at ``now``, oldest visit first."""
    # A visit of several services is followed up once, by its first one.
    base = Appointment.objects.filter(
        tenant=tenant, customer__isnull=False, customer__opted_out_at__isnull=True, visit_first__isnull=True,
    ).select_related("tenant", "customer", "service")
    due: list[FollowUpDue] = []
    if settings.review_requests_enabled and settings.review_link:
        end_before = now - timedelta(hours=settings.review_delay_hours)
        recently_asked = FollowUpSent.objects.filter(
            tenant=tenant, customer=OuterRef("customer"), purpose=Purpose.REVIEW_REQUEST,
            sent_at__gt=now - timedelta(days=settings.review_every_days),
        )
        for appointment in (
            base.filter(status=Appointment.Status.COMPLETED, ends_at__lte=end_before,
                        ends_at__gt=end_before - STALE_AFTER)
            .exclude(follow_ups__purpose=Purpose.REVIEW_REQUEST)
            .exclude(Exists(recently_asked))
            .order_by("ends_at", "pk")
        ):
            due.append(FollowUpDue(appointment, Purpose.REVIEW_REQUEST))
    if settings.no_show_follow_up_enabled:
        for appointment in (
            base.filter(status=Appointment.Status.NO_SHOW, ends_at__lte=now, ends_at__gt=now - STALE_AFTER)
            .exclude(follow_ups__purpose=Purpose.NO_SHOW_FOLLOW_UP)
            .order_by("ends_at", "pk")
        ):
            due.append(FollowUpDue(appointment, Purpose.NO_SHOW_FOLLOW_UP))
    if settings.rebook_nudges_enabled:
        later = Appointment.objects.filter(
            tenant=tenant, customer=OuterRef("customer"), starts_at__gt=OuterRef("starts_at"),
            status__in=[Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED],
        ).exclude(visit_first=OuterRef("pk"))  # the visit's own later services are not a later visit
        candidates = (
            base.filter(status=Appointment.Status.COMPLETED, service__rebook_after_weeks__isnull=False,
                        starts_at__gt=now - timedelta(weeks=60))
            .exclude(follow_ups__purpose=Purpose.REBOOK_NUDGE)
            .exclude(Exists(later))  # a later visit, or a future booking, makes the nudge pointless
            .order_by("starts_at", "pk")
        )
        for appointment in candidates:
            assert appointment.service is not None and appointment.service.rebook_after_weeks
            nudge_at = appointment.starts_at + timedelta(weeks=appointment.service.rebook_after_weeks)
            if nudge_at <= now < nudge_at + STALE_AFTER:
                due.append(FollowUpDue(appointment, Purpose.REBOOK_NUDGE))
    return due


def follow_up_send(*, follow_up: FollowUpDue, now: datetime) -> Message | None:
    """Claim the follow-up and queue its message in one transaction; ``None`` when already sent."""
    appointment = follow_up.appointment
    assert appointment.customer is not None
    with transaction.atomic():
        try:
            with transaction.atomic():
                FollowUpSent.objects.create(
                    tenant=appointment.tenant, appointment=appointment, customer=appointment.customer,
                    purpose=follow_up.purpose, sent_at=now,
                )
        except IntegrityError:
            return None
        return notification_queue(
            tenant=appointment.tenant, appointment=appointment, purpose=follow_up.purpose, now=now
        )


def follow_ups_send_due(*, now: datetime | None = None, tenant: Tenant | None = None) -> list[Message]:
    """Queue every follow-up due now (Celery beat, every few minutes), for every active tenant or ``tenant``."""
    now = now or timezone.now()
    tenants = Tenant.objects.filter(is_active=True).order_by("pk")
    if tenant is not None:
        tenants = tenants.filter(pk=tenant.pk)
    sent = []
    for each in tenants:
        settings = reminder_settings_get(tenant=each)
        for follow_up in follow_ups_due(tenant=each, settings=settings, now=now):
            message = follow_up_send(follow_up=follow_up, now=now)
            if message is not None:
                sent.append(message)
    if sent:
        logger.info("Queued %s follow-up(s) after visits", len(sent))
    return sent
