"""``manage.py send_due_reminders [--dry-run] [--tenant SLUG]``: the reminders due now."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.models import Purpose
from reminders.selectors import DueReminder, message_template_for, reminders_due
from reminders.services import reminders_send_due
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Queue the booking reminders due now (Celery beat does it every minute); --dry-run only lists them. "
        "Each reminder is sent once, however often this runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send nothing.")
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant's reminders.")

    def handle(self, *args, dry_run: bool = False, tenant: str | None = None, **options):
        scope = None
        if tenant:
            scope = Tenant.objects.filter(slug=tenant).first()
            if scope is None:
                raise CommandError(f"No tenant with slug {tenant!r}.")
        now = timezone.now()
        if dry_run:
            due = reminders_due(now=now, tenant=scope)
            for reminder in due:
                self.stdout.write(_line(reminder))
            self.stdout.write(f"{len(due)} reminder(s) due (dry run: nothing sent).")
            return
        sent = reminders_send_due(now=now, tenant=scope)
        for each in sent:
            self.stdout.write(f"{_line(each.reminder)} → message {each.message.pk}")
        self.stdout.write(self.style.SUCCESS(f"{len(sent)} reminder(s) queued."))


def _line(reminder: DueReminder) -> str:
    appointment = reminder.appointment
    tenant = appointment.tenant
    customer = appointment.customer
    assert customer is not None  # only bookings with a customer are due a reminder
    language = customer.language or tenant.language
    template = message_template_for(tenant=tenant, purpose=Purpose.REMINDER, language=language)
    local = appointment.starts_at.astimezone(tenant.tzinfo)
    fallback = f"template {template.name} ({template.language})" if template else "no template"
    return (
        f"{tenant.slug} {appointment.reference} {local:%Y-%m-%d %H:%M} ({tenant.timezone}) "
        f"{reminder.hours_before} h reminder to customer {customer.pk} on {customer.channel}; "
        f"outside the 24-hour window: {fallback}"
    )
