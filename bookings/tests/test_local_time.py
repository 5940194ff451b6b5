"""A booking and a closure are named in the business's own zone, in the staff member's language."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from bookings.models import Closure
from bookings.tests.factories import AppointmentFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)  # 20:00 in Rome, 14:00 in New York


@pytest.mark.parametrize(("zone", "language", "expected"), [
    ("Europe/Rome", "it", "3 Dic 2026 20:00"),
    ("Europe/Rome", "en", "3 Dec 2026 20:00"),
    ("America/New_York", "en", "3 Dec 2026 14:00"),
])
def test_a_booking_is_named_by_its_local_start(zone, language, expected):
    booking = AppointmentFactory(tenant=TenantFactory(timezone=zone), starts_at=MOMENT, reference="5Z3S82")
    with translation.override(language):
        assert str(booking) == f"5Z3S82 {expected}"


@pytest.mark.parametrize(("zone", "expected"), [
    ("Europe/Rome", "24 Dic 2026 00:00 → 27 Dic 2026 00:00 Natale"),
    ("America/New_York", "23 Dic 2026 18:00 → 26 Dic 2026 18:00 Natale"),
])
def test_a_closure_is_named_by_its_local_days(zone, expected):
    rome_midnight = datetime(2026, 12, 23, 23, 0, tzinfo=UTC)
    closure = Closure.objects.create(
        tenant=TenantFactory(timezone=zone), starts_at=rome_midnight,
        ends_at=datetime(2026, 12, 26, 23, 0, tzinfo=UTC), reason="Natale",
    )
    with translation.override("it"):
        assert str(closure) == expected
