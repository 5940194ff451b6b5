"""The day view: columns, blocks, closed hours, daylight-saving days, click-to-book."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse

from backoffice.day import day_grid
from backoffice.tests.conftest import NOW, ROME
from bookings.models import Appointment, Closure, Resource
from bookings.services import appointment_book
from conversations.models import Message
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

DAY_URL = reverse("admin:backoffice_day")
BOOK_URL = reverse("admin:backoffice_day_book")


def rome(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ROME, fold=fold)


def _table(tenant, suffix: str) -> Resource:
    return Resource.objects.get(tenant=tenant, name=f"{tenant.name} {suffix}")


def _book(tenant, start, party_size=2, **kwargs) -> Appointment:
    return appointment_book(tenant=tenant, start=start, party_size=party_size, channel="whatsapp", **kwargs)


def _rows(html: str) -> list[str]:
    return re.findall(r'class="lyo-day-time"[^>]*>([^<]+)<', html)


def test_one_column_per_table_with_each_booking_as_a_block(staff, restaurant):
    customer = CustomerFactory(tenant=restaurant, display_name="Maria Rossi")
    booking = _book(restaurant, rome(2026, 12, 4, 20, 0), party_size=3, customer=customer)
    response = staff.get(DAY_URL, {"date": "2026-12-04"})
    assert response.status_code == 200
    html = response.content.decode()
    heads = re.findall(r'class="lyo-day-head"[^>]*>([^<]+)<', html)
    assert heads == ["Trattoria Uno T2 ", "Trattoria Uno T4 ", "Trattoria Uno T6 "]
    block = re.search(rf'<a class="lyo-block[^"]*" id="booking-{booking.pk}"(.*?)</a>', html, re.S)
    assert block is not None
    assert reverse("admin:bookings_appointment_change", args=[booking.pk]) in block.group(1)
    # Column 3 is T4 (the smallest table for 3). The grid starts an hour before lunch (11:00):
    # 20:00 is 36 quarter hours later.
    assert "grid-column: 3; grid-row: 38 / 44" in block.group(1)
    for expected in ("Maria Rossi", "20:00–21:30", "3 persone", "Confermata", "WhatsApp"):
        assert expected in block.group(1)


def test_closed_hours_are_shaded_and_free_open_times_are_links_to_book(staff, restaurant):
    html = staff.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    shaded = re.findall(r'class="lyo-day-closed" style="grid-row: (\d+)"', html)
    # Open 12:00-15:00 and 19:00-23:00, shown from 11:00 to midnight: 13 - 7 = 6 hours closed, in quarter hours.
    assert len(shaded) == 6 * 4
    free = re.findall(r'class="lyo-free" href="([^"]+)"', html)
    # A 90-minute sitting must end by closing: starts 12:00-13:30 and 19:00-21:30, each table.
    assert len(free) == 3 * (7 + 11)
    assert f"{BOOK_URL}?start=2026-12-04T12%3A00%3A00%2B01%3A00&amp;resource=" in free[0]
    starts = sorted(set(re.findall(r'class="lyo-free"[^>]*data-start="([^"]+)"', html)))
    assert (starts[0], starts[6], starts[7], starts[-1]) == ("12:00", "13:30", "19:00", "21:30")


def test_no_free_time_is_offered_after_the_last_seating(staff, restaurant):
    from bookings.models import OpeningHours

    OpeningHours.objects.filter(tenant=restaurant, opens=time(12)).update(last_start=time(14))
    html = staff.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    lunch = sorted({t for t in re.findall(r'class="lyo-free"[^>]*data-start="([^"]+)"', html) if t < "16:00"})
    assert (lunch[0], lunch[-1], len(lunch)) == ("12:00", "14:00", 9)  # seated until 14:00, whatever the length


def test_a_closure_is_shaded_too(staff, restaurant):
    Closure.objects.create(tenant=restaurant, starts_at=rome(2026, 12, 4, 19), ends_at=rome(2026, 12, 5))
    html = staff.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    # The window stays the opening hours' (11:00-24:00): only lunch is open, 10 of its 13 hours are shaded.
    assert len(re.findall(r'class="lyo-day-closed"', html)) == 10 * 4


def test_previous_and_next_day_and_the_date_picker(staff, restaurant):
    html = staff.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    assert 'href="?date=2026-12-03" rel="prev"' in html
    assert 'href="?date=2026-12-05" rel="next"' in html
    assert 'type="date" id="lyo-date" name="date" value="2026-12-04"' in html
    # No date (or a bad one): today in the business's time zone.
    assert 'value="2026-12-01"' in staff.get(DAY_URL, {"date": "not-a-date"}).content.decode()


def test_spring_forward_day_has_23_hours():
    grid_html_rows, grid = _dst_day(date(2026, 3, 29))
    assert grid.hours == 23
    assert len(grid.rows) == 23 * 4
    assert grid_html_rows[:4] == ["00:00", "01:00", "03:00", "04:00"]
    assert len(grid_html_rows) == 23


def test_fall_back_day_has_25_hours_and_names_the_repeated_hour():
    grid_html_rows, grid = _dst_day(date(2026, 10, 25))
    assert grid.hours == 25
    assert len(grid.rows) == 25 * 4
    assert grid_html_rows[:5] == ["00:00", "01:00", "02:00 CEST", "02:00 CET", "03:00"]
    assert len(grid_html_rows) == 25


def _dst_day(day: date):
    from backoffice.tests.conftest import restaurant_create
    from tenants.tests.factories import MembershipFactory

    tenant = restaurant_create("Ora Legale")
    _open_late_on_saturdays(tenant)
    grid = day_grid(tenant=tenant, day=day, now=NOW - timedelta(days=365))
    from django.test import Client

    client = Client()
    client.force_login(MembershipFactory(tenant=tenant).user)
    response = client.get(DAY_URL, {"date": day.isoformat()})
    html = response.content.decode()
    hours = 23 if day.month == 3 else 25
    assert f'data-hours="{hours}"' in html
    assert f"Questo giorno ha {hours} ore" in html
    return _rows(html), grid


def _open_late_on_saturdays(tenant) -> None:
    """Saturday night until 03:00: the Sunday's grid starts at midnight and so shows the clocks change."""
    from bookings.tests.factories import OpeningHoursFactory

    OpeningHoursFactory(tenant=tenant, weekday=5, opens=time(23), closes=time(3))


