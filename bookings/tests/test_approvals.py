"""Big parties waiting for staff approval: a held (or pending) request, approved, declined or lapsed."""

from datetime import timedelta

import pytest
import time_machine

from bookings.approvals import (
    appointment_approval_accept,
    appointment_approval_decline,
    appointment_approval_request,
    approval_needed,
    approvals_pending,
    approvals_pending_gauge_set,
)
from bookings.errors import AppointmentNotActive, SlotUnavailable
from bookings.models import Appointment, WaitlistRequest
from bookings.services import appointment_book, holds_expired_release
from bookings.signals import appointment_approval_answered
from bookings.tasks import holds_expire_task
from bookings.tests.conftest import NOW, rome
from bookings.waitlist import waitlist_join
from common import metrics
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def answers():
    heard: list[tuple[int, bool]] = []

    def receiver(sender, tenant, appointment, approved, now, **kwargs):
        heard.append((appointment.pk, approved))

    appointment_approval_answered.connect(receiver, dispatch_uid="test_answers")
    yield heard
    appointment_approval_answered.disconnect(dispatch_uid="test_answers")


def _ask(restaurant, *, party_size=6, now=NOW, resource=None):
    return appointment_approval_request(
        tenant=restaurant, start=AT_20, party_size=party_size, customer=CustomerFactory(tenant=restaurant),
        channel="whatsapp", resource=resource, now=now,
    )


def _approval_on(restaurant, hours=2, size=6):
    restaurant.approval_party_size, restaurant.approval_hold_hours = size, hours
    restaurant.save(update_fields=["approval_party_size", "approval_hold_hours"])


def test_approval_is_off_by_default_and_counts_from_the_tenants_size(restaurant):
    assert approval_needed(tenant=restaurant, party_size=40) is False
    _approval_on(restaurant, size=6)
    assert (approval_needed(tenant=restaurant, party_size=5), approval_needed(tenant=restaurant, party_size=6)) == (
        False, True,
    )


def test_a_request_holds_the_table_for_the_hours_and_blocks_it_like_a_booking(restaurant, tables):
    _approval_on(restaurant, hours=2)
    request = _ask(restaurant)
    assert (request.status, request.hold_reason, request.resource, request.hold_expires_at) == (
        "held", "approval", tables[6], NOW + timedelta(hours=2),
    )
    with pytest.raises(SlotUnavailable):
        appointment_book(tenant=restaurant, start=AT_20, party_size=6, resource=tables[6], channel="admin",
                         by_staff=True, now=NOW)
    assert list(approvals_pending(tenant=restaurant, now=NOW)) == [request]


def test_the_hold_never_outlasts_the_booking_itself(restaurant, tables):
    _approval_on(restaurant, hours=72)
    request = _ask(restaurant, now=rome(2026, 12, 3, 10))
    assert request.hold_expires_at == AT_20


def test_approving_confirms_the_held_table_and_announces_it(restaurant, tables, answers):
    _approval_on(restaurant)
    request = _ask(restaurant)
    approved = appointment_approval_accept(tenant=restaurant, appointment=request, now=NOW + timedelta(minutes=30))
    assert (approved.status, approved.hold_expires_at, approved.resource) == ("confirmed", None, tables[6])
    assert answers == [(request.pk, True)]
    with pytest.raises(AppointmentNotActive):
        appointment_approval_decline(tenant=restaurant, appointment=request, now=NOW + timedelta(minutes=31))


