from django.core.management.base import BaseCommand

from tenants.management.commands._cli import tenant_for_slug
from tenants.services import tenant_deactivate


class Command(BaseCommand):
    help = (
        "Deactivate a tenant: messages to its WhatsApp number are acknowledged to Meta and ignored; "
        "its data stays. Undo with activate_tenant."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug: str, **options):
        tenant = tenant_for_slug(slug)
        changed = tenant_deactivate(tenant=tenant)
        state = "is now inactive" if changed else "was already inactive"
        self.stdout.write(self.style.SUCCESS(f"{tenant.name} ({tenant.slug}) {state}."))
