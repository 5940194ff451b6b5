"""Sending staff alerts: by email (django.core.mail) and by WhatsApp (the tenant's number, an approved template).

Each ``AlertDelivery`` is claimed under its row lock (``select_for_update``, skipping a
row another worker holds) and finished in the same transaction, so however many tasks
run for one alert, each delivery is sent once. The lock is held across the send (an
email or one Graph call, with its timeout): a staff alert is one row, not a queue.

Outcomes: ``sent``; ``held`` until the recipient's quiet hours end (sent by the beat's
``alerts.deliver_held``); ``skipped`` with the reason when it cannot go at all (no
address, no phone, WhatsApp not set up, no approved template); ``failed`` when the
channel refused it for good or the retries ran out; transient trouble leaves it
``pending`` for the task's retry with backoff.
"""

import json
import logging
import smtplib
import sys
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alerts.models import Alert, AlertDelivery, AlertKind, Medium
from alerts.quiet_hours import quiet_hours_end_at
from alerts.selectors import alert_preference_get, staff_alert_template
from alerts.texts import alert_path, alert_summary, alert_title
from meta.graph import GraphPermanentError, GraphTokenInvalid, GraphTransientError
from tenants.models import Language, Tenant
from whatsapp.client import WhatsAppClient
from whatsapp.rendering import Recipient, template_body
from whatsapp.services.outbound import whatsapp_token_flag

logger = logging.getLogger(__name__)

# Attempts per delivery (the first and the retries) before transient trouble counts as failure.
DELIVERY_MAX_ATTEMPTS = 5
# A pending delivery older than this lost its task (the broker was down): the beat sends it.
PENDING_GRACE = timedelta(minutes=2)
# Meta refuses a template parameter longer than this (Cloud API "Template messages").
TEMPLATE_PARAMETER_MAX = 1024


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    HELD = "held"
    SKIPPED = "skipped"
    FAILED = "failed"
    RETRY = "retry"  # transient trouble: still pending, try again later
    NOTHING = "nothing"  # gone, already done, not due yet, or another worker has it


class _Skip(Exception):
    """The delivery cannot go at all; the message is the reason shown to the user."""


class _Transient(Exception):
    pass


class _Permanent(Exception):
    pass


def alert_deliver(*, alert_id: int, now: datetime | None = None) -> list[DeliveryOutcome]:
    """Send every delivery of the alert that is due; safe to run twice (each is claimed under its lock)."""
    ids = list(
        AlertDelivery.objects.filter(alert_id=alert_id, status__in=(AlertDelivery.Status.PENDING,
                                                                      AlertDelivery.Status.HELD))
        .order_by("pk").values_list("pk", flat=True)
    )
    return [alert_delivery_send(delivery_id=delivery_id, now=now) for delivery_id in ids]


def alert_deliveries_due(*, now: datetime) -> list[int]:
    """Deliveries to send now: held ones whose quiet hours are over, pending ones whose task was lost."""
    return list(
        AlertDelivery.objects.filter(
            Q(status=AlertDelivery.Status.HELD, hold_until__lte=now)
            | Q(status=AlertDelivery.Status.PENDING, created_at__lte=now - PENDING_GRACE)
        ).order_by("pk").values_list("pk", flat=True)[:500]
    )


def alert_delivery_send(*, delivery_id: int, now: datetime | None = None) -> DeliveryOutcome:
    """Claim one delivery and send it, hold it, skip it or record its failure (see the module)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            AlertDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("alert__tenant", "alert__conversation__customer", "alert__appointment__customer", "user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or not _due(delivery, now):
            return DeliveryOutcome.NOTHING
        alert, tenant = delivery.alert, delivery.alert.tenant
        preference = alert_preference_get(tenant=tenant, user=delivery.user)
        quiet = preference.quiet_hours
        if quiet is not None:
            until = quiet_hours_end_at(now=now, zone=tenant.tzinfo, start=quiet[0], end=quiet[1])
            if until is not None:
                delivery.status, delivery.hold_until = AlertDelivery.Status.HELD, until
                delivery.save(update_fields=["status", "hold_until"])
                return DeliveryOutcome.HELD
        try:
            with translation.override(_language(tenant)):
                if delivery.medium == Medium.EMAIL:
                    _email_send(alert, tenant, preference.email_address())
                else:
                    _whatsapp_send(alert, tenant, preference.phone)
        except _Skip as skip:
            return _finish(delivery, AlertDelivery.Status.SKIPPED, str(skip), DeliveryOutcome.SKIPPED)
        except _Permanent as error:
            return _finish(delivery, AlertDelivery.Status.FAILED, str(error), DeliveryOutcome.FAILED)
        except _Transient as error:
            delivery.attempts += 1
            if delivery.attempts >= DELIVERY_MAX_ATTEMPTS:
                return _finish(delivery, AlertDelivery.Status.FAILED, str(error), DeliveryOutcome.FAILED)
            delivery.reason = str(error)[:500]
            delivery.save(update_fields=["attempts", "reason"])
            return DeliveryOutcome.RETRY
        delivery.sent_at = now
        return _finish(delivery, AlertDelivery.Status.SENT, "", DeliveryOutcome.SENT)


def alert_email_content(alert: Alert, tenant: Tenant) -> tuple[str, str]:
    """Subject and body of the email, in the active language."""
    subject = f"{tenant.name}: {alert_title(alert)}"
    lines = [alert_summary(alert), ""]
    link = alert_link(alert)
    if link:
        lines += [_("Open it: %(link)s") % {"link": link}, ""]
    lines.append(_("You get this email because of your alert settings: %(link)s")
                 % {"link": _absolute(reverse("admin:alerts_settings"))})
    return subject, "\n".join(lines)


def alert_whatsapp_parameters(alert: Alert, tenant: Tenant) -> list[str]:
    """The staff alert template's {{1}} (what happened, with the business) and {{2}} (the details)."""
    return [
        f"{tenant.name}: {alert_title(alert)}"[:TEMPLATE_PARAMETER_MAX],
        alert_summary(alert)[:TEMPLATE_PARAMETER_MAX],
    ]


