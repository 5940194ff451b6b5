"""What the apps below announce becomes one alert per event, for the staff who want that kind."""

from datetime import datetime, timedelta

import pytest

from alerts.models import Alert, AlertDelivery, AlertKind, AlertPreference, AlertSettings
from alerts.signals import customer_change_receive, needs_person_receive, send_failed_receive
from alerts.tests.conftest import NOW, ROME, customer_says
from bookings.services import appointment_book, appointment_cancel, appointment_reschedule
from bookings.signals import CustomerChange
from conversations.models import Conversation, Message
from conversations.services.handoff import conversation_hand_to_staff
from conversations.services.outbound import outbound_message_record_failure, outbound_status_apply
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def _alerts(tenant):
    return list(Alert.objects.filter(tenant=tenant).values_list("kind", "event_key"))


def _deliveries(alert):
    return sorted(AlertDelivery.objects.filter(alert=alert).values_list("user__username", "medium", "status"))


@pytest.fixture
def conversation(restaurant):
    return ConversationFactory(customer=CustomerFactory(tenant=restaurant, display_name="Giada", language="it"))


# --- needs_person -------------------------------------------------------------------------------


def test_customer_asking_for_a_person_raises_one_alert_for_every_staff_member(
    restaurant, owner, waiter, conversation
):
    message = customer_says(conversation, "vorrei parlare con una persona")

    assert (conversation.status, conversation.handoff_reason) == ("human", "requested")
    assert _alerts(restaurant) == [("needs_person", f"conversation:{conversation.pk}:handoff:message:{message.pk}")]
    alert = Alert.objects.get(tenant=restaurant)
    assert alert.conversation_id == conversation.pk and alert.data == {"reason": "requested"}
    # Defaults: email on, WhatsApp off.
    assert _deliveries(alert) == [("luca", "email", "pending"), ("marta", "email", "pending")]


def test_the_same_handoff_announced_twice_is_one_alert_with_one_delivery_each(restaurant, owner, conversation):
    conversation.status = Conversation.Status.HUMAN
    for _ in range(2):
        needs_person_receive(
            Conversation, tenant=restaurant, conversation=conversation, reason="not_understood", message_id=41,
            now=NOW,
        )
    assert _alerts(restaurant) == [("needs_person", f"conversation:{conversation.pk}:handoff:message:41")]
    assert AlertDelivery.objects.count() == 1


def test_a_flood_handed_to_staff_by_the_reply_limits_raises_an_alert(restaurant, owner, conversation):
    for second in range(7):
        customer_says(conversation, "grazie", at=NOW + timedelta(seconds=second))
    assert (conversation.status, conversation.handoff_reason) == ("human", "repeated")
    assert [kind for kind, _key in _alerts(restaurant)] == ["needs_person"]
    assert Alert.objects.get().data == {"reason": "repeated"}


def test_staff_taking_a_conversation_themselves_alert_nobody(restaurant, owner, conversation):
    assert conversation_hand_to_staff(conversation=conversation) is True
    assert _alerts(restaurant) == []


def test_staff_trying_their_assistant_alert_nobody(restaurant, owner):
    trial = ConversationFactory(customer=CustomerFactory(tenant=restaurant, channel="test"))
    customer_says(trial, "vorrei parlare con una persona")
    assert trial.status == "human"
    assert _alerts(restaurant) == []


# --- large_party ------------------------------------------------------------------------------


def test_a_party_larger_than_any_table_raises_a_large_party_alert_once(restaurant, owner, conversation):
    message = customer_says(conversation, "vorrei un tavolo per 12 persone domani sera")

    alert = Alert.objects.get(tenant=restaurant)
    assert alert.kind == AlertKind.LARGE_PARTY
    assert alert.event_key == f"conversation:{conversation.pk}:party:12:{message.channel_message_id}"
    assert alert.data == {"party_size": 12, "refused": True}


