"""Connect WhatsApp in the owner's settings: the page, its own Content-Security-Policy, the finish endpoint, who may."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tenants.models import Tenant, TenantMembership
from tenants.tests.factories import MembershipFactory
from whatsapp.tests.fake_signup_graph import (
    BUSINESS_TOKEN,
    CODE,
    CONFIG_ID,
    DISPLAY_PHONE_NUMBER,
    PHONE_NUMBER_ID,
    WABA_ID,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

ENGLISH = {settings.LANGUAGE_COOKIE_NAME: "en"}
PAGE = "admin:backoffice_whatsapp_connect"
FINISH = "admin:backoffice_whatsapp_connect_finish"


def _log_in(client, tenant: Tenant, role: str = TenantMembership.Role.OWNER):
    client.force_login(MembershipFactory(tenant=tenant, role=role).user)
    client.cookies.load(ENGLISH)
    return client


def _policy(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _finish(client, **fields: str):
    data = {
        "code": CODE,
        "waba_id": WABA_ID,
        "phone_number_id": PHONE_NUMBER_ID,
        "flavour": "new_number",
        "pin": "246810",
        **fields,
    }
    return client.post(reverse(FINISH), data)


def test_the_page_loads_meta_sdk_and_only_it_may(client, restaurant, signup_graph):
    _log_in(client, restaurant)
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'src="{settings.META_SDK_URL}"' in page
    assert f'data-config-id="{CONFIG_ID}"' in page
    assert 'id="lyo-connect-coexistence"' in page and 'id="lyo-connect-new"' in page
    policy = _policy(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "https://connect.facebook.net"]
    assert "https://www.facebook.com" in policy["frame-src"]
    # The login popup must be able to answer the page.
    assert response["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
    # Every other page keeps the strict policy.
    other = client.get(reverse("admin:backoffice_settings_section", args=["channels"]))
    assert _policy(other["Content-Security-Policy"])["script-src"] == ["'self'"]
    assert "frame-src" not in _policy(other["Content-Security-Policy"])
    assert other["Cross-Origin-Opener-Policy"] == "same-origin"
    assert reverse(PAGE) in other.content.decode()  # the owner's way there


def test_without_the_meta_app_the_page_loads_no_sdk_and_says_who_connects(client, restaurant, settings):
    settings.META_APP_ID = ""
    _log_in(client, restaurant)
    page = client.get(reverse(PAGE)).content.decode()
    assert "connect.facebook.net" not in page
    assert 'id="lyo-connect-unavailable"' in page
    answer = _finish(client)
    assert answer.status_code == 503
    assert answer.json()["connected"] is False


def test_the_owner_connects_a_number(client, restaurant, signup_graph):
    _log_in(client, restaurant)
    response = _finish(client)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "connected": True,
        "message": f"Connected: {DISPLAY_PHONE_NUMBER} now answers on Lyo.",
        "display_phone_number": DISPLAY_PHONE_NUMBER,
        "verified_name": "Trattoria Uno",
        "coexistence": False,
    }
    stored = Tenant.objects.get(pk=restaurant.pk)
    assert (stored.whatsapp_phone_number_id, stored.whatsapp_access_token) == (PHONE_NUMBER_ID, BUSINESS_TOKEN)


def test_the_owner_connects_a_number_that_stays_in_the_app(client, restaurant, signup_graph):
    _log_in(client, restaurant)
    response = _finish(client, flavour="coexistence", pin="")
    assert response.json()["coexistence"] is True
    assert "stays in your WhatsApp Business app" in response.json()["message"]
    assert Tenant.objects.get(pk=restaurant.pk).whatsapp_coexistence is True


def test_a_refused_step_is_explained_and_nothing_changes(client, restaurant, signup_graph):
    before = Tenant.objects.get(pk=restaurant.pk).whatsapp_access_token
    signup_graph.fail.add("register")
    _log_in(client, restaurant)
    response = _finish(client)
    assert response.status_code == 400
    assert response.json() == {
        "connected": False,
        "step": "register",
        "message": "Meta refused to register the number (check the PIN). Nothing was changed.",
    }
    assert Tenant.objects.get(pk=restaurant.pk).whatsapp_access_token == before


def test_a_short_pin_is_refused_before_meta_is_called(client, restaurant, signup_graph):
    _log_in(client, restaurant)
    response = _finish(client, pin="123")
    assert response.status_code == 400
    assert response.json()["step"] == "check"
    assert signup_graph.requests == []


def test_staff_who_are_not_the_owner_get_a_403(client, restaurant, signup_graph):
    _log_in(client, restaurant, role=TenantMembership.Role.STAFF)
    before = Tenant.objects.get(pk=restaurant.pk).whatsapp_phone_number_id
    assert client.get(reverse(PAGE)).status_code == 403
    assert _finish(client).status_code == 403
    assert signup_graph.requests == []
    assert Tenant.objects.get(pk=restaurant.pk).whatsapp_phone_number_id == before
    # Nor is the way there shown to them.
    channels = client.get(reverse("admin:backoffice_settings_section", args=["channels"])).content.decode()
    assert reverse(PAGE) not in channels


def test_an_owner_cannot_connect_another_business_number(client, restaurant, other_restaurant, signup_graph):
    _log_in(client, restaurant)
    before = Tenant.objects.get(pk=other_restaurant.pk).whatsapp_phone_number_id
    assert client.get(reverse(PAGE), {"tenant": other_restaurant.slug}).status_code == 404
    assert _finish(client, tenant=other_restaurant.slug).status_code == 404
    assert signup_graph.requests == []
    assert Tenant.objects.get(pk=other_restaurant.pk).whatsapp_phone_number_id == before


def test_an_owner_who_is_only_staff_of_another_business_gets_a_403_there(
    client,
    restaurant,
    other_restaurant,
    signup_graph,
):
    user = MembershipFactory(tenant=restaurant, role=TenantMembership.Role.OWNER).user
    MembershipFactory(tenant=other_restaurant, user=user, role=TenantMembership.Role.STAFF)
    client.force_login(user)
    assert _finish(client, tenant=other_restaurant.slug).status_code == 403
    assert signup_graph.requests == []


def test_a_number_another_business_has_is_refused_with_a_409(client, restaurant, other_restaurant, signup_graph):
    Tenant.objects.filter(pk=other_restaurant.pk).update(whatsapp_phone_number_id=PHONE_NUMBER_ID)
    _log_in(client, restaurant)
    response = _finish(client)
    assert response.status_code == 409
    assert "another business" in response.json()["message"]
    assert Tenant.objects.get(pk=other_restaurant.pk).whatsapp_phone_number_id == PHONE_NUMBER_ID


def test_the_finish_endpoint_needs_the_csrf_token(restaurant, signup_graph):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    _log_in(client, restaurant)
    assert _finish(client).status_code == 403
    assert signup_graph.requests == []


def test_the_page_reads_in_italian(client, restaurant, signup_graph):
    client.force_login(MembershipFactory(tenant=restaurant, role=TenantMembership.Role.OWNER).user)
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "it"})
    assert client.get(reverse(PAGE)).status_code == 200
