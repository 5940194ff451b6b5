"""The calendar feeds settings page: staff create and rotate addresses for their own business only."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from bookings.models import Resource
from bookings.tests.factories import ResourceFactory
from feeds.models import CalendarFeed
from feeds.tests.factories import CalendarFeedFactory
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = reverse("admin:backoffice_settings_section", args=["feeds"])
ENGLISH = {settings.LANGUAGE_COOKIE_NAME: "en"}


@pytest.fixture
def staff_en(client, restaurant):
    client.force_login(MembershipFactory(tenant=restaurant).user)
    client.cookies.load(ENGLISH)
    return client


@override_settings(LYO_PUBLIC_URL="https://lyo.example.com")
def test_the_page_lists_the_business_and_each_table_with_its_address(staff_en, restaurant, frozen_now):
    table = Resource.objects.get(tenant=restaurant, name="Trattoria Uno T4")
    feed = CalendarFeedFactory(tenant=restaurant, resource=table)
    Resource.objects.filter(tenant=restaurant, name="Trattoria Uno T6").update(is_active=False)

    page = staff_en.get(URL).content.decode()

    assert "Trattoria Uno T2" in page and "Trattoria Uno T4" in page
    assert "Trattoria Uno T6" not in page
    assert f'value="https://lyo.example.com/feeds/{feed.token}.ics"' in page
    assert 'id="feed-business-submit">Create the address<' in page
    assert f'id="feed-{table.pk}-submit">New address<' in page


@override_settings(LYO_PUBLIC_URL="")
def test_without_a_public_url_the_address_is_the_one_the_page_was_opened_at(staff_en, restaurant):
    feed = CalendarFeedFactory(tenant=restaurant)

    assert f'value="http://testserver/feeds/{feed.token}.ics"' in staff_en.get(URL).content.decode()


def test_staff_create_the_business_address_then_rotate_it(staff_en, restaurant, frozen_now):
    response = staff_en.post(URL, {"resource": ""})

    assert response.status_code == 302
    feed = CalendarFeed.objects.get(tenant=restaurant)
    assert (feed.scope, feed.resource, feed.created_at, feed.rotated_at) == (
        CalendarFeed.Scope.BUSINESS, None, frozen_now, None)
    first_token = feed.token

    staff_en.post(URL, {"resource": ""})

    feed.refresh_from_db()
    assert feed.token != first_token
    assert feed.rotated_at == frozen_now
    assert CalendarFeed.objects.filter(tenant=restaurant).count() == 1
    assert staff_en.get(reverse("calendar_feed", args=[first_token])).status_code == 404
    assert staff_en.get(reverse("calendar_feed", args=[feed.token])).status_code == 200


def test_staff_create_a_tables_address(staff_en, restaurant):
    table = Resource.objects.get(tenant=restaurant, name="Trattoria Uno T2")

    staff_en.post(URL, {"resource": str(table.pk)})

    feed = CalendarFeed.objects.get(tenant=restaurant)
    assert (feed.scope, feed.resource) == (CalendarFeed.Scope.RESOURCE, table)


def test_another_tenants_table_posted_by_id_is_a_404_and_gets_no_feed(staff_en, other_restaurant):
    theirs = Resource.objects.filter(tenant=other_restaurant).first()

    assert staff_en.post(URL, {"resource": str(theirs.pk)}).status_code == 404
    assert staff_en.post(URL, {"resource": "abc"}).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_another_tenants_feeds_are_not_listed(staff_en, other_restaurant):
    theirs = CalendarFeedFactory(tenant=other_restaurant)
    ResourceFactory(tenant=other_restaurant, name="Loro")

    page = staff_en.get(URL).content.decode()

    assert theirs.token not in page
    assert "Loro" not in page


def test_someone_not_logged_in_cannot_create_an_address(client, restaurant):
    response = client.post(URL, {"resource": ""})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not CalendarFeed.objects.exists()
