from datetime import timedelta

from django import forms
from django.contrib import admin
from django.utils import timezone

from bookings.models import Appointment, Closure, OpeningHours, Resource, Service
from tenants.admin_scoping import TenantScopedAdmin, TenantScopedInline


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ("tenant", "kind", "name", "min_seats", "max_seats", "services", "is_active", "position")

    def clean(self):
        cleaned = super().clean()
        tenant_id = cleaned.get("tenant").pk if cleaned.get("tenant") else self.instance.tenant_id
        foreign = [s for s in cleaned.get("services") or [] if s.tenant_id != tenant_id]
        if foreign:
            self.add_error("services", "Only this tenant's services can be linked.")
        return cleaned


# --- Inlines on the tenant page ----------------------------------------------------


class ServiceInline(TenantScopedInline, admin.TabularInline):
    model = Service
    extra = 0
    fields = ("name_it", "name_en", "aliases", "duration_minutes", "buffer_minutes", "price", "is_active", "position")


class OpeningHoursInline(TenantScopedInline, admin.TabularInline):
    model = OpeningHours
    extra = 0
    fields = ("weekday", "opens", "closes", "last_start")


class ClosureInline(TenantScopedInline, admin.TabularInline):
    model = Closure
    extra = 0
    fields = ("starts_at", "ends_at", "reason")


class ResourceInline(TenantScopedInline, admin.TabularInline):
    model = Resource
    form = ResourceForm
    extra = 0
    fields = ("kind", "name", "min_seats", "max_seats", "services", "is_active", "position")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and "services" in formset.form.base_fields:
            # The form class is built for this request, so narrowing it is safe.
            formset.form.base_fields["services"].queryset = Service.objects.filter(tenant=obj)
        return formset


# --- Stand-alone pages ------------------------------------------------------------


@admin.register(Service)
class ServiceAdmin(TenantScopedAdmin):
    list_display = ("name_it", "name_en", "tenant", "duration_minutes", "price", "is_active")
    list_filter = ("is_active", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name_it", "name_en", "aliases")
    list_select_related = ("tenant",)


@admin.register(OpeningHours)
class OpeningHoursAdmin(TenantScopedAdmin):
    list_display = ("tenant", "weekday", "opens", "closes", "last_start")
    list_filter = ("weekday", ("tenant", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("tenant",)


@admin.register(Closure)
class ClosureAdmin(TenantScopedAdmin):
    list_display = ("tenant", "starts_at", "ends_at", "reason")
    list_filter = (("tenant", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("reason",)
    date_hierarchy = "starts_at"
    list_select_related = ("tenant",)


@admin.register(Resource)
class ResourceAdmin(TenantScopedAdmin):
    form = ResourceForm
    list_display = ("name", "kind", "tenant", "min_seats", "max_seats", "is_active")
    list_filter = ("kind", "is_active", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name",)
    filter_horizontal = ("services",)
    list_select_related = ("tenant",)


class AppointmentDayFilter(admin.SimpleListFilter):
    """Today / tomorrow / upcoming / past, in the active (tenant's) time zone."""

    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("tomorrow", "Tomorrow"), ("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request, queryset):
        now = timezone.localtime()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.value() == "today":
            return queryset.filter(starts_at__gte=midnight, starts_at__lt=_next_midnight(midnight))
        if self.value() == "tomorrow":
            tomorrow = _next_midnight(midnight)
            return queryset.filter(starts_at__gte=tomorrow, starts_at__lt=_next_midnight(tomorrow))
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=now)
        if self.value() == "past":
            return queryset.filter(starts_at__lt=now)
        return queryset


def _next_midnight(midnight):
    # Aware arithmetic with zoneinfo is wall-clock arithmetic: one day later is the
    # next midnight even on a 23- or 25-hour DST day.
    return midnight + timedelta(days=1)


@admin.register(Appointment)
class AppointmentAdmin(TenantScopedAdmin):
    list_display = (
        "reference", "starts_at", "ends_at", "customer", "party_size", "service", "resource", "status", "channel",
    )
    list_filter = (
        AppointmentDayFilter,
        "status",
        "channel",
        ("resource", admin.RelatedOnlyFieldListFilter),
        ("service", admin.RelatedOnlyFieldListFilter),
        ("tenant", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reference", "customer__display_name", "customer__phone", "notes")
    date_hierarchy = "starts_at"
    list_select_related = ("tenant", "customer", "service", "resource")
    readonly_fields = ("created_at", "updated_at", "cancelled_at")
    autocomplete_fields = ("customer",)
