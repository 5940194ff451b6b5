"""Admin classes that keep each staff user inside their own tenant(s).

A staff user who is a member of tenant A sees and edits only A's rows: in lists,
when opening a row by URL (404 for someone else's), in every foreign-key or
many-to-many choice, and new rows land in A. Superusers see everything.

Times are the business's: a row's page (its form, read-only fields, history) is shown
and read in its tenant's zone, and a list's date and time columns in each row's own
tenant's zone, whoever looks (``TenantLocalTimeMixin``).
"""

import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format

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


# The query parameter of a list's "tenant" filter (a related-field filter on ``tenant``).
TENANT_FILTER_PARAMETER = "tenant__id__exact"


def row_tenant(obj: models.Model | None) -> Tenant | None:
    """The business a row belongs to (a tenant is its own), or None."""
    if isinstance(obj, Tenant):
        return obj
    if obj is None or getattr(obj, "tenant_id", None) is None:
        return None
    return obj.tenant  # type: ignore[attr-defined]


def local_time_text(obj: models.Model, moment: datetime) -> str:
    """``moment`` on the wall clock of ``obj``'s business, in the active language ("3 Dec 2026 20:00")."""
    tenant = row_tenant(obj)
    if tenant is not None:
        return tenant.local_time_text(moment)
    return date_format(timezone.localtime(moment), "j M Y H:i")


def tenant_from_parameter(request: HttpRequest, value: Any) -> Tenant | None:
    """The tenant a form or filter names by id, if this user may see it."""
    if not value or not isinstance(value, str):
        return None
    try:
        return tenants_for_user(request.user).filter(pk=value).first()
    except (ValueError, TypeError, ValidationError):
        return None


def zone_shared(tenants: Iterable[Tenant] | models.QuerySet[Tenant]) -> tzinfo | None:
    """The one time zone of ``tenants``, or None when they are in several (or none)."""
    if isinstance(tenants, models.QuerySet):
        zones = set(tenants.order_by().values_list("timezone", flat=True).distinct()[:2])
    else:
        zones = {tenant.timezone for tenant in tenants}
    return zoneinfo.ZoneInfo(zones.pop()) if len(zones) == 1 else None


def admin_zone_for_request(request: HttpRequest) -> tzinfo | None:
    """The zone of the businesses this user sees: their one business's, or the one all theirs share."""
    return zone_shared(tenants_for_user(request.user))


def rendered_in_zone(zone: tzinfo | None, view: Callable[[], HttpResponse]) -> HttpResponse:
    """Run ``view`` and render its response with ``zone`` active (templates render after the view returns)."""
    if zone is None:
        return view()
    with timezone.override(zone):
        response = view()
        render = getattr(response, "render", None)
        if render is not None and not getattr(response, "is_rendered", True):
            render()
    return response


class TenantLocalTimeMixin(_AdminBase):
    """The admin's dates and times on the business's wall clock, whoever looks.

    A row's page (its form's date and time inputs, read-only times, inlines, history,
    delete confirmation) runs in the row's tenant's zone: 20:00 typed for a Rome
    business is 20:00 in Rome, for a superuser too. A list shows each row's date and
    time columns in that row's tenant's zone; its date drill-down and day filters use
    the zone of the business the list shows (filtered to one, or all in one zone). A
    list of businesses in several zones has no drill-down: which day a moment falls on
    depends on the business.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        zone = self.zone_for_form(request, object_id)
        return rendered_in_zone(zone, lambda: super(TenantLocalTimeMixin, self).changeform_view(
            request, object_id, form_url, extra_context
        ))

    def history_view(self, request, object_id, extra_context=None):
        zone = self.zone_for_form(request, object_id)
        return rendered_in_zone(zone, lambda: super(TenantLocalTimeMixin, self).history_view(
            request, object_id, extra_context
        ))

    def delete_view(self, request, object_id, extra_context=None):
        zone = self.zone_for_form(request, object_id)
        return rendered_in_zone(zone, lambda: super(TenantLocalTimeMixin, self).delete_view(
            request, object_id, extra_context
        ))

    def changelist_view(self, request, extra_context=None):
        zone = self.zone_for_list(request)
        return rendered_in_zone(zone, lambda: super(TenantLocalTimeMixin, self).changelist_view(
            request, extra_context
        ))

    def zone_for_form(self, request: HttpRequest, object_id: str | None) -> tzinfo | None:
        """The zone a row's page runs in: its tenant's; for a new row, the tenant it is being added to."""
        if object_id is not None:
            tenant = row_tenant(self.get_object(request, unquote(object_id)))
        else:
            tenant = tenant_from_parameter(request, request.POST.get("tenant") or request.GET.get("tenant"))
        return tenant.tzinfo if tenant is not None else admin_zone_for_request(request)

    def zone_for_list(self, request: HttpRequest) -> tzinfo | None:
        """The zone of the businesses a list shows: the one it is filtered to, or the one all share."""
        chosen = tenant_from_parameter(request, request.GET.get(TENANT_FILTER_PARAMETER))
        return chosen.tzinfo if chosen is not None else admin_zone_for_request(request)

    def get_list_display(self, request):
        return self.local_time_columns(super().get_list_display(request))

    def local_time_columns(self, names: Iterable[Any]) -> list[Any]:
        """``names`` with each date-and-time field replaced by a column that shows it in the row's tenant's zone."""
        columns = self.__dict__.setdefault("_lyo_local_time_columns", {})
        shown = []
        for name in names:
            field = _model_field(self.model, name) if isinstance(name, str) else None
            if isinstance(field, models.DateTimeField):
                # One column object per field, kept: the list finds its sortable columns by identity.
                if name not in columns:
                    columns[name] = _local_time_column(name, field)
                shown.append(columns[name])
            else:
                shown.append(name)
        return shown

    def get_list_select_related(self, request):
        related = super().get_list_select_related(request)
        # Each row's times need its tenant (its zone): one join, not a query per row.
        if isinstance(related, list | tuple) and any(f.name == "tenant" for f in self.model._meta.get_fields()):
            return tuple(dict.fromkeys((*related, "tenant")))
        return related

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if self.date_hierarchy is None or self.zone_for_list(request) is not None:
            return changelist
        return _changelist_without_drill_down(changelist)


def _model_field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a method or a lookup path: not a time column of the row itself
        return None
    return field if isinstance(field, models.Field) else None


def _local_time_column(name: str, field: models.DateTimeField) -> Callable[[models.Model], str | None]:
    def column(obj: models.Model) -> str | None:
        value = getattr(obj, name)
        return None if value is None else local_time_text(obj, value)

    column.__name__ = name  # the list's CSS classes (column-<name>, field-<name>) stay the field's
    return admin.display(description=field.verbose_name, ordering=name)(column)


def _changelist_without_drill_down(changelist: type[ChangeList]) -> type[ChangeList]:
    class ChangeListAcrossZones(changelist):  # type: ignore[valid-type, misc]
        def __init__(self, request, model, list_display, list_display_links, list_filter, date_hierarchy,
                     *args, **kwargs):
            super().__init__(request, model, list_display, list_display_links, list_filter, None, *args, **kwargs)

    return ChangeListAcrossZones


class TenantScopedAdmin(
    TenantLocalTimeMixin, TenantScopedPermissionsMixin, TenantScopedFormFieldsMixin, admin.ModelAdmin
):
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
