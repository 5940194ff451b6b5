"""The iCalendar (RFC 5545) document of a calendar feed: its bookings as events.

Google Calendar and Apple Calendar subscribe to the URL and fetch it again every few
hours; each fetch gets the bookings of the window as they are now, so a cancelled,
expired or still-held booking is simply not in the document any more and disappears
from the phone. Every event keeps its UID across fetches (and across a moved
booking), which is how a calendar app updates an event instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Calendar, Event, Timezone

from bookings.models import Appointment
from feeds.models import CalendarFeed
from tenants.models import Language, Tenant

# What a subscriber sees: the last month (what happened) and the next half year.
WINDOW_BEFORE = timedelta(days=30)
WINDOW_AFTER = timedelta(days=180)
# Bookings that hold their time: confirmed ones, and the ones that already took place.
# Cancelled, expired, held, offered or awaiting approval are not (yet, or any more) bookings.
FEED_STATUSES = (Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED)
PRODID = "-//Lyo//Booking calendar//EN"


def feed_calendar_build(*, feed: CalendarFeed, now: datetime, base_url: str) -> bytes:
    """The feed's bookings from 30 days before ``now`` to 180 days after, as an .ics document.

    ``base_url`` ("https://lyo.example.com") makes the bookings' links absolute.
    """
    tenant = feed.tenant
    language = tenant.language if tenant.language in Language.values else Language.ITALIAN
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", feed_calendar_name(feed))
        calendar.add("x-wr-timezone", tenant.timezone)
        # The zone's rules (with its summer-time changes) for the whole window, so an app
        # shows 20:00 in Rome as 20:00 in Rome on either side of a change.
        first, last = (now - WINDOW_BEFORE).date(), (now + WINDOW_AFTER + timedelta(days=1)).date()
        calendar.add_component(feed_timezone(tenant, first, last))
        for appointment in feed_appointments(feed=feed, now=now):
            calendar.add_component(_event(appointment, tenant, feed, now, base_url))
    return calendar.to_ical()


def feed_timezone(tenant: Tenant, first: date, last: date) -> Timezone:
    """The tenant's VTIMEZONE from ``first`` to ``last``, each change dated as RFC 5545 says.

    An observance's DTSTART is the local time *before* the change (the wall clock still on
    TZOFFSETFROM): in Rome 2027-03-28 02:00, not 03:00. icalendar writes the time after
    a spring change, one hour late for a client that reads the rules rather than the zone's
    name, so each change is dated again here from the zone itself.
    """
    zone = Timezone.from_tzid(tenant.timezone, first_date=first, last_date=last)
    tz = tenant.tzinfo
    for observance in zone.subcomponents:
        offset_from: timedelta = observance.decoded("TZOFFSETFROM")
        offset_to: timedelta = observance.decoded("TZOFFSETTO")
        if offset_from == offset_to:
            continue  # the window's opening, not a change
        wall: datetime = observance.decoded("DTSTART")
        # The real change: the first minute, around the date icalendar gives, from one offset to the other.
        guess = (wall - offset_to).replace(tzinfo=UTC) - timedelta(hours=3)
        for minute in range(0, 6 * 60):
            instant = guess + timedelta(minutes=minute)
            before, after = instant - timedelta(minutes=1), instant
            if before.astimezone(tz).utcoffset() == offset_from and after.astimezone(tz).utcoffset() == offset_to:
                del observance["DTSTART"]
                observance.add("DTSTART", (instant + offset_from).replace(tzinfo=None))
                break
    return zone


def feed_appointments(*, feed: CalendarFeed, now: datetime) -> list[Appointment]:
    """The bookings a feed lists: of its tenant (and its table or staff member), in the window."""
    bookings = Appointment.objects.filter(
        tenant=feed.tenant, status__in=FEED_STATUSES,
        starts_at__gte=now - WINDOW_BEFORE, starts_at__lt=now + WINDOW_AFTER,
    )
    if feed.scope == CalendarFeed.Scope.RESOURCE:
        bookings = bookings.filter(resource_id=feed.resource_id)
    return list(bookings.select_related("customer", "service", "resource").order_by("starts_at", "pk"))


def feed_calendar_name(feed: CalendarFeed) -> str:
    """The calendar's name in the subscriber's list: "Trattoria Uno" or "Trattoria Uno – Anna"."""
    if feed.resource is not None:
        return f"{feed.tenant.name} – {feed.resource.name}"
    return feed.tenant.name


def booking_staff_link(appointment: Appointment, tenant: Tenant, base_url: str) -> str:
    """The booking on the staff day page."""
    day = appointment.starts_at.astimezone(tenant.tzinfo).date().isoformat()
    return f"{base_url}{reverse('admin:backoffice_day')}?date={day}#booking-{appointment.pk}"


def booking_summary(appointment: Appointment, tenant: Tenant, *, with_resource: bool) -> str:
    """The event's title: the customer's first name, and the party size or the service."""
    customer = appointment.customer
    name = ((customer.display_name.split() if customer else []) or [_("Guest")])[0]
    if appointment.service is not None:
        what = appointment.service.name(translation.get_language() or Language.ITALIAN)
    else:
        what = ngettext("%(n)s guest", "%(n)s guests", appointment.party_size) % {"n": appointment.party_size}
    parts = [name, what] + ([appointment.resource.name] if with_resource and appointment.resource else [])
    return " · ".join(parts)


def booking_uid(appointment: Appointment) -> str:
    """The same for a booking on every fetch, moved or not; never shared by two bookings."""
    return f"booking-{appointment.pk}@lyo"


def _event(appointment: Appointment, tenant: Tenant, feed: CalendarFeed, now: datetime, base_url: str) -> Event:
    link = booking_staff_link(appointment, tenant, base_url)
    event = Event()
    event.add("uid", booking_uid(appointment))
    event.add("dtstamp", now)
    event.add("last-modified", appointment.updated_at)
    # In the business's zone (DTSTART;TZID=Europe/Rome:...), not in UTC: the wall-clock
    # time staff agreed with the customer.
    event.add("dtstart", appointment.starts_at.astimezone(tenant.tzinfo))
    event.add("dtend", appointment.ends_at.astimezone(tenant.tzinfo))
    event.add("summary", booking_summary(appointment, tenant, with_resource=feed.scope == CalendarFeed.Scope.BUSINESS))
    lines = [_("Booking %(reference)s") % {"reference": appointment.reference}]
    if appointment.resource is not None:
        lines.append(appointment.resource.name)
    lines.append(link)
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    if link.startswith(("http://", "https://")):
        event.add("url", link)
    return event


__all__ = ["feed_appointments", "feed_calendar_build"]
