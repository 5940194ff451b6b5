"""The week view: seven days by table or staff member, covers per period, staff hours, daylight-saving weeks."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from backoffice.tests.conftest import ROME, restaurant_create
from backoffice.week import day_periods, week_grid, week_monday
from bookings.models import Appointment, OpeningHours, Resource
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory, ServiceFactory
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

WEEK_URL = reverse("admin:backoffice_week")


def rome(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ROME, fold=fold)


def _table(tenant, suffix: str) -> Resource:
    return Resource.objects.get(tenant=tenant, name=f"{tenant.name} {suffix}")


def _booking(tenant, resource, start: datetime, minutes: int = 90, **fields) -> Appointment:
    fields.setdefault("customer", CustomerFactory(tenant=tenant))
    # Added in UTC: an aware datetime plus a timedelta is wall-clock arithmetic in Python.
    ends = start.astimezone(UTC) + timedelta(minutes=minutes)
    return AppointmentFactory(tenant=tenant, resource=resource, starts_at=start, ends_at=ends, blocks_until=ends,
                              **fields)


def _day_html(html: str, day: str) -> str:
    found = re.search(rf'<section class="lyo-week-day[^"]*" data-date="{day}">(.*?)</section>', html, re.S)
    assert found is not None, day
    return found.group(1)


def _period_covers(day_html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'data-period="(\d+)" data-covers="(\d+)">(?:<a [^>]*>)?([^<]+?)(?:</a>)? <strong>', day_html
    )


def _salon():
    salon = TenantFactory(name="Salone Uno", kind="salon", slot_minutes=15)
    for weekday in range(7):
        OpeningHoursFactory(tenant=salon, weekday=weekday, opens=time(9), closes=time(19))
    anna = ResourceFactory(tenant=salon, kind="staff", name="Anna", position=0)
    marco = ResourceFactory(tenant=salon, kind="staff", name="Marco", position=1)
    return salon, anna, marco


def test_covers_per_period_for_a_restaurant_with_lunch_and_dinner(staff, restaurant):
    t2, t4, t6 = (_table(restaurant, name) for name in ("T2", "T4", "T6"))
    _booking(restaurant, t2, rome(2026, 12, 9, 12, 30), party_size=2)
    _booking(restaurant, t4, rome(2026, 12, 9, 13, 0), party_size=3)
    _booking(restaurant, t6, rome(2026, 12, 9, 20, 0), party_size=6)
    _booking(restaurant, t4, rome(2026, 12, 9, 21, 0), party_size=4, status=Appointment.Status.CANCELLED)
    _booking(restaurant, t4, rome(2026, 12, 12, 19, 30), party_size=4)
    _booking(restaurant, t2, rome(2026, 12, 12, 12, 0), party_size=2, status=Appointment.Status.COMPLETED)
    # Staff booked a late table after closing: it counts on its day, in no period.
    _booking(restaurant, t2, rome(2026, 12, 13, 23, 30), party_size=2)
    # The neighbouring weeks' bookings are not this week's.
    _booking(restaurant, t6, rome(2026, 12, 6, 20, 0), party_size=5)
    _booking(restaurant, t6, rome(2026, 12, 14, 20, 0), party_size=5)

    with translation.override("en"):
        grid = week_grid(tenant=restaurant, day=date(2026, 12, 10), now=rome(2026, 12, 1, 10))
    assert grid.monday == date(2026, 12, 7) and grid.sunday == date(2026, 12, 13)
    assert [d.day for d in grid.days] == [date(2026, 12, 7) + timedelta(days=n) for n in range(7)]
    by_day = {d.day.day: [(p.period.name, p.covers, p.bookings) for p in d.periods] for d in grid.days}
    assert by_day[9] == [("Lunch", 5, 2), ("Dinner", 6, 1)]
    assert by_day[12] == [("Lunch", 2, 1), ("Dinner", 4, 1)]
    assert by_day[13] == [("Lunch", 0, 0), ("Dinner", 0, 0)]
    assert [d.covers for d in grid.days] == [0, 0, 11, 0, 0, 6, 2]
    assert grid.days[6].outside_covers == 2
    assert (grid.covers, grid.bookings_count) == (19, 6)
    # Wednesday's T4 holds the 13:00 booking only: the cancelled 21:00 one is not there.
    t4_cell = next(cell for cell in grid.days[2].cells if cell.resource == t4)
    assert [(b.starts_at.strftime("%H:%M"), b.appointment.party_size) for b in t4_cell.bookings] == [("13:00", 3)]

    html = staff.get(WEEK_URL, {"date": "2026-12-10"}).content.decode()
    wednesday = _day_html(html, "2026-12-09")
    assert _period_covers(wednesday) == [("1", "5", "Pranzo"), ("2", "6", "Cena")]
    assert 'data-covers="11">11 coperti' in wednesday
    assert _period_covers(_day_html(html, "2026-12-13")) == [("1", "0", "Pranzo"), ("2", "0", "Cena"),
                                                              ("0", "2", "Altri orari")]
    assert 'id="lyo-week-total" data-covers="19"' in html
    assert "6 prenotazioni questa settimana; coperti: 19." in html
    assert html.count('id="week-booking-') == 6


def test_each_booking_shows_its_time_name_and_party_in_its_table_row(staff, restaurant):
    t4 = _table(restaurant, "T4")
    maria = _booking(restaurant, t4, rome(2026, 12, 9, 20, 15), party_size=3,
                     customer=CustomerFactory(tenant=restaurant, display_name="Maria Rossi"))
    walk_in = _booking(restaurant, t4, rome(2026, 12, 9, 13, 0), party_size=2, customer=None,
                       notes="Bianchi · senza glutine")
    nameless = _booking(restaurant, t4, rome(2026, 12, 10, 13, 0), party_size=1,
                        customer=CustomerFactory(tenant=restaurant, display_name=""))
    html = staff.get(WEEK_URL, {"date": "2026-12-09"}).content.decode()
    cell = re.search(r'<div class="lyo-week-cell" data-resource="Trattoria Uno T4">(.*?)</ul>',
                     _day_html(html, "2026-12-09"), re.S)
    assert cell is not None
    entries = re.findall(r'id="week-booking-(\d+)">\s*<time[^>]*>([^<]+)</time>\s*<strong>([^<]+)</strong>\s*'
                         r'<span>([^<]+)</span>', cell.group(1))
    assert entries == [(str(walk_in.pk), "13:00", "Bianchi", "2 persone"),
                       (str(maria.pk), "20:15", "Maria Rossi", "3 persone")]
    # Without a name, the reference.
    assert re.search(rf'id="week-booking-{nameless.pk}">\s*<time[^>]*>13:00</time>\s*<strong>{nameless.reference}<',
                     html)


def test_booked_hours_per_staff_member_for_a_salon(client):
    salon, anna, marco = _salon()
    cut = ServiceFactory(tenant=salon, name_it="Taglio", name_en="Haircut", duration_minutes=45)
    _booking(salon, anna, rome(2026, 12, 8, 10, 0), minutes=45, service=cut)
    _booking(salon, anna, rome(2026, 12, 8, 11, 0), minutes=90)
    _booking(salon, anna, rome(2026, 12, 8, 15, 0), minutes=120, status=Appointment.Status.CANCELLED)
    _booking(salon, marco, rome(2026, 12, 8, 15, 0), minutes=30)
    _booking(salon, marco, rome(2026, 12, 11, 9, 0), minutes=60)

    grid = week_grid(tenant=salon, day=date(2026, 12, 8), now=rome(2026, 12, 1, 10))
    assert grid.is_salon
    minutes = {(d.day.day, cell.resource.name): cell.minutes for d in grid.days for cell in d.cells if cell.minutes}
    assert minutes == {(8, "Anna"): 135, (8, "Marco"): 30, (11, "Marco"): 60}
    assert grid.days[1].hours == 2.75 and grid.hours == 3.75

    client.force_login(MembershipFactory(tenant=salon).user)
    html = client.get(WEEK_URL, {"date": "2026-12-08"}).content.decode()
    tuesday = _day_html(html, "2026-12-08")
    assert re.findall(r'data-resource="([^"]+)" data-minutes="(\d+)"', tuesday) == [("Anna", "135"), ("Marco", "30")]
    assert '<div class="lyo-week-cell-hours">2,25 h</div>' in tuesday
    assert '<div class="lyo-week-cell-hours">0,5 h</div>' in tuesday
    assert 'data-minutes="165">3 prenotazioni, 2,75 h' in tuesday
    assert "Taglio" in tuesday
    assert 'id="lyo-week-total" data-minutes="225"' in html


def test_the_week_of_the_spring_clock_change_counts_each_day_right(client):
    salon, anna, marco = _salon()
    OpeningHours.objects.filter(tenant=salon).update(opens=time(0), closes=time(23, 59))
    # Sunday 29 March 2026, 01:30 CET to 03:30 CEST: one real hour.
    across = _booking(salon, anna, rome(2026, 3, 29, 1, 30), minutes=60)
    assert across.ends_at.astimezone(ROME).strftime("%H:%M") == "03:30"
    late_sunday = _booking(salon, marco, rome(2026, 3, 29, 23, 30), minutes=30)
    # Monday 00:30 CEST is Sunday 22:30 UTC: a week that added 7 x 24 hours to Monday's
    # midnight would wrongly count it as Sunday's.
    _booking(salon, marco, rome(2026, 3, 30, 0, 30), minutes=30)
    # Monday 23 March 00:15 is this week's first booking (Sunday 23:15 UTC).
    first = _booking(salon, anna, rome(2026, 3, 23, 0, 15), minutes=45)

    grid = week_grid(tenant=salon, day=date(2026, 3, 26), now=rome(2026, 3, 1, 10))
    assert (grid.monday, grid.sunday) == (date(2026, 3, 23), date(2026, 3, 29))
    sunday, monday = grid.days[6], grid.days[0]
    assert [b.appointment for b in sunday.bookings] == [across, late_sunday]
    assert sunday.minutes == 60 + 30
    assert [b.appointment for b in monday.bookings] == [first]
    assert grid.minutes == 60 + 30 + 45

    client.force_login(MembershipFactory(tenant=salon).user)
    html = client.get(WEEK_URL, {"date": "2026-03-29"}).content.decode()
    assert re.findall(r'data-resource="([^"]+)" data-minutes="(\d+)"', _day_html(html, "2026-03-29")) == [
        ("Anna", "60"), ("Marco", "30"),
    ]
    assert 'id="lyo-week-total" data-minutes="135"' in html


def test_the_week_of_the_autumn_clock_change_counts_the_repeated_hour(restaurant):
    t2 = _table(restaurant, "T2")
    # Sunday 25 October 2026: 02:30 CEST to 02:30 CET is one real hour.
    repeated = AppointmentFactory(
        tenant=restaurant, resource=t2, starts_at=rome(2026, 10, 25, 2, 30),
        ends_at=rome(2026, 10, 25, 2, 30, fold=1), blocks_until=rome(2026, 10, 25, 2, 30, fold=1),
    )
    dinner = _booking(restaurant, t2, rome(2026, 10, 25, 20, 0), party_size=4)
    _booking(restaurant, t2, rome(2026, 10, 26, 0, 30), party_size=2)  # Sunday 23:30 UTC: next week's Monday
    grid = week_grid(tenant=restaurant, day=date(2026, 10, 20), now=rome(2026, 10, 1, 10))
    sunday = grid.days[6]
    assert sunday.day == date(2026, 10, 25)
    assert [b.appointment for b in sunday.bookings] == [repeated, dinner]
    assert [b.minutes for b in sunday.bookings] == [60, 90]
    assert [(p.period.number, p.covers) for p in sunday.periods] == [(1, 0), (2, 4)]
    assert (sunday.outside_covers, grid.covers) == (2, 6)


def test_any_day_of_the_week_shows_its_monday_to_sunday():
    assert {week_monday(date(2026, 12, 7) + timedelta(days=n)) for n in range(7)} == {date(2026, 12, 7)}
    assert week_monday(date(2026, 12, 6)) == date(2026, 11, 30)


def test_previous_and_next_week_the_date_picker_and_each_day_links_to_its_day_view(staff, restaurant):
    html = staff.get(WEEK_URL, {"date": "2026-12-10"}).content.decode()
    assert 'href="?date=2026-11-30" rel="prev"' in html
    assert 'href="?date=2026-12-14" rel="next"' in html
    assert 'type="date" id="lyo-date" name="date" value="2026-12-10"' in html
    day_url, print_url = reverse("admin:backoffice_day"), reverse("admin:backoffice_day_print")
    days = re.findall(rf'<a href="{day_url}\?date=([0-9-]+)" class="lyo-week-day-link">([^<]+)</a>', html)
    assert days == [("2026-12-07", "Lunedì 7"), ("2026-12-08", "Martedì 8"), ("2026-12-09", "Mercoledì 9"),
                    ("2026-12-10", "Giovedì 10"), ("2026-12-11", "Venerdì 11"), ("2026-12-12", "Sabato 12"),
                    ("2026-12-13", "Domenica 13")]
    assert f'href="{print_url}?date=2026-12-09" class="lyo-week-print"' in html
    assert f'href="{print_url}?date=2026-12-09&amp;period=2">Cena</a>' in html
    assert 'id="lyo-week-this"' in html  # another week than this one: a way back
    this_week = staff.get(WEEK_URL).content.decode()
    assert 'value="2026-12-01"' in this_week and 'id="lyo-week-this"' not in this_week
    assert '<section class="lyo-week-day lyo-week-today" data-date="2026-12-01">' in this_week


def test_closed_days_and_periods_of_one_range_are_named_by_their_times(staff, restaurant):
    # Closed on Mondays; Tuesday has one long range; Wednesday two ranges that both start before 16:00.
    OpeningHours.objects.filter(tenant=restaurant, weekday=0).delete()
    OpeningHours.objects.filter(tenant=restaurant, weekday=2, opens=time(19)).update(opens=time(15, 30))
    with translation.override("en"):
        assert [p.name for p in day_periods(tenant=restaurant, day=date(2026, 12, 9))] == [
            "12:00–15:00", "15:30–23:00",
        ]
        assert [p.name for p in day_periods(tenant=restaurant, day=date(2026, 12, 10))] == ["Lunch", "Dinner"]
        assert day_periods(tenant=restaurant, day=date(2026, 12, 7)) == []
    html = staff.get(WEEK_URL, {"date": "2026-12-07"}).content.decode()
    assert '<section class="lyo-week-day lyo-week-closed" data-date="2026-12-07">' in html
    assert '<span class="lyo-week-closed-label">Chiuso</span>' in _day_html(html, "2026-12-07")


def test_another_businesss_bookings_never_show_and_its_week_is_a_404(staff, restaurant, other_restaurant):
    theirs = _booking(other_restaurant, _table(other_restaurant, "T4"), rome(2026, 12, 9, 20, 0), party_size=4,
                      customer=CustomerFactory(tenant=other_restaurant, display_name="Cliente Altrui"))
    html = staff.get(WEEK_URL, {"date": "2026-12-09"}).content.decode()
    assert "Cliente Altrui" not in html and f"week-booking-{theirs.pk}" not in html
    assert "Osteria Due" not in html
    assert 'id="lyo-week-total" data-covers="0"' in html
    assert staff.get(WEEK_URL, {"date": "2026-12-09", "tenant": other_restaurant.slug}).status_code == 404
    assert staff.get(WEEK_URL, {"tenant": "no-such-business"}).status_code == 404
    assert staff.get(WEEK_URL, {"tenant": "bad\x00slug"}).status_code == 404


def test_superusers_choose_a_tenant_first(client, restaurant, other_restaurant):
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(WEEK_URL).content.decode()
    assert f"?tenant={restaurant.slug}" in html and f"?tenant={other_restaurant.slug}" in html
    html = client.get(WEEK_URL, {"tenant": other_restaurant.slug, "date": "2026-12-09"}).content.decode()
    assert f'href="?tenant={other_restaurant.slug}&amp;date=2026-12-14" rel="next"' in html
    assert f'href="{reverse("admin:backoffice_day")}?tenant={other_restaurant.slug}&amp;date=2026-12-09"' in html


@pytest.mark.parametrize("bad", ["1999-12-31", "2100-01-01", "2026-02-30", "not-a-date", "0001-01-01", "9999-12-31",
                                 "2026-12-09\x00"])
def test_a_date_outside_2000_2099_or_not_a_date_shows_this_week_with_a_message(staff, restaurant, bad):
    response = staff.get(WEEK_URL, {"date": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-monday="2026-11-30"' in html
    assert "Non è un giorno che la vista settimanale può mostrare: ecco questa settimana." in html


def test_the_first_and_last_weeks_shown_reach_past_the_century(staff, restaurant):
    # 1 January 2000 is a Saturday, 31 December 2099 a Thursday: their weeks cross the limits and still show.
    assert 'data-monday="1999-12-27"' in staff.get(WEEK_URL, {"date": "2000-01-01"}).content.decode()
    assert 'data-monday="2099-12-28"' in staff.get(WEEK_URL, {"date": "2099-12-31"}).content.decode()


def test_a_table_out_of_service_with_a_booking_still_shows(staff, restaurant):
    old = ResourceFactory(tenant=restaurant, name="Veranda", is_active=False, position=9)
    _booking(restaurant, old, rome(2026, 12, 9, 20, 0), party_size=2)
    html = staff.get(WEEK_URL, {"date": "2026-12-09"}).content.decode()
    assert 'data-resource="Veranda"' in _day_html(html, "2026-12-09")
    assert re.findall(r'class="lyo-week-label">([^<]+)<', html) == [
        "Coperti", "Trattoria Uno T2", "Trattoria Uno T4", "Trattoria Uno T6", "Veranda",
    ]


def test_a_business_without_tables_is_told_to_add_them(client):
    tenant = restaurant_create("Vuota")
    Resource.objects.filter(tenant=tenant).delete()
    client.force_login(MembershipFactory(tenant=tenant).user)
    html = client.get(WEEK_URL).content.decode()
    assert 'id="lyo-week"' not in html
    assert "Ancora nessun tavolo o membro dello staff: aggiungili nella pagina dell'attività." in html
