"""Every ``/api/`` endpoint under odd input: NUL characters, dates past the calendar's ends.

Each is a clear 4xx (a JSON 400 naming the field where a field is at fault), never a
500, and writes no row. PostgreSQL refuses ``\\x00`` in text and datetimes past year
9999, so the suite must pass with ``DATABASE_URL`` set, too.
"""

import pytest
import time_machine
from rest_framework.test import APIClient

from bookings.models import Appointment
from bookings.services import appointment_book
from bookings.tests.conftest import NOW, rome
from conversations.models import Conversation, Message
from customers.models import Customer
from tenants.api_tokens import api_token_create
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NUL_TEXTS = ["\x00", "trattoria\x00", "a\x00b"]
BAD_DATES = ["9999-12-31", "0001-01-01", "99999-01-01", "2026-02-30", "2026-12-04\x00"]
BAD_STARTS = [
    "9999-12-31T23:59", "9999-12-31T23:00-12:00", "0001-01-01T00:00", "0001-01-01T00:30+01:00",
    "99999-01-01T20:00", "2026-02-30T20:00", "2026-12-04T25:00", "2026-12-04T20:00\x00", "\x00",
]


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(restaurant, tables):
    client = APIClient(raise_request_exception=False)
    user = MembershipFactory(tenant=restaurant).user
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user).token}")
    return client


@pytest.fixture
def booking(restaurant, tables):
    return appointment_book(tenant=restaurant, start=rome(2026, 12, 4, 20), party_size=2, channel="test")


def _rows() -> tuple[int, ...]:
    return (Appointment.objects.count(), Customer.objects.count(), Conversation.objects.count(),
            Message.objects.count())


def _cases(booking_reference: str) -> list[tuple[str, str, dict, str | None]]:
    """(method, path, query or body, the field the 400 must name, or None for any 4xx)."""
    ref = f"/api/appointments/{booking_reference}"
    cases = []
    for text in NUL_TEXTS:
        cases += [
            ("get", "/api/availability", {"tenant": text}, "tenant"),
            ("get", "/api/appointments", {"tenant": text}, "tenant"),
            ("post", "/api/appointments", {"tenant": text, "start": "2026-12-04T20:00"}, "tenant"),
            ("post", "/api/appointments", {"start": "2026-12-04T20:00", "notes": text}, "notes"),
            ("get", ref, {"tenant": text}, "tenant"),
            ("post", f"{ref}/cancel", {"tenant": text}, "tenant"),
            ("post", f"{ref}/reschedule", {"tenant": text, "start": "2026-12-05T20:00"}, "tenant"),
            ("get", "/api/appointments/R\x00X", {}, None),
            ("post", "/api/appointments/R\x00X/cancel", {}, None),
            ("post", "/api/test-message", {"tenant": text, "text": "ciao"}, "tenant"),
            ("post", "/api/test-message", {"tenant": "x", "text": f"ciao {text}"}, "text"),
            ("post", "/api/test-message", {"tenant": "x", "choice": text}, "choice"),
            ("post", "/api/test-message", {"tenant": "x", "text": "ciao", "from": text}, "from"),
        ]
    cases += [
        ("get", "/api/appointments", {"status": "confirmed\x00"}, "status"),
        ("get", "/api/availability", {"days": "1e400"}, "days"),
        ("post", "/api/appointments", {"start": "2026-12-04T20:00", "party_size": "1e400"}, "party_size"),
    ]
    for date in BAD_DATES:
        cases += [
            ("get", "/api/availability", {"date": date}, "date"),
            ("get", "/api/availability", {"date": date, "days": 62}, "date"),
            ("get", "/api/appointments", {"date": date}, "date"),
            ("get", "/api/appointments", {"date": date, "days": 366}, "date"),
        ]
    for start in BAD_STARTS:
        cases += [
            ("post", "/api/appointments", {"start": start, "party_size": 2}, "start"),
            ("post", f"{ref}/reschedule", {"start": start}, "start"),
        ]
    return cases


def test_every_api_endpoint_answers_odd_input_with_a_4xx_naming_the_field_and_writes_nothing(api, booking):
    before = _rows()
    failures = []
    for method, path, data, field in _cases(booking.reference):
        response = api.get(path, data) if method == "get" else api.post(path, data, format="json")
        body = response.json() if response.get("Content-Type", "").startswith("application/json") else None
        expected = response.status_code == 400 and isinstance(body, dict) and field in body if field else (
            400 <= response.status_code < 500 and body is not None
        )
        if not expected:
            failures.append((method, path, data, response.status_code, body))
    assert failures == []
    assert _rows() == before
    booking.refresh_from_db()
    assert booking.starts_at == rome(2026, 12, 4, 20)
