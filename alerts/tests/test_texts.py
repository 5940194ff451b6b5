"""What each kind of alert says, on the business's wall clock, without storing the customer's name."""

from datetime import datetime

import pytest
from django.utils import translation

from alerts.models import Alert
from alerts.tests.conftest import ROME
from alerts.texts import alert_path, alert_summary, alert_title
from bookings.services import appointment_book
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def giada(restaurant):
    return CustomerFactory(tenant=restaurant, display_name="Giada")


def test_each_kind_says_who_what_and_when_in_english_and_italian(restaurant, giada):
    conversation = ConversationFactory(customer=giada)
    appointment = appointment_book(
        tenant=restaurant, start=datetime(2026, 12, 1, 20, 0, tzinfo=ROME), party_size=2, customer=giada,
        channel="whatsapp", by_staff=True,
    )
    alerts = [
        Alert(tenant=restaurant, kind="large_party", conversation=conversation,
              data={"party_size": 12, "refused": True}),
        Alert(tenant=restaurant, kind="large_party", conversation=conversation,
              data={"party_size": 9, "refused": False}),
        Alert(tenant=restaurant, kind="last_minute", appointment=appointment, data={
            "change": "moved", "reference": "ABC123", "starts_at": "2026-12-01T19:00:00+00:00",
            "previous_starts_at": "2026-12-01T11:30:00+00:00",
        }),
        Alert(tenant=restaurant, kind="last_minute", appointment=appointment, data={
            "change": "cancelled", "reference": "ABC123", "starts_at": "2026-12-01T11:30:00+00:00",
        }),
        Alert(tenant=restaurant, kind="send_failed", conversation=conversation,
              data={"error_code": 131047, "error_title": "Re-engagement message"}),
    ]
    with translation.override("en"):
        assert [alert_summary(a) for a in alerts] == [
            "Giada asked for a table for 12: no table seats that many, the assistant told them to call.",
            "Giada asked for a table for 9.",
            "Giada moved their booking ABC123 from 1 Dec 2026 12:30 to 1 Dec 2026 20:00.",
            "Giada cancelled their booking ABC123 of 1 Dec 2026 12:30.",
            "A message to Giada could not be sent: Re-engagement message",
        ]
        assert alert_title(alerts[0]) == "A large party asks"
    with translation.override("it"):
        assert alert_summary(alerts[1]) == "Giada ha chiesto un tavolo per 9."
        assert alert_title(alerts[2]) == "Una modifica dell'ultimo minuto"
    assert alert_path(alerts[0]) == f"/admin/chat/{conversation.pk}/"
    assert alert_path(alerts[2]) == f"/admin/day/?date=2026-12-01#booking-{appointment.pk}"
    # No name is stored: it is read from the conversation or booking.
    assert all("Giada" not in str(a.data) for a in alerts)
