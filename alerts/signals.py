"""The receivers: what the apps below announce (facts), and whether staff are to be told.

Connected in ``AlertsConfig.ready``. Each runs inside the transaction of the change it
hears of, so the alert commits or rolls back with it (``alerts.services.alert_raise``).
Staff trying their own assistant (the test channel) alert nobody.
"""

from datetime import datetime, timedelta

from alerts.models import AlertKind
from alerts.selectors import alert_settings_get
from alerts.services import alert_raise
from bookings.models import Appointment
from bookings.signals import CustomerChange, appointment_approval_asked, appointment_customer_changed
from conversations.models import Conversation, Message
from conversations.signals import conversation_needs_person, outbound_message_failed, party_size_asked
from customers.models import Channel
from reminders.reconfirm import reconfirmation_missed
from tenants.models import Tenant


def needs_person_receive(
    sender, *, tenant: Tenant, conversation: Conversation, reason: str, message_id: int | None, now: datetime,
    **kwargs,
) -> None:
    if conversation.channel == Channel.TEST:
        return
    moment = f"message:{message_id}" if message_id else now.isoformat()
    alert_raise(
        tenant=tenant, kind=AlertKind.NEEDS_PERSON, event_key=f"conversation:{conversation.pk}:handoff:{moment}",
        data={"reason": reason}, conversation=conversation,
    )


def party_size_receive(
    sender, *, tenant: Tenant, conversation: Conversation, party_size: int, refused: bool, event_id: str,
    now: datetime, **kwargs,
) -> None:
    if conversation.channel == Channel.TEST:
        return
    if party_size <= alert_settings_get(tenant=tenant).large_party_threshold:
        return
    alert_raise(
        tenant=tenant, kind=AlertKind.LARGE_PARTY,
        event_key=f"conversation:{conversation.pk}:party:{party_size}:{event_id}",
        data={"party_size": party_size, "refused": bool(refused)}, conversation=conversation,
    )


def customer_change_receive(
    sender, *, tenant: Tenant, appointment: Appointment, change: CustomerChange,
    previous_starts_at: datetime | None, now: datetime, **kwargs,
) -> None:
    if appointment.channel == Appointment.Channel.TEST:
        return
    horizon = now + timedelta(hours=alert_settings_get(tenant=tenant).last_minute_hours)
    starts = [appointment.starts_at] + ([previous_starts_at] if previous_starts_at else [])
    # A move counts when either the old time or the new one is close: a table freed or taken at short notice.
    if not any(now <= start <= horizon for start in starts):
        return
    suffix = f":{now.isoformat()}" if change == CustomerChange.MOVED else ""
    alert_raise(
        tenant=tenant, kind=AlertKind.LAST_MINUTE, event_key=f"appointment:{appointment.pk}:{change}{suffix}",
        data={
            "change": str(change), "reference": appointment.reference,
            "starts_at": appointment.starts_at.isoformat(),
            "previous_starts_at": previous_starts_at.isoformat() if previous_starts_at else None,
            "party_size": appointment.party_size,
        },
        appointment=appointment,
    )


def approval_asked_receive(sender, *, tenant: Tenant, appointment: Appointment, now: datetime, **kwargs) -> None:
    # A big party waits for a yes or no: a large party asking, with the booking to answer on.
    if appointment.channel == Appointment.Channel.TEST:
        return
    alert_raise(
        tenant=tenant, kind=AlertKind.LARGE_PARTY, event_key=f"appointment:{appointment.pk}:approval",
        data={
            "party_size": appointment.party_size, "approval": True, "starts_at": appointment.starts_at.isoformat(),
            "reference": appointment.reference,
        },
        appointment=appointment,
    )


def reconfirmation_missed_receive(
    sender, *, tenant: Tenant, appointment: Appointment, released: bool, now: datetime, **kwargs
) -> None:
    # A booking not reconfirmed by its deadline is a last-minute change staff should know of.
    if appointment.channel == Appointment.Channel.TEST:
        return
    alert_raise(
        tenant=tenant, kind=AlertKind.LAST_MINUTE, event_key=f"appointment:{appointment.pk}:unconfirmed",
        data={
            "change": "released" if released else "unconfirmed", "reference": appointment.reference,
            "starts_at": appointment.starts_at.isoformat(), "party_size": appointment.party_size,
        },
        appointment=appointment,
    )


def send_failed_receive(sender, *, tenant: Tenant, message: Message, now: datetime, **kwargs) -> None:
    if message.channel == Channel.TEST:
        return
    alert_raise(
        tenant=tenant, kind=AlertKind.SEND_FAILED, event_key=f"message:{message.pk}:failed",
        data={"error_code": message.error_code, "error_title": (message.error_title or "")[:300]},
        conversation=message.conversation,
    )


def signals_connect() -> None:
    conversation_needs_person.connect(needs_person_receive, dispatch_uid="alerts_needs_person")
    party_size_asked.connect(party_size_receive, dispatch_uid="alerts_large_party")
    appointment_customer_changed.connect(customer_change_receive, dispatch_uid="alerts_last_minute")
    outbound_message_failed.connect(send_failed_receive, dispatch_uid="alerts_send_failed")
    appointment_approval_asked.connect(approval_asked_receive, dispatch_uid="alerts_approval_asked")
    reconfirmation_missed.connect(reconfirmation_missed_receive, dispatch_uid="alerts_reconfirmation_missed")
