"""Staff answering a big party's request while the hold sweep expires it: one outcome, never both (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.conf import settings

from bookings.approvals import appointment_approval_accept, appointment_approval_decline, appointment_approval_request
from bookings.errors import AppointmentNotActive
from bookings.models import Appointment
from bookings.services import holds_expired_release
from bookings.tests.conftest import NOW, rome
from bookings.tests.racing import threads_race
from customers.tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: concurrent transactions and row locks",
    ),
]

AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture
def request_held(restaurant, tables):
    restaurant.approval_party_size, restaurant.approval_hold_hours = 6, 2
    restaurant.save(update_fields=["approval_party_size", "approval_hold_hours"])
    return appointment_approval_request(
        tenant=restaurant, start=AT_20, party_size=6, customer=CustomerFactory(tenant=restaurant),
        channel="whatsapp", now=NOW,
    )


def test_approvals_racing_the_expiry_sweep_end_approved_or_expired_never_both(restaurant, request_held):
    deadline = request_held.hold_expires_at
    in_time, late = deadline - timedelta(seconds=1), deadline + timedelta(seconds=1)

    def action(index: int) -> object:
        if index % 2:
            return appointment_approval_accept(tenant=restaurant, appointment=request_held, now=in_time)
        holds_expired_release(now=late)
        raise _Swept()

    outcomes = threads_race(action, threads=20, refusals={AppointmentNotActive: "refused", _Swept: "swept"})
    assert set(outcomes) <= {"booked", "refused", "swept"}, outcomes
    request_held.refresh_from_db()
    assert request_held.status in ("confirmed", "expired")
    if request_held.status == "confirmed":
        assert outcomes["booked"] == 1 and request_held.hold_expires_at is None
    else:
        assert outcomes["booked"] == 0
    assert Appointment.objects.filter(tenant=restaurant).count() == 1


def test_approve_and_decline_at_once_give_one_answer(restaurant, request_held):
    def action(index: int) -> object:
        answer = appointment_approval_accept if index % 2 else appointment_approval_decline
        return answer(tenant=restaurant, appointment=request_held, now=NOW + timedelta(minutes=5))

    outcomes = threads_race(action, threads=20, refusals={AppointmentNotActive: "refused"})
    assert outcomes["booked"] == 1 and outcomes["refused"] == 19, outcomes
    request_held.refresh_from_db()
    assert request_held.status in ("confirmed", "cancelled")


class _Swept(Exception):
    pass
