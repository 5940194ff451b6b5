"""Writes of staff alerts: recording an event, marking alerts seen, saving preferences and thresholds.

``alert_raise`` is called by the receivers (alerts.signals) inside the transaction of the
change they heard of: the alert and its deliveries commit or roll back with it, and
delivery is enqueued once it commits (alerts.delivery does the sending).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time
from functools import partial

from celery import current_app
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from alerts.models import Alert, AlertDelivery, AlertKind, AlertPreference, AlertSettings, Medium
from alerts.selectors import alert_for_user, alert_recipients
from bookings.models import Appointment
from conversations.models import Conversation
from conversations.services.broker import broker_publish
from customers.services import PhoneNumberInvalid, phone_normalise, tenant_phone_region
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# By registered name: services never import the tasks that call them.
DELIVER_TASK = "alerts.deliver"
EVENT_KEY_MAX = 200


def alert_raise(
    *,
    tenant: Tenant,
    kind: AlertKind | str,
    event_key: str,
    data: dict | None = None,
    conversation: Conversation | None = None,
    appointment: Appointment | None = None,
) -> Alert | None:
    """Record the event once and queue a delivery for each staff member who wants this kind; ``None`` if known.

    Call inside the transaction of the change: the alert commits with it. The unique
    (tenant, kind, event key) makes a second call for the same event a no-op.
    """
    kind = AlertKind(kind)
    event_key = event_key[:EVENT_KEY_MAX]
    with transaction.atomic():
        alert, created = Alert.objects.get_or_create(
            tenant=tenant, kind=kind, event_key=event_key,
            defaults={"data": data or {}, "conversation": conversation, "appointment": appointment},
        )
    if not created:
        return None
    deliveries = [
        AlertDelivery(tenant=tenant, alert=alert, user=recipient.user, medium=medium)
        for recipient in alert_recipients(tenant=tenant)
        for medium in Medium.values
        if recipient.preference.wants(kind, medium)
    ]
    # ignore_conflicts: the unique (alert, user, medium) holds even if this ever runs twice.
    AlertDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    if deliveries:
        transaction.on_commit(partial(alert_deliver_enqueue, alert.pk))
    logger.info("Alert %s (%s) for %s staff delivery(ies)", alert.pk, kind, len(deliveries))
    return alert


def alert_deliver_enqueue(alert_id: int) -> bool:
    """Publish the delivery task; when the broker is down the beat's sweep sends it (``alerts.deliver_held``)."""
    return broker_publish(
        lambda: current_app.tasks[DELIVER_TASK].apply_async((alert_id,)), what=f"alert {alert_id}"
    )


def alert_seen_mark(*, tenant: Tenant, user: User, alert_id: int, now: datetime | None = None) -> Alert:
    """``user`` has seen the alert: it leaves their home page. ``Alert.DoesNotExist`` when not theirs."""
    alert = alert_for_user(tenant=tenant, user=user, alert_id=alert_id)
    AlertDelivery.objects.filter(tenant=tenant, alert=alert, user=user, seen_at__isnull=True).update(
        seen_at=now or timezone.now()
    )
    return alert


def alerts_all_seen_mark(*, tenant: Tenant, user: User, now: datetime | None = None) -> int:
    """Every alert of the tenant for ``user`` is seen; how many deliveries changed."""
    return AlertDelivery.objects.filter(tenant=tenant, user=user, seen_at__isnull=True).update(
        seen_at=now or timezone.now()
    )


@dataclass(frozen=True)
class PreferenceInput:
    """What the settings page's form read: per kind and medium on/off, phone as typed, quiet hours, email."""

    switches: dict[str, bool]  # "email_needs_person": True, ...
    phone: str = ""
    email: str = ""
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None


def alert_preference_phone(*, tenant: Tenant, phone: str) -> str:
    """The staff member's number as WhatsApp addresses it (E.164 digits); ``PhoneNumberInvalid`` if it is none."""
    phone = phone.strip()
    if not phone:
        return ""
    return phone_normalise(phone, region=tenant_phone_region(tenant))


def alert_preference_save(*, tenant: Tenant, user: User, values: PreferenceInput) -> AlertPreference:
    """Save the user's own preferences for the business. ``PhoneNumberInvalid`` for a number that is not one."""
    phone = alert_preference_phone(tenant=tenant, phone=values.phone)
    if (values.quiet_hours_start is None) != (values.quiet_hours_end is None):
        raise ValueError("Quiet hours need both a start and an end.")
    fields = {
        name: bool(values.switches.get(name, False))
        for name in (f"{medium}_{kind}" for medium in Medium.values for kind in AlertKind.values)
    }
    with transaction.atomic():
        preference, _created = AlertPreference.objects.update_or_create(
            tenant=tenant, user=user,
            defaults={
                **fields, "phone": phone, "email": values.email.strip(),
                "quiet_hours_start": values.quiet_hours_start, "quiet_hours_end": values.quiet_hours_end,
            },
        )
    return preference


def alert_settings_save(*, tenant: Tenant, large_party_threshold: int, last_minute_hours: int) -> AlertSettings:
    """The business's thresholds (owners only: the view checks the role)."""
    settings, _created = AlertSettings.objects.update_or_create(
        tenant=tenant,
        defaults={"large_party_threshold": large_party_threshold, "last_minute_hours": last_minute_hours},
    )
    return settings


__all__ = [
    "PhoneNumberInvalid",
    "PreferenceInput",
    "alert_deliver_enqueue",
    "alert_preference_phone",
    "alert_preference_save",
    "alert_raise",
    "alert_seen_mark",
    "alert_settings_save",
    "alerts_all_seen_mark",
]
