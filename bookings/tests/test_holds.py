"""Held bookings: a slot kept for one customer for a while, blocking like a confirmed booking until it expires."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

from bookings.availability import Verdict, start_check
from bookings.errors import HoldExpired, SlotUnavailable
from bookings.models import Appointment
from bookings.services import (
    appointment_book,
    appointment_hold,
    appointment_hold_confirm,
    holds_expired_release,
)
from bookings.signals import appointment_hold_expired
from bookings.tasks import holds_expire_task
from bookings.tests.conftest import NOW, rome
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)


def _hold(tenant, *, table, now=NOW, minutes=10, start=AT_20, customer=None):
    return appointment_hold(
        tenant=tenant, start=start, minutes=minutes, reason="waitlist_offer", party_size=4, resource=table,
        customer=customer, channel="whatsapp", now=now,
    )


def test_a_hold_blocks_its_table_like_a_confirmed_booking_until_it_expires(restaurant, tables):
    held = _hold(restaurant, table=tables[4])
    assert (held.status, held.hold_expires_at, held.hold_reason) == ("held", NOW + timedelta(minutes=10),
                                                                     "waitlist_offer")
    assert held.is_active
    before = start_check(tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], now=NOW)
    assert before.verdict is Verdict.TAKEN
    with pytest.raises(SlotUnavailable):
        appointment_book(tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="whatsapp",
                         now=NOW + timedelta(minutes=9))
    # Past due and not swept yet: it no longer blocks, and the next booking takes the table.
    later = NOW + timedelta(minutes=10)
    after = start_check(tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], now=later)
    assert after.verdict is Verdict.FREE
    booked = appointment_book(tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="whatsapp",
                              now=later)
    held.refresh_from_db()
    assert (held.status, booked.status, booked.resource) == ("expired", "confirmed", tables[4])


def test_confirming_in_time_books_it_for_the_customer_and_a_second_tap_changes_nothing(restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    held = _hold(restaurant, table=tables[4], customer=customer)
    confirmed = appointment_hold_confirm(tenant=restaurant, appointment=held, now=NOW + timedelta(minutes=9))
    assert (confirmed.status, confirmed.hold_expires_at, confirmed.customer) == ("confirmed", None, customer)
    again = appointment_hold_confirm(tenant=restaurant, appointment=held, now=NOW + timedelta(minutes=12))
    assert (again.pk, again.status) == (held.pk, "confirmed")
    assert Appointment.objects.filter(tenant=restaurant).count() == 1


def test_confirming_too_late_is_refused_with_the_free_times_now(restaurant, tables):
    held = _hold(restaurant, table=tables[4])
    appointment_book(tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="whatsapp",
                     now=NOW + timedelta(minutes=11))
    with pytest.raises(HoldExpired) as refused:
        appointment_hold_confirm(tenant=restaurant, appointment=held, now=NOW + timedelta(minutes=12))
    assert refused.value.alternatives
    assert all(slot.start != AT_20 or slot.resource != tables[4] for slot in refused.value.alternatives)
    held.refresh_from_db()
    assert held.status == "expired"


def test_the_sweep_releases_holds_past_due_once_and_announces_them_after_commit(
    restaurant, tables, django_capture_on_commit_callbacks
):
    due = _hold(restaurant, table=tables[4])
    running = _hold(restaurant, table=tables[6], minutes=30, start=AT_20)
    heard = []

    def receiver(sender, appointment_id, now, **kwargs):
        heard.append(appointment_id)

    appointment_hold_expired.connect(receiver, dispatch_uid="test_holds_receiver")
    try:
        later = NOW + timedelta(minutes=10)
        with django_capture_on_commit_callbacks(execute=True):
            assert holds_expired_release(now=later) == [due.pk]
            assert holds_expired_release(now=later) == []
    finally:
        appointment_hold_expired.disconnect(dispatch_uid="test_holds_receiver")
    assert heard == [due.pk]
    assert dict(Appointment.objects.values_list("pk", "status")) == {due.pk: "expired", running.pk: "held"}


def test_the_periodic_task_releases_holds_and_is_scheduled(restaurant, tables):
    held = _hold(restaurant, table=tables[4])
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        holds_expire_task.delay()
    held.refresh_from_db()
    assert held.status == "expired"
    assert settings.CELERY_BEAT_SCHEDULE["holds-expire"]["task"] == "bookings.holds_expire"


def test_a_hold_expires_after_its_minutes_across_the_autumn_clock_change(restaurant, tables):
    # 02:55 summer time in Rome (00:55 UTC); ten minutes later the clocks read 02:05 winter time.
    created = datetime(2026, 10, 25, 0, 55, tzinfo=UTC)
    start = rome(2026, 10, 25, 20)
    with time_machine.travel(created, tick=False):
        held = appointment_hold(tenant=restaurant, start=start, minutes=10, reason="approval", party_size=4,
                                resource=tables[4], channel="whatsapp")
    assert held.hold_expires_at == datetime(2026, 10, 25, 1, 5, tzinfo=UTC)
    assert held.hold_expires_at.astimezone(rome(2026, 1, 1).tzinfo).strftime("%H:%M %Z") == "02:05 CET"
    with time_machine.travel(datetime(2026, 10, 25, 1, 4, tzinfo=UTC), tick=False):
        holds_expire_task.delay()
        held.refresh_from_db()
        assert held.status == "held"
    with time_machine.travel(datetime(2026, 10, 25, 1, 5, tzinfo=UTC), tick=False):
        holds_expire_task.delay()
        held.refresh_from_db()
        assert held.status == "expired"


def test_another_tenant_cannot_confirm_a_hold(restaurant, tables):
    held = _hold(restaurant, table=tables[4])
    other = TenantFactory(kind="restaurant")
    with pytest.raises(Appointment.DoesNotExist):
        appointment_hold_confirm(tenant=other, appointment=held, now=NOW)
    held.refresh_from_db()
    assert held.status == "held"


def test_a_hold_needs_a_known_reason_and_a_length(restaurant, tables):
    with pytest.raises(ValueError, match="reason"):
        appointment_hold(tenant=restaurant, start=AT_20, minutes=10, reason="whim", party_size=4,
                         channel="whatsapp", now=NOW)
    with pytest.raises(ValueError, match="minute"):
        appointment_hold(tenant=restaurant, start=AT_20, minutes=0, reason="approval", party_size=4,
                         channel="whatsapp", now=NOW)
    assert not Appointment.objects.exists()

