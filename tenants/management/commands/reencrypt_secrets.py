from django.core.management.base import BaseCommand, CommandError

from tenants.services import secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (access tokens) with the first key of FIELD_ENCRYPTION_KEY: the last "
        "step of a key rotation, after which the old keys can be removed from the list."
    )

    def handle(self, *args, **options):
        result = secrets_reencrypt()
        self.stdout.write(f"Re-encrypted {result.reencrypted} secret(s) with the first FIELD_ENCRYPTION_KEY key.")
        if result.undecryptable:
            raise CommandError(
                "These secrets open with none of the configured keys (keep the old key in the list, or set "
                "them again):\n" + "\n".join(f"  - {row}" for row in result.undecryptable)
            )
