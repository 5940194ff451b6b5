import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from conversations.personal_data import CustomerNotFound, customers_data_export, customers_find
from tenants.management.commands._cli import tenant_for_slug


class Command(BaseCommand):
    help = (
        "Export everything stored about a tenant's customer (customer, conversations, messages, appointments) "
        "as JSON, for a data access or portability request."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="Tenant slug.")
        parser.add_argument(
            "phone", metavar="phone-or-id",
            help="The customer's phone number however written (e.g. +39 347 123 4567, 347 123 4567), or their "
                 "channel id (WhatsApp business-scoped id, Instagram id, Chatwoot contact id).",
        )
        parser.add_argument("--output", type=Path, help="Write to this file instead of standard output.")

    def handle(self, *args, tenant: str, phone: str, output: Path | None = None, **options):
        try:
            customers = customers_find(tenant=tenant_for_slug(tenant), identity=phone)
        except CustomerNotFound as exc:
            raise CommandError(str(exc)) from exc
        exported = customers_data_export(customers, actor=None, actor_label="manage.py export_customer_data")
        text = json.dumps(exported, indent=2, ensure_ascii=False)
        if output is None:
            self.stdout.write(text)
            return
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from exc
        self.stderr.write(f"Wrote the data of {len(customers)} customer record(s) to {output}.")
