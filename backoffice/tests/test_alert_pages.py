"""The staff alert pages: the home page's unseen alerts with "seen" and "all seen", and the alert settings."""

import re
from datetime import time

import pytest
from django.urls import reverse

from alerts.models import Alert, AlertDelivery, AlertPreference, AlertSettings
from alerts.services import alert_raise
from backoffice.tests.conftest import NOW
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory
from tenants.models import TenantMembership
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

HOME_URL = reverse("admin:index")
SETTINGS_URL = reverse("admin:alerts_settings")


def _section(html: str) -> str:
    match = re.search(r'id="lyo-alerts"(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def _alert(tenant, name: str, key: str) -> Alert:
    conversation = ConversationFactory(customer=CustomerFactory(tenant=tenant, display_name=name))
    alert = alert_raise(
        tenant=tenant, kind="needs_person", event_key=key, data={"reason": "requested"}, conversation=conversation
    )
    assert alert is not None
    return alert


@pytest.fixture
def member(restaurant):
    return MembershipFactory(tenant=restaurant, role=TenantMembership.Role.STAFF).user


@pytest.fixture
def owner(restaurant):
    return MembershipFactory(tenant=restaurant, role=TenantMembership.Role.OWNER).user


def test_the_home_lists_unseen_alerts_newest_first_with_links_and_seen_removes_one(client, restaurant, member):
    client.force_login(member)
    first = _alert(restaurant, "Giada", "a")
    second = _alert(restaurant, "Paolo", "b")
    Alert.objects.filter(pk=first.pk).update(created_at=NOW.replace(hour=9))

    section = _section(client.get(HOME_URL).content.decode())
    assert section.index("Paolo") < section.index("Giada")
    assert "Paolo aspetta una persona (il cliente ha chiesto una persona)." in section
    assert "Una conversazione aspetta una persona" in section
    assert reverse("admin:backoffice_conversation", args=[second.conversation_id]) in section
    # The business's wall clock: 09:00 in Rome.
    assert "Mar 1 09:00" in section

    response = client.post(reverse("admin:alerts_seen", args=[second.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#lyo-alerts")
    section = _section(client.get(HOME_URL).content.decode())
    assert "Paolo" not in section and "Giada" in section
    assert AlertDelivery.objects.get(alert=second, user=member).seen_at == NOW


def test_all_seen_clears_the_list_for_this_user_only(client, restaurant, member, owner):
    _alert(restaurant, "Giada", "a")
    _alert(restaurant, "Paolo", "b")
    client.force_login(member)
    assert client.post(reverse("admin:alerts_all_seen")).status_code == 302
    assert "Giada" not in _section(client.get(HOME_URL).content.decode())
    client.force_login(owner)
    section = _section(client.get(HOME_URL).content.decode())
    assert "Giada" in section and "Paolo" in section


def test_another_businesss_alert_is_a_404_and_stays_unseen(client, restaurant, other_restaurant, member):
    theirs_user = MembershipFactory(tenant=other_restaurant).user
    theirs = _alert(other_restaurant, "Estranea", "x")
    client.force_login(member)
    assert client.post(reverse("admin:alerts_seen", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("admin:alerts_seen", args=[999999])).status_code == 404
    assert AlertDelivery.objects.get(alert=theirs, user=theirs_user).seen_at is None
    assert "Estranea" not in client.get(HOME_URL).content.decode()


def test_seen_only_by_post(client, restaurant, member):
    alert = _alert(restaurant, "Giada", "a")
    client.force_login(member)
    assert client.get(reverse("admin:alerts_seen", args=[alert.pk])).status_code == 405


def _form(**overrides):
    data = {
        "email_needs_person": "on", "email_large_party": "on", "whatsapp_last_minute": "on",
        "phone": "347 111 2222", "email": "", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_staff_member_saves_their_own_preferences_and_cannot_set_the_thresholds(client, restaurant, member):
    client.force_login(member)
    page = client.get(SETTINGS_URL).content.decode()
    assert 'name="business-large_party_threshold"' not in page
    assert "id=\"lyo-alert-thresholds-readonly\"" in page

    response = client.post(SETTINGS_URL, _form(**{"business-large_party_threshold": "2"}))
    assert response.status_code == 302
    preference = AlertPreference.objects.get(tenant=restaurant, user=member)
    assert (preference.email_needs_person, preference.email_large_party, preference.email_last_minute) == (
        True, True, False
    )
    assert (preference.whatsapp_last_minute, preference.whatsapp_needs_person) == (True, False)
    assert preference.phone == "393471112222"
    assert (preference.quiet_hours_start, preference.quiet_hours_end) == (time(22), time(7))
    assert not AlertSettings.objects.filter(tenant=restaurant).exists()
    # Shown back as saved.
    page = client.get(SETTINGS_URL).content.decode()
    assert 'value="+393471112222"' in page and 'value="22:00"' in page


def test_an_owner_sets_the_thresholds(client, restaurant, owner):
    client.force_login(owner)
    response = client.post(SETTINGS_URL, _form(**{
        "business-large_party_threshold": "10", "business-last_minute_hours": "5",
    }))
    assert response.status_code == 302
    settings = AlertSettings.objects.get(tenant=restaurant)
    assert (settings.large_party_threshold, settings.last_minute_hours) == (10, 5)


def test_an_invalid_phone_or_half_quiet_hours_are_refused_and_nothing_is_saved(client, restaurant, member):
    client.force_login(member)
    response = client.post(SETTINGS_URL, _form(phone="12"))
    assert response.status_code == 400
    assert 'id="id_phone_error"' in response.content.decode()
    response = client.post(SETTINGS_URL, _form(quiet_hours_end=""))
    assert response.status_code == 400
    assert 'id="id_quiet_hours_end_error"' in response.content.decode()
    response = client.post(SETTINGS_URL, _form(quiet_hours_start="25:99"))
    assert response.status_code == 400
    assert not AlertPreference.objects.exists()


def test_whatsapp_without_a_number_is_refused(client, restaurant, member):
    client.force_login(member)
    response = client.post(SETTINGS_URL, _form(phone=""))
    assert response.status_code == 400
    assert not AlertPreference.objects.exists()


def test_the_page_says_whatsapp_alerts_are_skipped_without_an_approved_template(client, restaurant, member):
    client.force_login(member)
    page = client.get(SETTINGS_URL).content.decode()
    assert 'id="lyo-alert-template-missing"' in page


def test_another_business_cannot_be_chosen_on_the_settings_page(client, restaurant, other_restaurant, member):
    client.force_login(member)
    assert client.get(SETTINGS_URL, {"tenant": other_restaurant.slug}).status_code == 404
    assert client.post(SETTINGS_URL, {**_form(), "tenant": other_restaurant.slug}).status_code == 404
    assert not AlertPreference.objects.exists()


def test_a_member_of_two_businesses_marks_each_ones_alerts_only_with_that_business_chosen(
    client, restaurant, other_restaurant
):
    both = MembershipFactory(tenant=restaurant).user
    MembershipFactory(tenant=other_restaurant, user=both)
    theirs = _alert(other_restaurant, "Estranea", "x")
    client.force_login(both)
    seen_url = reverse("admin:alerts_seen", args=[theirs.pk])
    assert client.post(seen_url, {"tenant": restaurant.slug}).status_code == 404
    assert AlertDelivery.objects.get(alert=theirs).seen_at is None
    assert "Estranea" not in _section(client.get(HOME_URL, {"tenant": restaurant.slug}).content.decode())
    assert "Estranea" in _section(client.get(HOME_URL, {"tenant": other_restaurant.slug}).content.decode())
    response = client.post(seen_url, {"tenant": other_restaurant.slug})
    assert response.status_code == 302
    assert response["Location"] == f"{HOME_URL}?tenant={other_restaurant.slug}#lyo-alerts"
    assert AlertDelivery.objects.get(alert=theirs).seen_at == NOW
