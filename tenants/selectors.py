"""Reads about tenants and who may see them."""

import time

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from tenants.models import Tenant

# The attribute of the user object that holds its tenant ids for the rest of the request.
_TENANT_IDS_CACHE = "_lyo_tenant_ids"


def tenant_ids_for_user(user: User | AnonymousUser) -> list:
    """Ids of the tenants a staff user works for (cached on the user object per request)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, _TENANT_IDS_CACHE, None)
    if cached is None:
        cached = list(user.tenant_memberships.values_list("tenant_id", flat=True))
        setattr(user, _TENANT_IDS_CACHE, cached)
    return cached


def tenants_for_user(user: User | AnonymousUser) -> QuerySet[Tenant]:
    """Every tenant for a superuser; otherwise only the tenants of the user's memberships."""
    if user.is_authenticated and user.is_superuser:
        return Tenant.objects.all()
    return Tenant.objects.filter(id__in=tenant_ids_for_user(user))


# Every WhatsApp webhook starts by finding its tenant; at Meta's rates that query was a
# good part of the webhook's cost. Each process remembers a found tenant for a few
# seconds: a deactivation or a changed number reaches every process within that time
# (at once in the process that made the change). Never remembered: "no such tenant",
# so a tenant just onboarded is served from its first message.
TENANT_BY_NUMBER_SECONDS = 10.0
_TENANT_BY_NUMBER_MAX = 10_000
_tenant_by_number: dict[str, tuple[float, Tenant]] = {}


def tenant_for_phone_number_id(phone_number_id: str) -> Tenant | None:
    """The active tenant that owns a WhatsApp phone number id, or None."""
    now = time.monotonic()
    cached = _tenant_by_number.get(phone_number_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    tenant = Tenant.objects.filter(whatsapp_phone_number_id=phone_number_id, is_active=True).first()
    if tenant is not None:
        if len(_tenant_by_number) >= _TENANT_BY_NUMBER_MAX:
            _tenant_by_number.clear()
        # One assignment: safe with gunicorn's threads (the GIL makes it atomic).
        _tenant_by_number[phone_number_id] = (now + TENANT_BY_NUMBER_SECONDS, tenant)
    return tenant


def tenant_lookup_forget() -> None:
    """Forget the remembered tenants (a tenant changed in this process; tests)."""
    _tenant_by_number.clear()
