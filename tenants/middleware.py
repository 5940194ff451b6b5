"""Request edges: the tenant scope of every request, and the staff user's time zone in the admin."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tenants.scoping import cross_tenant, tenant_edge, tenant_scope_enter
from tenants.selectors import tenant_ids_for_user, tenants_for_user


class StaffTenantTimezoneMiddleware:
    """Activate the tenant's time zone for staff of exactly one tenant.

    Datetimes are stored in UTC; a restaurant's staff type and read their bookings in
    local time. Superusers and users of several tenants keep UTC, and each tenant's
    local time is shown next to it where it matters.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff and request.path.startswith("/admin/"):
            tenants = list(tenants_for_user(user)[:2]) if not user.is_superuser else []
            if len(tenants) == 1:
                timezone.activate(tenants[0].tzinfo)
                try:
                    return self.get_response(request)
                finally:
                    timezone.deactivate()
        return self.get_response(request)


class TenantScopeMiddleware:
    """Every request is a tenant-scoping edge (``tenants.scoping``).

    A signed-in staff member reads their own tenants' rows; the operator (a superuser)
    every tenant's. Anyone else (a webhook delivery, an API call before its token is
    read) has no tenant until the view finds it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.TENANT_SCOPES_ENFORCED:
            return self.get_response(request)
        with tenant_edge():
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                if user.is_superuser:
                    with cross_tenant("the operator's admin shows every tenant"):
                        return self.get_response(request)
                tenant_scope_enter(tenant_ids_for_user(user))
            return self.get_response(request)
