"""Celery tasks of reminders. Edges: they call a service."""

from celery import shared_task

from common.log_context import log_context
from reminders.follow_ups import follow_ups_send_due
from reminders.reconfirm import reconfirmations_missed_handle
from reminders.services import reminders_send_due
from tenants.scoping import cross_tenant


@shared_task(name="reminders.send_due", ignore_result=True)
def reminders_send_due_task() -> None:
    """Every minute (Celery beat): queue the reminders due now (each sent once, however many run), then
    handle the bookings whose reconfirmation deadline passed unanswered."""
    with log_context(), cross_tenant("the reminders due now, whichever tenant they belong to"):
        reminders_send_due()
        reconfirmations_missed_handle()


@shared_task(name="reminders.send_follow_ups", ignore_result=True)
def follow_ups_send_due_task() -> None:
    """Every five minutes (Celery beat): review requests, rebook nudges, no-show follow-ups due now."""
    with log_context(), cross_tenant("the follow-ups due now, whichever tenant they belong to"):
        follow_ups_send_due()
