"""Admin classes that keep each staff user inside their own tenant(s).

A staff user who is a member of tenant A sees and edits only A's rows: in lists,
when opening a row by URL (404 for someone else's), in every foreign-key or
many-to-many choice, and new rows land in A. Superusers see everything.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from tenants.models import Tenant
from tenants.selectors import tenant_ids_for_user, tenants_for_user


def _is_member_staff(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and bool(tenant_ids_for_user(user))


def scoped_choices(request: HttpRequest, model: type[models.Model]) -> models.QuerySet | None:
    """The rows of ``model`` this user may pick, or None when no scoping applies."""
    if request.user.is_superuser:
        return None
    if model is Tenant:
        return tenants_for_user(request.user)
    if any(f.name == "tenant" for f in model._meta.get_fields()):
        return model._default_manager.filter(tenant__in=tenant_ids_for_user(request.user))
    return None


class TenantScopedFormFieldsMixin:
    """Restricts foreign-key and many-to-many choices to the user's tenants."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TenantScopedPermissionsMixin:
    """Tenant members manage their tenant's rows without per-model Django permissions."""

    def has_module_permission(self, request):
        return super().has_module_permission(request) or _is_member_staff(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or _is_member_staff(request)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) or _is_member_staff(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or _is_member_staff(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) or _is_member_staff(request)

    def save_form(self, request, form, change):
        # Forms that set secrets record who did it (tenants.audit); they cannot see the request.
        if hasattr(form, "audit_actor"):
            form.audit_actor = request.user
        return super().save_form(request, form, change)


class TenantScopedAdmin(TenantScopedPermissionsMixin, TenantScopedFormFieldsMixin, admin.ModelAdmin):
    """ModelAdmin for models with a ``tenant`` foreign key."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(tenant__in=tenant_ids_for_user(request.user))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        ids = tenant_ids_for_user(request.user)
        if not request.user.is_superuser and len(ids) == 1:
            initial.setdefault("tenant", ids[0])
        return initial

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            ids = tenant_ids_for_user(request.user)
            if obj.tenant_id not in ids:
                if len(ids) != 1:
                    raise PermissionDenied("Choose one of your own tenants.")
                obj.tenant_id = ids[0]
        super().save_model(request, obj, form, change)

    # Someone else's row answers exactly like a missing one: 404, not a redirect that
    # would confirm it exists.
    def _object_or_404(self, request, object_id):
        if object_id is not None and self.get_object(request, admin.utils.unquote(object_id)) is None:
            raise Http404("No such object.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._object_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._object_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)


class TenantScopedInline(TenantScopedPermissionsMixin, TenantScopedFormFieldsMixin):
    """Mixin for inlines of tenant-owned rows (on the tenant page or another row)."""