def test_on_a_25_hour_day_a_booking_is_placed_by_its_real_instant(restaurant):
    _open_late_on_saturdays(restaurant)
    # A 90-minute dinner on the day the clocks go back: 20:00 local is 21 real hours after midnight.
    booking = Appointment.objects.create(
        tenant=restaurant, resource=_table(restaurant, "T2"), starts_at=rome(2026, 10, 25, 20),
        ends_at=rome(2026, 10, 25, 21, 30), blocks_until=rome(2026, 10, 25, 21, 30), party_size=2,
        reference="DST001", channel="admin",
    )
    grid = day_grid(tenant=restaurant, day=date(2026, 10, 25), now=NOW - timedelta(days=60))
    [block] = grid.blocks
    assert block.appointment == booking
    assert (block.row_from, block.row_to) == (21 * 4 + 2, 21 * 4 + 2 + 6)
    # On the 23-hour day, 20:00 is 19 real hours after midnight.
    grid = day_grid(tenant=restaurant, day=date(2026, 3, 29), now=NOW - timedelta(days=300))
    twenty = next(row for row in grid.rows if row.label == "20:00")
    assert twenty.index == 19 * 4


def test_staff_see_only_their_own_tenant_on_the_day_view(staff, restaurant, other_restaurant):
    theirs = _book(other_restaurant, rome(2026, 12, 4, 20), party_size=2)
    ours = _book(restaurant, rome(2026, 12, 4, 21), party_size=2)
    html = staff.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    assert f"booking-{ours.pk}" in html
    assert f"booking-{theirs.pk}" not in html
    assert "Osteria Due" not in html
    # Asking for the other business by name is a 404, like a business that does not exist.
    assert staff.get(DAY_URL, {"date": "2026-12-04", "tenant": other_restaurant.slug}).status_code == 404
    assert staff.get(DAY_URL, {"tenant": "no-such-business"}).status_code == 404


def test_superusers_choose_a_tenant_first(client, restaurant, other_restaurant):
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(DAY_URL).content.decode()
    assert f"?tenant={restaurant.slug}" in html and f"?tenant={other_restaurant.slug}" in html
    html = client.get(DAY_URL, {"tenant": other_restaurant.slug, "date": "2026-12-04"}).content.decode()
    assert "Osteria Due T6" in html and "Trattoria Uno T6" not in html
    # The links keep the chosen tenant.
    assert f'href="?tenant={other_restaurant.slug}&amp;date=2026-12-05" rel="next"' in html


