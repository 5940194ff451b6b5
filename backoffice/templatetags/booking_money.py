"""The booking page's money and no-show panel (the booking admin lives below payments and cannot read them)."""

from __future__ import annotations

from django import template

from bookings.models import Appointment
from bookings.selectors import customer_no_show_counts
from payments.no_show_fees import NoShowFeeNotChargeable, NoShowFeeOffer, no_show_fee_offer
from payments.selectors import appointment_payment_statuses, appointment_payments

register = template.Library()


@register.inclusion_tag("backoffice/_booking_money.html")
def booking_money(appointment: Appointment | None) -> dict:
    """Every money movement of ``appointment``, the fee staff may charge for its no-show, its guest's no-shows."""
    if appointment is None or appointment.pk is None:
        return {"appointment": None}
    tenant = appointment.tenant
    offer: NoShowFeeOffer | None
    try:
        offer = no_show_fee_offer(tenant=tenant, appointment=appointment)
    except NoShowFeeNotChargeable:
        offer = None
    no_shows = customer_no_show_counts(tenant=tenant, appointments=[appointment])
    return {
        "appointment": appointment,
        "payments": list(
            appointment_payments(tenant=tenant, appointment=appointment).select_related(
                "appointment", "actor", "refund"
            )
        ),
        "payment_status": appointment_payment_statuses(tenant=tenant, appointments=[appointment])[appointment.pk],
        "offer": offer,
        "no_shows": no_shows.get(appointment.pk, 0),
    }
