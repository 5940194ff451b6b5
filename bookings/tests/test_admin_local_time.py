"""The admin shows and reads bookings and closures on each business's own wall clock, whoever looks.

Rome is UTC+1 and New York UTC-5 in December: 19:00 UTC is 20:00 in Rome and 14:00 in
New York.
"""

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from bookings.models import Appointment, Closure
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:bookings_appointment_changelist")
ADD_URL = reverse("admin:bookings_appointment_add")
CLOSURES_URL = reverse("admin:bookings_closure_changelist")
MOMENT = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)  # 20:00 in Rome, 14:00 in New York
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday morning in Europe, before dawn in New York


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _restaurant(name: str, zone: str):
    tenant = TenantFactory(name=name, timezone=zone, kind="restaurant", slot_minutes=15, min_notice_minutes=60)
    for weekday in range(7):
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(12), closes=time(15))
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(19), closes=time(23))
    ResourceFactory(tenant=tenant, name=f"{name} T4", min_seats=1, max_seats=4)
    return tenant


@pytest.fixture
def rome(db):
    return _restaurant("Trattoria Roma", "Europe/Rome")


@pytest.fixture
def new_york(db):
    return _restaurant("Diner NYC", "America/New_York")


@pytest.fixture
def bookings(rome, new_york):
    return {
        "rome": AppointmentFactory(tenant=rome, starts_at=MOMENT, reference="ROMA01",
                                   customer=CustomerFactory(tenant=rome, display_name="Bianchi")),
        "new_york": AppointmentFactory(tenant=new_york, starts_at=MOMENT, reference="NYC001",
                                       customer=CustomerFactory(tenant=new_york, display_name="Smith")),
    }


@pytest.fixture
def closures(rome, new_york):
    return {
        "rome": Closure.objects.create(tenant=rome, starts_at=MOMENT, ends_at=datetime(2026, 12, 4, 19, tzinfo=UTC),
                                       reason="Inventario"),
        "new_york": Closure.objects.create(tenant=new_york, starts_at=MOMENT,
                                           ends_at=datetime(2026, 12, 4, 19, tzinfo=UTC), reason="Inventory"),
    }


def _login(client, user, language: str):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True)


def _staff_of(tenant):
    return MembershipFactory(tenant=tenant).user


def _cells(html: str, column: str) -> list[str]:
    """The text of each row's cell in ``column`` of a change list (the first column is a link)."""
    cells = re.findall(rf'<t[dh] class="field-{column}[^"]*"[^>]*>(.*?)</t[dh]>', html, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def _rows(html: str, first: str, second: str) -> set[tuple[str, str]]:
    return set(zip(_cells(html, first), _cells(html, second), strict=True))


def _input_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no input {name}"
    return match.group(1)


def _readonly(html: str, field: str) -> str:
    match = re.search(rf'field-{field}\b.*?<div class="readonly">(.*?)</div>', html, re.S)
    assert match, f"no read-only {field}"
    return match.group(1).strip()


# --- Lists --------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [
    ("en", {("3 Dec 2026 20:00", "Bianchi"), ("3 Dec 2026 14:00", "Smith")}),
    ("it", {("3 Dic 2026 20:00", "Bianchi"), ("3 Dic 2026 14:00", "Smith")}),
])
def test_the_operator_reads_each_booking_at_its_own_business_time(client, superuser, bookings, language, expected):
    html = _login(client, superuser, language).get(LIST_URL).content.decode()
    assert _rows(html, "starts_at", "guest") == expected


@pytest.mark.parametrize(("tenant", "language", "expected"), [
    ("rome", "it", {("3 Dic 2026 20:00", "Bianchi")}),
    ("rome", "en", {("3 Dec 2026 20:00", "Bianchi")}),
    ("new_york", "en", {("3 Dec 2026 14:00", "Smith")}),
    ("new_york", "it", {("3 Dic 2026 14:00", "Smith")}),
])
def test_staff_read_their_own_bookings_at_their_business_time(client, bookings, tenant, language, expected):
    user = _staff_of(bookings[tenant].tenant)
    html = _login(client, user, language).get(LIST_URL).content.decode()
    assert _rows(html, "starts_at", "guest") == expected


