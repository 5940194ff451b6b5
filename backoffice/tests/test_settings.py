"""The owner's settings pages: each section read and saved, refused input, and tenancy."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.conf import settings
from django.urls import reverse

from backoffice.tests.conftest import ROME
from bookings.models import Closure, OpeningHours, Resource, Service
from bookings.tests.factories import ClosureFactory, ResourceFactory, ServiceFactory
from reminders.models import ReminderSettings
from tenants.models import AuditEvent, Tenant, TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ENGLISH = {settings.LANGUAGE_COOKIE_NAME: "en"}


def _url(section: str | None = None) -> str:
    if section is None:
        return reverse("admin:backoffice_settings")
    return reverse("admin:backoffice_settings_section", args=[section])


@pytest.fixture
def owner(client, restaurant):
    """A logged-in owner of ``restaurant``, reading English."""
    client.force_login(MembershipFactory(tenant=restaurant, role=TenantMembership.Role.OWNER).user)
    client.cookies.load(ENGLISH)
    return client


def _week(tenant: Tenant) -> list[tuple[int, str, str, str | None]]:
    return [
        (row.weekday, f"{row.opens:%H:%M}", f"{row.closes:%H:%M}", row.last_start and f"{row.last_start:%H:%M}")
        for row in OpeningHours.objects.filter(tenant=tenant).order_by("weekday", "opens")
    ]


def _hours_post(week: dict[int, list[tuple[str, str]]], closed: set[int] = frozenset(), **extra: str) -> dict:
    data: dict[str, str] = {}
    for day in range(7):
        if day in closed:
            data[f"d{day}_closed"] = "on"
        for index, (opens, closes) in enumerate(week.get(day, [])):
            data[f"d{day}_{index}_opens"] = opens
            data[f"d{day}_{index}_closes"] = closes
    return {**data, **extra}


# --- The index --------------------------------------------------------------------------


def test_the_settings_index_lists_every_section_with_what_it_is_for(owner, restaurant):
    page = owner.get(_url()).content.decode()
    for section in ("business", "hours", "closures", "resources", "services", "booking", "reminders", "channels",
                    "feeds"):
        assert f'href="{_url(section)}"' in page
    assert "Your tables and how many guests each one seats." in page
    assert 'id="lyo-settings-advanced"' in page


def test_an_unknown_section_is_a_404(owner):
    assert owner.get(_url("nonsense")).status_code == 404


# --- Business and booking rules ------------------------------------------------------------


def test_the_business_section_saves_name_address_and_language(owner, restaurant):
    version = Tenant.objects.get(pk=restaurant.pk).config_version
    response = owner.post(_url("business"), {
        "name": "Trattoria Nuova", "address": "Via Roma 1", "contact_phone": "+39 06 1234567",
        "language": "en", "timezone": "Europe/London",
    })
    assert response.status_code == 302
    restaurant.refresh_from_db()
    assert (restaurant.name, restaurant.address, restaurant.contact_phone, restaurant.language,
            restaurant.timezone) == ("Trattoria Nuova", "Via Roma 1", "+39 06 1234567", "en", "Europe/London")
    assert restaurant.config_version == version + 1


def test_the_business_section_ignores_what_wires_the_tenant_to_meta(owner, restaurant):
    stored = Tenant.objects.get(pk=restaurant.pk)
    owner.post(_url("business"), {
        "name": "Trattoria Uno", "language": "it", "timezone": "Europe/Rome", "slug": "mine",
        "whatsapp_phone_number_id": "999", "kind": "salon", "is_active": "",
    })
    after = Tenant.objects.get(pk=restaurant.pk)
    assert (after.slug, after.whatsapp_phone_number_id, after.kind, after.is_active) == (
        stored.slug, stored.whatsapp_phone_number_id, "restaurant", True
    )


def test_a_wrong_time_zone_is_refused_and_nothing_changes(owner, restaurant):
    response = owner.post(_url("business"), {"name": "X", "language": "it", "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "is not an IANA time zone name" in response.content.decode()
    restaurant.refresh_from_db()
    assert (restaurant.name, restaurant.timezone) == ("Trattoria Uno", "Europe/Rome")


def test_the_booking_rules_section_saves_the_rules(owner, restaurant):
    data = {
        "slot_minutes": "30", "min_notice_minutes": "60", "max_days_ahead": "30", "default_duration_minutes": "120",
        "cancellation_cutoff_hours": "4", "pacing_max_covers": "20", "conversation_timeout_minutes": "15",
        "max_active_bookings_per_customer": "2", "max_bookings_per_customer_per_day": "1",
        "reply_limit_per_minute": "5", "reply_limit_per_hour": "40", "owner_app_silence_minutes": "45",
        "waitlist_hold_minutes": "15", "approval_party_size": "8", "approval_hold_hours": "3",
    }
    assert owner.post(_url("booking"), data).status_code == 302
    restaurant.refresh_from_db()
    assert {name: str(getattr(restaurant, name)) for name in data} == data


# --- Opening hours -----------------------------------------------------------------------------


def test_the_hours_page_shows_hh_mm_time_inputs(owner, restaurant):
    page = owner.get(_url("hours")).content.decode()
    assert 'type="time"' in page
    assert 'name="d0_0_opens" value="12:00"' in page and 'name="d0_1_closes" value="23:00"' in page
    assert "12:00:00" not in page


def test_saving_the_week_replaces_the_hours_exactly(owner, restaurant):
    version = Tenant.objects.get(pk=restaurant.pk).config_version
    week = {day: [("12:30", "14:30"), ("19:30", "23:30")] for day in range(6)}
    response = owner.post(_url("hours"), _hours_post(week, closed={6}, d5_1_last="22:30", save="1"))
    assert response.status_code == 302
    assert _week(restaurant) == [
        row for day in range(6) for row in [(day, "12:30", "14:30", None),
                                            (day, "19:30", "23:30", "22:30" if day == 5 else None)]
    ]
    assert Tenant.objects.get(pk=restaurant.pk).config_version > version


def test_same_hours_every_day_copies_monday_then_save_keeps_them(owner, restaurant):
    week = {0: [("09:00", "13:00"), ("15:00", "19:00")], 3: [("10:00", "11:00")]}
    response = owner.post(_url("hours"), _hours_post(week, closed={6}, apply_all="1"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Monday&#x27;s hours are now on every day" in page or "Monday's hours are now on every day" in page
    for day in range(7):
        assert f'name="d{day}_0_opens" value="09:00"' in page
        assert f'name="d{day}_1_closes" value="19:00"' in page
    assert 'name="d6_closed" id="id_d6_closed" checked' not in page
    # Nothing is saved until "Save".
    assert _week(restaurant)[0] == (0, "12:00", "15:00", None)
    # What the page now holds, saved.
    assert owner.post(_url("hours"), _hours_post({day: week[0] for day in range(7)}, save="1")).status_code == 302
    assert _week(restaurant) == [row for day in range(7) for row in [(day, "09:00", "13:00", None),
                                                                     (day, "15:00", "19:00", None)]]


def test_copy_a_day_to_chosen_days(owner, restaurant):
    week = {day: [("12:00", "15:00"), ("19:00", "23:00")] for day in range(7)}
    week[2] = [("18:00", "22:00")]
    data = _hours_post(week, copy="1", **{"copy-copy_from": "2"})
    response = owner.post(_url("hours"), {**data, "copy-copy_to": ["4", "5"]})
    page = response.content.decode()
    assert response.status_code == 200
    for day in (2, 4, 5):
        assert f'name="d{day}_0_opens" value="18:00"' in page
    for day in (4, 5):
        assert f'name="d{day}_1_opens" value=""' in page  # day 2 has one range: the second is emptied
    assert 'name="d3_0_opens" value="12:00"' in page


def test_copying_a_closed_day_closes_the_chosen_days(owner, restaurant):
    week = {day: [("12:00", "15:00")] for day in range(6)}
    data = _hours_post(week, closed={6}, copy="1", **{"copy-copy_from": "6"})
    page = owner.post(_url("hours"), {**data, "copy-copy_to": ["0"]}).content.decode()
    assert 'name="d0_closed" id="id_d0_closed" checked' in page
    assert 'name="d1_closed" id="id_d1_closed" checked' not in page


def test_copying_from_a_day_that_does_not_exist_is_a_400(owner, restaurant):
    before = _week(restaurant)
    response = owner.post(_url("hours"), {**_hours_post({}, copy="1"), "copy-copy_from": "9", "copy-copy_to": "1"})
    assert response.status_code == 400
    assert _week(restaurant) == before


@pytest.mark.parametrize(("ranges", "message"), [
    ([("15:00", "12:00")], "the closing time must be after the opening time"),
    ([("12:00", "12:00")], "the closing time must differ from the opening time"),
    ([("12:00", "16:00"), ("15:00", "23:00")], "The opening ranges of one day must not overlap."),
    ([("12:00", "")], "Give both the opening and the closing time."),
])
def test_invalid_ranges_are_refused_with_a_message_and_nothing_changes(owner, restaurant, ranges, message):
    before = _week(restaurant)
    response = owner.post(_url("hours"), _hours_post({1: ranges}, save="1"))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="lyo-day-1-errors"' in response.content.decode()
    assert _week(restaurant) == before


def test_a_range_after_midnight_is_kept(owner, restaurant):
    response = owner.post(_url("hours"), _hours_post({4: [("19:00", "01:00")]}, save="1"))
    assert response.status_code == 302
    assert _week(restaurant) == [(4, "19:00", "01:00", None)]


def test_hours_errors_read_in_italian(client, restaurant):
    client.force_login(MembershipFactory(tenant=restaurant, role=TenantMembership.Role.OWNER).user)
    response = client.post(_url("hours"), _hours_post({1: [("12:00", "16:00"), ("15:00", "23:00")]}, save="1"))
    assert "Le fasce orarie di un giorno non possono sovrapporsi." in response.content.decode()


# --- Closures ------------------------------------------------------------------------------------


def test_a_closure_is_added_for_whole_days_in_the_business_zone(owner, restaurant):
    response = owner.post(_url("closures"), {"first_day": "2026-12-24", "last_day": "2026-12-26", "reason": "Natale"})
    assert response.status_code == 302
    closure = Closure.objects.get(tenant=restaurant)
    assert (closure.starts_at, closure.ends_at, closure.reason) == (
        datetime(2026, 12, 24, tzinfo=ROME), datetime(2026, 12, 27, tzinfo=ROME), "Natale"
    )
    page = owner.get(_url("closures")).content.decode()
    assert "<span>24 Dec 2026 – 26 Dec 2026 Natale</span>" in page
    assert 'type="date"' in page


def test_a_closure_of_one_day_needs_only_its_first_day(owner, restaurant):
    owner.post(_url("closures"), {"first_day": "2026-12-08"})
    closure = Closure.objects.get(tenant=restaurant)
    assert (closure.starts_at, closure.ends_at) == (
        datetime(2026, 12, 8, tzinfo=ROME), datetime(2026, 12, 9, tzinfo=ROME)
    )


def test_a_closure_ending_before_it_starts_is_refused(owner, restaurant):
    response = owner.post(_url("closures"), {"first_day": "2026-12-24", "last_day": "2026-12-20"})
    assert response.status_code == 400
    assert "The last day of the closure cannot be before its first day." in response.content.decode()
    assert not Closure.objects.filter(tenant=restaurant).exists()


def test_a_closure_with_times_is_listed_with_them_in_the_business_zone(owner, restaurant):
    ClosureFactory(tenant=restaurant, starts_at=datetime(2026, 12, 31, 18, tzinfo=ROME),
                   ends_at=datetime(2027, 1, 1, 12, tzinfo=ROME), reason="Capodanno")
    assert "<span>31 Dec 2026 18:00 → 1 Jan 2027 12:00 Capodanno</span>" in owner.get(_url("closures")).content.decode()


def test_a_closure_is_deleted(owner, restaurant):
    closure = ClosureFactory(tenant=restaurant)
    response = owner.post(reverse("admin:backoffice_settings_closure_delete", args=[closure.pk]))
    assert response.status_code == 302
    assert not Closure.objects.filter(pk=closure.pk).exists()


def test_another_tenants_closure_is_a_404_and_stays(owner, other_restaurant):
    closure = ClosureFactory(tenant=other_restaurant)
    response = owner.post(reverse("admin:backoffice_settings_closure_delete", args=[closure.pk]))
    assert response.status_code == 404
    assert Closure.objects.filter(pk=closure.pk).exists()


# --- Tables, staff, services -----------------------------------------------------------------------


def _rows_post(rows: list[dict[str, str]], initial: int) -> dict[str, str]:
    data = {"rows-TOTAL_FORMS": str(len(rows)), "rows-INITIAL_FORMS": str(initial),
            "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        data.update({f"rows-{index}-{name}": value for name, value in row.items()})
    return data


def test_tables_are_renamed_and_added(owner, restaurant):
    tables = list(Resource.objects.filter(tenant=restaurant).order_by("position"))
    rows = [{"id": str(t.pk), "name": t.name, "min_seats": "1", "max_seats": str(t.max_seats), "is_active": "on",
             "position": str(i)} for i, t in enumerate(tables)]
    rows[0]["name"] = "Finestra"
    rows.append({"name": "Terrazza", "min_seats": "4", "max_seats": "8", "is_active": "on", "position": "9"})
    response = owner.post(_url("resources"), _rows_post(rows, initial=3))
    assert response.status_code == 302
    assert list(Resource.objects.filter(tenant=restaurant).order_by("position").values_list(
        "name", "kind", "min_seats", "max_seats")) == [
        ("Finestra", "table", 1, 2), ("Trattoria Uno T4", "table", 1, 4), ("Trattoria Uno T6", "table", 1, 6),
        ("Terrazza", "table", 4, 8),
    ]


def test_a_table_name_used_twice_is_refused(owner, restaurant):
    rows = [{"name": "Trattoria Uno T2", "min_seats": "1", "max_seats": "2", "is_active": "on", "position": "0"}]
    data = _rows_post(rows, initial=0)
    response = owner.post(_url("resources"), data)
    assert response.status_code == 400
    assert "You already have one with this name." in response.content.decode()
    assert Resource.objects.filter(tenant=restaurant).count() == 3


def test_a_salon_lists_its_staff_with_the_services_they_do(client):
    salon = TenantFactory(kind="salon", language="en")
    cut = ServiceFactory(tenant=salon, name_it="Taglio", name_en="Haircut")
    ServiceFactory(name_it="Altrove")  # another salon's
    client.force_login(MembershipFactory(tenant=salon, role=TenantMembership.Role.OWNER).user)
    client.cookies.load(ENGLISH)
    page = client.get(_url("resources")).content.decode()
    assert "New staff member" in page and "Taglio" in page and "Altrove" not in page
    response = client.post(_url("resources"), _rows_post(
        [{"name": "Giulia", "services": str(cut.pk), "is_active": "on", "position": "0"}], initial=0,
    ))
    assert response.status_code == 302
    giulia = Resource.objects.get(tenant=salon)
    assert (giulia.name, giulia.kind, list(giulia.services.all())) == ("Giulia", "staff", [cut])


def test_a_staff_member_cannot_be_given_another_salons_service(client):
    salon = TenantFactory(kind="salon", language="en")
    theirs = ServiceFactory(name_it="Altrove")
    client.force_login(MembershipFactory(tenant=salon, role=TenantMembership.Role.OWNER).user)
    response = client.post(_url("resources"), _rows_post(
        [{"name": "Giulia", "services": str(theirs.pk), "is_active": "on", "position": "0"}], initial=0,
    ))
    assert response.status_code == 400
    assert not Resource.objects.filter(tenant=salon).exists()
    assert list(theirs.resources.all()) == []


def test_services_are_added_and_changed(owner, restaurant):
    service = ServiceFactory(tenant=restaurant, name_it="Degustazione", name_en="Tasting", duration_minutes=120)
    rows = [
        {"id": str(service.pk), "name_it": "Degustazione", "name_en": "Tasting menu", "duration_minutes": "150",
         "buffer_minutes": "0", "price": "60.00", "is_active": "on", "position": "0"},
        {"name_it": "Aperitivo", "name_en": "Aperitif", "duration_minutes": "60", "buffer_minutes": "10",
         "price": "", "position": "1", "is_active": "on"},
    ]
    assert owner.post(_url("services"), _rows_post(rows, initial=1)).status_code == 302
    assert list(Service.objects.filter(tenant=restaurant).order_by("position").values_list(
        "name_it", "name_en", "duration_minutes", "buffer_minutes", "price")) == [
        ("Degustazione", "Tasting menu", 150, 0, 60), ("Aperitivo", "Aperitif", 60, 10, None),
    ]


def test_another_tenants_row_posted_by_id_is_not_touched(owner, restaurant, other_restaurant):
    theirs = ResourceFactory(tenant=other_restaurant, name="Loro", max_seats=4)
    rows = [{"id": str(theirs.pk), "name": "Preso", "min_seats": "1", "max_seats": "2", "is_active": "on",
             "position": "0"}]
    owner.post(_url("resources"), _rows_post(rows, initial=1))
    theirs.refresh_from_db()
    assert (theirs.name, theirs.max_seats) == ("Loro", 4)
    assert not Resource.objects.filter(name="Preso").exists()


# --- Reminders -----------------------------------------------------------------------------------------


def test_the_reminders_section_saves_the_settings(owner, restaurant):
    response = owner.post(_url("reminders"), {
        "reminders_enabled": "on", "hours_before": "48", "second_hours_before": "3",
        "quiet_hours_start": "22:00", "quiet_hours_end": "08:00",
        "review_requests_enabled": "on", "review_delay_hours": "3", "review_link": "https://g.page/r/x/review",
        "review_every_days": "60", "no_show_follow_up_enabled": "on",
        "reconfirm_party_size": "8", "reconfirm_hours_before": "36", "reconfirm_deadline_hours": "6",
        "reconfirm_release": "on",
    })
    assert response.status_code == 302
    row = ReminderSettings.objects.get(tenant=restaurant)
    assert (row.reconfirm_party_size, row.reconfirm_hours_before, row.reconfirm_deadline_hours,
            row.reconfirm_release) == (8, 36, 6, True)
    assert (row.reminders_enabled, row.hours_before, row.second_hours_before, row.quiet_hours_start,
            row.quiet_hours_end, row.notify_staff_changes) == (True, 48, 3, time(22), time(8), False)
    assert (row.review_requests_enabled, row.review_delay_hours, row.review_link, row.review_every_days,
            row.rebook_nudges_enabled, row.no_show_follow_up_enabled) == (
        True, 3, "https://g.page/r/x/review", 60, False, True
    )


def test_a_reconfirmation_due_before_it_is_asked_is_refused(owner, restaurant):
    response = owner.post(_url("reminders"), {"reminders_enabled": "on", "hours_before": "24",
                                              "reconfirm_party_size": "6", "reconfirm_hours_before": "4",
                                              "reconfirm_deadline_hours": "5"})
    assert response.status_code == 400
    assert not ReminderSettings.objects.filter(tenant=restaurant).exists()


def test_a_second_reminder_before_the_first_is_refused(owner, restaurant):
    response = owner.post(_url("reminders"), {"reminders_enabled": "on", "hours_before": "2",
                                              "second_hours_before": "5", "reconfirm_hours_before": "24",
                                              "reconfirm_deadline_hours": "3"})
    assert response.status_code == 400
    assert "The second reminder comes later" in response.content.decode()
    assert not ReminderSettings.objects.filter(tenant=restaurant).exists()


# --- Channels and tokens --------------------------------------------------------------------------------


def test_tokens_are_never_shown_and_a_new_one_is_set_and_audited(owner, restaurant):
    stored = Tenant.objects.get(pk=restaurant.pk).whatsapp_access_token
    page = owner.get(_url("channels")).content.decode()
    assert stored not in page and 'type="password"' in page
    response = owner.post(_url("channels"), {"new_whatsapp_access_token": "EAAG-brand-new"})
    assert response.status_code == 302
    restaurant.refresh_from_db()
    assert restaurant.whatsapp_access_token == "EAAG-brand-new"
    assert list(AuditEvent.objects.filter(tenant=restaurant).values_list("action", "target")) == [
        ("token_set", "WhatsApp access token")
    ]
    assert "EAAG-brand-new" not in owner.get(_url("channels")).content.decode()


def test_a_token_is_removed(owner, restaurant):
    owner.post(_url("channels"), {"clear_instagram_access_token": "on"})
    assert list(AuditEvent.objects.filter(tenant=restaurant).values_list("action", "target")) == [
        ("token_cleared", "Instagram access token")
    ]


def test_plain_staff_cannot_change_a_token(client, restaurant):
    client.force_login(MembershipFactory(tenant=restaurant).user)
    stored = Tenant.objects.get(pk=restaurant.pk).whatsapp_access_token
    page = client.get(_url("channels")).content.decode()
    assert 'type="password"' not in page and stored not in page
    assert client.post(_url("channels"), {"new_whatsapp_access_token": "stolen"}).status_code == 404
    assert Tenant.objects.get(pk=restaurant.pk).whatsapp_access_token == stored
    assert not AuditEvent.objects.exists()


# --- Tenancy ---------------------------------------------------------------------------------------------


def test_another_tenant_by_slug_is_a_404_and_its_rows_stay(owner, other_restaurant):
    assert owner.get(f"{_url('hours')}?tenant={other_restaurant.slug}").status_code == 404
    response = owner.post(_url("business"), {"tenant": other_restaurant.slug, "name": "Mine now", "language": "it",
                                             "timezone": "Europe/Rome"})
    assert response.status_code == 404
    other_restaurant.refresh_from_db()
    assert other_restaurant.name == "Osteria Due"


def test_staff_of_one_tenant_edit_only_their_own(client, restaurant, other_restaurant):
    client.force_login(MembershipFactory(tenant=other_restaurant).user)
    before = _week(restaurant)
    assert client.post(_url("hours"), {"tenant": restaurant.slug, **_hours_post({}, save="1")}).status_code == 404
    assert _week(restaurant) == before


def test_a_superuser_picks_the_business_first_and_saves_that_one(client, restaurant, other_restaurant):
    client.force_login(UserFactory(is_superuser=True))
    page = client.get(_url("hours")).content.decode()
    assert f'href="{_url("hours")}?tenant={other_restaurant.slug}"' in page
    page = client.get(f"{_url('hours')}?tenant={other_restaurant.slug}").content.decode()
    assert f'<input type="hidden" name="tenant" value="{other_restaurant.slug}">' in page
    before = _week(restaurant)
    response = client.post(_url("hours"), {"tenant": other_restaurant.slug,
                                           **_hours_post({0: [("10:00", "12:00")]}, save="1")})
    assert response.status_code == 302
    assert response["Location"] == f"{_url('hours')}?tenant={other_restaurant.slug}"
    assert _week(other_restaurant) == [(0, "10:00", "12:00", None)]
    assert _week(restaurant) == before


# --- Advanced on the home page ---------------------------------------------------------------------------


def test_the_home_puts_technical_lists_under_advanced_for_owners(owner):
    page = owner.get(reverse("admin:index")).content.decode()
    advanced = page[page.index('class="app-lyo_advanced'):]
    main = page[:page.index('class="app-lyo_advanced')]
    assert "Message templates" in advanced or "message templates" in advanced.lower()
    assert reverse("admin:conversations_message_changelist") in advanced
    assert reverse("admin:conversations_message_changelist") not in main
    assert reverse("admin:bookings_appointment_changelist") in main
    assert _url() in page


def test_the_operator_keeps_djangos_list(client, restaurant):
    client.force_login(UserFactory(is_superuser=True))
    page = client.get(reverse("admin:index")).content.decode()
    assert "app-lyo_advanced" not in page




def test_the_full_tenant_form_points_owners_to_the_settings(owner, restaurant):
    page = owner.get(reverse("admin:tenants_tenant_change", args=[restaurant.pk])).content.decode()
    assert f'<a href="{_url()}">Go to the settings</a>' in page


def test_the_home_links_to_the_settings(owner):
    assert f'href="{_url()}" id="lyo-settings-link"' in owner.get(reverse("admin:index")).content.decode()
