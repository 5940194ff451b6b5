"""Celery tasks of staff alerts. Edges: they find the tenant, then call a service."""

from celery import Task, shared_task
from django.utils import timezone

from alerts.delivery import DeliveryOutcome, alert_deliver, alert_deliveries_due, alert_delivery_send
from alerts.models import Alert, AlertDelivery
from common.log_context import log_context
from tenants.scoping import cross_tenant, tenant_edge, tenant_scope_enter

# Backoff for transient trouble (Graph throttling, the mail server down): 30 s doubling, at most 30 minutes.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 1800


@shared_task(name="alerts.deliver", bind=True, ignore_result=True, max_retries=6)
def alert_deliver_task(self: Task, alert_id: int) -> None:
    """Send the alert's deliveries; retried with backoff while one meets transient trouble."""
    with cross_tenant("find the alert's tenant, then serve only it"):
        tenant_id = Alert.objects.filter(pk=alert_id).values_list("tenant_id", flat=True).first()
    if tenant_id is None:
        return
    tenant_scope_enter(tenant_id)
    with log_context(tenant_id=tenant_id):
        outcomes = alert_deliver(alert_id=alert_id)
    if DeliveryOutcome.RETRY in outcomes:
        delay = min(RETRY_BASE_SECONDS * 2 ** self.request.retries, RETRY_MAX_SECONDS)
        raise self.retry(countdown=delay)


@shared_task(name="alerts.deliver_held", ignore_result=True)
def alert_deliver_held_task() -> None:
    """Every two minutes (Celery beat): deliveries whose quiet hours ended, and those whose task was lost."""
    now = timezone.now()
    with cross_tenant("the deliveries due now, whichever tenant they belong to"):
        due = list(AlertDelivery.objects.filter(pk__in=alert_deliveries_due(now=now)).values_list("pk", "tenant_id"))
    for delivery_id, tenant_id in due:
        # Each delivery is its own edge, serving only its tenant.
        with tenant_edge(), log_context(tenant_id=tenant_id):
            tenant_scope_enter(tenant_id)
            alert_delivery_send(delivery_id=delivery_id, now=now)