def test_the_operator_reads_each_closure_at_its_own_business_time(client, superuser, closures):
    html = _login(client, superuser, "en").get(CLOSURES_URL).content.decode()
    assert _rows(html, "starts_at", "ends_at") == {
        ("3 Dec 2026 20:00", "4 Dec 2026 20:00"), ("3 Dec 2026 14:00", "4 Dec 2026 14:00"),
    }


def test_staff_of_two_businesses_read_each_closure_at_its_business_time(client, rome, new_york, closures):
    user = _staff_of(rome)
    MembershipFactory(user=user, tenant=new_york)
    html = _login(client, user, "it").get(CLOSURES_URL).content.decode()
    assert _rows(html, "starts_at", "reason") == {("3 Dic 2026 20:00", "Inventario"), ("3 Dic 2026 14:00", "Inventory")}


def test_the_time_column_still_sorts_by_time(client, superuser, rome):
    early = AppointmentFactory(tenant=rome, starts_at=datetime(2026, 12, 3, 11, tzinfo=UTC), reference="EARLY1")
    late = AppointmentFactory(tenant=rome, starts_at=datetime(2026, 12, 3, 20, tzinfo=UTC), reference="LATE01")
    _login(client, superuser, "en")
    ascending = client.get(LIST_URL + "?o=1").context["cl"].result_list
    descending = client.get(LIST_URL + "?o=-1").context["cl"].result_list
    assert [a.pk for a in ascending] == [early.pk, late.pk]
    assert [a.pk for a in descending] == [late.pk, early.pk]
    assert 'class="sortable column-starts_at' in client.get(LIST_URL).content.decode()


# --- A row's page ---------------------------------------------------------------------


@pytest.mark.parametrize(("who", "tenant", "language", "date", "clock", "ends", "title"), [
    ("superuser", "rome", "en", "2026-12-03", "20:00:00", "Dec. 3, 2026, 9:30 p.m.", "ROMA01 3 Dec 2026 20:00"),
    ("superuser", "new_york", "en", "2026-12-03", "14:00:00", "Dec. 3, 2026, 3:30 p.m.", "NYC001 3 Dec 2026 14:00"),
    ("superuser", "rome", "it", "03/12/2026", "20:00:00", "Giovedì 03 Dicembre 2026 21:30", "ROMA01 3 Dic 2026 20:00"),
    ("staff", "rome", "it", "03/12/2026", "20:00:00", "Giovedì 03 Dicembre 2026 21:30", "ROMA01 3 Dic 2026 20:00"),
    ("staff", "new_york", "en", "2026-12-03", "14:00:00", "Dec. 3, 2026, 3:30 p.m.", "NYC001 3 Dec 2026 14:00"),
])
def test_a_bookings_page_shows_its_business_time(
    client, superuser, bookings, who, tenant, language, date, clock, ends, title
):
    booking = bookings[tenant]
    user = superuser if who == "superuser" else _staff_of(booking.tenant)
    response = _login(client, user, language).get(reverse("admin:bookings_appointment_change", args=[booking.pk]))
    html = response.content.decode()
    assert (_input_value(html, "starts_at_0"), _input_value(html, "starts_at_1")) == (date, clock)
    assert _readonly(html, "ends_at") == ends
    assert f"<h2>{title}</h2>" in html  # the heading names it by its local start
    assert f"&rsaquo; {title}" in html  # and so does the breadcrumb


@pytest.mark.parametrize(("tenant", "clock"), [("rome", "20:00:00"), ("new_york", "14:00:00")])
def test_a_closures_page_shows_its_business_time(client, superuser, closures, tenant, clock):
    closure = closures[tenant]
    html = _login(client, superuser, "en").get(
        reverse("admin:bookings_closure_change", args=[closure.pk])
    ).content.decode()
    assert (_input_value(html, "starts_at_0"), _input_value(html, "starts_at_1")) == ("2026-12-03", clock)
    assert (_input_value(html, "ends_at_0"), _input_value(html, "ends_at_1")) == ("2026-12-04", clock)


