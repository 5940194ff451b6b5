"""The admin speaks the staff user's language: Italian or English."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from tenants.selectors import tenants_for_user

# Pages for people (staff), not for machines: the webhooks and the API keep English.
STAFF_PATH_PREFIXES = ("/admin/", "/accounts/")


def staff_language(request: HttpRequest, user: User | AnonymousUser | None = None) -> str:
    """The language of a staff page, in order of preference.

    1. The one the user picked with the language switch (Django's language cookie).
    2. Their tenant's language (``it`` for an Italian business), for staff of a tenant.
    3. The browser's ``Accept-Language`` (the login page, superusers), else ``LANGUAGE_CODE``.

    ``user`` is whom the page is for, when that is not the logged-in user (the one-time
    link to choose a password names its user before anyone is logged in).
    """
    supported = {code for code, _name in settings.LANGUAGES}
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in supported:
        return chosen
    if user is None:
        user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff and not user.is_superuser:
        tenant_language = tenants_for_user(user).order_by("name").values_list("language", flat=True).first()
        if tenant_language in supported:
            return tenant_language
    return translation.get_language_from_request(request)


class StaffLanguageMiddleware:
    """Activate :func:`staff_language` on staff pages. Place it after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(STAFF_PATH_PREFIXES):
            return self.get_response(request)
        language = staff_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
