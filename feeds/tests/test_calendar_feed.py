"""The .ics a calendar app fetches: RFC 5545's required parts, what it lists, and whose."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from icalendar import Calendar

from bookings.models import Appointment, Resource
from bookings.services import appointment_cancel, appointment_reschedule
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory, ServiceFactory
from customers.tests.factories import CustomerFactory
from feeds.calendars import feed_timezone
from feeds.models import CalendarFeed
from feeds.services import calendar_feed_create_or_rotate
from feeds.tests.factories import CalendarFeedFactory
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
UTC = ZoneInfo("UTC")
# A Tuesday morning in Rome; Italy moves its clocks forward on Sunday 28 March 2027.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ROME)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def restaurant():
    tenant = TenantFactory(name="Trattoria Uno", kind="restaurant", timezone="Europe/Rome", language="en")
    for weekday in range(7):
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=datetime.min.time(), closes=datetime.max.time())
    return tenant


@pytest.fixture
def table(restaurant):
    return ResourceFactory(tenant=restaurant, name="T4", max_seats=4)


def _booking(tenant, resource, starts_at: datetime, name: str = "Marco Rossi", **fields) -> Appointment:
    return AppointmentFactory(
        tenant=tenant, resource=resource, starts_at=starts_at, party_size=fields.pop("party_size", 2),
        customer=CustomerFactory(tenant=tenant, display_name=name), **fields,
    )


def _fetch(client, feed: CalendarFeed, status: int = 200):
    response = client.get(reverse("calendar_feed", args=[feed.token]))
    assert response.status_code == status
    return response


def _calendar(client, feed: CalendarFeed) -> Calendar:
    return Calendar.from_ical(_fetch(client, feed).content)


def _events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_is_an_rfc_5545_calendar_with_every_required_property(client, restaurant, table):
    booking = _booking(restaurant, table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME))
    feed = CalendarFeedFactory(tenant=restaurant)

    response = _fetch(client, feed)
    calendar = Calendar.from_ical(response.content)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=60"
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Lyo//Booking calendar//EN"
    assert calendar["X-WR-CALNAME"] == "Trattoria Uno"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.pk}@lyo"
    assert event.decoded("DTSTAMP") == NOW.astimezone(UTC)
    assert event["DTSTART"].params["TZID"] == "Europe/Rome"
    assert event.decoded("DTSTART") == datetime(2026, 12, 5, 20, 0, tzinfo=ROME)
    assert event.decoded("DTEND") == datetime(2026, 12, 5, 21, 30, tzinfo=ROME)
    assert str(event["SUMMARY"]) == "Marco · 2 guests · T4"
    assert str(event["STATUS"]) == "CONFIRMED"


@override_settings(LYO_PUBLIC_URL="https://lyo.example.com")
def test_each_event_links_to_the_booking_on_the_staff_day_page(client, restaurant, table):
    booking = _booking(restaurant, table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME), reference="K7Q2PX")
    feed = CalendarFeedFactory(tenant=restaurant)

    [event] = _calendar(client, feed).walk("VEVENT")

    link = f"https://lyo.example.com/admin/day/?date=2026-12-05#booking-{booking.pk}"
    assert str(event["URL"]) == link
    assert str(event["DESCRIPTION"]) == f"Booking K7Q2PX\nT4\n{link}"


@override_settings(LYO_PUBLIC_URL="")
def test_without_a_public_url_the_link_uses_the_address_the_feed_was_fetched_from(client, restaurant, table):
    booking = _booking(restaurant, table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME))
    feed = CalendarFeedFactory(tenant=restaurant)

    [event] = _calendar(client, feed).walk("VEVENT")

    assert str(event["URL"]) == f"http://testserver/admin/day/?date=2026-12-05#booking-{booking.pk}"


def test_a_uid_stays_the_same_on_every_fetch_and_when_the_booking_moves(client, restaurant, table):
    booking = _booking(restaurant, table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME))
    other = _booking(restaurant, table, datetime(2026, 12, 6, 20, 0, tzinfo=ROME), name="Anna")
    feed = CalendarFeedFactory(tenant=restaurant)
    first = _events(_calendar(client, feed))

    appointment_reschedule(tenant=restaurant, appointment=booking, new_start=datetime(2026, 12, 7, 21, 0, tzinfo=ROME),
                           by_staff=True)
    second = _events(_calendar(client, feed))

    assert set(first) == set(second) == {f"booking-{booking.pk}@lyo", f"booking-{other.pk}@lyo"}
    assert second[f"booking-{booking.pk}@lyo"].decoded("DTSTART") == datetime(2026, 12, 7, 21, 0, tzinfo=ROME)


def test_dtstart_keeps_the_wall_clock_time_with_its_zone_across_the_summer_time_change(client, restaurant, table):
    before = _booking(restaurant, table, datetime(2027, 3, 27, 20, 0, tzinfo=ROME))
    after = _booking(restaurant, table, datetime(2027, 3, 29, 20, 0, tzinfo=ROME))
    feed = CalendarFeedFactory(tenant=restaurant)

    body = _fetch(client, feed).content.decode()
    events = _events(Calendar.from_ical(body))

    assert "DTSTART;TZID=Europe/Rome:20270327T200000" in body
    assert "DTSTART;TZID=Europe/Rome:20270329T200000" in body
    assert events[f"booking-{before.pk}@lyo"].decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 27, 19, 0,
                                                                                                 tzinfo=UTC)
    assert events[f"booking-{after.pk}@lyo"].decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 29, 18, 0,
                                                                                                tzinfo=UTC)
    # The VTIMEZONE carries both offsets, so a subscriber in another zone converts each side right.
    [zone] = Calendar.from_ical(body).walk("VTIMEZONE")
    offsets = {str(part.name): part.decoded("TZOFFSETTO") for part in zone.subcomponents}
    assert offsets == {"STANDARD": timedelta(hours=1), "DAYLIGHT": timedelta(hours=2)}


def test_a_cancelled_booking_disappears_from_the_next_fetch(client, restaurant, table):
    booking = _booking(restaurant, table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME))
    feed = CalendarFeedFactory(tenant=restaurant)
    assert set(_events(_calendar(client, feed))) == {f"booking-{booking.pk}@lyo"}

    appointment_cancel(tenant=restaurant, appointment=booking, by_staff=True)

    assert _calendar(client, feed).walk("VEVENT") == []


def test_only_confirmed_and_completed_bookings_are_listed(client, restaurant, table):
    start = datetime(2026, 12, 5, 20, 0, tzinfo=ROME)
    confirmed = _booking(restaurant, table, start)
    completed = _booking(restaurant, table, datetime(2026, 11, 20, 20, 0, tzinfo=ROME),
                         status=Appointment.Status.COMPLETED)
    for offset, status in enumerate([Appointment.Status.CANCELLED, Appointment.Status.EXPIRED,
                                     Appointment.Status.NO_SHOW], start=1):
        _booking(restaurant, table, start + timedelta(days=offset), status=status)
    for offset, reason in enumerate(Appointment.HoldReason.values, start=5):
        _booking(restaurant, table, start + timedelta(days=offset), status=Appointment.Status.HELD,
                 hold_expires_at=NOW + timedelta(minutes=10), hold_reason=reason)
    feed = CalendarFeedFactory(tenant=restaurant)

    assert set(_events(_calendar(client, feed))) == {f"booking-{confirmed.pk}@lyo", f"booking-{completed.pk}@lyo"}


def test_the_feed_covers_30_days_back_and_180_days_ahead(client, restaurant, table):
    now = NOW.astimezone(UTC)  # whole days of elapsed time, whatever the clocks do in between
    other_table = ResourceFactory(tenant=restaurant, name="T6")  # one minute apart: on another table
    inside = [_booking(restaurant, table, now - timedelta(days=30)),
              _booking(restaurant, table, now + timedelta(days=180) - timedelta(minutes=1))]
    _booking(restaurant, other_table, now - timedelta(days=30, minutes=1), status=Appointment.Status.COMPLETED)
    _booking(restaurant, other_table, now + timedelta(days=180))
    feed = CalendarFeedFactory(tenant=restaurant)

    assert set(_events(_calendar(client, feed))) == {f"booking-{booking.pk}@lyo" for booking in inside}


def test_a_staff_member_feed_lists_only_their_bookings_with_the_service(client):
    salon = TenantFactory(name="Salone Bella", kind="salon", language="it")
    giulia = ResourceFactory(tenant=salon, kind=Resource.Kind.STAFF, name="Giulia")
    paolo = ResourceFactory(tenant=salon, kind=Resource.Kind.STAFF, name="Paolo")
    colour = ServiceFactory(tenant=salon, name_it="Colore", name_en="Colour")
    hers = _booking(salon, giulia, datetime(2026, 12, 5, 10, 0, tzinfo=ROME), name="Sara Bianchi", service=colour,
                    party_size=1)
    _booking(salon, paolo, datetime(2026, 12, 5, 10, 0, tzinfo=ROME), service=colour, party_size=1)
    feed = CalendarFeedFactory(tenant=salon, resource=giulia)

    calendar = _calendar(client, feed)

    assert calendar["X-WR-CALNAME"] == "Salone Bella – Giulia"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{hers.pk}@lyo"
    assert str(event["SUMMARY"]) == "Sara · Colore"


def test_a_wrong_token_is_a_404(client, restaurant, table):
    _booking(restaurant, table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME))
    CalendarFeedFactory(tenant=restaurant)

    assert client.get(reverse("calendar_feed", args=["not-the-token"])).status_code == 404
    assert client.get("/feeds/.ics").status_code == 404


def test_a_rotated_token_is_a_404_and_the_new_one_works(client, restaurant, table):
    booking = _booking(restaurant, table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME))
    feed = calendar_feed_create_or_rotate(tenant=restaurant, resource_id=None, now=NOW)
    old_token = feed.token

    rotated = calendar_feed_create_or_rotate(tenant=restaurant, resource_id=None, now=NOW + timedelta(hours=1))

    assert rotated.pk == feed.pk
    assert rotated.token != old_token
    assert rotated.rotated_at == NOW + timedelta(hours=1)
    assert client.get(reverse("calendar_feed", args=[old_token])).status_code == 404
    assert set(_events(_calendar(client, rotated))) == {f"booking-{booking.pk}@lyo"}


def test_another_tenants_token_never_shows_this_tenants_bookings(client, restaurant, table):
    ours = _booking(restaurant, table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME))
    ours_feed = CalendarFeedFactory(tenant=restaurant, resource=table)
    other = TenantFactory(name="Osteria Due", kind="restaurant")
    other_table = ResourceFactory(tenant=other, name="T4")
    theirs = _booking(other, other_table, datetime(2026, 12, 5, 20, 0, tzinfo=ROME))
    other_business = CalendarFeedFactory(tenant=other)
    other_table_feed = CalendarFeedFactory(tenant=other, resource=other_table)

    for feed in (other_business, other_table_feed):
        assert set(_events(_calendar(client, feed))) == {f"booking-{theirs.pk}@lyo"}
    assert set(_events(_calendar(client, ours_feed))) == {f"booking-{ours.pk}@lyo"}


def test_a_feed_of_a_table_taken_out_of_service_is_a_404(client, restaurant, table):
    feed = CalendarFeedFactory(tenant=restaurant, resource=table)
    Resource.objects.filter(pk=table.pk).update(is_active=False)

    _fetch(client, feed, status=404)


def test_the_feed_answers_only_reads(client, restaurant):
    feed = CalendarFeedFactory(tenant=restaurant)

    assert client.post(reverse("calendar_feed", args=[feed.token])).status_code == 405


@pytest.mark.parametrize(
    ("zone", "changes"),
    [
        ("Europe/Rome", ["2027-03-28T02:00", "2027-10-31T03:00"]),
        ("America/New_York", ["2027-03-14T02:00", "2027-11-07T02:00"]),
        ("Australia/Sydney", ["2027-04-04T03:00", "2027-10-03T02:00"]),
    ],
)
def test_each_summer_time_change_is_dated_at_the_local_time_before_it(zone, changes):
    vtimezone = feed_timezone(Tenant(timezone=zone), date(2027, 1, 1), date(2027, 12, 31))
    observed = [
        (part["DTSTART"].dt, part["TZOFFSETFROM"].td, part["TZOFFSETTO"].td)
        for part in vtimezone.subcomponents if part["TZOFFSETFROM"].td != part["TZOFFSETTO"].td
    ]
    assert [start.isoformat(timespec="minutes") for start, _from, _to in observed] == changes
    tz = ZoneInfo(zone)
    for start, offset_from, offset_to in observed:
        # RFC 5545: DTSTART is local time on TZOFFSETFROM; the zone changes offset at exactly that instant.
        instant = (start - offset_from).replace(tzinfo=UTC)
        assert (instant - timedelta(minutes=1)).astimezone(tz).utcoffset() == offset_from
        assert instant.astimezone(tz).utcoffset() == offset_to
