"""Staff set their own tenant's reminders and templates in the admin, and nobody else's."""

import pytest
from django.urls import reverse

from reminders.models import MessageTemplate, ReminderSettings
from reminders.tests.conftest import reminder_settings, reminder_template
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

SETTINGS_ADD = reverse("admin:reminders_remindersettings_add")
SETTINGS_LIST = reverse("admin:reminders_remindersettings_changelist")
TEMPLATE_ADD = reverse("admin:reminders_messagetemplate_add")
TEMPLATE_LIST = reverse("admin:reminders_messagetemplate_changelist")


@pytest.fixture
def mine(db):
    return TenantFactory(name="Mine")


@pytest.fixture
def theirs(db):
    return TenantFactory(name="Theirs")


@pytest.fixture
def staff(client, mine):
    client.force_login(MembershipFactory(tenant=mine).user)
    return client


def _settings_form(tenant, **overrides):
    data = {
        "tenant": tenant.pk, "reminders_enabled": "on", "hours_before": 24, "second_hours_before": "",
        "quiet_hours_start": "", "quiet_hours_end": "", "notify_staff_changes": "on",
    }
    data.update(overrides)
    return data


def test_staff_set_reminders_for_their_tenant(staff, mine):
    response = staff.post(SETTINGS_ADD, _settings_form(
        mine, second_hours_before=2, quiet_hours_start="22:00", quiet_hours_end="08:00"
    ))
    assert response.status_code == 302, response.context["adminform"].form.errors
    settings = ReminderSettings.objects.get(tenant=mine)
    assert (settings.hours_before, settings.second_hours_before) == (24, 2)
    assert (f"{settings.quiet_hours_start:%H:%M}", f"{settings.quiet_hours_end:%H:%M}") == ("22:00", "08:00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"second_hours_before": 24}, "second_hours_before"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end"),
        ({"quiet_hours_start": "22:00", "quiet_hours_end": "22:00"}, "quiet_hours_end"),
        ({"hours_before": 0}, "hours_before"),
    ],
)
def test_settings_that_make_no_sense_are_refused(staff, mine, overrides, field):
    response = staff.post(SETTINGS_ADD, _settings_form(mine, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not ReminderSettings.objects.exists()


def test_staff_cannot_see_or_set_another_tenants_reminders(staff, mine, theirs):
    other = reminder_settings(theirs, hours_before=48)
    assert staff.get(SETTINGS_LIST).context["cl"].result_count == 0
    assert staff.get(reverse("admin:reminders_remindersettings_change", args=[other.pk])).status_code == 404
    response = staff.post(SETTINGS_ADD, _settings_form(theirs, hours_before=1))
    assert response.status_code == 200  # the other tenant is not a valid choice
    assert "tenant" in response.context["adminform"].form.errors
    other.refresh_from_db()
    assert other.hours_before == 48 and ReminderSettings.objects.count() == 1


def test_staff_name_their_approved_templates(staff, mine):
    response = staff.post(TEMPLATE_ADD, {
        "tenant": mine.pk, "purpose": "reminder", "name": "promemoria_prenotazione", "language": "it",
        "parameters": "customer_name, date, time", "confirm_cancel_buttons": "on",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    template = MessageTemplate.objects.get(tenant=mine)
    assert (template.parameter_names, template.confirm_cancel_buttons) == (["customer_name", "date", "time"], True)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Promemoria Prenotazione"), ("language", "italiano"), ("parameters", "name,date")],
)
def test_a_template_that_meta_would_refuse_is_refused_here(staff, mine, field, value):
    data = {"tenant": mine.pk, "purpose": "reminder", "name": "promemoria", "language": "it", "parameters": ""}
    response = staff.post(TEMPLATE_ADD, {**data, field: value})
    assert field in response.context["adminform"].form.errors
    assert not MessageTemplate.objects.exists()


def test_staff_cannot_see_another_tenants_templates(staff, mine, theirs):
    other = reminder_template(theirs)
    reminder_template(mine, name="mine")
    assert [t.name for t in staff.get(TEMPLATE_LIST).context["cl"].result_list] == ["mine"]
    assert staff.get(reverse("admin:reminders_messagetemplate_change", args=[other.pk])).status_code == 404


@pytest.mark.parametrize(("purpose", "category", "saved"), [
    ("review_request", "", "marketing"), ("reminder", "", "utility"), ("no_show_follow_up", "marketing", "marketing"),
])
def test_staff_set_a_template_s_category_or_leave_it_to_its_purpose(staff, mine, purpose, category, saved):
    response = staff.post(TEMPLATE_ADD, {
        "tenant": mine.pk, "purpose": purpose, "name": "modello", "language": "it", "parameters": "",
        "category": category,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert MessageTemplate.objects.get(tenant=mine).category == saved
    assert staff.get(TEMPLATE_LIST, {"category": saved}).context["cl"].result_count == 1
