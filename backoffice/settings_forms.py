"""The forms of the owner's settings pages: each section a short form that parses and validates.

They save nothing themselves: the views hand what they cleaned to the services
(``tenants.services``, ``bookings.configuration``, ``reminders.services``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.configuration import OpeningRange, opening_hours_week, opening_ranges_check
from bookings.models import Resource, Service, Weekday
from reminders.models import ReminderSettings
from tenants.admin import secret_field
from tenants.models import Tenant

TIME_FORMAT = "%H:%M"
# Ranges a day offers on the hours page: lunch and dinner; more when the business already has more.
RANGES_PER_DAY = 2

BUSINESS_FIELDS = ("name", "address", "contact_phone", "language", "timezone")
BOOKING_RULE_FIELDS = (
    "slot_minutes", "min_notice_minutes", "max_days_ahead", "default_duration_minutes", "cancellation_cutoff_hours",
    "pacing_max_covers", "waitlist_hold_minutes", "approval_party_size", "approval_hold_hours",
    "conversation_timeout_minutes", "max_active_bookings_per_customer",
    "max_bookings_per_customer_per_day", "reply_limit_per_minute", "reply_limit_per_hour", "owner_app_silence_minutes",
)


class BusinessForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = BUSINESS_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class BookingRulesForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = BOOKING_RULE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.kind != Tenant.Kind.RESTAURANT:
            del self.fields["pacing_max_covers"]  # covers per slot mean nothing to a salon


def _time_input() -> forms.TimeInput:
    # HH:MM, no seconds: what <input type="time"> sends and shows.
    return forms.TimeInput(format=TIME_FORMAT, attrs={"type": "time", "step": 60})


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        fields = (
            "reminders_enabled", "hours_before", "second_hours_before", "quiet_hours_start", "quiet_hours_end",
            "notify_staff_changes", "review_requests_enabled", "review_delay_hours", "review_link",
            "review_every_days", "rebook_nudges_enabled", "no_show_follow_up_enabled", "reconfirm_party_size",
            "reconfirm_hours_before", "reconfirm_deadline_hours", "reconfirm_release",
        )
        widgets = {"quiet_hours_start": _time_input(), "quiet_hours_end": _time_input()}
        field_classes = {"review_link": partial(forms.URLField, assume_scheme="https")}


class ChannelTokensForm(forms.Form):
    """Access tokens can only be set, replaced or removed: the page never shows them back."""

    CHANNELS = (("whatsapp", "WhatsApp"), ("instagram", "Instagram"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for channel, label in self.CHANNELS:
            self.fields[f"new_{channel}_access_token"] = secret_field(
                format_lazy(gettext_lazy("New {channel} access token"), channel=label),
                gettext_lazy("Leave empty to keep the current token. The token is stored encrypted and never shown."),
            )
            self.fields[f"clear_{channel}_access_token"] = forms.BooleanField(
                label=format_lazy(gettext_lazy("Remove the {channel} access token"), channel=label), required=False,
            )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data  # what a form's clean() returns
        for channel, _label in self.CHANNELS:
            if data.get(f"new_{channel}_access_token") and data.get(f"clear_{channel}_access_token"):
                self.add_error(f"clear_{channel}_access_token", _("Either set a new token or remove it, not both."))
        return data

    def token_changes(self) -> dict[str, str]:
        """Channel -> the new token ("" removes it), for the channels whose token changes."""
        changes = {}
        for channel, _label in self.CHANNELS:
            new = self.cleaned_data.get(f"new_{channel}_access_token")
            if new or self.cleaned_data.get(f"clear_{channel}_access_token"):
                changes[channel] = new or ""
        return changes


# --- Opening hours ----------------------------------------------------------------------


@dataclass
class DaySlot:
    index: int
    opens: forms.BoundField
    closes: forms.BoundField
    last_start: forms.BoundField
    name: str = ""


@dataclass
class DayRow:
    weekday: int
    name: str
    closed: forms.BoundField
    slots: list[DaySlot] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class OpeningHoursForm(forms.Form):
    """The week on one page: per day a "closed" box and one or two ranges (lunch, dinner)."""

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        self.tenant = tenant
        week = opening_hours_week(tenant=tenant)
        # As many ranges as the business already has on its busiest day: none is lost on saving.
        self.ranges_per_day = max(RANGES_PER_DAY, *(len(ranges) for ranges in week.values()))
        kwargs.setdefault("initial", self.initial_from_week(week))
        super().__init__(*args, **kwargs)
        for day in range(7):
            self.fields[f"d{day}_closed"] = forms.BooleanField(label=gettext_lazy("Closed all day"), required=False)
            for index in range(self.ranges_per_day):
                prefix = f"d{day}_{index}"
                self.fields[f"{prefix}_opens"] = forms.TimeField(
                    label=gettext_lazy("Opens"), required=False, widget=_time_input(),
                    input_formats=[TIME_FORMAT, "%H:%M:%S"],
                )
                self.fields[f"{prefix}_closes"] = forms.TimeField(
                    label=gettext_lazy("Closes"), required=False, widget=_time_input(),
                    input_formats=[TIME_FORMAT, "%H:%M:%S"],
                )
                self.fields[f"{prefix}_last"] = forms.TimeField(
                    label=gettext_lazy("Last booking"), required=False, input_formats=[TIME_FORMAT, "%H:%M:%S"],
                    # Salons have no last seating: kept as it is, out of sight.
                    widget=_time_input() if tenant.kind == Tenant.Kind.RESTAURANT
                    else forms.TimeInput(format=TIME_FORMAT, attrs={"type": "hidden"}),
                )

    def initial_from_week(self, week: dict[int, list[OpeningRange]]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for day, ranges in week.items():
            initial[f"d{day}_closed"] = not ranges
            for index, opening in enumerate(ranges):
                initial[f"d{day}_{index}_opens"] = opening.opens
                initial[f"d{day}_{index}_closes"] = opening.closes
                initial[f"d{day}_{index}_last"] = opening.last_start
        return initial

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data  # what a form's clean() returns
        self.week_cleaned: dict[int, list[OpeningRange]] = {}
        for day in range(7):
            ranges: list[OpeningRange] = []
            for index in range(self.ranges_per_day):
                prefix = f"d{day}_{index}"
                opens, closes = data.get(f"{prefix}_opens"), data.get(f"{prefix}_closes")
                last = data.get(f"{prefix}_last")
                if f"{prefix}_opens" in self.errors or f"{prefix}_closes" in self.errors:
                    continue
                if opens is None and closes is None:
                    if last is not None:
                        self.add_error(f"{prefix}_opens", _("Give the opening and closing times of this range."))
                    continue
                if opens is None or closes is None:
                    self.add_error(f"{prefix}_opens", _("Give both the opening and the closing time."))
                    continue
                ranges.append(OpeningRange(opens, closes, last))
            if data.get(f"d{day}_closed"):
                ranges = []  # a closed day keeps no hours, whatever its boxes still hold
            for error in opening_ranges_check(ranges):
                self.add_error(f"d{day}_0_opens", error)
            self.week_cleaned[day] = ranges
        return data

    def days(self) -> list[DayRow]:
        """The week as the page lays it out, each day with its fields and its errors."""
        rows = []
        for day in range(7):
            row = DayRow(day, str(Weekday(day).label), self[f"d{day}_closed"])
            for index in range(self.ranges_per_day):
                prefix = f"d{day}_{index}"
                row.slots.append(DaySlot(index, self[f"{prefix}_opens"], self[f"{prefix}_closes"],
                                         self[f"{prefix}_last"]))
                for name in ("opens", "closes", "last"):
                    row.errors.extend(str(error) for error in self.errors.get(f"{prefix}_{name}", []))
            rows.append(row)
        return rows


def hours_copied(data: QueryDict, *, source: int, targets: list[int], ranges_per_day: int) -> QueryDict:
    """The posted week with ``source``'s closed box and ranges copied onto each day of ``targets``."""
    copied = data.copy()
    for day in targets:
        if day == source:
            continue
        if data.get(f"d{source}_closed"):
            copied[f"d{day}_closed"] = "on"
        else:
            copied.pop(f"d{day}_closed", None)  # an unticked box is not posted at all
        for index in range(ranges_per_day):
            for name in ("opens", "closes", "last"):
                copied[f"d{day}_{index}_{name}"] = data.get(f"d{source}_{index}_{name}", "")
    return copied


