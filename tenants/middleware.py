"""Show times in the admin in the staff user's tenant time zone."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tenants.selectors import tenants_for_user


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
