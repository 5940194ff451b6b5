"""The staff alert pages: "seen" on the home page's alerts, and each staff member's alert settings.

Edges like the other staff pages: the tenant is resolved from the request
(``views._tenant``), the user is the one signed in, and one service does the write.
Another tenant's alert is a 404, like a missing one.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alerts.models import Alert, AlertKind, AlertPreference, AlertSettings, Medium
from alerts.selectors import (
    alert_deliveries_recent_problems,
    alert_preference_get,
    alert_settings_get,
    staff_alert_template,
)
from alerts.services import (
    PhoneNumberInvalid,
    PreferenceInput,
    alert_preference_phone,
    alert_preference_save,
    alert_seen_mark,
    alert_settings_save,
    alerts_all_seen_mark,
)
from backoffice.views import _render, _tenant, _tenant_choice, _tenant_query, _tenant_slug
from tenants.models import Tenant, TenantMembership

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the pages are behind the admin's login
    return user


def _home(request: HttpRequest, tenant: Tenant) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('admin:index')}{_tenant_query(request, tenant)}#lyo-alerts")


@require_POST
def alert_seen(request: HttpRequest, alert_id: int) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a tenant first.")
    try:
        alert_seen_mark(tenant=tenant, user=_user(request), alert_id=alert_id)
    except Alert.DoesNotExist:
        raise Http404("No such alert.") from None
    return _home(request, tenant)


@require_POST
def alerts_all_seen(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a tenant first.")
    alerts_all_seen_mark(tenant=tenant, user=_user(request))
    return _home(request, tenant)


class AlertPreferenceForm(forms.Form):
    """The signed-in user's own preferences; the switches are named ``<medium>_<kind>``."""

    phone = forms.CharField(
        required=False, max_length=40, label=gettext_lazy("Your WhatsApp number"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "placeholder": "347 123 4567"}),
        help_text=gettext_lazy("Alerts on WhatsApp come from the business's number to this one."),
    )
    email = forms.EmailField(
        required=False, label=gettext_lazy("Email address"),
        help_text=gettext_lazy("Empty: the address of your login."),
    )
    quiet_hours_start = forms.TimeField(
        required=False, label=gettext_lazy("Quiet hours from"), widget=TIME_INPUT,
        help_text=gettext_lazy("In the business's time zone, e.g. 22:00."),
    )
    quiet_hours_end = forms.TimeField(
        required=False, label=gettext_lazy("Quiet hours until"), widget=TIME_INPUT,
        help_text=gettext_lazy("e.g. 07:00: alerts due in between are sent then."),
    )

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        for kind in AlertKind:
            for medium in Medium:
                self.fields[f"{medium}_{kind}"] = forms.BooleanField(
                    required=False, label=f"{medium.label}: {kind.label}"
                )

    def switch_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """One row per kind of alert: its label, the email switch, the WhatsApp switch."""
        return [
            (str(kind.label), self[f"{Medium.EMAIL}_{kind}"], self[f"{Medium.WHATSAPP}_{kind}"]) for kind in AlertKind
        ]

    def clean_phone(self) -> str:
        try:
            return alert_preference_phone(tenant=self.tenant, phone=self.cleaned_data["phone"])
        except PhoneNumberInvalid:
            raise forms.ValidationError(_(
                "This is not a valid phone number. Type it with its country code if it is foreign, "
                "e.g. +44 7700 900123."
            )) from None

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        if (start is None) != (end is None) and not self.errors.get("quiet_hours_start"):
            self.add_error("quiet_hours_end", _("Set both the start and the end of the quiet hours, or neither."))
        elif start is not None and start == end:
            self.add_error("quiet_hours_end", _("The quiet hours must end at a different time than they start."))
        whatsapp_on = any(data.get(f"{Medium.WHATSAPP}_{kind}") for kind in AlertKind)
        if whatsapp_on and not data.get("phone") and not self.errors.get("phone"):
            self.add_error("phone", _("Type your WhatsApp number to get alerts on WhatsApp."))
        return data

    def values(self) -> PreferenceInput:
        data = self.cleaned_data
        return PreferenceInput(
            switches={
                f"{medium}_{kind}": bool(data.get(f"{medium}_{kind}")) for kind in AlertKind for medium in Medium
            },
            phone=data.get("phone", ""), email=data.get("email", ""),
            quiet_hours_start=data.get("quiet_hours_start"), quiet_hours_end=data.get("quiet_hours_end"),
        )


class AlertThresholdsForm(forms.Form):
    large_party_threshold = forms.IntegerField(
        min_value=1, max_value=500, label=gettext_lazy("Large party: more guests than"),
    )
    last_minute_hours = forms.IntegerField(
        min_value=1, max_value=72, label=gettext_lazy("Last minute: starting within (hours)"),
    )


def _preference_initial(preference: AlertPreference) -> dict:
    initial: dict = {
        f"{medium}_{kind}": preference.wants(kind, medium) for kind in AlertKind for medium in Medium
    }
    initial.update(
        phone=f"+{preference.phone}" if preference.phone else "", email=preference.email,
        quiet_hours_start=preference.quiet_hours_start, quiet_hours_end=preference.quiet_hours_end,
    )
    return initial


def _may_set_thresholds(user: User, tenant: Tenant) -> bool:
    """Owners set the business's thresholds (and the operator); staff set only their own preferences."""
    if user.is_superuser:
        return True
    return TenantMembership.objects.filter(tenant=tenant, user=user, role=TenantMembership.Role.OWNER).exists()


def alert_settings(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Alert settings"))
    user = _user(request)
    preference = alert_preference_get(tenant=tenant, user=user)
    thresholds = alert_settings_get(tenant=tenant)
    owner = _may_set_thresholds(user, tenant)
    status = 200
    if request.method == "POST":
        form = AlertPreferenceForm(request.POST, tenant=tenant)
        thresholds_form = AlertThresholdsForm(request.POST, prefix="business") if owner else None
        valid = form.is_valid() and (thresholds_form is None or thresholds_form.is_valid())
        if valid:
            alert_preference_save(tenant=tenant, user=user, values=form.values())
            if thresholds_form is not None:
                alert_settings_save(tenant=tenant, **thresholds_form.cleaned_data)
            messages.success(request, _("Alert settings saved."))
            return HttpResponseRedirect(f"{reverse('admin:alerts_settings')}{_tenant_query(request, tenant)}")
        status = 400
    else:
        form = AlertPreferenceForm(initial=_preference_initial(preference), tenant=tenant)
        thresholds_form = AlertThresholdsForm(prefix="business", initial={
            "large_party_threshold": thresholds.large_party_threshold,
            "last_minute_hours": thresholds.last_minute_hours,
        }) if owner else None
    response = _render(request, "backoffice/alert_settings.html", {
        "title": _("Alert settings"),
        "form": form,
        "thresholds_form": thresholds_form,
        "thresholds": thresholds,
        "template_missing": staff_alert_template(tenant=tenant) is None,
        "whatsapp_missing": not tenant.whatsapp_phone_number_id or not tenant.has_whatsapp_token,
        "problems": alert_deliveries_recent_problems(tenant=tenant, user=user),
        "tenant_slug": _tenant_slug(request, tenant),
        "home_query": _tenant_query(request, tenant),
        "is_nav_sidebar_enabled": False,
    }, tenant)
    response.status_code = status
    return response


__all__ = ["AlertSettings", "alert_seen", "alert_settings", "alerts_all_seen"]
