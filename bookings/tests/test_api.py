from datetime import time

import pytest
import time_machine
from knox.models import AuthToken
from rest_framework.test import APIClient

from bookings.models import Appointment
from bookings.services import appointment_book
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import OpeningHoursFactory, ResourceFactory, ServiceFactory
from conversations.models import Message
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


@pytest.fixture
def api(restaurant, tables):
    return _client_for(MembershipFactory(tenant=restaurant).user)


@pytest.fixture
def other():
    """Tenant B, with its own staff member and a booking."""
    tenant = TenantFactory(kind="restaurant", min_notice_minutes=0)
    OpeningHoursFactory(tenant=tenant, weekday=4, opens=time(19), closes=time(23))
    ResourceFactory(tenant=tenant, name="B1", max_seats=4)
    booking = appointment_book(tenant=tenant, start=rome(2026, 12, 4, 20), party_size=2, channel="test")
    return {"tenant": tenant, "booking": booking, "api": _client_for(MembershipFactory(tenant=tenant).user)}


def _book(api, **body):
    body.setdefault("start", "2026-12-04T20:00")
    body.setdefault("party_size", 2)
    return api.post("/api/appointments", body, format="json")


@pytest.mark.parametrize("path", ["/api/availability", "/api/availability/"])
def test_availability_lists_free_slots_in_local_time(api, path):
    response = api.get(path, {"date": "2026-12-04", "party_size": 5, "days": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "Europe/Rome"
    assert body["slots"][0] == {
        "start": "2026-12-04T12:00:00+01:00", "end": "2026-12-04T13:30:00+01:00",
        "resource": {"id": body["slots"][0]["resource"]["id"], "name": "T6"},
    }
    assert len(body["slots"]) == 2 * 20


def test_availability_of_a_salon_service(salon):
    api = _client_for(MembershipFactory(tenant=salon["tenant"]).user)
    response = api.get("/api/availability", {"service": salon["colour"].pk, "date": "2026-12-02", "limit": 3})
    assert [s["start"][11:16] for s in response.json()["slots"]] == ["09:00", "09:15", "09:30"]
    assert {s["resource"]["name"] for s in response.json()["slots"]} == {"Giulia"}


def test_availability_for_a_party_no_table_seats_is_a_clear_422(api):
    response = api.get("/api/availability", {"date": "2026-12-04", "party_size": 12})
    assert response.status_code == 422
    assert response.json()["error"] == "no_table_fits"


@pytest.mark.parametrize(
    "params",
    [
        {"party_size": "abc"}, {"party_size": 0}, {"date": "2026-13-01"}, {"days": 0}, {"days": 1000},
        {"service": "x"}, {"service": 10**30}, {"service": 999999}, {"resource": -1}, {"limit": 0},
    ],
)
def test_bad_availability_input_is_a_400_json(api, params):
    response = api.get("/api/availability", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_book_through_the_api(api, restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    response = _book(api, customer=customer.pk, notes="terrace")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["start"] == "2026-12-04T20:00:00+01:00" and body["end"] == "2026-12-04T21:30:00+01:00"
    assert (body["status"], body["channel"], body["party_size"]) == ("confirmed", "api", 2)
    assert body["resource"]["name"] == "T2" and body["customer"]["id"] == customer.pk
    appointment = Appointment.objects.get(reference=body["reference"])
    assert appointment.tenant == restaurant and appointment.starts_at == rome(2026, 12, 4, 20)


def test_an_overlap_is_a_409_with_alternatives(api):
    assert _book(api, party_size=5, start="2026-12-04T20:00:00+01:00").status_code == 201
    response = _book(api, party_size=5, start="2026-12-04T20:30/")
    assert response.status_code == 400  # not a date-time
    response = _book(api, party_size=5, start="2026-12-04T19:30:00Z")  # 20:30 in Rome
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "slot_unavailable"
    assert [a["start"][11:16] for a in body["alternatives"]] == ["13:45", "14:00", "21:30"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"start": "2026-12-04T16:00"}, "outside_opening_hours"),
        ({"start": "2026-12-01T11:00"}, "notice_too_short"),
        ({"start": "2027-06-01T20:00"}, "too_far_ahead"),
        ({"party_size": 40}, "no_table_fits"),
    ],
)
def test_booking_rules_are_a_422_with_a_code(api, body, code):
    response = _book(api, **body)
    assert response.status_code == 422
    assert response.json()["error"] == code
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [{"start": "tomorrow"}, {"start": None}, {"party_size": -2}, {"service": "abc"}, {"customer": 10**30}, {}],
)
def test_bad_booking_input_is_a_400(api, body):
    data = {"start": "2026-12-04T20:00", "party_size": 2, **body}
    if not body:
        data.pop("start")
    response = api.post("/api/appointments/", data, format="json")
    assert response.status_code == 400
    assert Appointment.objects.count() == 0


