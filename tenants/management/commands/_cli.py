"""Input helpers shared by the tenant commands (not a command: the leading underscore)."""


from django.core.management.base import CommandError

from tenants.models import Tenant
from tenants.services import TenantNotFound, tenant_get


def tenant_for_slug(slug: str) -> Tenant:
    try:
        return tenant_get(slug)
    except TenantNotFound as exc:
        raise CommandError(str(exc)) from exc
