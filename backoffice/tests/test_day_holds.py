"""A held booking on the day view: expected while the hold lasts, with the cancelled ones once it expires."""

from datetime import timedelta

import pytest

from backoffice.day import Visit, visit_state
from backoffice.tests.conftest import NOW
from bookings.services import appointment_hold, holds_expired_release

pytestmark = pytest.mark.django_db


def test_the_day_view_lists_an_expired_hold_with_the_cancelled_bookings(restaurant):
    held = appointment_hold(
        tenant=restaurant, start=NOW.replace(hour=20), minutes=10, reason="waitlist_offer", party_size=4,
        channel="whatsapp", now=NOW,
    )
    assert visit_state(held, now=NOW) == Visit.EXPECTED
    holds_expired_release(now=NOW + timedelta(minutes=10))
    held.refresh_from_db()
    assert visit_state(held, now=NOW + timedelta(minutes=10)) == Visit.CANCELLED
