"""The owner's settings: the tenant page split into short sections under /admin/settings/.

Each view resolves the tenant once (``views._tenant``: staff of one business get it,
anyone else's is a 404), parses its short form and calls one service. The full tenant
form in the admin stays the operator's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backoffice.settings_forms import (
    BookingRulesForm,
    BusinessForm,
    ChannelTokensForm,
    ClosureForm,
    HoursCopyForm,
    OpeningHoursForm,
    ReminderSettingsForm,
    ServiceForm,
    StaffMemberForm,
    TableForm,
    TenantRowForm,
    hours_copied,
    tenant_rows_formset,
)
from backoffice.sites import ADVANCED_APP_LABEL
from backoffice.views import _render, _tenant, _tenant_choice, _tenant_query, _tenant_slug
from bookings.configuration import (
    ClosureInvalid,
    OpeningHoursInvalid,
    closure_add,
    closure_delete,
    opening_hours_replace,
)
from bookings.models import Closure, Resource, Service
from feeds.services import FeedUnknown, calendar_feed_create_or_rotate, calendar_feed_rows, public_base_url
from reminders.selectors import reminder_settings_get
from reminders.services import reminder_settings_update
from tenants.admin import token_status_display
from tenants.audit import tenant_ids_owned_by
from tenants.models import Tenant
from tenants.services import tenant_access_token_set, tenant_settings_update


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    summary: str


def sections(tenant: Tenant) -> list[Section]:
    """The settings pages, in the order an owner sets a business up, each with what it is for."""
    restaurant = tenant.kind == Tenant.Kind.RESTAURANT
    return [
        Section("business", _("Business"), _("Name, address, phone number, language and time zone.")),
        Section("hours", _("Opening hours"), _("Your hours for each day of the week.")),
        Section("closures", _("Closures"), _("Holidays and days off, when nobody can book.")),
        Section("resources", _("Tables") if restaurant else _("Staff"),
                _("Your tables and how many guests each one seats.") if restaurant
                else _("The people customers book with, and what each one does.")),
        Section("services", _("Services"), _("What customers book: how long it takes and what it costs.")),
        Section("booking", _("Booking rules"),
                _("How far ahead and how close to the time customers may book, and limits per customer.")),
        Section("reminders", _("Reminders"), _("When customers are reminded of their bookings.")),
        Section("channels", _("Channels and tokens"),
                _("Your WhatsApp and Instagram accounts and their access tokens.")),
        Section("feeds", _("Calendar feeds"),
                _("Your bookings in Google Calendar or Apple Calendar: one address for the business and one "
                  "for each table or staff member.")),
    ]


def _section(tenant: Tenant, slug: str) -> Section:
    return next(section for section in sections(tenant) if section.slug == slug)


def _is_owner(user: User | AnonymousUser, tenant: Tenant) -> bool:
    return user.is_superuser or tenant.pk in tenant_ids_owned_by(user)


def _page(request: HttpRequest, tenant: Tenant, slug: str, template: str, context: dict,
          status: int = 200) -> HttpResponse:
    response = _render(request, template, {
        "title": _section(tenant, slug).title,
        "section": _section(tenant, slug),
        "tenant": tenant,
        "tenant_slug": _tenant_slug(request, tenant),
        "index_query": _tenant_query(request, tenant),
        "is_nav_sidebar_enabled": False,
        **context,
    }, tenant)
    response.status_code = status
    return response


def _back(request: HttpRequest, tenant: Tenant, slug: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        f"{reverse('admin:backoffice_settings_section', args=[slug])}{_tenant_query(request, tenant)}"
    )


def _saved(request: HttpRequest, changed: bool) -> None:
    if changed:
        messages.success(request, _("Saved."))
    else:
        messages.info(request, _("Nothing changed."))


# --- The index -----------------------------------------------------------------------------


def settings_index(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Settings"))
    return _render(request, "backoffice/settings_index.html", {
        "title": _("Settings"),
        "sections": sections(tenant),
        "advanced_models": next((app["models"] for app in admin.site.get_app_list(request)
                                 if app["app_label"] == ADVANCED_APP_LABEL), []),
        "tenant": tenant,
        "tenant_query": _tenant_query(request, tenant),
        "is_nav_sidebar_enabled": False,
    }, tenant)


def settings_section(request: HttpRequest, section: str) -> HttpResponse:
    view = SECTION_VIEWS.get(section)
    if view is None:
        raise Http404("No such settings section.")
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Settings"))
    return view(request, tenant)


# --- Business, booking rules, reminders: one short form each ---------------------------------


def _tenant_fields_page(request: HttpRequest, tenant: Tenant, slug: str, form_class: type) -> HttpResponse:
    # The form works on a copy: a refused form must not leave half-typed values on the tenant.
    form = form_class(request.POST or None, instance=Tenant.objects.get(pk=tenant.pk))
    if request.method == "POST":
        if form.is_valid():
            changed = tenant_settings_update(tenant=tenant, changes={name: form.cleaned_data[name]
                                                                     for name in form.fields})
            _saved(request, bool(changed))
            return _back(request, tenant, slug)
        return _page(request, tenant, slug, "backoffice/settings_form.html", {"form": form}, status=400)
    return _page(request, tenant, slug, "backoffice/settings_form.html", {"form": form})


def business_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    return _tenant_fields_page(request, tenant, "business", BusinessForm)


def booking_rules_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    return _tenant_fields_page(request, tenant, "booking", BookingRulesForm)


def reminders_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form = ReminderSettingsForm(request.POST or None, instance=reminder_settings_get(tenant=tenant))
    if request.method == "POST":
        if form.is_valid():
            reminder_settings_update(tenant=tenant, changes={name: form.cleaned_data[name] for name in form.fields})
            _saved(request, form.has_changed())
            return _back(request, tenant, "reminders")
        return _page(request, tenant, "reminders", "backoffice/settings_form.html", {"form": form}, status=400)
    return _page(request, tenant, "reminders", "backoffice/settings_form.html", {"form": form})


# --- Channels and tokens ----------------------------------------------------------------------


def channels_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    owner = _is_owner(request.user, tenant)
    form = ChannelTokensForm(request.POST or None) if owner else None
    if request.method == "POST":
        if form is None:
            raise Http404("Only owners change the access tokens.")
        if form.is_valid():
            changes = form.token_changes()
            user = request.user
            assert isinstance(user, User)  # behind the admin's login
            for channel, token in changes.items():
                tenant_access_token_set(tenant=tenant, channel=channel, token=token, actor=user)
            _saved(request, bool(changes))
            return _back(request, tenant, "channels")
    fresh = Tenant.objects.get(pk=tenant.pk)
    with timezone.override(tenant.tzinfo):
        accounts: list[dict[str, Any]] = [
            {
                "name": "WhatsApp",
                "channel": "whatsapp",
                "ids": [
                    (_("Phone number id"), fresh.whatsapp_phone_number_id),
                    (_("Business account id"), fresh.whatsapp_business_account_id),
                    (_("Number customers write to"), fresh.whatsapp_display_phone_number),
                ],
                "status": token_status_display(fresh.has_whatsapp_token, fresh.whatsapp_token_invalid_at),
            },
            {
                "name": "Instagram",
                "channel": "instagram",
                "ids": [(_("Account id"), fresh.instagram_account_id)],
                "status": token_status_display(fresh.has_instagram_token, fresh.instagram_token_invalid_at),
            },
        ]
    for account in accounts:
        if form is not None:
            account["new"] = form[f"new_{account['channel']}_access_token"]
            account["clear"] = form[f"clear_{account['channel']}_access_token"]
    return _page(request, tenant, "channels", "backoffice/settings_channels.html", {
        "form": form, "accounts": accounts, "is_owner": owner,
        "tenant_change_url": reverse("admin:tenants_tenant_change", args=[tenant.pk]),
        "connect_url": f"{reverse('admin:backoffice_whatsapp_connect')}{_tenant_query(request, tenant)}",
    }, status=400 if form is not None and form.is_bound else 200)


# --- Opening hours ------------------------------------------------------------------------------


def hours_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    copy_form = HoursCopyForm(request.POST if "copy" in request.POST else None, prefix="copy")
    if request.method != "POST":
        form = OpeningHoursForm(tenant=tenant)
        return _hours_render(request, tenant, form, copy_form)
    form = OpeningHoursForm(request.POST, tenant=tenant)
    if "apply_all" in request.POST or "copy" in request.POST:
        # The buttons' server path (the page's script does the same in the browser):
        # the copied week is shown to check, and saved only with "Save".
        if "apply_all" in request.POST:
            source, targets = 0, list(range(7))
            note = _("Monday's hours are now on every day. Check them and save.")
        elif copy_form.is_valid():
            source, targets = copy_form.cleaned_data["copy_from"], copy_form.cleaned_data["copy_to"]
            note = _("Hours copied. Check them and save.") if targets else _("Tick the days to copy the hours to.")
        else:
            return _hours_render(request, tenant, form, copy_form, status=400)
        data = hours_copied(request.POST, source=source, targets=targets, ranges_per_day=form.ranges_per_day)
        messages.info(request, note)
        return _hours_render(request, tenant, OpeningHoursForm(data, tenant=tenant), HoursCopyForm(prefix="copy"))
    if form.is_valid():
        try:
            changed = opening_hours_replace(tenant=tenant, week=form.week_cleaned)
        except OpeningHoursInvalid as refused:  # the form checks the same rules: only a race lands here
            for day, errors in refused.errors.items():
                for error in errors:
                    form.add_error(f"d{day}_0_opens", error)
        else:
            _saved(request, changed)
            return _back(request, tenant, "hours")
    return _hours_render(request, tenant, form, HoursCopyForm(prefix="copy"), status=400)


def _hours_render(request: HttpRequest, tenant: Tenant, form: OpeningHoursForm, copy_form: HoursCopyForm,
                  status: int = 200) -> HttpResponse:
    names = [_("Lunch"), _("Dinner")] if tenant.kind == Tenant.Kind.RESTAURANT else [_("Morning"), _("Afternoon")]
    days = form.days()
    for day in days:
        for slot in day.slots:
            slot.name = names[slot.index] if slot.index < len(names) else _("More hours")
    return _page(request, tenant, "hours", "backoffice/settings_hours.html", {
        "form": form, "days": days, "copy_form": copy_form,
        "show_last_start": tenant.kind == Tenant.Kind.RESTAURANT,
    }, status=status)


# --- Closures -------------------------------------------------------------------------------------


def closures_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form = ClosureForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                closure_add(tenant=tenant, first_day=data["first_day"], last_day=data["last_day"] or data["first_day"],
                            reason=data["reason"])
            except ClosureInvalid as refused:
                form.add_error("last_day", str(refused))
            else:
                messages.success(request, _("Closure added."))
                return _back(request, tenant, "closures")
        status = 400
    now = timezone.now()
    closures = Closure.objects.filter(tenant=tenant, ends_at__gt=now).select_related("tenant").order_by("starts_at")
    return _page(request, tenant, "closures", "backoffice/settings_closures.html", {
        "form": form, "closures": [(closure, _closure_text(closure, tenant)) for closure in closures],
    }, status=status)


def _closure_text(closure: Closure, tenant: Tenant) -> str:
    """Whole days as dates ("24 Dec 2026 – 26 Dec 2026 Christmas"); any other closure with its times."""
    starts, ends = closure.starts_at.astimezone(tenant.tzinfo), closure.ends_at.astimezone(tenant.tzinfo)
    if starts.time() != time(0) or ends.time() != time(0):
        return str(closure)
    first, last = starts.date(), ends.date() - timedelta(days=1)
    days = date_format(first, "j M Y")
    if last != first:
        days = f"{days} – {date_format(last, 'j M Y')}"
    return f"{days} {closure.reason}".strip()


@require_POST
def closure_remove(request: HttpRequest, closure_id: int) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a business first.")
    if not closure_delete(tenant=tenant, closure_id=closure_id):
        raise Http404("No such closure.")  # someone else's answers like a missing one
    messages.success(request, _("Closure removed."))
    return _back(request, tenant, "closures")


# --- Tables or staff, services --------------------------------------------------------------------


def resources_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    form: type[TenantRowForm]
    if tenant.kind == Tenant.Kind.RESTAURANT:
        form, kind, new_row = TableForm, Resource.Kind.TABLE, gettext_lazy("New table")
    else:
        form, kind, new_row = StaffMemberForm, Resource.Kind.STAFF, gettext_lazy("New staff member")
    queryset = Resource.objects.filter(tenant=tenant, kind=kind).order_by("position", "name")
    return _rows_page(request, tenant, "resources", form, queryset, new_row)


def services_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    queryset = Service.objects.filter(tenant=tenant).order_by("position", "name_it")
    return _rows_page(request, tenant, "services", ServiceForm, queryset, gettext_lazy("New service"))


def _rows_page(request: HttpRequest, tenant: Tenant, slug: str, form: type, queryset, new_row) -> HttpResponse:
    formset = tenant_rows_formset(form, tenant=tenant, queryset=queryset,
                                  data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if formset.is_valid():
            with transaction.atomic():
                # Each saved row bumps config_version (bookings.signals).
                saved = formset.save()
            _saved(request, bool(saved))
            return _back(request, tenant, slug)
        return _page(request, tenant, slug, "backoffice/settings_rows.html",
                     {"formset": formset, "new_row": new_row}, status=400)
    return _page(request, tenant, slug, "backoffice/settings_rows.html", {"formset": formset, "new_row": new_row})


# --- Calendar feeds -------------------------------------------------------------------------------


def feeds_page(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    """Any staff member of the business creates an address or replaces it with a new one."""
    if request.method == "POST":
        raw = request.POST.get("resource", "").strip()
        if raw and not raw.isdigit():
            raise Http404("No such table or staff member.")
        try:
            feed = calendar_feed_create_or_rotate(tenant=tenant, resource_id=int(raw) if raw else None,
                                                  now=timezone.now())
        except FeedUnknown:
            raise Http404("No such table or staff member.") from None  # another business's answers like a missing one
        if feed.rotated_at:
            messages.success(request, _("New calendar address ready: the old one no longer works."))
        else:
            messages.success(request, _("Calendar address ready: copy it into your calendar app."))
        return _back(request, tenant, "feeds")
    rows = calendar_feed_rows(tenant=tenant, base_url=public_base_url(request.build_absolute_uri("/")))
    return _page(request, tenant, "feeds", "backoffice/settings_feeds.html", {"rows": rows})


SECTION_VIEWS = {
    "business": business_page,
    "hours": hours_page,
    "closures": closures_page,
    "resources": resources_page,
    "services": services_page,
    "booking": booking_rules_page,
    "reminders": reminders_page,
    "channels": channels_page,
    "feeds": feeds_page,
}
