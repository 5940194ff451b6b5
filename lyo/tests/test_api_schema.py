"""The OpenAPI schema and the Swagger UI are for staff, unless API_SCHEMA_PUBLIC is on."""

import pytest

from tenants.api_tokens import api_token_create
from tenants.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SCHEMA_PAGES = ["/api/schema", "/api/schema/", "/api/docs", "/api/docs/"]


@pytest.mark.parametrize("path", SCHEMA_PAGES)
def test_anonymous_visitors_cannot_read_the_api_schema(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert b"/api/appointments" not in response.content


@pytest.mark.parametrize("path", SCHEMA_PAGES)
def test_logged_in_users_who_are_not_staff_cannot_read_the_api_schema(client, path):
    client.force_login(UserFactory(is_staff=False))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", SCHEMA_PAGES)
def test_staff_read_the_api_schema_with_their_session(client, path):
    client.force_login(MembershipFactory().user)
    assert client.get(path).status_code == 200


def test_staff_read_the_api_schema_with_their_token(client):
    issued = api_token_create(user=MembershipFactory().user)
    response = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {issued.token}")
    assert response.status_code == 200
    assert "/api/appointments" in response.content.decode()


@pytest.mark.parametrize("path", SCHEMA_PAGES)
def test_api_schema_public_lets_anyone_read_it(client, settings, path):
    settings.API_SCHEMA_PUBLIC = True
    assert client.get(path).status_code == 200