def test_anonymous_users_are_sent_to_the_login_page(client, restaurant):
    for url in (DAY_URL, BOOK_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# --- Click to book ----------------------------------------------------------------------


def _book_form(staff, tenant, start: datetime, table: str, **data):
    resource = _table(tenant, table)
    return staff.post(BOOK_URL, {"start": start.isoformat(), "resource": resource.pk, "party_size": 2,
                                 "name": "Bianchi", "phone": "333 1234567", "notes": "", **data})


def test_clicking_a_free_time_opens_a_booking_form_for_it(staff, restaurant):
    resource = _table(restaurant, "T4")
    response = staff.get(BOOK_URL, {"start": "2026-12-04T20:00:00+01:00", "resource": resource.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Venerdì 4 Dicembre 2026, 20:00" in html
    assert f'<option value="{resource.pk}" selected>' in html
    assert 'name="party_size"' in html and 'name="service"' not in html


def test_a_booking_made_from_the_day_view_goes_through_the_booking_service(staff, restaurant):
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="Bianchi", phone="333 1234567",
                          notes="No nuts")
    assert response.status_code == 302
    booking = Appointment.objects.get(tenant=restaurant)
    assert response["Location"] == f"{DAY_URL}?date=2026-12-04#booking-{booking.pk}"
    assert (booking.starts_at, booking.ends_at) == (rome(2026, 12, 4, 20), rome(2026, 12, 4, 21, 30))
    assert (booking.resource.name, booking.channel) == ("Trattoria Uno T4", "admin")
    assert booking.notes == "No nuts"
    assert (booking.customer.display_name, booking.customer.phone, booking.customer.channel) == (
        "Bianchi", "393331234567", "whatsapp"
    )
    assert len(booking.reference) == 6
    html = staff.get(response["Location"]).content.decode()
    assert f'id="booking-{booking.pk}"' in html and f"Prenotato {booking.reference}" in html
    block = re.search(rf'id="booking-{booking.pk}"(.*?)</a>', html, re.S).group(1)
    assert '<strong class="lyo-block-who">Bianchi</strong>' in block


def test_staff_book_inside_the_minimum_notice_that_customers_must_respect(staff, restaurant):
    # 12:15 today is 2 h 15 after "now": fine for staff (by_staff), while customers need 2 hours' notice
    # plus the grid; 12:05 is off the grid, which only staff may use.
    response = _book_form(staff, restaurant, rome(2026, 12, 1, 12, 5), "T2")
    assert response.status_code == 302
    assert Appointment.objects.get(tenant=restaurant).starts_at == rome(2026, 12, 1, 12, 5)


def test_an_overlapping_booking_is_refused_with_a_message_and_nothing_is_written(staff, restaurant):
    existing = _book(restaurant, rome(2026, 12, 4, 20), party_size=2, resource=_table(restaurant, "T2"))
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20, 30), "T2")
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'id="lyo-book-error">(.*?)</div>', html, re.S).group(1)
    assert "Quell&#x27;orario è già prenotato." in error
    assert "Liberi vicino:" in error and "(Trattoria Uno T2)" in error
    assert list(Appointment.objects.filter(tenant=restaurant)) == [existing]


def test_an_overlapping_booking_is_refused_in_english_for_english_staff(staff, restaurant):
    _book(restaurant, rome(2026, 12, 4, 20), party_size=2, resource=_table(restaurant, "T2"))
    staff.cookies["django_language"] = "en"
    html = _book_form(staff, restaurant, rome(2026, 12, 4, 20, 30), "T2").content.decode()
    assert "That time is already booked. Free nearby:" in html


def test_a_closed_time_is_refused_with_a_message(staff, restaurant):
    html = _book_form(staff, restaurant, rome(2026, 12, 4, 16), "T2").content.decode()
    assert "Il locale non è aperto a quell&#x27;ora." in html
    assert not Appointment.objects.exists()


def test_a_party_too_large_for_the_table_is_refused(staff, restaurant):
    html = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T2", party_size=5).content.decode()
    assert "Trattoria Uno T2 ha 1-2 posti; il gruppo è di 5." in html
    assert not Appointment.objects.exists()


def test_any_free_table_picks_the_smallest_that_fits(staff, restaurant):
    response = staff.post(BOOK_URL, {"start": rome(2026, 12, 4, 20).isoformat(), "resource": "", "party_size": 3,
                                     "name": "Rossi", "walk_in": "on"})
    assert response.status_code == 302
    assert Appointment.objects.get(tenant=restaurant).resource.name == "Trattoria Uno T4"


