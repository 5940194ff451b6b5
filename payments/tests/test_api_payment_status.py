"""The booking API says where each booking's money stands: none, awaiting, paid, guaranteed, refunded, kept, charged."""

from datetime import timedelta

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from bookings.apis import PAYMENT_STATUSES
from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from payments.models import Payment
from payments.selectors import PaymentStatus
from payments.tests.conftest import AT_20
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

S, P = Payment.Status, Payment.Kind


def _api(tenant) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=MembershipFactory(tenant=tenant).user)[1]}"
    )
    return client


def _booking(tenant, status=Appointment.Status.CONFIRMED, *movements):
    held = {"hold_expires_at": AT_20 - timedelta(days=3)} if status == Appointment.Status.HELD else {}
    booking = AppointmentFactory(tenant=tenant, starts_at=AT_20, status=status, **held)
    given = None
    for kind, payment_status in movements:
        row = Payment.objects.create(
            tenant=tenant,
            appointment=booking,
            kind=kind,
            status=payment_status,
            amount_cents=2000,
            currency="eur",
            refund_of=given if kind == P.REFUND else None,
        )
        given = given or row
    return booking


@pytest.mark.parametrize(
    ("booking_status", "movements", "expected"),
    [
        ("confirmed", [], "none"),
        ("held", [(P.DEPOSIT, S.PENDING)], "awaiting"),
        ("expired", [(P.DEPOSIT, S.EXPIRED)], "none"),
        ("confirmed", [(P.DEPOSIT, S.SUCCEEDED)], "paid"),
        ("confirmed", [(P.GUARANTEE, S.SUCCEEDED)], "guaranteed"),
        ("cancelled", [(P.DEPOSIT, S.REFUNDED), (P.REFUND, S.SUCCEEDED)], "refunded"),
        ("cancelled", [(P.DEPOSIT, S.SUCCEEDED), (P.REFUND, S.PENDING)], "refunded"),
        ("cancelled", [(P.DEPOSIT, S.SUCCEEDED)], "kept"),
        ("no_show", [(P.DEPOSIT, S.SUCCEEDED)], "kept"),
        ("no_show", [(P.GUARANTEE, S.SUCCEEDED), (P.NO_SHOW_FEE, S.SUCCEEDED)], "charged"),
        ("no_show", [(P.GUARANTEE, S.SUCCEEDED), (P.NO_SHOW_FEE, S.FAILED)], "guaranteed"),
    ],
)
def test_one_booking_s_payment_status(restaurant, booking_status, movements, expected):
    booking = _booking(restaurant, booking_status, *movements)
    response = _api(restaurant).get(f"/api/appointments/{booking.reference}")
    assert response.status_code == 200
    assert response.json()["payment_status"] == expected


def test_a_list_reads_them_all_in_one_query(restaurant, django_assert_max_num_queries):
    paid = _booking(restaurant, "confirmed", (P.DEPOSIT, S.SUCCEEDED))
    plain = _booking(restaurant)
    api = _api(restaurant)
    response = api.get("/api/appointments", {"date": "2026-12-04"})
    statuses = {row["reference"]: row["payment_status"] for row in response.json()["results"]}
    assert statuses == {paid.reference: "paid", plain.reference: "none"}
    for _n in range(5):
        _booking(restaurant, "confirmed", (P.DEPOSIT, S.SUCCEEDED))
    with django_assert_max_num_queries(12):
        assert len(api.get("/api/appointments", {"date": "2026-12-04"}).json()["results"]) == 7


def test_another_business_s_payments_never_show(restaurant):
    theirs = _booking(TenantFactory(), "confirmed", (P.DEPOSIT, S.SUCCEEDED))
    assert _api(restaurant).get(f"/api/appointments/{theirs.reference}").status_code == 404


def test_the_api_names_every_status_payments_knows():
    assert set(PaymentStatus.CHOICES) == set(PAYMENT_STATUSES)