class HoursCopyForm(forms.Form):
    """"Copy this day to ...": which day, onto which days (the server path, for pages without JavaScript)."""

    copy_from = forms.TypedChoiceField(
        label=gettext_lazy("Copy the hours of"), choices=Weekday.choices, coerce=int,
    )
    copy_to = forms.TypedMultipleChoiceField(
        label=gettext_lazy("onto these days"), choices=Weekday.choices, coerce=int, widget=forms.CheckboxSelectMultiple,
        required=False,
    )


# --- Closures -----------------------------------------------------------------------------


class ClosureForm(forms.Form):
    first_day = forms.DateField(label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(
        label=gettext_lazy("Last day"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Empty: closed for the first day only."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Christmas holidays, private event…")}),
    )


# --- Tables, staff, services -------------------------------------------------------------


class TenantRowForm(forms.ModelForm):
    """A row of the tenant's: it lands in that tenant, and its name is unique there."""

    unique_name_field = "name"

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.instance.tenant = tenant

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data  # what a form's clean() returns
        name = data.get(self.unique_name_field)
        model = self._meta.model
        assert model is not None
        # The tenant is not a field of the form, so Django's unique check skips (tenant, name).
        if name and model.objects.filter(tenant=self.tenant, **{self.unique_name_field: name}).exclude(
            pk=self.instance.pk
        ).exists():
            self.add_error(self.unique_name_field, _("You already have one with this name."))
        return data