def alert_link(alert: Alert) -> str:
    """Where staff act on it, absolute when ``LYO_PUBLIC_URL`` is set."""
    path = alert_path(alert)
    return _absolute(path) if path else ""


# --- Internals --------------------------------------------------------------------


def _due(delivery: AlertDelivery, now: datetime) -> bool:
    if delivery.status == AlertDelivery.Status.PENDING:
        return True
    return delivery.status == AlertDelivery.Status.HELD and (delivery.hold_until is None or delivery.hold_until <= now)


def _finish(delivery: AlertDelivery, status: str, reason: str, outcome: DeliveryOutcome) -> DeliveryOutcome:
    delivery.status, delivery.reason = status, reason[:500]
    delivery.save(update_fields=["status", "reason", "attempts", "sent_at"])
    if outcome in (DeliveryOutcome.SKIPPED, DeliveryOutcome.FAILED):
        logger.warning("Alert delivery %s %s: %s", delivery.pk, outcome, reason)
    return outcome


def _email_send(alert: Alert, tenant: Tenant, address: str) -> None:
    if not address:
        raise _Skip(_("No email address: set one on the alert settings page."))
    subject, body = alert_email_content(alert, tenant)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except smtplib.SMTPRecipientsRefused as error:
        raise _Permanent(f"The mail server refused the address: {error}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise _Transient(f"The mail server could not be reached: {error}") from error


def _whatsapp_send(alert: Alert, tenant: Tenant, phone: str) -> None:
    if not phone:
        raise _Skip(_("No WhatsApp number: set yours on the alert settings page."))
    if not tenant.whatsapp_phone_number_id or not tenant.has_whatsapp_token:
        raise _Skip(_("WhatsApp is not set up for this business."))
    if tenant.whatsapp_token_invalid_at:
        raise _Skip(_("Meta rejected the business's WhatsApp access token."))
    template = staff_alert_template(tenant=tenant)
    if template is None:
        # Staff are outside any 24-hour window: only an approved template reaches them.
        raise _Skip(_("No approved WhatsApp template for staff alerts: an owner must add one (purpose "
                      "“Staff alert”) under the message templates."))
    body = template_body(
        Recipient(phone=phone), template.name, template.language, alert_whatsapp_parameters(alert, tenant)
    )
    if settings.LYO_SEND_BACKEND == "console":
        sys.stdout.write("WhatsApp → " + json.dumps(
            {"from": tenant.whatsapp_phone_number_id, "id": f"console.{uuid.uuid4().hex}", **body},
            ensure_ascii=False,
        ) + "\n")
        return
    try:
        WhatsAppClient().message_send(
            phone_number_id=tenant.whatsapp_phone_number_id, token=tenant.whatsapp_access_token, body=body
        )
    except GraphTransientError as error:
        raise _Transient(str(error)) from error
    except GraphTokenInvalid as error:
        whatsapp_token_flag(tenant)
        raise _Permanent(str(error)) from error
    except GraphPermanentError as error:
        raise _Permanent(str(error)) from error


def _language(tenant: Tenant) -> str:
    return tenant.language if tenant.language in Language.values else Language.ITALIAN


def _absolute(path: str) -> str:
    base = settings.LYO_PUBLIC_URL
    return f"{base}{path}" if base else path


__all__ = ["AlertKind", "DeliveryOutcome", "alert_deliver", "alert_deliveries_due", "alert_delivery_send"]
