"""Reads of staff alerts: settings, preferences, who is told, what a user has not seen yet."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet

from alerts.models import Alert, AlertDelivery, AlertPreference, AlertSettings
from reminders.models import MessageTemplate, Purpose
from reminders.selectors import message_template_for
from tenants.models import Tenant, TenantMembership

# The home page shows this many unseen alerts at most (the newest); "all seen" clears them all.
HOME_ALERTS_MAX = 30


@dataclass(frozen=True)
class Recipient:
    user: User
    preference: AlertPreference


def alert_settings_get(*, tenant: Tenant) -> AlertSettings:
    """The tenant's thresholds; the defaults (unsaved) when nobody changed them."""
    try:
        return tenant.alert_settings
    except AlertSettings.DoesNotExist:
        return AlertSettings(tenant=tenant)


def alert_preference_get(*, tenant: Tenant, user: User) -> AlertPreference:
    """The user's preferences for the business; the defaults (unsaved) when never saved."""
    preference = AlertPreference.objects.filter(tenant=tenant, user=user).select_related("user").first()
    return preference or AlertPreference(tenant=tenant, user=user)


def alert_recipients(*, tenant: Tenant) -> list[Recipient]:
    """The tenant's staff members (their memberships), each with their preferences, in a fixed order."""
    memberships = (
        TenantMembership.objects.filter(tenant=tenant, user__is_active=True).select_related("user").order_by("user_id")
    )
    saved = {p.user_id: p for p in AlertPreference.objects.filter(tenant=tenant)}
    recipients = []
    for membership in memberships:
        preference = saved.get(membership.user_id) or AlertPreference(tenant=tenant, user=membership.user)
        preference.user = membership.user
        recipients.append(Recipient(user=membership.user, preference=preference))
    return recipients


def alerts_unseen(*, tenant: Tenant, user: User, limit: int = HOME_ALERTS_MAX) -> list[Alert]:
    """The tenant's alerts addressed to ``user`` that they have not marked seen, newest first."""
    unseen = AlertDelivery.objects.filter(alert=OuterRef("pk"), user=user, seen_at__isnull=True)
    return list(
        Alert.objects.filter(tenant=tenant)
        .filter(Exists(unseen))
        .select_related("tenant", "conversation__customer", "appointment__customer")
        .order_by("-created_at", "-pk")[:limit]
    )


def alert_for_user(*, tenant: Tenant, user: User, alert_id: int) -> Alert:
    """One of the tenant's alerts addressed to ``user``; ``Alert.DoesNotExist`` for missing or someone else's."""
    return Alert.objects.filter(tenant=tenant, deliveries__user=user).distinct().get(pk=alert_id)


def staff_alert_template(*, tenant: Tenant) -> MessageTemplate | None:
    """The approved WhatsApp template staff alerts are sent with, in the business's language if there is one."""
    return message_template_for(tenant=tenant, purpose=Purpose.STAFF_ALERT, language=tenant.language)


def alert_deliveries_recent_problems(*, tenant: Tenant, user: User, limit: int = 5) -> QuerySet:
    """The user's latest deliveries that were not sent (skipped or failed), with the reason."""
    return (
        AlertDelivery.objects.filter(
            tenant=tenant, user=user, status__in=(AlertDelivery.Status.SKIPPED, AlertDelivery.Status.FAILED)
        )
        .select_related("alert")
        .order_by("-created_at", "-pk")[:limit]
    )