def test_declining_cancels_and_offers_the_table_to_the_waitlist(
    restaurant, tables, answers, django_capture_on_commit_callbacks
):
    _approval_on(restaurant)
    request = _ask(restaurant)
    waiting = waitlist_join(tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=AT_20,
                            party_size=5, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        declined = appointment_approval_decline(tenant=restaurant, appointment=request, now=NOW + timedelta(hours=1))
    waiting.refresh_from_db()
    assert (declined.status, declined.cancelled_at) == ("cancelled", NOW + timedelta(hours=1))
    assert answers == [(request.pk, False)]
    assert (waiting.status, waiting.offer.resource) == (WaitlistRequest.Status.OFFERED, tables[6])


def test_an_unanswered_request_lapses_when_its_hold_runs_out_and_cannot_be_approved_after(
    restaurant, tables, django_capture_on_commit_callbacks
):
    _approval_on(restaurant, hours=2)
    request = _ask(restaurant)
    later = NOW + timedelta(hours=2, minutes=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        holds_expire_task()
    request.refresh_from_db()
    assert request.status == "expired"
    with pytest.raises(AppointmentNotActive):
        appointment_approval_accept(tenant=restaurant, appointment=request, now=later)
    # A hold past its time that the sweep has not reached yet cannot be approved either.
    second = _ask(restaurant, now=later)
    with pytest.raises(AppointmentNotActive):
        appointment_approval_accept(tenant=restaurant, appointment=second, now=later + timedelta(hours=3))


def test_without_a_hold_the_request_keeps_no_table_and_approval_books_it_only_if_free(restaurant, tables):
    _approval_on(restaurant, hours=0)
    request = _ask(restaurant, party_size=4, resource=tables[4])
    assert (request.status, request.hold_expires_at) == ("pending", AT_20)
    # Nothing kept: staff book the same table meanwhile, and approval takes the next that seats four.
    appointment_book(tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="admin",
                     by_staff=True, now=NOW)
    approved = appointment_approval_accept(tenant=restaurant, appointment=request, now=NOW + timedelta(minutes=5))
    assert (approved.status, approved.resource) == ("confirmed", tables[6])


def test_a_pending_request_whose_time_filled_up_stays_pending_with_the_free_times(restaurant, tables):
    _approval_on(restaurant, hours=0)
    request = _ask(restaurant, party_size=6)
    appointment_book(tenant=restaurant, start=AT_20, party_size=6, resource=tables[6], channel="admin",
                     by_staff=True, now=NOW)
    with pytest.raises(SlotUnavailable) as refused:
        appointment_approval_accept(tenant=restaurant, appointment=request, now=NOW + timedelta(minutes=5))
    assert refused.value.alternatives
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_pending_request_lapses_at_the_bookings_time(restaurant, tables):
    _approval_on(restaurant, hours=0)
    request = _ask(restaurant)
    assert holds_expired_release(now=AT_20 - timedelta(minutes=1)) == []
    assert holds_expired_release(now=AT_20) == [request.pk]
    request.refresh_from_db()
    assert request.status == "expired"


def test_another_tenant_cannot_answer_a_request_and_nothing_changes(restaurant, tables):
    _approval_on(restaurant)
    request = _ask(restaurant)
    other = TenantFactory()
    for answer in (appointment_approval_accept, appointment_approval_decline):
        with pytest.raises(Appointment.DoesNotExist):
            answer(tenant=other, appointment=request, now=NOW)
    request.refresh_from_db()
    assert request.status == "held"


def test_an_ordinary_hold_is_not_an_approval_request(restaurant, tables):
    booking = appointment_book(tenant=restaurant, start=AT_20, party_size=2, channel="whatsapp", now=NOW)
    with pytest.raises(AppointmentNotActive):
        appointment_approval_accept(tenant=restaurant, appointment=booking, now=NOW)


def test_the_gauge_counts_requests_waiting_by_status(restaurant, tables):
    _approval_on(restaurant, hours=2)
    _ask(restaurant)
    _approval_on(restaurant, hours=0)
    _ask(restaurant, party_size=4, resource=tables[4])
    assert approvals_pending_gauge_set(now=NOW) == {"held": 1, "pending": 1}
    assert metrics.approvals_pending.labels(status="held")._value.get() == 1
    assert approvals_pending_gauge_set(now=AT_20) == {"held": 0, "pending": 0}
