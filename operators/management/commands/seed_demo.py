from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operators.demo import demo_tenants_seed


class Command(BaseCommand):
    help = "Create (or refresh) the demo restaurant and salon, and demo admin logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (creates logins with known passwords)."
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates logins with known passwords; it runs only with DEBUG=1 (or --force).")
        logins = demo_tenants_seed()
        self.stdout.write(
            self.style.SUCCESS("Demo tenants ready: Trattoria Demo (trattoria-demo), Salone Demo (salone-demo).")
        )
        for login in logins:
            scope = f"staff of {login.tenant}" if login.tenant else "superuser"
            self.stdout.write(f"  login {login.username} / password {login.password}  ({scope})")
