import argparse
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operators.management.commands._cli import (
    ARGV_REFUSAL_MESSAGE,
    EXIT_VERIFICATION_FAILED,
    public_base_url,
    token_from_env,
    token_from_stdin,
    verification_describe,
)
from operators.onboarding import BOOKING_FIELDS, OnboardingInvalid, onboarding_document_read
from operators.services import tenant_onboard
from tenants.models import Tenant, TenantMembership
from whatsapp.services.account import WhatsAppVerificationFailed

# Flags that set a top-level field or a whatsapp.* field of the document.
FIELD_FLAGS = {
    "name": ("name",), "slug": ("slug",), "kind": ("kind",), "timezone": ("timezone",),
    "language": ("language",), "address": ("address",), "contact_phone": ("contact_phone",),
    "phone_number_id": ("whatsapp", "phone_number_id"),
    "business_account_id": ("whatsapp", "business_account_id"),
    "display_phone_number": ("whatsapp", "display_phone_number"),
}
# Splits "12:00-15:00 last 14:00 19:00-23:30" before each range.
_RANGE_START = re.compile(r"\s+(?=\d{1,2}:\d{2}\s*-)")


class Command(BaseCommand):
    help = (
        "Create or update a tenant from a YAML/JSON file and/or flags (flags win), all or nothing. "
        "The access token comes from --token-env NAME or --token-stdin, never from the command line. "
        "See operators/onboarding.py for the file format."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help="YAML (.yaml/.yml) or JSON (.json) file describing the tenant.")
        parser.add_argument("--slug", help="Identifies the tenant: created when new, updated otherwise.")
        parser.add_argument("--name")
        parser.add_argument("--kind", choices=[k.value for k in Tenant.Kind])
        parser.add_argument("--timezone", help="IANA time zone name, e.g. Europe/Rome.")
        parser.add_argument("--language", help="Customers' default language: it or en.")
        parser.add_argument("--address")
        parser.add_argument("--contact-phone")
        parser.add_argument("--phone-number-id", help="Meta's WhatsApp phone number id (not the display number).")
        parser.add_argument("--business-account-id", help="WhatsApp Business Account id.")
        parser.add_argument("--display-phone-number")
        parser.add_argument(
            "--hours", action="append", default=[], metavar="DAYS RANGES",
            help='Opening hours, repeatable: "tue-sun 12:00-15:00 last 14:00 19:00-23:30". '
            "Replaces the file's opening_hours.",
        )
        for name in BOOKING_FIELDS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, help=f"Booking setting {name}.")
        token = parser.add_mutually_exclusive_group()
        token.add_argument("--token-env", metavar="NAME", help="Read the access token from this environment variable.")
        token.add_argument("--token-stdin", action="store_true", help="Read the access token from standard input.")
        # Present only to refuse it with an explanation (argparse would echo it back otherwise).
        token.add_argument("--token", dest="token_on_argv", nargs="?", const="", help=argparse.SUPPRESS)
        parser.add_argument(
            "--verify", action="store_true",
            help="Before writing anything, ask the Graph API whether the phone number id and token work.",
        )
        parser.add_argument("--staff-email", default="", help="Create a staff login for this tenant.")
        parser.add_argument(
            "--staff-role", default=TenantMembership.Role.OWNER, choices=[r.value for r in TenantMembership.Role]
        )
        parser.add_argument(
            "--staff-password", action="store_true",
            help="Print a generated password for a new staff login instead of a one-time link.",
        )
        parser.add_argument(
            "--base-url", default="",
            help="Public URL of Lyo for the printed links (default: LYO_PUBLIC_URL; with DEBUG "
            "http://127.0.0.1:<PORT>; otherwise https://<ALLOWED_HOSTS[0]>).",
        )

    def handle(self, *args, **options):
        if options["token_on_argv"] is not None:
            raise CommandError(ARGV_REFUSAL_MESSAGE)
        document = self._document_build(options)
        token = None
        if options["token_env"]:
            token = token_from_env(options["token_env"])
        elif options["token_stdin"]:
            token = token_from_stdin(options.get("stdin"))

        try:
            result = tenant_onboard(
                document=document, token=token, verify=options["verify"], staff_email=options["staff_email"],
                staff_role=options["staff_role"], staff_password_generate=options["staff_password"],
            )
        except OnboardingInvalid as exc:
            raise CommandError(
                "Nothing was written. Please fix:\n" + "\n".join(f"  - {p}" for p in exc.problems)
            ) from exc
        except WhatsAppVerificationFailed as exc:
            raise CommandError(
                f"Nothing was written. WhatsApp check: {verification_describe(exc.check, exc.phone_number_id)}",
                returncode=EXIT_VERIFICATION_FAILED,
            ) from exc

        self._report(result, public_base_url(options["base_url"]))

    def _document_build(self, options: dict) -> dict:
        document = onboarding_document_read(options["file"]) if options["file"] else {}
        for option, path in FIELD_FLAGS.items():
            if options[option] is not None:
                target = document
                for key in path[:-1]:
                    target = target.setdefault(key, {})
                    if not isinstance(target, dict):
                        raise CommandError(f"{key} in {options['file']} must be a mapping")
                target[path[-1]] = options[option]
        for name in BOOKING_FIELDS:
            if options[name] is not None:
                document.setdefault("booking", {})[name] = options[name]
        if options["hours"]:
            hours: dict[str, list[str]] = {}
            for entry in options["hours"]:
                days, _, ranges = entry.strip().partition(" ")
                if not ranges.strip():
                    raise CommandError(f'--hours {entry!r}: expected days then ranges, e.g. "tue-sun 12:00-15:00"')
                hours.setdefault(days, []).extend(_RANGE_START.split(ranges.strip()))
            document["opening_hours"] = hours
        return document

    def _report(self, result, base_url: str) -> None:
        tenant = result.tenant
        verb = "Created" if result.created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} tenant {tenant.name} ({tenant.slug}), id {tenant.pk}."))
        if result.check is not None:
            self.stdout.write(f"WhatsApp check: {verification_describe(result.check, tenant.whatsapp_phone_number_id)}")
        if result.staff is not None:
            staff = result.staff
            login = "new login" if staff.user_created else "existing login"
            self.stdout.write(f"Staff: {staff.email} ({login}) works for {tenant.slug}.")
            if staff.password:
                self.stdout.write(f"  Password (shown once): {staff.password}")
            elif staff.password_set_path:
                self.stdout.write(f"  One-time link to choose a password: {base_url}{staff.password_set_path}")
            self.stdout.write(f"  Admin: {base_url}/admin/")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        verify_token = settings.WHATSAPP_WEBHOOK_VERIFY_TOKEN or "(not set: set WHATSAPP_WEBHOOK_VERIFY_TOKEN)"
        self.stdout.write(
            "\nIn the Meta app (WhatsApp > Configuration > Webhook), once per app:\n"
            f"  Callback URL:  {base_url}/webhooks/whatsapp\n"
            f"  Verify token:  {verify_token}\n"
            "  Webhook fields: subscribe to `messages`."
        )
        if not base_url.startswith("https://"):
            # The development server: the links above open here, but Meta calls only public https URLs.
            self.stdout.write(
                "  (Meta delivers only to a public https address: use the deployed Lyo's, "
                "or set LYO_PUBLIC_URL to a tunnel's.)"
            )
