"""Delivering staff alerts: the exact email and WhatsApp template, skips with a reason, quiet hours, once only."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from alerts.delivery import DeliveryOutcome, alert_deliveries_due, alert_delivery_send
from alerts.models import Alert, AlertDelivery, AlertPreference
from alerts.quiet_hours import quiet_hours_end_at
from alerts.services import alert_raise
from alerts.tasks import alert_deliver_held_task, alert_deliver_task
from alerts.tests.conftest import BUSINESS_NUMBER_ID, NOW, ROME
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory
from reminders.models import MessageTemplate, Purpose

pytestmark = [pytest.mark.django_db]

SUMMARY = "Giada is waiting for a person (the customer asked for a person)."


@pytest.fixture
def english(restaurant):
    restaurant.language = "en"
    restaurant.save()
    return restaurant


@pytest.fixture
def conversation(english):
    return ConversationFactory(customer=CustomerFactory(tenant=english, display_name="Giada", language="it"))


def _raise(tenant, conversation, key="conversation:1:handoff:message:1"):
    return alert_raise(
        tenant=tenant, kind="needs_person", event_key=key, data={"reason": "requested"}, conversation=conversation
    )


def _whatsapp_only(tenant, user, **fields):
    return AlertPreference.objects.create(
        tenant=tenant, user=user, email_needs_person=False, whatsapp_needs_person=True, phone="393471112222",
        **fields,
    )


# --- Email --------------------------------------------------------------------------------------


@override_settings(LYO_PUBLIC_URL="https://lyo.example.com", DEFAULT_FROM_EMAIL="Lyo <alerts@lyo.example.com>")
def test_the_alert_is_emailed_once_it_commits_with_the_exact_subject_and_body(
    english, owner, conversation, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        alert = _raise(english, conversation)
        assert mail.outbox == []  # nothing before the commit

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.subject == "Trattoria Uno: A conversation needs a person"
    assert email.to == ["marta@trattoria.example"]
    assert email.from_email == "Lyo <alerts@lyo.example.com>"
    assert email.body == (
        f"{SUMMARY}\n\n"
        f"Open it: https://lyo.example.com/admin/chat/{conversation.pk}/\n\n"
        "You get this email because of your alert settings: https://lyo.example.com/admin/alerts/settings/"
    )
    delivery = AlertDelivery.objects.get(alert=alert)
    assert (delivery.status, delivery.reason, delivery.sent_at) == ("sent", "", NOW)


def test_running_the_task_twice_sends_once(english, owner, waiter, conversation):
    alert = _raise(english, conversation)
    alert_deliver_task.apply(args=[alert.pk])
    alert_deliver_task.apply(args=[alert.pk])
    assert sorted(m.to[0] for m in mail.outbox) == ["luca@trattoria.example", "marta@trattoria.example"]
    assert set(AlertDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_the_address_on_the_settings_page_is_used_and_without_any_the_email_is_skipped(english, owner, waiter,
                                                                                      conversation):
    AlertPreference.objects.create(tenant=english, user=owner, email="sala@trattoria.example")
    waiter.email = ""
    waiter.save()
    alert = _raise(english, conversation)
    alert_deliver_task.apply(args=[alert.pk])
    assert [m.to for m in mail.outbox] == [["sala@trattoria.example"]]
    skipped = AlertDelivery.objects.get(user=waiter)
    assert (skipped.status, skipped.reason) == ("skipped", "No email address: set one on the alert settings page.")


def test_a_task_for_an_alert_that_is_gone_does_nothing(english, owner, conversation):
    alert = _raise(english, conversation)
    Alert.objects.filter(pk=alert.pk).delete()
    alert_deliver_task.apply(args=[alert.pk])
    assert mail.outbox == []


# --- WhatsApp -----------------------------------------------------------------------------------


def _template(tenant, language="en"):
    return MessageTemplate.objects.create(
        tenant=tenant, purpose=Purpose.STAFF_ALERT, name="staff_alert", language=language, parameters=""
    )


def test_whatsapp_sends_the_approved_template_from_the_business_number_to_the_staff_phone(
    english, owner, conversation, graph
):
    _whatsapp_only(english, owner)
    _template(english)
    alert = _raise(english, conversation)
    alert_deliver_task.apply(args=[alert.pk])

    assert graph.sends == [{
        "phone_number_id": BUSINESS_NUMBER_ID,
        "token": "EAAG-sample-token",
        "body": {
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "393471112222",
            "type": "template",
            "template": {
                "name": "staff_alert", "language": {"code": "en"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": "Trattoria Uno: A conversation needs a person"},
                    {"type": "text", "text": SUMMARY},
                ]}],
            },
        },
    }]
    assert AlertDelivery.objects.get().status == "sent"
    assert mail.outbox == []


def test_without_an_approved_template_the_whatsapp_delivery_is_skipped_with_the_reason(
    english, owner, conversation, graph
):
    _whatsapp_only(english, owner)
    alert = _raise(english, conversation)
    alert_deliver_task.apply(args=[alert.pk])
    delivery = AlertDelivery.objects.get()
    assert delivery.status == "skipped"
    assert delivery.reason.startswith("No approved WhatsApp template for staff alerts")
    assert graph.sends == []


def test_a_transient_graph_error_retries_then_sends_and_a_permanent_one_fails(english, owner, conversation, graph):
    _whatsapp_only(english, owner)
    _template(english)
    alert = _raise(english, conversation)
    delivery = AlertDelivery.objects.get(alert=alert)
    graph.fail_next(503, code=131016, message="Service unavailable")
    assert alert_delivery_send(delivery_id=delivery.pk, now=NOW) == DeliveryOutcome.RETRY
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert alert_delivery_send(delivery_id=delivery.pk, now=NOW) == DeliveryOutcome.SENT
    assert alert_delivery_send(delivery_id=delivery.pk, now=NOW) == DeliveryOutcome.NOTHING
    assert len(graph.sends) == 2

    second = _raise(english, conversation, key="conversation:1:handoff:message:2")
    graph.fail_next(400, code=131030, message="Recipient phone number not in allowed list")
    alert_deliver_task.apply(args=[second.pk])
    failed = AlertDelivery.objects.get(alert=second)
    assert failed.status == "failed"
    assert "131030" in failed.reason


def test_a_rejected_token_fails_the_delivery_and_flags_the_token(english, owner, conversation, graph):
    _whatsapp_only(english, owner)
    _template(english)
    alert = _raise(english, conversation)
    graph.fail_next(401, code=190, message="Invalid OAuth access token")
    alert_deliver_task.apply(args=[alert.pk])
    assert AlertDelivery.objects.get().status == "failed"
    english.refresh_from_db()
    assert english.whatsapp_token_invalid_at is not None


def test_the_task_retries_transient_trouble_with_backoff(english, owner, conversation, graph, celery_retries_inline):
    _whatsapp_only(english, owner)
    _template(english)
    alert = _raise(english, conversation)
    graph.fail_next(429, code=130429, message="Rate limit hit")
    alert_deliver_task.apply(args=[alert.pk])
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert len(graph.sends) == 2


# --- Quiet hours, across Rome's changes of clocks ----------------------------------------------


def test_quiet_hours_that_do_not_wrap_midnight():
    assert quiet_hours_end_at(now=datetime(2026, 12, 1, 13, 30, tzinfo=ROME), zone=ROME, start=time(13),
                              end=time(15)) == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert quiet_hours_end_at(now=datetime(2026, 12, 1, 15, 0, tzinfo=ROME), zone=ROME, start=time(13),
                              end=time(15)) is None


@pytest.mark.parametrize(
    ("due_local", "released_utc"),
    [
        # The night of the last Saturday of March: 02:00 becomes 03:00, 07:00 is 05:00 UTC.
        (datetime(2026, 3, 28, 22, 0, tzinfo=ROME), datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        (datetime(2026, 3, 28, 23, 30, tzinfo=ROME), datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        (datetime(2026, 3, 29, 3, 30, tzinfo=ROME), datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        # The night of the last Saturday of October: 03:00 becomes 02:00, 07:00 is 06:00 UTC.
        (datetime(2026, 10, 24, 23, 30, tzinfo=ROME), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ROME), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
    ],
)
def test_a_delivery_in_quiet_hours_is_held_and_sent_at_their_end(
    english, owner, conversation, due_local, released_utc
):
    AlertPreference.objects.create(
        tenant=english, user=owner, quiet_hours_start=time(22), quiet_hours_end=time(7)
    )
    with time_machine.travel(due_local, tick=False):
        alert = _raise(english, conversation)
        alert_deliver_task.apply(args=[alert.pk])
    delivery = AlertDelivery.objects.get(alert=alert)
    assert (delivery.status, delivery.hold_until) == ("held", released_utc)
    assert mail.outbox == []

    just_before = released_utc.replace(minute=59, hour=released_utc.hour - 1)
    with time_machine.travel(just_before, tick=False):
        assert alert_deliveries_due(now=just_before) == []
        alert_deliver_held_task.apply()
    assert mail.outbox == []
    with time_machine.travel(released_utc, tick=False):
        assert alert_deliveries_due(now=released_utc) == [delivery.pk]
        alert_deliver_held_task.apply()
        alert_deliver_held_task.apply()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.sent_at) == ("sent", released_utc)
    assert len(mail.outbox) == 1


def test_outside_quiet_hours_the_alert_goes_at_once(english, owner, conversation):
    AlertPreference.objects.create(tenant=english, user=owner, quiet_hours_start=time(22), quiet_hours_end=time(7))
    with time_machine.travel(datetime(2026, 3, 28, 21, 59, tzinfo=ROME), tick=False):
        alert = _raise(english, conversation)
        alert_deliver_task.apply(args=[alert.pk])
    assert AlertDelivery.objects.get(alert=alert).status == "sent"
    assert len(mail.outbox) == 1


def test_a_delivery_whose_task_was_lost_is_sent_by_the_sweep(english, owner, conversation):
    with time_machine.travel(NOW, tick=False):
        alert = _raise(english, conversation)  # its task never ran (the broker was down)
    later = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        alert_deliver_held_task.apply()
    assert AlertDelivery.objects.get(alert=alert).status == "sent"
    assert len(mail.outbox) == 1


def test_the_email_is_in_the_businesss_language(restaurant, owner):
    conversation = ConversationFactory(customer=CustomerFactory(tenant=restaurant, display_name="Giada"))
    alert = _raise(restaurant, conversation)
    alert_deliver_task.apply(args=[alert.pk])
    assert mail.outbox[0].subject == "Trattoria Uno: Una conversazione aspetta una persona"
    assert mail.outbox[0].body.startswith("Giada aspetta una persona (il cliente ha chiesto una persona).\n\nApri: ")
