"""Customers booking the same two-service visit at once: exactly one visit, whole (PostgreSQL)."""

from collections import Counter

import pytest
from django.conf import settings

from bookings.errors import SlotUnavailable
from bookings.models import Appointment
from bookings.services import appointment_book
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import ServiceFactory
from bookings.tests.racing import threads_race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: concurrent transactions and the btree_gist exclusion constraint",
    ),
]


def test_twenty_customers_booking_colour_and_blow_dry_at_once_make_one_whole_visit(salon):
    piega = ServiceFactory(tenant=salon["tenant"], name_it="Piega", duration_minutes=45)
    salon["giulia"].services.add(piega)
    outcomes = threads_race(
        lambda index: appointment_book(
            tenant=salon["tenant"], start=rome(2026, 12, 4, 10), service=salon["colour"], then=[piega],
            channel="whatsapp", now=NOW,
        ),
        threads=20, refusals={SlotUnavailable: "taken"},
    )
    assert outcomes == Counter({"booked": 1, "taken": 19})
    rows = Appointment.objects.filter(tenant=salon["tenant"]).order_by("starts_at")
    assert [(a.service_id, a.status) for a in rows] == [(salon["colour"].pk, "confirmed"), (piega.pk, "confirmed")]
    assert rows[1].visit_first_id == rows[0].pk
