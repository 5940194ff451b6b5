"""Reads about tenants and who may see them."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from tenants.models import Tenant


def tenant_ids_for_user(user: AbstractBaseUser | AnonymousUser) -> list:
    """Ids of the tenants a staff user works for (cached on the user object per request)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_lyo_tenant_ids", None)
    if cached is None:
        cached = list(user.tenant_memberships.values_list("tenant_id", flat=True))
        user._lyo_tenant_ids = cached
    return cached


def tenants_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Tenant]:
    """Every tenant for a superuser; otherwise only the tenants of the user's memberships."""
    if user.is_authenticated and user.is_superuser:
        return Tenant.objects.all()
    return Tenant.objects.filter(id__in=tenant_ids_for_user(user))


def tenant_for_phone_number_id(phone_number_id: str) -> Tenant | None:
    """The active tenant that owns a WhatsApp phone number id, or None."""
    return Tenant.objects.filter(whatsapp_phone_number_id=phone_number_id, is_active=True).first()
