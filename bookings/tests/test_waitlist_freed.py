"""Every way capacity frees runs the waitlist: a closure removed, a booking deleted, a no-show marked."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.configuration import closure_add, closure_delete
from bookings.models import Appointment, Closure, WaitlistRequest
from bookings.services import appointment_book, appointment_delete, appointment_staff_change
from bookings.tests.conftest import NOW, rome
from bookings.waitlist import waitlist_join
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _full_evening(restaurant, tables):
    appointment_book(tenant=restaurant, start=AT_20, party_size=6, resource=tables[6], channel="whatsapp", now=NOW)
    return appointment_book(
        tenant=restaurant, start=AT_20, party_size=4, resource=tables[4], channel="whatsapp",
        customer=CustomerFactory(tenant=restaurant), now=NOW,
    )


def _join(restaurant, *, party_size=4, start=AT_20, now=NOW):
    return waitlist_join(
        tenant=restaurant, customer=CustomerFactory(tenant=restaurant), start=start, party_size=party_size, now=now,
    )


def test_removing_a_closure_offers_each_waiting_request_the_time_it_asked_for(
    restaurant, tables, django_capture_on_commit_callbacks
):
    closure = closure_add(tenant=restaurant, first_day=AT_20.date(), last_day=AT_20.date(), reason="Private event")
    four = _join(restaurant, party_size=4)
    six = _join(restaurant, party_size=6, start=rome(2026, 12, 4, 20, 30), now=NOW + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert closure_delete(tenant=restaurant, closure_id=closure.pk) is True
    four.refresh_from_db()
    six.refresh_from_db()
    assert (four.status, four.offer.starts_at, four.offer.resource, four.offer.status) == (
        "offered", AT_20, tables[4], "held",
    )
    assert (six.status, six.offer.starts_at, six.offer.resource) == ("offered", rome(2026, 12, 4, 20, 30), tables[6])
    assert not Closure.objects.filter(pk=closure.pk).exists()


def test_a_closure_of_another_tenant_is_not_removed_and_offers_nothing(
    restaurant, tables, django_capture_on_commit_callbacks
):
    closure = closure_add(tenant=restaurant, first_day=AT_20.date(), last_day=AT_20.date())
    request = _join(restaurant)
    other = TenantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert closure_delete(tenant=other, closure_id=closure.pk) is False
    request.refresh_from_db()
    assert (request.status, Closure.objects.filter(pk=closure.pk).exists()) == ("waiting", True)


def test_deleting_a_closure_in_the_admin_offers_the_waitlist(
    client, restaurant, tables, django_capture_on_commit_callbacks
):
    closure = closure_add(tenant=restaurant, first_day=AT_20.date(), last_day=AT_20.date())
    request = _join(restaurant)
    client.force_login(MembershipFactory(tenant=restaurant).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:bookings_closure_delete", args=[closure.pk]), {"post": "yes"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.offer.starts_at) == ("offered", AT_20)


def test_deleting_a_future_booking_offers_its_slot(restaurant, tables, django_capture_on_commit_callbacks):
    booking = _full_evening(restaurant, tables)
    request = _join(restaurant)
    with django_capture_on_commit_callbacks(execute=True):
        assert appointment_delete(tenant=restaurant, appointment=booking) is True
    request.refresh_from_db()
    assert not Appointment.objects.filter(pk=booking.pk).exists()
    assert (request.status, request.offer.starts_at, request.offer.resource) == ("offered", AT_20, tables[4])


def test_deleting_a_booking_in_the_admin_offers_its_slot_and_another_tenants_is_a_404(
    client, restaurant, tables, django_capture_on_commit_callbacks
):
    booking = _full_evening(restaurant, tables)
    request = _join(restaurant)
    client.force_login(MembershipFactory(tenant=TenantFactory()).user)
    url = reverse("admin:bookings_appointment_delete", args=[booking.pk])
    assert client.post(url, {"post": "yes"}).status_code == 404
    assert Appointment.objects.filter(pk=booking.pk).exists()
    client.force_login(MembershipFactory(tenant=restaurant).user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"post": "yes"}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.offer.starts_at) == ("offered", AT_20)


def test_deleting_a_booking_in_the_admin_list_offers_its_slot(
    client, restaurant, tables, django_capture_on_commit_callbacks
):
    booking = _full_evening(restaurant, tables)
    request = _join(restaurant)
    client.force_login(MembershipFactory(tenant=restaurant).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:bookings_appointment_changelist"),
            {"action": "delete_selected", "_selected_action": [booking.pk], "post": "yes"},
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "offered"


def test_a_no_show_offers_the_rest_of_its_sitting_from_the_next_start(
    restaurant, tables, django_capture_on_commit_callbacks
):
    booking = _full_evening(restaurant, tables)
    # Asked for 21:30: waiting from 20:30 (a request lapses when its window starts).
    request = _join(restaurant, start=rome(2026, 12, 4, 21, 30), now=rome(2026, 12, 4, 19, 30))
    at = rome(2026, 12, 4, 20, 20)
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        appointment_staff_change(tenant=restaurant, appointment=booking, status=Appointment.Status.NO_SHOW, now=at)
    request.refresh_from_db()
    # The no-show's table was kept until 21:30: the start inside that closest to the asked time.
    assert (request.status, request.offer.starts_at, request.offer.resource) == (
        "offered", rome(2026, 12, 4, 21, 15), tables[4],
    )


def test_a_no_show_of_a_booking_already_over_offers_nothing(restaurant, tables, django_capture_on_commit_callbacks):
    booking = _full_evening(restaurant, tables)
    request = _join(restaurant, start=rome(2026, 12, 4, 22, 30), now=rome(2026, 12, 4, 21))
    at = rome(2026, 12, 4, 21, 40)  # the 90-minute sitting ended at 21:30
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        appointment_staff_change(tenant=restaurant, appointment=booking, status=Appointment.Status.NO_SHOW, now=at)
    request.refresh_from_db()
    assert request.status == WaitlistRequest.Status.WAITING


def test_the_waitlist_admin_lists_the_tenants_own_requests_and_takes_one_off(client, restaurant, tables):
    request = _join(restaurant)
    other_tenant = TenantFactory()
    foreign = waitlist_join(tenant=other_tenant, customer=CustomerFactory(tenant=other_tenant, display_name="Zeta"),
                            start=AT_20, now=NOW)
    client.force_login(MembershipFactory(tenant=restaurant).user)
    url = reverse("admin:bookings_waitlistrequest_changelist")
    page = client.get(url).content.decode()
    assert str(request.customer) in page and "Zeta" not in page
    assert client.get(reverse("admin:bookings_waitlistrequest_change", args=[foreign.pk])).status_code == 404
    response = client.post(url, {"action": "withdraw_selected", "_selected_action": [request.pk, foreign.pk]})
    assert response.status_code == 302
    request.refresh_from_db()
    foreign.refresh_from_db()
    assert (request.status, foreign.status) == ("withdrawn", "waiting")
