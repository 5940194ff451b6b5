"""API tokens of staff users (django-rest-knox): issued once, stored as a hash, expiring.

A token is shown only when it is created; the database keeps its SHA-512 digest and
its first characters (knox's ``token_key``, which names it in ``api_token list`` and
``revoke``). Rotation: create a new token, move the clients to it, revoke the old one.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken


class ApiTokenUserNotStaff(Exception):
    """API tokens are for active staff users (the API acts for their tenant)."""


class ApiTokenNotFound(Exception):
    """No live token of this user starts with that key."""


@dataclass(frozen=True)
class IssuedApiToken:
    token: str  # shown once; never stored
    key: str  # the token's first characters: how list and revoke name it
    expiry: datetime


def api_token_create(*, user: User, ttl: timedelta | None = None) -> IssuedApiToken:
    if not (user.is_active and (user.is_staff or user.is_superuser)):
        raise ApiTokenUserNotStaff(f"{user.get_username()} is not an active staff user.")
    ttl = ttl or timedelta(days=settings.API_TOKEN_TTL_DAYS)
    instance, token = AuthToken.objects.create(user=user, expiry=ttl)
    return IssuedApiToken(token=token, key=instance.token_key, expiry=instance.expiry)


def api_tokens_for_user(*, user: User) -> QuerySet[AuthToken]:
    """The user's tokens that still work, oldest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("created")


def api_token_revoke(*, user: User, key: str) -> int:
    """Delete the user's token(s) named by ``key`` (its first characters, as listed)."""
    key = key.strip()
    if not key:
        raise ApiTokenNotFound("Name the token by the key `api_token list` shows.")
    deleted, _ = AuthToken.objects.filter(user=user, token_key__startswith=key).delete()
    if not deleted:
        raise ApiTokenNotFound(f"{user.get_username()} has no token {key}.")
    return deleted


def api_tokens_revoke_all(*, user: User) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
