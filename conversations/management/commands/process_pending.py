"""``manage.py process_pending``: handle what a broker outage left behind."""

from django.core.management.base import BaseCommand

from common.log_context import log_context
from conversations.services.inbound import inbound_pending_enqueue, inbound_pending_process
from conversations.services.outbound import outbound_queued_enqueue, outbound_queued_send


class Command(BaseCommand):
    help = (
        "Process inbound messages still pending after a minute, then send the replies still queued "
        "(e.g. after the broker was down). Runs them here, without the broker, unless --enqueue is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Hand them to the Celery workers instead of running them here."
        )

    def handle(self, *args, enqueue: bool = False, **options):
        with log_context():
            if enqueue:
                inbound, outbound = inbound_pending_enqueue(), outbound_queued_enqueue()
                self.stdout.write(f"Enqueued {inbound} pending inbound and {outbound} queued outbound messages.")
                return
            inbound = inbound_pending_process()
            outbound = outbound_queued_send()
            self.stdout.write(
                f"Processed {inbound} pending inbound messages; tried {outbound} queued outbound messages."
            )
