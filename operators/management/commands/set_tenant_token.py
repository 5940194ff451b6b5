from django.core.management.base import BaseCommand, CommandError

from operators.management.commands._cli import (
    ARGV_REFUSAL_MESSAGE,
    EXIT_VERIFICATION_FAILED,
    token_from_stdin,
    verification_describe,
)
from tenants.management.commands._cli import tenant_for_slug
from whatsapp.services.account import PhoneNumberIdMissing, WhatsAppVerificationFailed, tenant_token_set


class Command(BaseCommand):
    help = (
        "Replace a tenant's WhatsApp access token, read from standard input (never from the command line), "
        "and clear the 'rejected by Meta' mark. Example: `pass show lyo/da-mario | manage.py set_tenant_token "
        "da-mario --verify`."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--verify", action="store_true",
            help="Store the token only if the Graph API accepts it for the tenant's phone number id.",
        )
        parser.add_argument("--token", dest="token_on_argv", nargs="?", const="", help="(refused: use stdin)")

    def handle(self, *args, slug: str, verify: bool, token_on_argv: str | None, **options):
        if token_on_argv is not None:
            raise CommandError(ARGV_REFUSAL_MESSAGE)
        tenant = tenant_for_slug(slug)
        token = token_from_stdin(options.get("stdin"))
        try:
            check = tenant_token_set(
                tenant=tenant, token=token, verify=verify, actor_label="manage.py set_tenant_token"
            )
        except PhoneNumberIdMissing as exc:
            raise CommandError(f"Token not stored. {exc}") from exc
        except WhatsAppVerificationFailed as exc:
            raise CommandError(
                f"Token not stored. WhatsApp check: {verification_describe(exc.check, exc.phone_number_id)}",
                returncode=EXIT_VERIFICATION_FAILED,
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"New access token stored for {tenant.name} ({tenant.slug})."))
        if check is not None:
            # A check was made, so the tenant has a phone number id (the token was tried on it).
            shown = verification_describe(check, tenant.whatsapp_phone_number_id or "")
            self.stdout.write(f"WhatsApp check: {shown}")
