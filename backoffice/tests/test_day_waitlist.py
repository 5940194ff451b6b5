"""The day view's requests waiting for approval and its waitlist: listed, answered with one tap, and
kept to the business's own staff (another business's request is a 404 and nothing changes)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from backoffice.tests.conftest import ROME
from bookings.approvals import appointment_approval_request
from bookings.models import Appointment, Resource, WaitlistRequest
from bookings.services import appointment_book
from bookings.waitlist import waitlist_join
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DAY_URL = reverse("admin:backoffice_day")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ROME)
AT_20 = datetime(2026, 12, 4, 20, 0, tzinfo=ROME)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _ask(tenant, name="Famiglia Bianchi", hours=2, party_size=6):
    tenant.approval_party_size, tenant.approval_hold_hours = 6, hours
    tenant.save(update_fields=["approval_party_size", "approval_hold_hours"])
    return appointment_approval_request(
        tenant=tenant, start=AT_20, party_size=party_size, channel="whatsapp", now=NOW,
        customer=CustomerFactory(tenant=tenant, display_name=name),
    )


def _answer(client, request, answer, **extra):
    return client.post(reverse("admin:backoffice_day_approval", args=[request.pk]), {"answer": answer, **extra})


def test_the_day_view_lists_the_requests_waiting_and_the_waitlist(staff, restaurant):
    request = _ask(restaurant)
    waiting = waitlist_join(tenant=restaurant, customer=CustomerFactory(tenant=restaurant, display_name="Anna Neri"),
                            start=AT_20, party_size=2, now=NOW)
    page = staff.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    assert f'id="approval-{request.pk}"' in page and "Famiglia Bianchi" in page
    assert f'id="approval-{request.pk}-approve"' in page and f'id="approval-{request.pk}-decline"' in page
    assert f'id="waitlist-{waiting.pk}-offer"' in page and "Anna Neri" in page
    # Another day shows neither.
    other_day = staff.get(DAY_URL, {"date": "2026-12-05"}).content.decode()
    assert "lyo-day-waitlist" not in other_day


def test_approving_from_the_day_view_confirms_and_comes_back_to_the_list(staff, restaurant):
    request = _ask(restaurant)
    response = _answer(staff, request, "approve")
    assert response["Location"] == f"{DAY_URL}?date=2026-12-04#lyo-day-waitlist"
    request.refresh_from_db()
    assert request.status == "confirmed"
    assert LogEntry.objects.filter(object_id=str(request.pk)).count() == 1


def test_declining_from_the_booking_page_comes_back_to_it(staff, restaurant):
    request = _ask(restaurant)
    page = staff.get(reverse("admin:bookings_appointment_change", args=[request.pk])).content.decode()
    assert 'id="lyo-approval-answer"' in page
    response = _answer(staff, request, "decline", next="booking")
    assert response["Location"] == reverse("admin:bookings_appointment_change", args=[request.pk])
    request.refresh_from_db()
    assert request.status == "cancelled"
    page = staff.get(reverse("admin:bookings_appointment_change", args=[request.pk])).content.decode()
    assert 'id="lyo-approval-answer"' not in page


def test_a_second_answer_is_refused_with_a_message_and_changes_nothing(staff, restaurant):
    request = _ask(restaurant)
    _answer(staff, request, "approve")
    response = _answer(staff, request, "decline")
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "confirmed"


def test_staff_of_another_business_cannot_answer_a_request_404(client, restaurant, other_restaurant):
    request = _ask(restaurant)
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    for answer in ("approve", "decline"):
        assert _answer(client, request, answer).status_code == 404
    request.refresh_from_db()
    assert request.status == "held"
    assert "Famiglia Bianchi" not in client.get(DAY_URL, {"date": "2026-12-04"}).content.decode()


def test_an_unknown_answer_or_an_ordinary_booking_is_refused(staff, restaurant):
    request = _ask(restaurant)
    assert _answer(staff, request, "maybe").status_code == 400
    booking = appointment_book(tenant=restaurant, start=AT_20, party_size=2, channel="admin", by_staff=True, now=NOW)
    assert _answer(staff, booking, "approve").status_code == 404


def test_a_pending_request_keeps_no_table_and_is_not_drawn_in_the_grid(staff, restaurant):
    request = _ask(restaurant, hours=0)
    page = staff.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    assert f'id="booking-{request.pk}"' not in page and f'id="approval-{request.pk}"' in page


def test_staff_offer_a_waitlisted_customer_the_free_time_closest_to_their_ask(staff, restaurant):
    waiting = waitlist_join(tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=AT_20,
                            party_size=2, now=NOW)
    response = staff.post(reverse("admin:backoffice_day_waitlist_offer", args=[waiting.pk]))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.offer.starts_at, waiting.offer.status) == ("offered", AT_20, "held")
    # Offered already: a second tap offers nothing more.
    staff.post(reverse("admin:backoffice_day_waitlist_offer", args=[waiting.pk]))
    assert Appointment.objects.filter(tenant=restaurant, status="held").count() == 1


def test_nothing_free_in_the_window_offers_nothing(staff, restaurant):
    for resource in Resource.objects.filter(tenant=restaurant):
        for start in (AT_20 - timedelta(hours=1), AT_20 + timedelta(minutes=30)):
            appointment_book(tenant=restaurant, start=start,
                             party_size=1, resource=resource, channel="admin", by_staff=True, now=NOW)
    waiting = waitlist_join(tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=AT_20,
                            party_size=2, now=NOW)
    staff.post(reverse("admin:backoffice_day_waitlist_offer", args=[waiting.pk]))
    waiting.refresh_from_db()
    assert waiting.status == WaitlistRequest.Status.WAITING


def test_another_business_cannot_offer_a_waitlist_request_404(client, restaurant, other_restaurant):
    waiting = waitlist_join(tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=AT_20,
                            party_size=2, now=NOW)
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    assert client.post(reverse("admin:backoffice_day_waitlist_offer", args=[waiting.pk])).status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == "waiting"


def test_the_home_counts_what_waits(staff, restaurant):
    _ask(restaurant, hours=72)
    morning = datetime(2026, 12, 4, 9, tzinfo=ROME)
    with time_machine.travel(morning, tick=False):
        waitlist_join(tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=AT_20,
                      party_size=2, now=morning)
        response = staff.get(reverse("admin:index"))
    counts = response.context["lyo_waiting"]
    assert (counts.approvals, counts.waitlist_today) == (1, 1)
    assert 'id="lyo-waiting-counts"' in response.content.decode()
