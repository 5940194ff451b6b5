import sys

from django.core.management.base import BaseCommand, CommandError

from conversations.personal_data import CustomerNotFound, customers_erase, customers_find
from tenants.management.commands._cli import tenant_for_slug


class Command(BaseCommand):
    help = (
        "Erase a tenant's customer: the customer, conversations and messages are deleted; appointments stay "
        "for the tenant's statistics without the customer or notes. Irreversible: export first if needed."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="Tenant slug.")
        parser.add_argument(
            "phone", metavar="phone-or-id",
            help="The customer's phone number however written (e.g. +39 347 123 4567, 347 123 4567), or their "
                 "channel id (WhatsApp business-scoped id, Instagram id, Chatwoot contact id).",
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, tenant: str, phone: str, yes: bool = False, **options):
        tenant_row = tenant_for_slug(tenant)
        try:
            customers = customers_find(tenant=tenant_row, identity=phone)
        except CustomerNotFound as exc:
            raise CommandError(str(exc)) from exc
        if not yes:
            stdin = options.get("stdin") or sys.stdin
            if not stdin.isatty():
                raise CommandError("Erasing cannot be undone: confirm with --yes when not at a terminal.")
            self.stdout.write(f"Erase {len(customers)} customer record(s) of {tenant_row.slug} with this number? "
                              "Type 'erase' to confirm: ", ending="")
            self.stdout.flush()
            if stdin.readline().strip() != "erase":
                raise CommandError("Not confirmed; nothing was erased.")
        summary = customers_erase(customers, actor=None, actor_label="manage.py erase_customer")
        self.stdout.write(self.style.SUCCESS(
            f"Erased {summary.customers} customer record(s): {summary.conversations} conversation(s) and "
            f"{summary.messages} message(s) deleted; {summary.appointments_kept} appointment(s) kept without "
            "customer or notes."
        ))