def test_booking_another_tenants_table_is_refused(staff, restaurant, other_restaurant):
    theirs = _table(other_restaurant, "T4")
    response = staff.post(BOOK_URL, {"start": rome(2026, 12, 4, 20).isoformat(), "resource": theirs.pk,
                                     "party_size": 2, "name": "Bianchi", "walk_in": "on"})
    assert response.status_code == 200
    assert not Appointment.objects.exists()
    response = staff.post(BOOK_URL, {"start": rome(2026, 12, 4, 20).isoformat(), "tenant": other_restaurant.slug,
                                     "resource": theirs.pk, "party_size": 2, "name": "Bianchi", "walk_in": "on"})
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_booking_needs_the_csrf_token(restaurant):
    from django.test import Client

    from tenants.tests.factories import MembershipFactory

    client = Client(enforce_csrf_checks=True)
    client.force_login(MembershipFactory(tenant=restaurant).user)
    response = client.post(BOOK_URL, {"start": rome(2026, 12, 4, 20).isoformat(), "party_size": 2})
    assert response.status_code == 403
    assert not Appointment.objects.exists()


def test_a_salon_books_a_service_with_the_staff_member_clicked(client, db):
    from bookings.tests.factories import OpeningHoursFactory, ResourceFactory, ServiceFactory
    from tenants.tests.factories import MembershipFactory, TenantFactory

    salon = TenantFactory(kind="salon", name="Salone", slot_minutes=15)
    for weekday in range(7):
        OpeningHoursFactory(tenant=salon, weekday=weekday, opens=time(9), closes=time(19))
    cut = ServiceFactory(tenant=salon, name_it="Taglio", duration_minutes=30)
    colour = ServiceFactory(tenant=salon, name_it="Colore", duration_minutes=90)
    giulia = ResourceFactory(tenant=salon, kind="staff", name="Giulia")
    giulia.services.set([cut])
    client.force_login(MembershipFactory(tenant=salon).user)
    html = client.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    assert "Giulia" in html
    # Open 9-19: the shortest service (30 minutes) can start at 18:30 at the latest.
    starts = sorted(set(re.findall(r'class="lyo-free"[^>]*data-start="([^"]+)"', html)))
    assert (starts[0], starts[-1]) == ("09:00", "18:30")
    response = client.post(BOOK_URL, {"start": rome(2026, 12, 4, 10).isoformat(), "resource": giulia.pk,
                                      "service": colour.pk, "name": "Sara", "phone": "+39 347 555 0101"})
    assert "Giulia non fa Colore." in response.content.decode()
    response = client.post(BOOK_URL, {"start": rome(2026, 12, 4, 10).isoformat(), "resource": giulia.pk,
                                      "service": cut.pk, "name": "Sara", "phone": "+39 347 555 0101"})
    assert response.status_code == 302
    booking = Appointment.objects.get(tenant=salon)
    assert (booking.service, booking.ends_at) == (cut, rome(2026, 12, 4, 10, 30))
    html = client.get(DAY_URL, {"date": "2026-12-04"}).content.decode()
    assert "Taglio" in re.search(rf'id="booking-{booking.pk}"(.*?)</a>', html, re.S).group(1)


# --- A real customer for each staff booking ---------------------------------------------


def test_a_staff_booking_reuses_the_guests_whatsapp_customer_however_the_number_is_typed(staff, restaurant):
    from customers.services import customer_get_or_create_for_whatsapp

    known = CustomerFactory(tenant=restaurant, phone="393471234567", display_name="Giulia R.",
                            channel_user_id="IT.1")
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="Giulia Rossi",
                          phone="+39 347-123 4567")
    assert response.status_code == 302
    booking = Appointment.objects.get(tenant=restaurant)
    assert booking.customer == known
    known.refresh_from_db()
    assert known.display_name == "Giulia R."  # her own WhatsApp name stays
    # Her next WhatsApp message finds the same customer, and so her booking.
    assert customer_get_or_create_for_whatsapp(tenant=restaurant, user_id="IT.1", wa_id="393471234567") == known


