"""Staff answer a big party's request and offer a waitlisted customer a time, from the day view.

Plain forms that POST and redirect back (to the day, on the request's anchor, or to the
booking's admin page); the page's script submits the day view's in the background and
swaps the day in place, as for the visit's steps. The rules are in
``bookings.approvals`` and ``bookings.waitlist``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.models import CHANGE
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.service_views import _history, _who
from backoffice.views import _tenant, _tenant_query
from bookings.approvals import appointment_approval_accept, appointment_approval_decline
from bookings.errors import BookingError, booking_refusal_text
from bookings.models import Appointment, WaitlistRequest
from bookings.waitlist import waitlist_offer_by_staff
from tenants.models import Tenant

_ANSWERS = {"approve": appointment_approval_accept, "decline": appointment_approval_decline}


def _day_url(request: HttpRequest, tenant: Tenant, moment, anchor: str) -> str:
    query = _tenant_query(request, tenant, date=moment.astimezone(tenant.tzinfo).date().isoformat())
    return f"{reverse('admin:backoffice_day')}{query}#{anchor}"


@require_POST
def day_approval(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """``POST answer=approve|decline`` (``next=booking``: back to the booking's page): one tap on a request."""
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a tenant on the day view first.")
    answer = _ANSWERS.get(request.POST.get("answer", ""))
    if answer is None:
        return HttpResponseBadRequest(_("Unknown answer.").encode())
    appointment = (
        Appointment.objects.filter(tenant=tenant, pk=appointment_id, hold_reason=Appointment.HoldReason.APPROVAL)
        .select_related("customer", "resource")
        .first()
    )
    if appointment is None:
        raise Http404("No such request.")
    try:
        answered = answer(tenant=tenant, appointment=appointment, now=timezone.now())
    except BookingError as error:
        messages.error(request, booking_refusal_text(error, zone=tenant.tzinfo))
    else:
        _history(request, answered, CHANGE, ["status"])
        if answered.status == Appointment.Status.CONFIRMED:
            messages.success(request, _("%(who)s: approved; the customer is told.") % {"who": _who(answered)})
        else:
            messages.success(request, _("%(who)s: declined; the customer is told.") % {"who": _who(answered)})
    if request.POST.get("next") == "booking":
        return HttpResponseRedirect(reverse("admin:bookings_appointment_change", args=[appointment.pk]))
    return HttpResponseRedirect(_day_url(request, tenant, appointment.starts_at, "lyo-day-waitlist"))


@require_POST
def day_waitlist_offer(request: HttpRequest, request_id: int) -> HttpResponse:
    """``POST``: offer a waitlisted customer the free time closest to what they asked, as a freed slot would be."""
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a tenant on the day view first.")
    waiting = WaitlistRequest.objects.filter(tenant=tenant, pk=request_id).select_related("customer").first()
    if waiting is None:
        raise Http404("No such waitlist request.")
    offered = waitlist_offer_by_staff(tenant=tenant, request=waiting, now=timezone.now())
    if offered is None:
        messages.error(request, _("Nothing free in that request's window, or it is no longer waiting."))
    else:
        assert offered.offer is not None
        messages.success(request, _("%(who)s: offered %(when)s, kept for them for %(minutes)s minutes.") % {
            "who": str(waiting.customer)[:40], "when": tenant.local_time_text(offered.offer.starts_at),
            "minutes": tenant.waitlist_hold_minutes,
        })
    return HttpResponseRedirect(_day_url(request, tenant, waiting.window_ends_at, "lyo-day-waitlist"))
