"""Reads for the Instagram channel."""

from tenants.models import Tenant


def tenant_for_instagram_account_id(account_id: str) -> Tenant | None:
    """The active tenant that owns an Instagram professional account id, or None."""
    return Tenant.objects.filter(instagram_account_id=account_id, is_active=True).first()