def test_a_closure_saved_by_the_operator_is_read_in_its_business_zone(client, superuser, closures):
    closure = closures["new_york"]
    response = _login(client, superuser, "en").post(reverse("admin:bookings_closure_change", args=[closure.pk]), {
        "tenant": closure.tenant_id, "starts_at_0": "2026-12-24", "starts_at_1": "18:00",
        "ends_at_0": "2026-12-26", "ends_at_1": "09:00", "reason": "Christmas",
    })
    assert response.status_code == 302
    closure.refresh_from_db()
    assert (closure.starts_at, closure.ends_at) == (
        datetime(2026, 12, 24, 23, tzinfo=UTC), datetime(2026, 12, 26, 14, tzinfo=UTC),
    )


def test_a_booking_the_operator_adds_at_20_in_rome_is_19_utc_in_winter(client, superuser, rome):
    response = _login(client, superuser, "en").post(ADD_URL, {
        "tenant": rome.pk, "starts_at_0": "2026-12-04", "starts_at_1": "20:00", "party_size": 2,
        "customer": "", "guest_name": "", "guest_phone": "", "service": "", "resource": "", "notes": "",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Appointment.objects.get().starts_at == datetime(2026, 12, 4, 19, tzinfo=UTC)


def test_a_booking_the_operator_moves_in_new_york_is_read_on_new_yorks_clock(client, superuser, bookings):
    booking = bookings["new_york"]
    response = _login(client, superuser, "en").post(reverse("admin:bookings_appointment_change", args=[booking.pk]), {
        "customer": booking.customer_id, "service": "", "resource": booking.resource_id,
        "starts_at_0": "2026-12-03", "starts_at_1": "20:00", "party_size": 2, "status": "confirmed", "notes": "",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    booking.refresh_from_db()
    assert booking.starts_at == datetime(2026, 12, 4, 1, tzinfo=UTC)  # 20:00 in New York


def test_the_success_message_names_the_booking_by_its_local_time(client, superuser, bookings):
    booking = bookings["new_york"]
    _login(client, superuser, "en")
    response = client.post(reverse("admin:bookings_appointment_change", args=[booking.pk]), {
        "customer": booking.customer_id, "service": "", "resource": booking.resource_id,
        "starts_at_0": "2026-12-03", "starts_at_1": "19:30", "party_size": 3, "status": "confirmed", "notes": "",
    }, follow=True)
    assert (
        f'The appointment “<a href="{reverse("admin:bookings_appointment_change", args=[booking.pk])}">'
        'NYC001 3 Dec 2026 19:30</a>” was changed successfully.'
    ) in response.content.decode()


def test_a_bookings_history_is_dated_on_its_business_clock(client, superuser, bookings):
    booking = bookings["new_york"]
    entry = LogEntry.objects.create(
        user=superuser, content_type=ContentType.objects.get_for_model(Appointment), object_id=str(booking.pk),
        object_repr=str(booking), action_flag=CHANGE, change_message="[]",
    )
    LogEntry.objects.filter(pk=entry.pk).update(action_time=MOMENT)
    html = _login(client, superuser, "en").get(
        reverse("admin:bookings_appointment_history", args=[booking.pk])
    ).content.decode()
    assert "Dec. 3, 2026, 2 p.m." in html
    assert "Dec. 3, 2026, 7 p.m." not in html


def test_another_businesss_booking_stays_not_found(client, bookings):
    user = _staff_of(bookings["rome"].tenant)
    _login(client, user, "en")
    other = bookings["new_york"]
    for name in ("change", "history", "delete"):
        assert client.get(reverse(f"admin:bookings_appointment_{name}", args=[other.pk])).status_code == 404


# --- Days: the drill-down and today / tomorrow -------------------------------------------


def test_today_is_each_businesss_own_day(client, superuser, rome, new_york):
    # 01:00 UTC on 2 December: already the 2nd in Rome, still the evening of the 1st in New York.
    rome_today = AppointmentFactory(tenant=rome, starts_at=datetime(2026, 12, 2, 19, tzinfo=UTC))
    rome_yesterday = AppointmentFactory(tenant=rome, starts_at=datetime(2026, 12, 1, 19, tzinfo=UTC))
    ny_today = AppointmentFactory(tenant=new_york, starts_at=datetime(2026, 12, 2, 2, tzinfo=UTC))  # 21:00 on the 1st
    ny_tomorrow = AppointmentFactory(tenant=new_york, starts_at=datetime(2026, 12, 2, 19, tzinfo=UTC))
    _login(client, superuser, "en")
    with time_machine.travel(datetime(2026, 12, 2, 1, 0, tzinfo=UTC), tick=False):
        today = {a.pk for a in client.get(LIST_URL + "?when=today").context["cl"].result_list}
        tomorrow = {a.pk for a in client.get(LIST_URL + "?when=tomorrow").context["cl"].result_list}
    assert today == {rome_today.pk, ny_today.pk}
    assert rome_yesterday.pk not in today
    assert tomorrow == {ny_tomorrow.pk}


def test_the_date_drill_down_reads_days_in_the_business_zone(client, superuser, rome, new_york):
    # 03:00 UTC on 4 December is still the 3rd in New York.
    late_evening = AppointmentFactory(tenant=new_york, starts_at=datetime(2026, 12, 4, 3, tzinfo=UTC))
    AppointmentFactory(tenant=rome, starts_at=datetime(2026, 12, 4, 3, tzinfo=UTC))
    _login(client, superuser, "en")
    mixed = client.get(LIST_URL)
    assert mixed.context["cl"].date_hierarchy is None  # two zones: no single calendar to drill into
    one = client.get(LIST_URL + f"?tenant__id__exact={new_york.pk}&starts_at__year=2026&starts_at__month=12"
                                "&starts_at__day=3")
    assert one.status_code == 200
    assert [a.pk for a in one.context["cl"].result_list] == [late_evening.pk]


def test_staff_drill_down_by_their_own_days(client, new_york):
    late_evening = AppointmentFactory(tenant=new_york, starts_at=datetime(2026, 12, 4, 3, tzinfo=UTC))
    _login(client, _staff_of(new_york), "en")
    response = client.get(LIST_URL + "?starts_at__year=2026&starts_at__month=12&starts_at__day=3")
    assert response.context["cl"].date_hierarchy == "starts_at"
    assert [a.pk for a in response.context["cl"].result_list] == [late_evening.pk]


def test_an_unknown_tenant_filter_is_not_an_error(client, superuser, bookings):
    _login(client, superuser, "en")
    for value in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", "\x00"):
        assert client.get(LIST_URL, {"tenant__id__exact": value}).status_code in (200, 302)


def test_one_zone_for_every_business_lets_the_operator_drill_down(client, superuser, rome):
    other_rome = _restaurant("Osteria Roma", "Europe/Rome")
    AppointmentFactory(tenant=other_rome, starts_at=datetime(2026, 12, 3, 23, 30, tzinfo=UTC))  # 00:30 on the 4th
    _login(client, superuser, "en")
    response = client.get(LIST_URL + "?starts_at__year=2026&starts_at__month=12&starts_at__day=4")
    assert response.context["cl"].date_hierarchy == "starts_at"
    assert len(response.context["cl"].result_list) == 1


def test_times_zone_is_not_left_behind_after_a_page(client, superuser, bookings):
    from django.utils import timezone

    _login(client, superuser, "en").get(reverse("admin:bookings_appointment_change", args=[bookings["rome"].pk]))
    assert timezone.get_current_timezone() == ZoneInfo("UTC")
