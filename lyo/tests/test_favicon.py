"""The app has an icon: linked from every page of the admin frame, and /favicon.ico answers."""

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_icon_in_the_static_files(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("backoffice/favicon.ico")
    icon = finders.find("backoffice/favicon.ico")
    with open(icon, "rb") as file:
        assert file.read(4) == b"\x00\x00\x01\x00"  # an ICO file's header


def test_favicon_ico_refuses_post(client):
    assert client.post("/favicon.ico").status_code == 405


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_pages_link_the_svg_icon_and_the_ico(client, logged_in):
    if logged_in:
        client.force_login(MembershipFactory().user)
        html = client.get("/admin/").content.decode()
    else:
        html = client.get("/admin/login/").content.decode()
    assert f'<link rel="icon" href="{static("backoffice/favicon.svg")}" type="image/svg+xml">' in html
    assert f'<link rel="alternate icon" href="{static("backoffice/favicon.ico")}" sizes="32x32">' in html
    with open(finders.find("backoffice/favicon.svg")) as file:
        assert file.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