def test_a_party_at_the_threshold_is_not_large_one_above_it_is(restaurant, owner, conversation):
    AlertSettings.objects.create(tenant=restaurant, large_party_threshold=4)
    customer_says(conversation, "un tavolo per 4 persone domani")
    assert _alerts(restaurant) == []

    other = ConversationFactory(customer=CustomerFactory(tenant=restaurant))
    customer_says(other, "un tavolo per 5 persone domani")
    customer_says(other, "alle 20")  # the next question of the same booking tells nothing new
    alert = Alert.objects.get(tenant=restaurant)
    assert (alert.kind, alert.conversation_id, alert.data) == ("large_party", other.pk, {"party_size": 5,
                                                                                       "refused": False})


def test_the_default_threshold_is_eight(restaurant, owner, conversation):
    customer_says(conversation, "un tavolo per 6 persone domani")
    assert _alerts(restaurant) == []
    assert AlertSettings(tenant=restaurant).large_party_threshold == 8


# --- last_minute --------------------------------------------------------------------------------


def _book(tenant, hour, minute=0, *, by_staff=False, day=1):
    customer = CustomerFactory(tenant=tenant, display_name="Rossi")
    return appointment_book(
        tenant=tenant, start=datetime(2026, 12, day, hour, minute, tzinfo=ROME), party_size=2, customer=customer,
        channel="whatsapp", by_staff=by_staff,
    )


def test_a_customer_booking_within_three_hours_raises_a_last_minute_alert(restaurant, owner):
    appointment = _book(restaurant, 12, 30)
    alert = Alert.objects.get(tenant=restaurant)
    assert (alert.kind, alert.event_key, alert.appointment_id) == (
        "last_minute", f"appointment:{appointment.pk}:booked", appointment.pk
    )
    assert alert.data == {
        "change": "booked", "reference": appointment.reference, "starts_at": "2026-12-01T11:30:00+00:00",
        "previous_starts_at": None, "party_size": 2,
    }


def test_bookings_further_ahead_or_made_by_staff_are_not_last_minute(restaurant, owner):
    _book(restaurant, 20)  # ten hours ahead
    _book(restaurant, 13, by_staff=True)
    assert _alerts(restaurant) == []


def test_a_customer_moving_or_cancelling_at_short_notice_raises_one_alert_each(restaurant, owner):
    appointment = _book(restaurant, 20)
    moved = appointment_reschedule(
        tenant=restaurant, appointment=appointment, new_start=datetime(2026, 12, 1, 12, 45, tzinfo=ROME)
    )
    appointment_cancel(tenant=restaurant, appointment=moved)
    assert _alerts(restaurant) == [
        ("last_minute", f"appointment:{appointment.pk}:cancelled"),
        ("last_minute", f"appointment:{appointment.pk}:moved:2026-12-01T09:00:00+00:00"),
    ]
    moved_alert = Alert.objects.get(event_key__contains="moved")
    assert moved_alert.data["previous_starts_at"] == "2026-12-01T19:00:00+00:00"


def test_the_last_minute_window_is_the_tenants_setting(restaurant, owner):
    AlertSettings.objects.create(tenant=restaurant, last_minute_hours=12)
    appointment = _book(restaurant, 20)
    assert _alerts(restaurant) == [("last_minute", f"appointment:{appointment.pk}:booked")]


def test_the_same_customer_change_announced_twice_is_one_alert(restaurant, owner):
    appointment = _book(restaurant, 20)
    for _ in range(2):
        customer_change_receive(
            None, tenant=restaurant, appointment=appointment, change=CustomerChange.CANCELLED,
            previous_starts_at=None, now=NOW + timedelta(hours=8),
        )
    assert _alerts(restaurant) == [("last_minute", f"appointment:{appointment.pk}:cancelled")]
    assert AlertDelivery.objects.count() == 1


# --- send_failed --------------------------------------------------------------------------------


def _outbound(conversation, **fields):
    values = {"delivery_status": "queued", "channel_message_id": None, **fields}
    return MessageFactory(conversation=conversation, direction="out", processing_status="", **values)


def test_a_message_refused_for_good_raises_a_send_failed_alert(restaurant, owner, conversation):
    message = _outbound(conversation, text="Ecco gli orari")
    outbound_message_record_failure(message=message, code=131026, title="Message undeliverable", final=True, now=NOW)
    alert = Alert.objects.get(tenant=restaurant)
    assert (alert.kind, alert.event_key, alert.conversation_id) == (
        "send_failed", f"message:{message.pk}:failed", conversation.pk
    )
    assert alert.data == {"error_code": 131026, "error_title": "Message undeliverable"}