def test_malformed_json_is_a_400(api):
    response = api.post("/api/appointments", "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("slash", ["", "/"])
def test_cancel_and_reschedule_by_reference(api, slash):
    reference = _book(api).json()["reference"]
    moved = api.post(f"/api/appointments/{reference.lower()}/reschedule{slash}", {"start": "2026-12-05T20:00"},
                     format="json")
    assert moved.status_code == 200
    assert moved.json()["reference"] == reference and moved.json()["start"].startswith("2026-12-05T20:00")
    cancelled = api.post(f"/api/appointments/{reference}/cancel{slash}", format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api.post(f"/api/appointments/{reference}/cancel{slash}", format="json")
    assert again.status_code == 409 and again.json()["error"] == "appointment_not_active"


def test_cancel_inside_the_cutoff_gives_the_phone_unless_by_staff(api, restaurant):
    reference = _book(api, start="2026-12-01T12:30", by_staff=True).json()["reference"]
    with time_machine.travel(rome(2026, 12, 1, 10, 45), tick=False):  # 1h45 before: inside the 2-hour cut-off
        late = api.post(f"/api/appointments/{reference}/cancel", format="json")
        staff = api.post(f"/api/appointments/{reference}/cancel", {"by_staff": True}, format="json")
    assert late.status_code == 422
    assert late.json() == {
        "error": "too_late_to_cancel", "cutoff_hours": 2, "contact_phone": "+39 02 1234567",
        "detail": "Bookings cannot be cancelled or changed less than 2 hours before they start. "
        "Please call +39 02 1234567.",
    }
    assert staff.status_code == 200 and staff.json()["status"] == "cancelled"


def test_refusals_stay_in_english_whatever_language_the_client_asks_for(api, restaurant):
    reference = _book(api, start="2026-12-01T12:30", by_staff=True).json()["reference"]
    with time_machine.travel(rome(2026, 12, 1, 10, 45), tick=False):
        late = api.post(f"/api/appointments/{reference}/cancel", format="json", HTTP_ACCEPT_LANGUAGE="it")
    assert late.json()["detail"] == (
        "Bookings cannot be cancelled or changed less than 2 hours before they start. Please call +39 02 1234567."
    )


def test_appointments_list_is_the_callers_tenant_only(api, other):
    mine = _book(api).json()["reference"]
    listed = api.get("/api/appointments").json()
    assert [a["reference"] for a in listed["results"]] == [mine]
    theirs = other["api"].get("/api/appointments/").json()
    assert [a["reference"] for a in theirs["results"]] == [other["booking"].reference]
    by_day = api.get("/api/appointments", {"date": "2026-12-04", "status": "confirmed"}).json()
    assert [a["reference"] for a in by_day["results"]] == [mine]


def test_another_tenants_booking_is_a_404_and_stays_untouched(api, other):
    reference = other["booking"].reference
    assert api.get(f"/api/appointments/{reference}").status_code == 404
    assert api.post(f"/api/appointments/{reference}/cancel", {"by_staff": True}, format="json").status_code == 404
    response = api.post(f"/api/appointments/{reference}/reschedule", {"start": "2026-12-04T21:00", "by_staff": True},
                        format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such booking."}
    assert api.get("/api/appointments/NOPE99").json() == {"detail": "No such booking."}
    other["booking"].refresh_from_db()
    assert other["booking"].status == "confirmed" and other["booking"].starts_at == rome(2026, 12, 4, 20)


def test_another_tenants_rows_cannot_be_used_in_a_booking(api, other, salon):
    foreign_service = ServiceFactory(tenant=other["tenant"])
    response = _book(api, service=foreign_service.pk)
    assert response.status_code == 400 and "service" in response.json()
    response = api.get("/api/availability", {"tenant": other["tenant"].slug})
    assert response.status_code == 404


def test_authentication_and_membership_are_required(restaurant, tables, salon):
    assert APIClient().get("/api/availability").status_code == 401
    assert _client_for(UserFactory()).get("/api/availability").status_code == 403
    both = UserFactory()
    MembershipFactory(user=both, tenant=restaurant)
    MembershipFactory(user=both, tenant=salon["tenant"])
    api = _client_for(both)
    assert api.get("/api/availability").status_code == 400
    response = api.get("/api/availability", {"tenant": restaurant.slug, "date": "2026-12-04"})
    assert response.status_code == 200 and response.json()["slots"]


def test_session_authentication_works(client, restaurant, tables):
    client.force_login(MembershipFactory(tenant=restaurant).user)
    assert client.get("/api/availability/", {"date": "2026-12-04"}).status_code == 200


@pytest.mark.parametrize("path", ["/api/schema", "/api/schema/"])
def test_openapi_schema_describes_the_booking_api(client, path):
    client.force_login(MembershipFactory().user)  # staff only (lyo/tests/test_api_schema.py)
    response = client.get(path, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for expected in ["/api/availability", "/api/appointments", "/api/appointments/{reference}/cancel",
                     "/api/appointments/{reference}/reschedule"]:
        assert any(p.rstrip("/") == expected for p in paths), expected


def test_swagger_ui_needs_no_cdn(client):
    client.force_login(MembershipFactory().user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower() and "https://" not in page


def test_a_customer_over_the_per_day_limit_is_a_422_unless_by_staff(api, restaurant):
    customer = CustomerFactory(tenant=restaurant)
    assert _book(api, customer=customer.pk, start="2026-12-04T13:00").status_code == 201
    response = _book(api, customer=customer.pk)
    assert response.status_code == 422
    assert response.json() == {
        "error": "customer_booking_limit",
        "detail": "This customer already has 1 booking on that day, as many as the business allows.",
    }
    assert _book(api, customer=customer.pk, by_staff=True).status_code == 201


# --- by_staff: staff act for the customer, who is told -----------------------------------


def _told(customer) -> list[str]:
    """The purposes of the messages queued for ``customer``, oldest first."""
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND, conversation__customer=customer)
    return [message.payload["purpose"] for message in outbound.order_by("pk")]


@pytest.fixture
def giulia(restaurant):
    return CustomerFactory(tenant=restaurant, display_name="Giulia", language="it", phone="393471234567")


def test_a_staff_booking_through_the_api_tells_the_customer_once(api, giulia):
    response = _book(api, customer=giulia.pk, by_staff=True)
    assert response.status_code == 201
    assert _told(giulia) == ["staff_booked"]
    message = Message.objects.get(conversation__customer=giulia)
    assert message.payload["reference"] == response.json()["reference"]


def test_a_staff_move_through_the_api_tells_the_customer_once(api, giulia):
    reference = _book(api, customer=giulia.pk).json()["reference"]
    moved = api.post(f"/api/appointments/{reference}/reschedule", {"start": "2026-12-05T20:00", "by_staff": True},
                     format="json")
    assert moved.status_code == 200
    assert _told(giulia) == ["staff_moved"]


def test_a_staff_cancellation_through_the_api_tells_the_customer_once(api, giulia):
    reference = _book(api, customer=giulia.pk).json()["reference"]
    cancelled = api.post(f"/api/appointments/{reference}/cancel", {"by_staff": True}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _told(giulia) == ["staff_cancelled"]
    again = api.post(f"/api/appointments/{reference}/cancel", {"by_staff": True}, format="json")
    assert again.status_code == 409
    assert _told(giulia) == ["staff_cancelled"]


def test_a_refused_staff_change_through_the_api_tells_nobody(api, giulia):
    assert _book(api, customer=giulia.pk, start="2026-12-04T16:00", by_staff=True).status_code == 422  # closed
    reference = _book(api, party_size=5, customer=giulia.pk).json()["reference"]
    assert _book(api, party_size=5, start="2026-12-04T21:30").status_code == 201
    taken = api.post(f"/api/appointments/{reference}/reschedule", {"start": "2026-12-04T21:00", "by_staff": True},
                     format="json")
    assert taken.status_code == 409
    assert Appointment.objects.get(reference=reference).starts_at == rome(2026, 12, 4, 20)
    assert _told(giulia) == []


def test_without_by_staff_the_customer_is_told_nothing(api, giulia):
    reference = _book(api, customer=giulia.pk).json()["reference"]
    assert api.post(f"/api/appointments/{reference}/reschedule", {"start": "2026-12-05T20:00"},
                    format="json").status_code == 200
    assert api.post(f"/api/appointments/{reference}/cancel", format="json").status_code == 200
    assert _told(giulia) == []
