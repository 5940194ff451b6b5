from django.core.management.base import BaseCommand, CommandError

from conversations.assistant_trial import assistant_trial_turn
from conversations.replies import Reply, ReplyType
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Talk to a tenant's assistant in the terminal, against the real database. Buttons and lists are "
        "numbered: type a number to tap one. Bookings made here carry the channel 'test'. Ctrl-D to quit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        parser.add_argument("--as", dest="sender", default="terminal", help="Who you are (a phone or any id).")

    def handle(self, *args, tenant: str, sender: str, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"No tenant with slug {tenant!r} (see manage.py list_tenants).")
        self.stdout.write(f"Talking to {tenant_obj.name}'s assistant as {sender!r}. Ctrl-D to quit.")
        shown: list[str] = []
        while True:
            try:
                typed = input("you> ").strip()
            except (EOFError, KeyboardInterrupt):
                self.stdout.write("")
                return
            if not typed:
                continue
            choice = ""
            if typed.isdigit() and 1 <= int(typed) <= len(shown):
                choice = shown[int(typed) - 1]
            replies = assistant_trial_turn(
                tenant=tenant_obj, sender_id=sender, text="" if choice else typed, choice_id=choice
            )
            shown = self._show(replies) or shown

    def _show(self, replies: list[Reply]) -> list[str]:
        """Print the replies; returns the ids of the numbered options shown (empty when none)."""
        option_ids: list[str] = []
        for reply in replies:
            self.stdout.write(self.style.SUCCESS("bot> ") + reply.text)
            if reply.type == ReplyType.LIST and reply.button_label:
                self.stdout.write(f"      [{reply.button_label}]")
            for option in reply.options:
                option_ids.append(option.id)
                description = f" — {option.description}" if option.description else ""
                self.stdout.write(f"  {len(option_ids)}. {option.title}{description}")
        if not replies:
            self.stdout.write(self.style.WARNING("(no reply: the conversation is with staff)"))
        return option_ids
