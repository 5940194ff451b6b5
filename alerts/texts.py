"""What an alert says, in the active language: one line for the home page, WhatsApp and email.

Alerts store facts (``Alert.data``) and links, never a customer's name: the name is read
from the linked conversation or booking when the alert is shown, so erasing a customer
(conversations.personal_data) leaves nothing of them here.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from alerts.models import Alert, AlertKind
from conversations.models import Conversation


def alert_customer(alert: Alert) -> str:
    customer = None
    if alert.conversation is not None:
        customer = alert.conversation.customer
    elif alert.appointment is not None:
        customer = alert.appointment.customer
    name = str(customer.display_name or customer.phone or "") if customer is not None else ""
    return name or _("a customer")


def alert_title(alert: Alert) -> str:
    return str(AlertKind(alert.kind).label)


def alert_summary(alert: Alert) -> str:
    """One sentence: who, what, when (times on the business's wall clock)."""
    data = alert.data if isinstance(alert.data, dict) else {}
    customer = alert_customer(alert)
    tenant = alert.tenant
    if alert.kind == AlertKind.NEEDS_PERSON:
        reason = data.get("reason", "")
        reason_text = (
            str(Conversation.HandoffReason(reason).label) if reason in Conversation.HandoffReason.values else ""
        )
        if reason_text:
            return _("%(customer)s is waiting for a person (%(reason)s).") % {
                "customer": customer, "reason": reason_text[:1].lower() + reason_text[1:],
            }
        return _("%(customer)s is waiting for a person.") % {"customer": customer}
    if alert.kind == AlertKind.LARGE_PARTY:
        values = {"customer": customer, "count": data.get("party_size", "?")}
        if data.get("approval"):
            return _("%(customer)s asks for a table for %(count)s on %(when)s (%(reference)s): it waits for your "
                     "approval on the day view.") % {
                **values, "when": _local(tenant, data.get("starts_at")), "reference": data.get("reference", ""),
            }
        if data.get("refused"):
            return _("%(customer)s asked for a table for %(count)s: no table seats that many, "
                     "the assistant told them to call.") % values
        return _("%(customer)s asked for a table for %(count)s.") % values
    if alert.kind == AlertKind.LAST_MINUTE:
        values = {
            "customer": customer,
            "when": _local(tenant, data.get("starts_at")),
            "before": _local(tenant, data.get("previous_starts_at")),
            "reference": data.get("reference", ""),
        }
        change = data.get("change")
        if change == "unconfirmed":
            return _("%(customer)s has not confirmed booking %(reference)s of %(when)s by the deadline.") % values
        if change == "released":
            return _("%(customer)s did not confirm booking %(reference)s of %(when)s by the deadline: it was "
                     "released and the customer told.") % values
        if change == "cancelled":
            return _("%(customer)s cancelled their booking %(reference)s of %(when)s.") % values
        if change == "moved":
            return _("%(customer)s moved their booking %(reference)s from %(before)s to %(when)s.") % values
        return _("%(customer)s booked %(reference)s for %(when)s.") % values
    if alert.kind == AlertKind.SEND_FAILED:
        error = data.get("error_title") or ""
        if error:
            return _("A message to %(customer)s could not be sent: %(error)s") % {"customer": customer, "error": error}
        return _("A message to %(customer)s could not be sent.") % {"customer": customer}
    return alert_title(alert)


def alert_path(alert: Alert) -> str:
    """Where staff act on it: the conversation, else the booking on its day view ("" when neither is left)."""
    if alert.conversation_id:
        return reverse("admin:backoffice_conversation", args=[alert.conversation_id])
    if alert.appointment is not None:
        day = alert.appointment.starts_at.astimezone(alert.tenant.tzinfo).date().isoformat()
        return f"{reverse('admin:backoffice_day')}?date={day}#booking-{alert.appointment_id}"
    return ""


@dataclass(frozen=True)
class AlertLine:
    """An alert as the home page lists it."""

    alert: Alert
    title: str
    summary: str
    path: str


def alert_lines(alerts: list[Alert]) -> list[AlertLine]:
    return [AlertLine(a, alert_title(a), alert_summary(a), alert_path(a)) for a in alerts]


def _local(tenant, value: object) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    return tenant.local_time_text(moment)
