import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from operators.selectors import tenant_overview_list


class Command(BaseCommand):
    help = (
        "List tenants: name, slug, phone number id, active, token status, last inbound message (UTC), "
        "bookings made in the last 7 days (the test channel of \"Try your assistant\" left out)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", dest="as_json", action="store_true",
            help="One JSON document for scripts: an array with one object per tenant.",
        )

    def handle(self, *args, as_json: bool = False, **options):
        rows = [_row(tenant) for tenant in tenant_overview_list(now=timezone.now())]
        if as_json:
            # One document (an array, [] without tenants), so `json.load` or `jq` reads all of stdout.
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("No tenants yet: add one with `manage.py onboard_tenant`.")
            return
        headers = {
            "name": "NAME", "slug": "SLUG", "phone_number_id": "PHONE NUMBER ID", "active": "ACTIVE",
            "token": "TOKEN", "last_inbound": "LAST INBOUND (UTC)", "bookings_7d": "BOOKINGS 7D",
        }
        table = [headers, *({k: str(v) for k, v in row.items()} for row in rows)]
        widths = {key: max(len(line[key]) for line in table) for key in headers}
        for line in table:
            self.stdout.write("  ".join(line[key].ljust(widths[key]) for key in headers).rstrip())


def _row(tenant) -> dict:
    if not tenant.token_set:
        credential_state = "not set"
    elif tenant.whatsapp_token_invalid_at:
        credential_state = f"rejected {tenant.whatsapp_token_invalid_at:%Y-%m-%d}"
    else:
        credential_state = "set"
    return {
        "name": tenant.name,
        "slug": tenant.slug,
        "phone_number_id": tenant.whatsapp_phone_number_id or "-",
        "active": "yes" if tenant.is_active else "no",
        "token": credential_state,
        "last_inbound": f"{tenant.last_inbound_at:%Y-%m-%d %H:%M}" if tenant.last_inbound_at else "-",
        "bookings_7d": tenant.bookings_week,
    }
