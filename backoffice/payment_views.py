"""Money on the staff pages: the business's payments list, and a no-show's fee charged on its saved card.

The tenant is resolved here (the booking's, among the user's own: someone else's is a
404 like a missing one); the rules are ``payments.no_show_fees`` and the reading is
``payments.selectors``.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backoffice.views import _render, _tenant, _tenant_choice, _tenant_query, _tenant_slug
from bookings.models import Appointment
from payments.models import Payment
from payments.no_show_fees import NoShowFeeNotChargeable, no_show_fee_charge, no_show_fee_offer
from payments.selectors import tenant_payments
from tenants.selectors import tenants_for_user

# A page of the list: a busy month of deposits fits in a few.
PAYMENTS_PER_PAGE = 50


def payments_list(request: HttpRequest) -> HttpResponse:
    """Every money movement of the business, newest first: deposits, refunds, kept deposits, no-show fees."""
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Payments"))
    page = Paginator(tenant_payments(tenant=tenant), PAYMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "backoffice/payments.html",
        {
            "title": _("Payments"),
            "page": page,
            "previous_query": _tenant_query(request, tenant, page=str(page.previous_page_number()))
            if page.has_previous()
            else None,
            "next_query": _tenant_query(request, tenant, page=str(page.next_page_number()))
            if page.has_next()
            else None,
            "tenant_slug": _tenant_slug(request, tenant),
            "zone": tenant.timezone,
        },
        tenant,
    )


def _own_booking(request: HttpRequest, appointment_id: int) -> Appointment:
    appointment = (
        Appointment.objects.filter(pk=appointment_id, tenant__in=tenants_for_user(request.user))
        .select_related("tenant", "customer")
        .first()
    )
    if appointment is None:
        raise Http404("No such booking.")
    return appointment


def _booking_page(appointment: Appointment) -> str:
    return reverse("admin:bookings_appointment_change", args=[appointment.pk])


@require_http_methods(["GET", "POST"])
def no_show_fee(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """GET: "Charge 40,00 € no-show fee?"; POST (the confirmation): charge it, then back to the booking."""
    appointment = _own_booking(request, appointment_id)
    tenant = appointment.tenant
    if request.method == "POST":
        try:
            fee = no_show_fee_charge(
                tenant=tenant, appointment=appointment, actor=cast(User, request.user), now=timezone.now()
            )
        except NoShowFeeNotChargeable as error:
            messages.error(request, str(error))
        else:
            if fee.status == Payment.Status.SUCCEEDED:
                messages.success(request, _("No-show fee of %(amount)s charged.") % {"amount": fee.amount_text})
            else:
                messages.error(
                    request,
                    _("The no-show fee of %(amount)s was not charged: %(reason)s")
                    % {
                        "amount": fee.amount_text,
                        "reason": fee.failure or _("the card was refused"),
                    },
                )
        return HttpResponseRedirect(_booking_page(appointment))
    try:
        offer = no_show_fee_offer(tenant=tenant, appointment=appointment)
    except NoShowFeeNotChargeable as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_booking_page(appointment))
    return _render(
        request,
        "backoffice/no_show_fee.html",
        {
            "title": _("Charge %(amount)s no-show fee?") % {"amount": offer.amount_text},
            "appointment": appointment,
            "offer": offer,
            "booking_url": _booking_page(appointment),
        },
        tenant,
    )
