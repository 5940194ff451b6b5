"""Running the service from the day view: the visit's steps and walk-ins.

Plain forms that POST and redirect back to the day, on the booking's anchor; the
page's script (``backoffice.js``) submits them in the background and swaps the day in
place when it can. The rules are ``bookings.services.appointment_visit_mark`` and
``appointment_walk_in``; each change is also written to the booking's admin history
(who, when, which fields), as an edit in the admin would be.
"""

from __future__ import annotations

import json
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backoffice.views import _tenant, _tenant_query, day_page
from bookings.errors import BookingError, booking_refusal_text
from bookings.models import Appointment, Service
from bookings.services import VisitStep, appointment_visit_mark, appointment_walk_in
from tenants.models import Tenant

# What a step changes, for the booking's admin history.
_HISTORY_FIELDS = ("status", "arrived_at", "seated_at", "left_at", "ends_at", "blocks_until")
# Where the redirect lands: the booking's block in the grid, or its row in the service list.
_ANCHORS = {"booking": "booking", "service": "service"}


def _step_done_text(step: VisitStep) -> str:
    return {
        VisitStep.ARRIVED: _("%(who)s: arrived."),
        VisitStep.SEATED: _("%(who)s: seated."),
        VisitStep.LEFT: _("%(who)s: left; the table is free."),
        VisitStep.NO_SHOW: _("%(who)s: no-show."),
        VisitStep.UNDO: _("%(who)s: undone."),
    }[step]


def _who(appointment: Appointment) -> str:
    return str(appointment.customer or appointment.notes or appointment.reference)[:40]


def _history(request: HttpRequest, appointment: Appointment, flag: int, changed: list[str]) -> None:
    # In the admin's own format, so the booking's History page words it in the reader's language.
    with translation.override("en"):
        names = [str(getattr(Appointment._meta.get_field(name), "verbose_name", name)) for name in changed]
    message = [{"added": {}}] if flag == ADDITION else [{"changed": {"fields": names}}]
    LogEntry.objects.log_actions(
        user_id=cast(int, request.user.pk), queryset=[appointment], action_flag=flag,
        change_message=json.dumps(message), single_object=True,
    )


def _back_to_day(request: HttpRequest, tenant: Tenant, appointment: Appointment, anchor: str = "booking") -> str:
    local = appointment.starts_at.astimezone(tenant.tzinfo)
    query = _tenant_query(request, tenant, date=local.date().isoformat())
    return f"{reverse('admin:backoffice_day')}{query}#{_ANCHORS.get(anchor, 'booking')}-{appointment.pk}"


@require_POST
def day_visit(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """``POST step=arrived|seated|left|no_show|undo``: one tap on a booking of the day view."""
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a tenant on the day view first.")
    try:
        step = VisitStep(request.POST.get("step", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Unknown step.").encode())
    appointment = Appointment.objects.filter(tenant=tenant, pk=appointment_id).select_related(
        "customer", "resource"
    ).first()
    if appointment is None:
        raise Http404("No such booking.")
    before = {name: getattr(appointment, name) for name in _HISTORY_FIELDS}
    try:
        marked = appointment_visit_mark(tenant=tenant, appointment=appointment, step=step, now=timezone.now())
    except BookingError as error:
        messages.error(request, booking_refusal_text(error, zone=tenant.tzinfo))
    else:
        changed = [name for name in _HISTORY_FIELDS if getattr(marked, name) != before[name]]
        if changed:
            _history(request, marked, CHANGE, changed)
        messages.success(request, _step_done_text(step) % {"who": _who(marked)})
    return HttpResponseRedirect(_back_to_day(request, tenant, appointment, request.POST.get("anchor", "")))


class WalkInForm(forms.Form):
    """A guest at the door: how many (or which service, in a salon) and, if they say it, a name."""

    party_size = forms.IntegerField(min_value=1, max_value=500, initial=2, label=gettext_lazy("Party size"))
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, label=gettext_lazy("Service"),
        empty_label=gettext_lazy("No particular service"),
    )
    name = forms.CharField(required=False, max_length=200, label=gettext_lazy("Name (optional)"))

    prefix = "walk_in"

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        if tenant.kind == Tenant.Kind.RESTAURANT:
            del self.fields["service"]
        else:
            del self.fields["party_size"]
            cast(forms.ModelChoiceField, self.fields["service"]).queryset = Service.objects.filter(
                tenant=tenant, is_active=True
            )


@require_POST
def day_walk_in(request: HttpRequest) -> HttpResponse:
    """A walk-in booked now on a free table (or staff member), arrived and seated; refused with the reason."""
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a tenant on the day view first.")
    form = WalkInForm(request.POST, tenant=tenant)
    now = timezone.now()
    today = now.astimezone(tenant.tzinfo).date()
    if not form.is_valid():
        messages.error(request, _("Check the walk-in: %(errors)s") % {
            "errors": " ".join(str(error) for errors in form.errors.values() for error in errors)
        })
        return day_page(request, tenant, today, walk_in_form=form, status=400)
    data = form.cleaned_data
    try:
        appointment = appointment_walk_in(
            tenant=tenant, now=now, party_size=data.get("party_size") or 1, service=data.get("service"),
            name=data.get("name", ""),
        )
    except BookingError as error:
        messages.error(request, _("No walk-in now: %(reason)s") % {
            "reason": booking_refusal_text(error, zone=tenant.tzinfo)
        })
        query = _tenant_query(request, tenant, date=today.isoformat())
        return HttpResponseRedirect(f"{reverse('admin:backoffice_day')}{query}#lyo-walk-in")
    _history(request, appointment, ADDITION, [])
    messages.success(request, _("Walk-in seated at %(resource)s until %(until)s.") % {
        "resource": appointment.resource.name,
        "until": date_format(appointment.ends_at.astimezone(tenant.tzinfo), "H:i"),
    })
    return HttpResponseRedirect(_back_to_day(request, tenant, appointment))