def test_a_failed_attempt_that_will_be_retried_or_a_not_sendable_one_alerts_nobody(restaurant, owner, conversation):
    message = _outbound(conversation)
    outbound_message_record_failure(message=message, code=131000, title="Something went wrong", final=False, now=NOW)
    outbound_message_record_failure(
        message=message, code=None, title="Window closed", final=True, now=NOW, status=Message.Delivery.NOT_SENDABLE
    )
    assert _alerts(restaurant) == []


def test_a_failed_status_webhook_raises_the_same_one_alert(restaurant, owner, conversation):
    message = _outbound(conversation, delivery_status="sent", channel_message_id="wamid.FAILS")
    for _ in range(2):
        outbound_status_apply(
            tenant=restaurant, channel="whatsapp", channel_message_id="wamid.FAILS", status="failed", at=NOW,
            error_code=131047, error_title="Re-engagement message",
        )
    send_failed_receive(None, tenant=restaurant, message=message, now=NOW)
    assert _alerts(restaurant) == [("send_failed", f"message:{message.pk}:failed")]
    assert Alert.objects.get().data == {"error_code": 131047, "error_title": "Re-engagement message"}


# --- who is told --------------------------------------------------------------------------------


def test_only_the_staff_of_the_business_who_want_the_kind_are_told(
    restaurant, other_restaurant, owner, waiter, other_staff, conversation
):
    AlertPreference.objects.create(tenant=restaurant, user=waiter, email_needs_person=False)
    AlertPreference.objects.create(
        tenant=restaurant, user=owner, whatsapp_needs_person=True, phone="393471112222"
    )
    customer_says(conversation, "vorrei parlare con una persona")
    alert = Alert.objects.get()
    assert _deliveries(alert) == [("marta", "email", "pending"), ("marta", "whatsapp", "pending")]
    # Tenant B's staff hear nothing of tenant A, and tenant B's own events reach only them.
    theirs = ConversationFactory(customer=CustomerFactory(tenant=other_restaurant))
    customer_says(theirs, "vorrei parlare con una persona")
    their_alert = Alert.objects.get(tenant=other_restaurant)
    assert _deliveries(their_alert) == [("bruno", "email", "pending")]
    assert not AlertDelivery.objects.filter(user=other_staff, alert__tenant=restaurant).exists()


def test_a_change_rolled_back_leaves_no_alert(restaurant, owner):
    from django.db import transaction

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        _book(restaurant, 12, 30)
        assert Alert.objects.filter(tenant=restaurant).count() == 1  # written with the booking...
        raise Refused
    assert _alerts(restaurant) == []  # ...and gone with it
    assert AlertDelivery.objects.count() == 0


# --- a big party waiting for approval ------------------------------------------------------------


def test_a_big_party_waiting_for_approval_alerts_staff_with_the_booking_to_answer_on(restaurant, owner, conversation):
    from alerts.texts import alert_path, alert_summary
    from bookings.approvals import appointment_approval_request

    restaurant.approval_party_size = 6
    restaurant.save(update_fields=["approval_party_size"])
    request = appointment_approval_request(
        tenant=restaurant, start=datetime(2026, 12, 4, 20, tzinfo=ROME), party_size=6,
        customer=conversation.customer, channel="whatsapp", now=NOW,
    )
    alert = Alert.objects.get(tenant=restaurant)
    assert (alert.kind, alert.event_key, alert.appointment_id) == (
        "large_party", f"appointment:{request.pk}:approval", request.pk,
    )
    assert alert_summary(alert) == (
        f"Giada asks for a table for 6 on 4 Dec 2026 20:00 ({request.reference}): it waits for your approval on "
        "the day view."
    )
    assert alert_path(alert).endswith(f"?date=2026-12-04#booking-{request.pk}")
    assert _deliveries(alert) == [("marta", "email", "pending")]