class TableForm(TenantRowForm):
    class Meta:
        model = Resource
        fields = ("name", "min_seats", "max_seats", "is_active", "position")

    def save(self, commit: bool = True) -> Resource:
        self.instance.kind = Resource.Kind.TABLE
        return super().save(commit)


class StaffMemberForm(TenantRowForm):
    # Declared, not generated: a generated field would query every tenant's services when
    # the class is built (refused inside a request's tenant scope); __init__ narrows it.
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=capfirst(Resource._meta.get_field("services").verbose_name),
        help_text=Resource._meta.get_field("services").help_text,
    )

    class Meta:
        model = Resource
        fields = ("name", "services", "is_active", "position")

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, tenant=tenant, **kwargs)
        services = self.fields["services"]
        assert isinstance(services, forms.ModelMultipleChoiceField)
        services.queryset = Service.objects.filter(tenant=tenant)

    def save(self, commit: bool = True) -> Resource:
        self.instance.kind = Resource.Kind.STAFF
        return super().save(commit)


class ServiceForm(TenantRowForm):
    unique_name_field = "name_it"

    class Meta:
        model = Service
        fields = (
            "name_it", "name_en", "duration_minutes", "buffer_minutes", "price", "rebook_after_weeks", "is_active",
            "position",
        )


class _NamesUniqueFormSet(forms.BaseModelFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            name_field = getattr(form, "unique_name_field", "name")
            name = form.cleaned_data.get(name_field) if hasattr(form, "cleaned_data") else None
            if not name:
                continue
            if name in seen:
                form.add_error(name_field, _("Two rows have this name."))
            seen.add(name)


def tenant_rows_formset(
    form: type[TenantRowForm], *, tenant: Tenant, queryset: QuerySet, data: QueryDict | None = None
) -> forms.BaseModelFormSet:
    """Every row of ``queryset`` plus one empty one to add; rows in use are switched off, not deleted."""
    formset_class = forms.modelformset_factory(
        form._meta.model, form=form, formset=_NamesUniqueFormSet, extra=1, can_delete=False,
    )
    return formset_class(data, queryset=queryset, form_kwargs={"tenant": tenant}, prefix="rows")
