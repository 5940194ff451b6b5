from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tenants.api_tokens import (
    ApiTokenNotFound,
    ApiTokenUserNotStaff,
    api_token_create,
    api_token_revoke,
    api_tokens_for_user,
    api_tokens_revoke_all,
)


class Command(BaseCommand):
    help = (
        "Create, list and revoke a staff user's API tokens (`Authorization: Token <token>`). A new token is "
        "printed once and stored only as a hash; it expires after API_TOKEN_TTL_DAYS. Rotate: `create`, "
        "switch the clients to the new token, then `revoke <username> <old key>`."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Issue a new token and print it (the only time it is shown).")
        create.add_argument("username")
        listing = actions.add_parser("list", help="The user's live tokens: key, created, expires.")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Revoke one token by its key, or --all of them.")
        revoke.add_argument("username")
        revoke.add_argument("key", nargs="?", default="", help="The key `list` shows (the token's first characters).")
        revoke.add_argument("--all", action="store_true", dest="revoke_all", help="Revoke every token of the user.")

    def handle(self, *args, action: str, username: str, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as exc:
            raise CommandError(f"No user {username}.") from exc
        if action == "create":
            self._create(user)
        elif action == "list":
            self._list(user)
        else:
            self._revoke(user, options["key"], options["revoke_all"])

    def _create(self, user) -> None:
        try:
            issued = api_token_create(user=user)
        except ApiTokenUserNotStaff as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(issued.token)
        # The token alone on stdout (for a pipe into a secrets store); the rest on stderr.
        self.stderr.write(
            f"API token {issued.key} for {user.get_username()}, valid until {issued.expiry:%Y-%m-%d %H:%M} UTC. "
            "It is not stored and cannot be shown again."
        )

    def _list(self, user) -> None:
        tokens = list(api_tokens_for_user(user=user))
        if not tokens:
            self.stdout.write(f"{user.get_username()} has no live API token.")
        for token in tokens:
            self.stdout.write(f"{token.token_key}  created {token.created:%Y-%m-%d %H:%M}  "
                              f"expires {token.expiry:%Y-%m-%d %H:%M} UTC")

    def _revoke(self, user, key: str, revoke_all: bool) -> None:
        if revoke_all == bool(key):
            raise CommandError("Name one token by its key, or pass --all.")
        if revoke_all:
            count = api_tokens_revoke_all(user=user)
        else:
            try:
                count = api_token_revoke(user=user, key=key)
            except ApiTokenNotFound as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{count} API token(s) of {user.get_username()} revoked."))
