from django.core.management.base import BaseCommand

from tenants.management.commands._cli import tenant_for_slug
from tenants.services import tenant_activate


class Command(BaseCommand):
    help = "Activate a tenant: its WhatsApp number's messages are handled again."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug: str, **options):
        tenant = tenant_for_slug(slug)
        changed = tenant_activate(tenant=tenant)
        state = "is now active" if changed else "was already active"
        self.stdout.write(self.style.SUCCESS(f"{tenant.name} ({tenant.slug}) {state}."))