def test_a_new_guests_number_creates_a_whatsapp_customer_a_later_message_finds(staff, restaurant):
    from customers.services import customer_get_or_create_for_whatsapp

    _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="Luca Verdi", phone="0039 348 765 4321")
    booking = Appointment.objects.get(tenant=restaurant)
    assert (booking.customer.channel, booking.customer.phone, booking.customer.display_name) == (
        "whatsapp", "393487654321", "Luca Verdi"
    )
    found = customer_get_or_create_for_whatsapp(tenant=restaurant, user_id="IT.9", wa_id="393487654321")
    assert found == booking.customer


@pytest.mark.parametrize("phone", ["12", "347 12", "not a phone", "+39 000 000 0000"])
def test_an_invalid_phone_is_a_clear_error_and_nothing_is_written(staff, restaurant, phone):
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="Bianchi", phone=phone)
    assert response.status_code == 200
    assert "Questo non è un numero di telefono valido." in response.content.decode()
    assert not Appointment.objects.exists()
    assert not Customer.objects.exists()


def test_a_phone_is_needed_unless_it_is_a_walk_in(staff, restaurant):
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", phone="")
    assert "Scrivi il numero di telefono dell&#x27;ospite" in response.content.decode()
    assert not Appointment.objects.exists()
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="Rossi", phone="",
                          walk_in="on", notes="al bancone")
    assert response.status_code == 302
    booking = Appointment.objects.get(tenant=restaurant)
    assert (booking.customer, booking.notes) == (None, "Rossi · al bancone")
    assert not Customer.objects.exists()


def test_a_name_is_needed(staff, restaurant):
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="")
    assert response.status_code == 200
    assert not Appointment.objects.exists()
    assert not Customer.objects.exists()


def test_a_refused_booking_creates_no_customer(staff, restaurant):
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 16), "T2", name="Neri", phone="347 000 1111")
    assert "Il locale non è aperto a quell&#x27;ora." in response.content.decode()
    assert not Customer.objects.exists()


def _told() -> list[tuple[str, str]]:
    """(customer's phone, purpose) of every message queued to a customer, oldest first."""
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND).order_by("pk")
    return [(m.conversation.customer.phone, m.payload["purpose"]) for m in outbound]


def test_the_guest_of_a_staff_booking_is_told_once(staff, restaurant):
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="Bianchi", phone="333 1234567")
    assert response.status_code == 302
    assert _told() == [("393331234567", "staff_booked")]
    message = Message.objects.get()
    assert message.payload["reference"] == Appointment.objects.get(tenant=restaurant).reference


def test_a_walk_in_or_a_refused_staff_booking_tells_nobody(staff, restaurant):
    walk_in = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="Rossi", phone="", walk_in="on")
    assert walk_in.status_code == 302
    refused = _book_form(staff, restaurant, rome(2026, 12, 4, 16), "T2", name="Neri", phone="347 000 1111")
    assert refused.status_code == 200
    assert _told() == []


# --- Odd input on the day view and its form: a message, never a 500 -------------------


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-13-45", "2026-12-04\x00", "\x00"])
def test_a_day_the_day_view_cannot_show_is_a_message_and_today(staff, restaurant, value):
    response = staff.get(DAY_URL, {"date": value}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Questo non è un giorno che la vista del giorno può mostrare: ecco oggi." in html
    assert 'value="2026-12-01"' in html


def test_a_tenant_parameter_with_a_nul_is_not_found(staff, restaurant):
    assert staff.get(DAY_URL, {"tenant": "trattoria\x00"}).status_code == 404


@pytest.mark.parametrize("start", [
    "9999-12-31T23:30:00+00:00", "0001-01-01T00:00:00+01:00", "2026-13-45T20:00:00+01:00", "20:00\x00",
])
def test_an_impossible_start_is_a_form_error(staff, restaurant, start):
    resource = _table(restaurant, "T4")
    assert staff.get(BOOK_URL, {"start": start, "resource": resource.pk}).status_code == 200
    response = staff.post(BOOK_URL, {"start": start, "resource": resource.pk, "party_size": 2, "name": "Bianchi",
                                     "phone": "333 1234567"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Scegli un orario nella vista del giorno." in html or "I caratteri null non sono ammessi." in html
    assert not Appointment.objects.exists()


def test_nul_characters_in_the_booking_form_are_a_form_error(staff, restaurant):
    response = _book_form(staff, restaurant, rome(2026, 12, 4, 20), "T4", name="Bian\x00chi", notes="a\x00b",
                          phone="333\x001234567")
    assert response.status_code == 200
    assert "I caratteri null non sono ammessi." in response.content.decode()
    assert not Appointment.objects.exists()
