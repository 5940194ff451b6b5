"""The printable list of a day (/admin/day/print/): who is coming, by time, with the party,
the table or staff member, the name, the phone and the notes (allergies), for the whole day
or one period; cancelled bookings left out; times in the business's zone; only the
business's own bookings."""

import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from backoffice.tests.conftest import ROME, restaurant_create
from bookings.models import Appointment, Resource
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory, ServiceFactory
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

PRINT_URL = reverse("admin:backoffice_day_print")
DAY_URL = reverse("admin:backoffice_day")
WEDNESDAY = "2026-12-09"


def rome(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


def _table(tenant, suffix: str) -> Resource:
    return Resource.objects.get(tenant=tenant, name=f"{tenant.name} {suffix}")


def _booking(tenant, resource, start: datetime, *, name: str = "", phone: str = "", minutes: int = 90,
             **fields) -> Appointment:
    if "customer" not in fields:
        fields["customer"] = CustomerFactory(tenant=tenant, display_name=name, phone=phone)
    ends = start.astimezone(UTC) + timedelta(minutes=minutes)
    return cast(Appointment, AppointmentFactory(tenant=tenant, resource=resource, starts_at=start, ends_at=ends,
                                                blocks_until=ends, **fields))


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<br\s*/?>", " / ", re.sub(r"<small>.*?</small>", "", html))).split())


def _rows(html: str) -> list[dict[str, str]]:
    """The list's rows, each column by its class (time, party, resource, who, phone, notes)."""
    rows = []
    for body in re.findall(r'<tr id="sheet-booking-\d+">(.*?)</tr>', html, re.S):
        cells = re.findall(r'<td class="lyo-sheet-(\w+)"[^>]*>(.*?)</td>', body, re.S)
        rows.append({column: re.sub(r"<[^>]+>", "", _text(value)).strip() for column, value in cells})
    return rows


def _headers(html: str) -> list[str]:
    return [_text(header) for header in re.findall(r'<th class="lyo-sheet-\w+">(.*?)</th>', html)]


@pytest.fixture
def dinner_and_lunch(restaurant):
    t2, t4, t6 = (_table(restaurant, name) for name in ("T2", "T4", "T6"))
    return {
        "maria": _booking(restaurant, t4, rome(2026, 12, 9, 20, 30), name="Maria Rossi", phone="393471234567",
                          party_size=4, notes="Allergia alle arachidi\nSeggiolone"),
        "luca": _booking(restaurant, t2, rome(2026, 12, 9, 12, 30), name="Luca Bianchi", phone="447911123456",
                         party_size=2, notes="Celiaco: senza glutine"),
        "walk_in": _booking(restaurant, t6, rome(2026, 12, 9, 20, 0), customer=None, party_size=5,
                            notes="Verdi · tavolo vicino alla finestra", walk_in=True),
        "cancelled": _booking(restaurant, t6, rome(2026, 12, 9, 13, 0), name="Anna Disdetta", phone="393401112233",
                              party_size=3, status=Appointment.Status.CANCELLED),
        "completed": _booking(restaurant, t6, rome(2026, 12, 9, 12, 0), name="Paolo Neri", phone="390212345678",
                              party_size=6,
                              status=Appointment.Status.COMPLETED),
        "next_day": _booking(restaurant, t2, rome(2026, 12, 10, 20, 0), name="Giorno Dopo", phone="393405550000",
                             party_size=2),
    }


def test_the_whole_day_lists_every_booking_by_time_with_party_table_name_phone_and_notes(staff, dinner_and_lunch):
    response = staff.get(PRINT_URL, {"date": WEDNESDAY})
    assert response.status_code == 200
    html = response.content.decode()
    assert _headers(html) == ["Orario", "Persone", "Tavolo", "Nome", "Telefono", "Note"]
    assert _rows(html) == [
        {"time": "12:00", "party": "6", "resource": "Trattoria Uno T6", "who": "Paolo Neri", "phone": "02 1234 5678",
         "notes": ""},
        {"time": "12:30", "party": "2", "resource": "Trattoria Uno T2", "who": "Luca Bianchi",
         "phone": "+44 7911 123456", "notes": "Celiaco: senza glutine"},
        {"time": "20:00", "party": "5", "resource": "Trattoria Uno T6", "who": "Verdi", "phone": "—",
         "notes": "Verdi · tavolo vicino alla finestra"},
        {"time": "20:30", "party": "4", "resource": "Trattoria Uno T4", "who": "Maria Rossi", "phone": "347 123 4567",
         "notes": "Allergia alle arachidi / Seggiolone"},
    ]
    # Each name carries the booking's reference, for the phone call that changes it.
    assert re.search(rf'Maria Rossi <small>{dinner_and_lunch["maria"].reference}</small>', html)
    assert "4 prenotazioni; coperti: 17" in html
    assert "Orari di Europe/Rome." in html
    assert "Mercoledì 9 Dicembre 2026" in html and "Tutto il giorno" in html


def test_cancelled_bookings_and_other_days_are_left_out(staff, dinner_and_lunch):
    html = staff.get(PRINT_URL, {"date": WEDNESDAY, "period": "all"}).content.decode()
    assert "Anna Disdetta" not in html and f'sheet-booking-{dinner_and_lunch["cancelled"].pk}"' not in html
    assert "Giorno Dopo" not in html
    assert html.count('<tr id="sheet-booking-') == 4


@pytest.mark.parametrize(("period", "times", "heading"), [
    ("1", ["12:00", "12:30"], "Pranzo 12:00–15:00"),
    ("2", ["20:00", "20:30"], "Cena 19:00–23:00"),
    ("all", ["12:00", "12:30", "20:00", "20:30"], "Tutto il giorno"),
    ("", ["12:00", "12:30", "20:00", "20:30"], "Tutto il giorno"),
])
def test_one_period_or_the_whole_day(staff, dinner_and_lunch, period, times, heading):
    html = staff.get(PRINT_URL, {"date": WEDNESDAY, "period": period}).content.decode()
    assert [row["time"] for row in _rows(html)] == times
    assert f"Mercoledì 9 Dicembre 2026 · {heading}</h2>" in html
    # The period links: the whole day, lunch and dinner, the one shown marked.
    links = re.findall(r'<a href="[^"]*\?date=2026-12-09&amp;period=(\w+)"( class="lyo-current")?', html)
    assert links == [(name, ' class="lyo-current"' if name == (period or "all") else "")
                     for name in ("all", "1", "2")]


def test_a_period_with_no_bookings_says_so(staff, restaurant):
    html = staff.get(PRINT_URL, {"date": WEDNESDAY, "period": "2"}).content.decode()
    assert 'id="lyo-sheet-empty">Nessuna prenotazione.</p>' in html
    assert "<table" not in html.split('id="lyo-sheet"')[1]
    assert "0 prenotazioni; coperti: 0" in html


@pytest.mark.parametrize("bad", ["3", "0", "lunch", "-1", "1.5", "9999", "\u0661"])
def test_a_period_the_day_does_not_have_is_a_404(staff, restaurant, bad):
    assert staff.get(PRINT_URL, {"date": WEDNESDAY, "period": bad}).status_code == 404


def test_a_day_that_is_not_a_date_shows_today_with_a_message(staff, restaurant):
    response = staff.get(PRINT_URL, {"date": "2026-02-30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Martedì 1 Dicembre 2026" in html
    assert "Non è un giorno che la lista può mostrare: ecco oggi." in html


def test_times_are_the_businesss_own_wherever_the_server_is(client):
    new_york = restaurant_create("Diner", timezone="America/New_York", language="en")
    client.force_login(MembershipFactory(tenant=new_york).user)
    # 19:30 in New York is 00:30 UTC on the next day: still the 9th's dinner there.
    _booking(new_york, _table(new_york, "T4"), datetime(2026, 12, 9, 19, 30, tzinfo=ZoneInfo("America/New_York")),
             name="Sam Smith", phone="12125550123", party_size=2)
    html = client.get(PRINT_URL, {"date": WEDNESDAY, "period": "2"}).content.decode()
    assert [(row["time"], row["who"]) for row in _rows(html)] == [("19:30", "Sam Smith")]
    assert "America/New_York" in html
    assert _rows(client.get(PRINT_URL, {"date": "2026-12-10"}).content.decode()) == []


def test_a_salon_lists_the_service_and_the_staff_member(client):
    salon = TenantFactory(name="Salone Uno", kind="salon", slot_minutes=15)
    for weekday in range(7):
        OpeningHoursFactory(tenant=salon, weekday=weekday, opens=time(9), closes=time(19))
    anna = ResourceFactory(tenant=salon, kind="staff", name="Anna", position=0)
    colour = ServiceFactory(tenant=salon, name_it="Colore", name_en="Colour", duration_minutes=90)
    _booking(salon, anna, rome(2026, 12, 9, 10, 0), minutes=90, name="Giulia Verdi", phone="393471234567",
             service=colour, notes="Allergica al nichel")
    client.force_login(MembershipFactory(tenant=salon).user)
    html = client.get(PRINT_URL, {"date": WEDNESDAY}).content.decode()
    assert _headers(html) == ["Orario", "Servizio", "Membro dello staff", "Nome", "Telefono", "Note"]
    assert _rows(html) == [{"time": "10:00", "party": "Colore", "resource": "Anna", "who": "Giulia Verdi",
                            "phone": "347 123 4567", "notes": "Allergica al nichel"}]
    # A salon counts bookings, not covers.
    assert 'id="lyo-sheet-total">1 prenotazione · ' in html and "coperti" not in html
    # A salon's day is one range, named by its times.
    assert "09:00–19:00" in html


def test_another_businesss_bookings_never_show_and_its_list_is_a_404(staff, restaurant, other_restaurant):
    _booking(other_restaurant, _table(other_restaurant, "T4"), rome(2026, 12, 9, 20, 0), name="Cliente Altrui",
             phone="393409990000", party_size=4)
    html = staff.get(PRINT_URL, {"date": WEDNESDAY}).content.decode()
    assert "Cliente Altrui" not in html and "Osteria Due" not in html
    assert _rows(html) == []
    assert staff.get(PRINT_URL, {"date": WEDNESDAY, "tenant": other_restaurant.slug}).status_code == 404
    assert staff.get(PRINT_URL, {"tenant": "no-such-business"}).status_code == 404
    assert staff.get(PRINT_URL, {"tenant": "bad\x00slug"}).status_code == 404


def test_superusers_choose_a_business_first_then_see_only_its_list(client, restaurant, other_restaurant):
    _booking(other_restaurant, _table(other_restaurant, "T4"), rome(2026, 12, 9, 20, 0), name="Cliente Due",
             phone="393409990001", party_size=4)
    _booking(restaurant, _table(restaurant, "T4"), rome(2026, 12, 9, 20, 0), name="Cliente Uno",
             phone="393409990002", party_size=2)
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(PRINT_URL).content.decode()
    assert "Choose a business:" in html
    assert f"{PRINT_URL}?tenant={restaurant.slug}" in html and f"{PRINT_URL}?tenant={other_restaurant.slug}" in html
    html = client.get(PRINT_URL, {"tenant": other_restaurant.slug, "date": WEDNESDAY}).content.decode()
    assert [row["who"] for row in _rows(html)] == ["Cliente Due"]
    # Its links keep the business chosen.
    assert f'?tenant={other_restaurant.slug}&amp;date=2026-12-09&amp;period=2"' in html
    assert f'href="{DAY_URL}?tenant={other_restaurant.slug}&amp;date=2026-12-09"' in html


def test_the_day_view_links_to_its_printable_list_in_one_click(staff, dinner_and_lunch):
    html = staff.get(DAY_URL, {"date": WEDNESDAY}).content.decode()
    link = re.search(r'<a class="button" href="([^"]+)" id="lyo-day-print">([^<]+)</a>', html)
    assert link is not None
    assert (unescape(link.group(1)), link.group(2)) == (f"{PRINT_URL}?date={WEDNESDAY}", "Lista stampabile")
    followed = staff.get(unescape(link.group(1)))
    assert [row["who"] for row in _rows(followed.content.decode())] == ["Paolo Neri", "Luca Bianchi", "Verdi",
                                                                         "Maria Rossi"]
    # And back: the list links to the day view and the week view of the same day.
    back = followed.content.decode()
    assert f'href="{DAY_URL}?date={WEDNESDAY}" id="lyo-print-day"' in back
    assert f'href="{reverse("admin:backoffice_week")}?date={WEDNESDAY}" id="lyo-print-week"' in back
