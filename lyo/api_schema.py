"""Who may read the API's OpenAPI schema and its Swagger UI (``/api/schema``, ``/api/docs``)."""

from django.conf import settings
from rest_framework.permissions import BasePermission


class ApiSchemaReader(BasePermission):
    """Staff (session or token), or anyone when ``API_SCHEMA_PUBLIC`` is on.

    The schema lists every endpoint and parameter: a map worth keeping from strangers,
    while the people who build on the API log in anyway. Read per request, so a
    changed setting needs no new view class.
    """

    def has_permission(self, request, view) -> bool:
        if settings.API_SCHEMA_PUBLIC:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)
