"""The day view's step buttons without JavaScript: a plain POST, a redirect back to the row
that was tapped, the admin history of the booking, the whole visit and its undo, and CSRF."""

import json
import re
from datetime import datetime

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.test import Client
from django.urls import reverse

from backoffice.tests.conftest import ROME
from bookings.models import Appointment
from bookings.services import appointment_book

pytestmark = pytest.mark.django_db

DAY_URL = reverse("admin:backoffice_day")


def rome(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 4, hour, minute, tzinfo=ROME)


@pytest.fixture
def dinner(restaurant) -> Appointment:
    return appointment_book(tenant=restaurant, start=rome(20), party_size=2, channel="whatsapp", notes="Rossi",
                            now=rome(8), by_staff=True)


def _tap(staff, appointment, step, at, **extra):
    with time_machine.travel(at, tick=False):
        return staff.post(reverse("admin:backoffice_day_visit", args=[appointment.pk]), {"step": step, **extra})


def test_a_tap_in_the_service_list_comes_back_to_its_row(staff, dinner):
    response = _tap(staff, dinner, "seated", rome(20, 2), anchor="service")
    assert response["Location"] == f"{DAY_URL}?date=2026-12-04#service-{dinner.pk}"
    # An anchor that is not ours falls back to the booking's block.
    response = _tap(staff, dinner, "left", rome(21), anchor="javascript:alert(1)")
    assert response["Location"] == f"{DAY_URL}?date=2026-12-04#booking-{dinner.pk}"


def test_the_whole_visit_by_taps_and_each_in_the_bookings_history(staff, dinner):
    for step, at in (("arrived", rome(20, 1)), ("seated", rome(20, 4)), ("left", rome(21))):
        assert _tap(staff, dinner, step, at).status_code == 302
    dinner.refresh_from_db()
    assert (dinner.arrived_at, dinner.seated_at, dinner.left_at) == (rome(20, 1), rome(20, 4), rome(21))
    # Left half an hour early: the booking ends then and the table is free.
    assert (dinner.ends_at, dinner.blocks_until) == (rome(21), rome(21))
    assert _tap(staff, dinner, "undo", rome(21, 1)).status_code == 302
    dinner.refresh_from_db()
    assert (dinner.seated_at, dinner.left_at, dinner.ends_at) == (rome(20, 4), None, rome(21))
    entries = LogEntry.objects.filter(object_id=str(dinner.pk)).order_by("pk")
    assert [entry.action_flag for entry in entries] == [CHANGE] * 4
    assert json.loads(entries[0].change_message) == [{"changed": {"fields": ["arrived at"]}}]


def test_a_no_show_by_tap_and_its_undo(staff, dinner):
    _tap(staff, dinner, "no_show", rome(20, 30))
    dinner.refresh_from_db()
    assert dinner.status == "no_show"
    _tap(staff, dinner, "undo", rome(20, 31))
    dinner.refresh_from_db()
    assert (dinner.status, dinner.arrived_at) == ("confirmed", None)


def test_a_walk_in_is_in_the_history_as_added(staff, restaurant):
    with time_machine.travel(rome(19, 5), tick=False):
        staff.post(reverse("admin:backoffice_day_walk_in"), {"walk_in-party_size": 2})
    walk_in = Appointment.objects.get(tenant=restaurant, walk_in=True)
    assert LogEntry.objects.get(object_id=str(walk_in.pk)).action_flag == ADDITION


def test_the_walk_in_form_is_on_todays_view_only(staff, restaurant):
    with time_machine.travel(rome(19), tick=False):
        today = staff.get(DAY_URL).content.decode()
        tomorrow = staff.get(DAY_URL, {"date": "2026-12-05"}).content.decode()
    assert 'id="lyo-walk-in"' in today and 'id="lyo-walk-in"' not in tomorrow


def test_the_step_buttons_of_the_service_list(staff, dinner):
    with time_machine.travel(rome(20, 5), tick=False):
        html = staff.get(DAY_URL).content.decode()
    row = re.search(rf'<li class="lyo-service-row[^"]*" id="service-{dinner.pk}">(.*?)</li>', html, re.S).group(1)
    assert re.findall(r'name="step" value="(\w+)"', row) == ["arrived", "seated", "no_show"]
    assert "csrfmiddlewaretoken" in row


def test_a_step_without_the_csrf_token_is_refused(restaurant, dinner):
    from tenants.tests.factories import MembershipFactory

    client = Client(enforce_csrf_checks=True)
    client.force_login(MembershipFactory(tenant=restaurant).user)
    response = client.post(reverse("admin:backoffice_day_visit", args=[dinner.pk]), {"step": "arrived"})
    assert response.status_code == 403
    dinner.refresh_from_db()
    assert dinner.arrived_at is None
