import zoneinfo
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings.configuration import closure_delete
from bookings.errors import (
    AppointmentNotActive,
    BookingError,
    NoTableFits,
    NoticeTooShort,
    OutsideOpeningHours,
    ServiceNotOffered,
    SlotUnavailable,
    TooFarAhead,
    booking_refusal_text,
)
from bookings.models import Appointment, Closure, OpeningHours, Resource, Service, WaitlistRequest
from bookings.services import appointment_delete, appointment_staff_book, appointment_staff_change
from bookings.waitlist import waitlist_withdraw
from customers.services import (
    PhoneNumberInvalid,
    customer_get_or_create_for_staff_booking,
    phone_normalise,
    tenant_phone_region,
)
from tenants.admin_scoping import TENANT_FILTER_PARAMETER, TenantScopedAdmin, TenantScopedInline, tenant_from_parameter
from tenants.models import Tenant
from tenants.selectors import tenants_for_user


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ("tenant", "kind", "name", "min_seats", "max_seats", "services", "is_active", "position")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what a model form's clean() returns
        tenant = cleaned.get("tenant")
        tenant_id = tenant.pk if tenant else self.instance.tenant_id
        foreign = [s for s in cleaned.get("services") or [] if s.tenant_id != tenant_id]
        if foreign:
            self.add_error("services", _("Only this tenant's services can be linked."))
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
        services = formset.form.base_fields.get("services") if obj is not None else None
        if isinstance(services, forms.ModelChoiceField):
            # The form class is built for this request, so narrowing it is safe.
            services.queryset = Service.objects.filter(tenant=obj)
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

    # Through the service: the days open again are offered to the waitlist.
    def delete_model(self, request, obj):
        closure_delete(tenant=obj.tenant, closure_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for closure in queryset.select_related("tenant"):
            closure_delete(tenant=closure.tenant, closure_id=closure.pk)


@admin.register(Resource)
class ResourceAdmin(TenantScopedAdmin):
    form = ResourceForm
    list_display = ("name", "kind", "tenant", "min_seats", "max_seats", "is_active")
    list_filter = ("kind", "is_active", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name",)
    filter_horizontal = ("services",)
    list_select_related = ("tenant",)


class AppointmentDayFilter(admin.SimpleListFilter):
    """Today / tomorrow / upcoming / past: "today" is each business's own calendar day.

    A list that shows businesses in several zones (the operator's) finds each booking's
    "today" on its own business's clock, so it never depends on who is looking.
    """

    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("today", _("Today")), ("tomorrow", _("Tomorrow")), ("upcoming", _("Upcoming")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value in ("today", "tomorrow"):
            days_ahead = 0 if value == "today" else 1
            zones = queryset.order_by().values_list("tenant__timezone", flat=True).distinct()
            within = Q(pk__in=[])
            for zone in zones:
                start, end = _local_day_bounds(zoneinfo.ZoneInfo(zone), days_ahead)
                within |= Q(tenant__timezone=zone, starts_at__gte=start, starts_at__lt=end)
            return queryset.filter(within)
        if value == "upcoming":
            return queryset.filter(starts_at__gte=timezone.now())
        if value == "past":
            return queryset.filter(starts_at__lt=timezone.now())
        return queryset


def _local_day_bounds(zone: tzinfo, days_ahead: int) -> tuple[datetime, datetime]:
    """Midnight to midnight of today (+ ``days_ahead``) on ``zone``'s wall clock."""
    midnight = timezone.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    for _day in range(days_ahead):
        midnight = _next_midnight(midnight)
    return midnight, _next_midnight(midnight)


def _next_midnight(midnight: datetime) -> datetime:
    # Aware arithmetic with zoneinfo is wall-clock arithmetic: one day later is the
    # next midnight even on a 23- or 25-hour DST day.
    return midnight + timedelta(days=1)


class AppointmentStatusFilter(admin.SimpleListFilter):
    """The bookings that are still happening, unless staff ask for the cancelled ones too.

    Keeps the ``status__exact`` parameter of a plain status filter, so links that name
    a status keep working; ``status__exact=all`` shows every booking.
    """

    title = _("status")
    parameter_name = "status__exact"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Appointment.Status.choices, (self.ALL, _("All, cancelled too"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("All but cancelled"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset.exclude(status=Appointment.Status.CANCELLED)
        if value == self.ALL:
            return queryset
        if value not in Appointment.Status.values:
            raise IncorrectLookupParameters(value)
        return queryset.filter(status=value)


class AppointmentAdminForm(forms.ModelForm):
    """Staff create and edit bookings through the booking services, never by saving the row.

    The form checks the input; the booking rules are checked once, by the service that
    writes, which ``AppointmentAdmin.save_model`` calls. A refusal there (an overlapping
    booking, a closed day) comes back to this form as ``refusal``: the same input shown
    again with the error on its field, and nothing written.
    """

    refusal: BookingError | None = None

    # A new booking is for a customer picked from the list, or for a guest typed by name
    # and phone (found among, or added to, the business's WhatsApp customers).
    guest_name = forms.CharField(
        required=False, max_length=200, label=_("Guest's name"),
        help_text=_("Or, instead of picking a customer: the guest's name and phone."),
    )
    guest_phone = forms.CharField(
        required=False, max_length=40, label=_("Guest's phone"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "placeholder": "347 123 4567"}),
        help_text=_("Read in the business's country unless typed with +. The confirmation and the reminder go "
                    "to it on WhatsApp."),
    )

    class Meta:
        model = Appointment
        fields = ("tenant", "customer", "service", "resource", "starts_at", "party_size", "status", "notes")
        help_texts = {
            "starts_at": _("In the business's time zone."),
            "resource": _("Leave empty to give the booking the smallest free table that fits, or any free "
                          "staff member who does the service."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "resource" in self.fields:
            self.fields["resource"].required = False
        if not self.instance._state.adding:
            # An existing booking changes its customer by picking one.
            self.fields.pop("guest_name", None)
            self.fields.pop("guest_phone", None)

    def clean(self):
        cleaned = super().clean()
        self._guest_clean(self.cleaned_data)  # what a model form's clean() returns
        if self.refusal is not None:
            self.add_error(_error_field(self.refusal, self.fields), booking_refusal_text(self.refusal))
        return cleaned

    def _guest_clean(self, cleaned: dict) -> None:
        name = (cleaned.get("guest_name") or "").strip()
        phone = (cleaned.get("guest_phone") or "").strip()
        cleaned["guest_name"], cleaned["guest_phone"] = name, phone
        if not (name or phone):
            return
        if cleaned.get("customer") is not None:
            self.add_error("guest_phone", _("Pick a customer or type the guest's name and phone, not both."))
        elif not name:
            self.add_error("guest_name", _("Type the guest's name."))
        elif not phone:
            self.add_error("guest_phone", _("Type the guest's phone number, or pick a customer."))
        else:
            tenant = cleaned.get("tenant") or (self.instance.tenant if self.instance.tenant_id else None)
            if tenant is None:
                return  # the tenant field has its own error
            try:
                # The customer service reads the number the same way when it saves.
                phone_normalise(phone, region=tenant_phone_region(tenant))
            except PhoneNumberInvalid:
                self.add_error("guest_phone", _(
                    "This is not a valid phone number. Type it with its country code if it is foreign, "
                    "e.g. +44 7700 900123."
                ))

    def booking_save(self) -> Appointment:
        """Book, or apply the edit, through the booking services; raises their ``BookingError``.

        A guest typed by name and phone becomes the business's WhatsApp customer with that
        number (found, or created) before booking, so the confirmation and the reminders
        reach them; the admin's transaction undoes it if the booking is refused.
        """
        data = self.cleaned_data
        if self.instance._state.adding:
            customer = data.get("customer")
            if customer is None and data.get("guest_phone"):
                customer = customer_get_or_create_for_staff_booking(
                    tenant=self.instance.tenant, name=data["guest_name"], phone=data["guest_phone"]
                )
            return appointment_staff_book(
                tenant=self.instance.tenant, start=data["starts_at"], party_size=data["party_size"],
                service=data.get("service"), resource=data.get("resource"), customer=customer,
                channel=Appointment.Channel.ADMIN, notes=data.get("notes", ""),
            )
        # Only what staff changed is passed: the rest stays as the row has it.
        changes: dict[str, Any] = {
            argument: data.get(field)
            for field, argument in (
                ("starts_at", "start"), ("resource", "resource"), ("party_size", "party_size"),
                ("service", "service"), ("customer", "customer"), ("notes", "notes"), ("status", "status"),
            )
            if field in self.changed_data
        }
        return appointment_staff_change(tenant=self.instance.tenant, appointment=self.instance, **changes)


class _Refused(Exception):
    """A booking service refused what the admin form asked for (raised in ``save_model``)."""

    def __init__(self, error: BookingError) -> None:
        self.error = error
        super().__init__(error.message)


# Where a refusal waits, on the request, for the form of the view's second run (``changeform_view``).
_REFUSAL = "_lyo_booking_refusal"


def _error_field(error: BookingError, fields) -> str | None:
    field = {
        SlotUnavailable: "starts_at",
        OutsideOpeningHours: "starts_at",
        NoticeTooShort: "starts_at",
        TooFarAhead: "starts_at",
        NoTableFits: "party_size",
        ServiceNotOffered: "service",
        AppointmentNotActive: "status",
    }.get(type(error))
    return field if field in fields else None


@admin.register(Appointment)
class AppointmentAdmin(TenantScopedAdmin):
    form = AppointmentAdminForm
    # "Who is coming": when, who, how many (or which service), where, and whether it stands.
    # get_list_display leaves out what the businesses shown do not have.
    list_display = (
        "starts_at", "guest", "party_size", "service", "resource", "status", "channel", "confirmed_by_customer",
        "reference", "tenant",
    )
    list_filter = (
        AppointmentDayFilter,
        AppointmentStatusFilter,
        "channel",
        ("resource", admin.RelatedOnlyFieldListFilter),
        ("service", admin.RelatedOnlyFieldListFilter),
        ("tenant", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reference", "customer__display_name", "customer__phone", "notes")
    date_hierarchy = "starts_at"
    list_select_related = ("tenant", "customer", "service", "resource")
    autocomplete_fields = ("customer",)
    actions = ["cancel_selected", "mark_no_show"]
    # The quick links to today's and tomorrow's bookings live in the change list template.
    change_list_template = "admin/bookings/appointment/change_list.html"

    ADD_FIELDS = (
        "tenant", "customer", "guest_name", "guest_phone", "service", "resource", "starts_at", "party_size", "notes",
    )
    CHANGE_FIELDS = (
        "tenant", "reference", "customer", "service", "resource", "starts_at", "ends_at", "blocks_until",
        "party_size", "status", "channel", "notes", "created_at", "updated_at", "cancelled_at",
        "customer_confirmed_at", "reminder_sent_at", "second_reminder_sent_at", "same_visit",
    )
    CHANGE_READONLY = ("tenant", "reference", "ends_at", "blocks_until", "channel", "created_at", "updated_at",
                       "cancelled_at", "customer_confirmed_at", "reminder_sent_at", "second_reminder_sent_at",
                       "same_visit")

    def get_fields(self, request, obj=None):
        return self.CHANGE_FIELDS if obj is not None else self.ADD_FIELDS

    def get_list_display(self, request):
        tenants = tenants_for_user(request.user)
        chosen = tenant_from_parameter(request, request.GET.get(TENANT_FILTER_PARAMETER))
        if chosen is not None:
            tenants = tenants.filter(pk=chosen.pk)
        kinds = set(tenants.order_by().values_list("kind", flat=True).distinct())
        hidden = set()
        if kinds == {Tenant.Kind.RESTAURANT}:
            hidden.add("service")  # a restaurant books tables, not services
        if kinds == {Tenant.Kind.SALON}:
            hidden.add("party_size")  # a salon books one person at a time
        if tenants[:2].count() < 2:
            hidden.add("tenant")
        return self.local_time_columns(name for name in self.list_display if name not in hidden)

    @admin.display(description=_("guest"), ordering="customer__display_name")
    def guest(self, appointment: Appointment) -> str:
        if appointment.customer is not None:
            return str(appointment.customer)
        # A walk-in taken on the day view has no customer: its name heads the notes.
        return appointment.notes.split(" · ", 1)[0][:60]

    @admin.display(description=_("same visit"))
    def same_visit(self, appointment: Appointment) -> str:
        """The other services booked back to back with this one ("colore e piega"), with their links."""
        first = appointment.visit_first or appointment
        others = [first, *Appointment.objects.filter(tenant_id=appointment.tenant_id, visit_first=first)
                  .select_related("service").order_by("starts_at")]
        others = [other for other in others if other.pk != appointment.pk]
        if not others:
            return "—"
        return format_html_join(
            ", ", '<a href="{}">{} {}</a>',
            ((reverse("admin:bookings_appointment_change", args=[other.pk]), other.reference,
              other.service or "") for other in others),
        )

    def get_readonly_fields(self, request, obj=None):
        return self.CHANGE_READONLY if obj is not None else ()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            # The view's transaction rolled back: nothing is written and nobody told. The
            # same request runs again with a form that carries the refusal as its error, so
            # staff see their input and the reason, as for any invalid form.
            setattr(request, _REFUSAL, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, _REFUSAL, None)
        if refusal is not None:
            form = type(form.__name__, (form,), {"refusal": refusal})
        return form

    def save_model(self, request, obj, form, change):
        self.tenant_enforce(request, obj)
        try:
            saved = form.booking_save()
        except BookingError as error:
            raise _Refused(error) from error
        _row_copy(saved, obj)

    # Through the service: a future booking deleted frees its slot for the waitlist.
    def delete_model(self, request, obj):
        appointment_delete(tenant=obj.tenant, appointment=obj)

    def delete_queryset(self, request, queryset):
        for appointment in queryset.select_related("tenant"):
            appointment_delete(tenant=appointment.tenant, appointment=appointment)

    @admin.display(description=_("confirmed by customer"), boolean=True, ordering="customer_confirmed_at")
    def confirmed_by_customer(self, appointment: Appointment) -> bool:
        return appointment.customer_confirmed_at is not None

    @admin.action(description=_("Cancel selected bookings"))
    def cancel_selected(self, request, queryset):
        cancelled, refused = 0, []
        for appointment in queryset.select_related("tenant"):
            try:
                appointment_staff_change(
                    tenant=appointment.tenant, appointment=appointment, status=Appointment.Status.CANCELLED
                )
                cancelled += 1
            except BookingError as error:
                refused.append(f"{appointment.reference}: {error.message}")
        if cancelled:
            self.message_user(
                request,
                ngettext("Cancelled %(n)d booking.", "Cancelled %(n)d bookings.", cancelled) % {"n": cancelled},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(request, _("Not cancelled: %(list)s") % {"list": "; ".join(refused)}, messages.WARNING)

    @admin.action(description=_("Mark selected bookings as no-show"))
    def mark_no_show(self, request, queryset):
        marked, refused = 0, []
        for appointment in queryset.select_related("tenant"):
            try:
                appointment_staff_change(
                    tenant=appointment.tenant, appointment=appointment, status=Appointment.Status.NO_SHOW
                )
                marked += 1
            except BookingError as error:
                refused.append(f"{appointment.reference}: {error.message}")
        if marked:
            self.message_user(
                request,
                ngettext("Marked %(n)d booking as no-show.", "Marked %(n)d bookings as no-show.", marked)
                % {"n": marked},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(request, _("Not marked: %(list)s") % {"list": "; ".join(refused)}, messages.WARNING)


def _row_copy(source: Appointment, target: Appointment) -> None:
    """Make the admin's instance the row the service wrote (its redirect and history use it)."""
    for field in Appointment._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding, target._state.db = False, source._state.db
    target._state.fields_cache.clear()


@admin.register(WaitlistRequest)
class WaitlistRequestAdmin(TenantScopedAdmin):
    """The waitlist, to read: customers join and leave it from the chat, staff offer from the day view."""

    list_display = ("window_starts_at", "window_ends_at", "customer", "party_size", "service", "resource", "status",
                    "offer", "created_at", "tenant")
    list_filter = ("status", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("customer__display_name", "customer__phone")
    date_hierarchy = "window_starts_at"
    list_select_related = ("tenant", "customer", "service", "resource", "offer")
    actions = ["withdraw_selected"]
    fields = ("tenant", "customer", "window_starts_at", "window_ends_at", "party_size", "service", "resource",
              "channel", "status", "offer", "created_at", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False  # a request is the customer's own: made in the chat

    @admin.action(description=_("Take selected requests off the waitlist"))
    def withdraw_selected(self, request, queryset):
        withdrawn = sum(
            waitlist_withdraw(tenant=waiting.tenant, request=waiting) for waiting in queryset.select_related("tenant")
        )
        self.message_user(
            request,
            ngettext("Took %(n)d request off the waitlist.", "Took %(n)d requests off the waitlist.", withdrawn)
            % {"n": withdrawn},
            messages.SUCCESS,
        )
