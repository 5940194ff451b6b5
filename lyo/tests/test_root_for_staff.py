"""`/` and the admin's "View site": staff land on their home, machines still get the JSON."""

import pytest

from tenants.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_logged_in_staff_browser_goes_to_the_staff_home(client):
    client.force_login(MembershipFactory().user)
    response = client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize("accept", ["application/json", "application/json, text/plain, */*"])
def test_an_api_client_gets_the_json_even_when_logged_in(client, accept):
    client.force_login(MembershipFactory().user)
    response = client.get("/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response.json()["name"] == "Lyo"


@pytest.mark.parametrize("accept", [BROWSER_ACCEPT, "application/json", None])
def test_anonymous_visitors_get_the_json(client, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get("/", **headers)
    assert response.status_code == 200
    assert response.json()["links"]["admin"] == "http://testserver/admin/"


def test_a_logged_in_user_who_is_not_staff_gets_the_json(client):
    client.force_login(UserFactory(is_staff=False))
    response = client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response.json()["name"] == "Lyo"


def test_view_site_in_the_admin_leads_to_the_staff_home(client):
    client.cookies["django_language"] = "en"
    client.force_login(MembershipFactory().user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert str(response.context["site_url"]) == "/admin/"
    assert '<a href="/admin/">View site</a>' in response.content.decode()
