"""Celery tasks of bookings. Edges: they call a service."""

import logging

from celery import shared_task
from django.utils import timezone

from bookings.approvals import approvals_pending_gauge_set
from bookings.services import appointments_past_complete, holds_expired_release
from bookings.waitlist import waitlist_expired_close
from common.log_context import log_context
from tenants.scoping import cross_tenant

logger = logging.getLogger(__name__)


@shared_task(name="bookings.appointments_complete", ignore_result=True)
def appointments_complete_task() -> None:
    """Every few minutes (Celery beat): bookings that have ended become completed."""
    with log_context(), cross_tenant("every tenant's bookings that have ended"):
        completed = appointments_past_complete(now=timezone.now())
        if completed:
            logger.info("Marked %s past booking(s) completed", completed)


@shared_task(name="bookings.holds_expire", ignore_result=True)
def holds_expire_task() -> None:
    """Every minute (Celery beat): held bookings nobody confirmed in time free their slot; a big party's
    request nobody approved in time is declined (its customer told)."""
    with log_context(), cross_tenant("every tenant's held bookings past due"):
        now = timezone.now()
        released = holds_expired_release(now=now)
        if released:
            logger.info("Released %s expired hold(s)", len(released))
        # Big parties still waiting for staff (the gauge is read between two sweeps).
        approvals_pending_gauge_set(now=now)


@shared_task(name="bookings.waitlist_expire", ignore_result=True)
def waitlist_expire_task() -> None:
    """Every five minutes (Celery beat): waitlist requests whose window has started are closed."""
    with log_context(), cross_tenant("every tenant's waitlist requests past their window"):
        closed = waitlist_expired_close(now=timezone.now())
        if closed:
            logger.info("Closed %s lapsed waitlist request(s)", closed)
