"""Stripe's webhook: the tenant found from the session's metadata, the signature checked with its secret.

Every tenant's Stripe account posts to one URL (``/webhooks/stripe``). The event names
its tenant in the checkout session's metadata (put there by ``deposit_checkout_start``);
that tenant's webhook signing secret must verify the raw body, or nothing is read. Each
event is handled once: its id is a unique row (``StripeEvent``) written in the same
transaction as what it changed, so a replay, or Stripe's retry of an event already
handled, changes nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from payments.deposits import deposit_checkout_completed, deposit_checkout_expired
from payments.models import StripeEvent
from payments.providers import EventUnverified, ProviderError, provider_for
from payments.selectors import payment_policy_get
from tenants.models import Tenant
from tenants.scoping import cross_tenant, tenant_scope_enter

__all__ = ["StripeWebhookOutcome", "WebhookRefused", "stripe_webhook_receive"]

logger = logging.getLogger(__name__)


# A checkout paid by a delayed method (a SEPA debit, a bank transfer) completes unpaid and
# is settled later by an async event: succeeded reads like a paid completion, failed like
# a session that expired unpaid.
PAID_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
UNPAID_EVENTS = frozenset({"checkout.session.expired", "checkout.session.async_payment_failed"})


class WebhookRefused(Exception):
    """Not a genuine event of a tenant of ours: unreadable, an unknown tenant, or a bad signature."""


class StripeWebhookOutcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    # Genuine, but nothing of ours to change: another event type, or a session that is no
    # payment of the tenant's (another tenant's, say).
    IGNORED = "ignored"


def stripe_webhook_receive(*, body: bytes, signature: str, now: datetime) -> StripeWebhookOutcome:
    """Verify and handle one Stripe event; ``WebhookRefused`` when it is not verifiably a tenant's."""
    tenant = _tenant_claimed(body)
    tenant_scope_enter(tenant)
    policy = payment_policy_get(tenant=tenant)
    if policy is None:
        raise WebhookRefused(f"tenant {tenant.pk} takes no payments")
    try:
        event = provider_for(policy).event_verify(body, signature)
    except (EventUnverified, ProviderError) as error:
        raise WebhookRefused(f"tenant {tenant.pk}: {error}") from error
    event_id, event_type = str(event.get("id") or ""), str(event.get("type") or "")
    if not event_id:
        raise WebhookRefused("the event has no id")
    session = _session(event)
    # With the platform's key, an event says which connected account it is from.
    if policy.stripe_account_id and event.get("account") not in (None, policy.stripe_account_id):
        logger.warning("Stripe event %s for tenant %s from another account", event_id, tenant.pk)
        return StripeWebhookOutcome.IGNORED
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(tenant=tenant, event_id=event_id, type=event_type[:100])
        except IntegrityError:
            return StripeWebhookOutcome.DUPLICATE
        if event_type in PAID_EVENTS:
            handled = deposit_checkout_completed(tenant=tenant, session=session, now=now) is not None
        elif event_type in UNPAID_EVENTS:
            handled = deposit_checkout_expired(tenant=tenant, session=session, now=now)
        else:
            handled = False
    logger.info("Stripe event %s (%s) for tenant %s: %s", event_id, event_type, tenant.pk,
                "handled" if handled else "ignored")
    return StripeWebhookOutcome.HANDLED if handled else StripeWebhookOutcome.IGNORED


def _tenant_claimed(body: bytes) -> Tenant:
    # Read before verification only to know whose secret verifies it; nothing else is trusted yet.
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WebhookRefused("the body is not JSON") from error
    metadata = _session(event).get("metadata") if isinstance(event, dict) else None
    tenant_id = metadata.get("tenant_id") if isinstance(metadata, dict) else None
    if not isinstance(tenant_id, str) or not tenant_id:
        raise WebhookRefused("the event names no tenant")
    try:
        with cross_tenant("finding the tenant a Stripe event names"):
            tenant = Tenant.objects.filter(pk=tenant_id).first()
    except (ValueError, ValidationError) as error:
        raise WebhookRefused("the event names no tenant") from error
    if tenant is None:
        raise WebhookRefused(f"no tenant {tenant_id}")
    return tenant


def _session(event: Any) -> dict:
    data = event.get("data") if isinstance(event, dict) else None
    session = data.get("object") if isinstance(data, dict) else None
    return session if isinstance(session, dict) else {}
