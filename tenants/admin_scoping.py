"""Admin classes that keep each staff user inside their own tenant(s).

A staff user who is a member of tenant A sees and edits only A's rows: in lists,
when opening a row by URL (404 for someone else's), in every foreign-key or
many-to-many choice, and new rows land in A. Superusers see everything.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
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


class TenantScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input whose label (the referenced row's name) is looked up among the user's rows only.

    Django's widget looks the id up in the whole table: another tenant's id typed into
    the query string would print that tenant's customer or message next to the input.
    """

    def __init__(self, rel, admin_site, queryset: models.QuerySet, attrs=None, using=None) -> None:
        super().__init__(rel, admin_site, attrs, using)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            visible = self.queryset.using(self.db).filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            visible = False
        if not visible:
            return "", ""
        return super().label_and_url_for_value(value)


def initial_data_scoped(
    request: HttpRequest, model: type[models.Model], initial: dict
) -> dict:
    """``initial`` without the foreign-key / many-to-many values that point at rows the user may not pick.

    The add form is prefilled from the query string; an id of another tenant's row must
    not reach a widget that would name it.
    """
    if request.user.is_superuser:
        return initial
    kept = dict(initial)
    for name, value in initial.items():
        # Not a model field (e.g. _changelist_filters): nothing is looked up by it.
        field = next((f for f in model._meta.get_fields() if f.name == name), None)
        # (A concrete relation's related_model is always a model class by now, never "self".)
        if field is None or not (field.is_relation and field.concrete) or not isinstance(field.related_model, type):
            continue
        queryset = scoped_choices(request, field.related_model)
        if queryset is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        # A foreign key (or one-to-one) is matched on the field it points at, a many-to-many by pk.
        key = field.target_field.name if isinstance(field, models.ForeignKey) else "pk"
        try:
            allowed = queryset.filter(**{f"{key}__in": values}).count() == len(set(map(str, values)))
        except (ValueError, TypeError, ValidationError):
            allowed = False
        if not allowed:
            del kept[name]
    return kept


if TYPE_CHECKING:
    # To the type checker the mixins below are the admin they are mixed into, so that their
    # super() calls and the admin's attributes resolve; at run time they are plain mixins.
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


class TenantScopedFormFieldsMixin(_AdminBase):
    """Restricts foreign-key and many-to-many choices to the user's tenants."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
            raw_id = db_field.name in self.raw_id_fields
            if raw_id and "widget" not in kwargs and db_field.name not in self.get_autocomplete_fields(request):
                kwargs["widget"] = TenantScopedRawIdWidget(
                    db_field.remote_field, self.admin_site, queryset, using=kwargs.get("using")
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = scoped_choices(request, db_field.related_model)
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TenantScopedPermissionsMixin(_AdminBase):
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

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return tuple(self._list_filter_scoped(entry) for entry in filters)

    def _list_filter_scoped(self, entry):
        # A plain foreign-key filter lists every row of the related table, whoever it
        # belongs to; the related-only one lists the rows this user's rows point at.
        name = entry if isinstance(entry, str) else entry[0] if isinstance(entry, list | tuple) else None
        if name is None or (not isinstance(entry, str) and entry[1] is not admin.RelatedFieldListFilter):
            return entry
        field = get_fields_from_path(self.model, name)[-1]
        if field.is_relation and field.related_model is not None:
            return (name, admin.RelatedOnlyFieldListFilter)
        return entry

    def get_changeform_initial_data(self, request):
        initial = initial_data_scoped(request, self.model, super().get_changeform_initial_data(request))
        ids = tenant_ids_for_user(request.user)
        if not request.user.is_superuser and len(ids) == 1:
            initial.setdefault("tenant", ids[0])
        return initial

    def save_model(self, request, obj, form, change):
        self.tenant_enforce(request, obj)
        super().save_model(request, obj, form, change)

    def tenant_enforce(self, request, obj) -> None:
        """Staff write rows of their own tenant only: their one tenant is filled in, another is refused.

        For a ``save_model`` that writes through a service instead of ``obj.save()``.
        """
        if not request.user.is_superuser:
            ids = tenant_ids_for_user(request.user)
            if obj.tenant_id not in ids:
                if len(ids) != 1:
                    raise PermissionDenied("Choose one of your own tenants.")
                obj.tenant_id = ids[0]

    # Someone else's row answers exactly like a missing one: 404, not a redirect that
    # would confirm it exists.
    def _object_or_404(self, request, object_id):
        if object_id is not None and self.get_object(request, unquote(object_id)) is None:
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


class TenantScopedAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete, searching only the rows of the requesting user's tenants.

    The target admin's own queryset is scoped already (TenantScopedAdmin); this holds
    for any admin registered later that forgets to be.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        scoped = scoped_choices(self.request, queryset.model)
        return queryset if scoped is None else queryset.filter(pk__in=scoped.values("pk"))
