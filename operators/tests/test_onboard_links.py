"""The links onboard_tenant prints open where they are printed: the dev server, or the public host."""

import io
import re

import pytest
from django.core.management import call_command

from operators.tests.test_onboard_tenant import SALON_YAML

pytestmark = pytest.mark.django_db

URL = re.compile(r"(https?://\S+)")


@pytest.fixture
def salon_file(tmp_path):
    path = tmp_path / "salone.yaml"
    path.write_text(SALON_YAML)
    return path


def _printed(salon_file, **options) -> str:
    out = io.StringIO()
    call_command("onboard_tenant", file=salon_file, staff_email="giulia@example.com", stdout=out, **options)
    return out.getvalue()


def _printed_urls(salon_file, **options) -> list[str]:
    return URL.findall(_printed(salon_file, **options))


def test_a_plain_http_callback_url_says_meta_needs_https(salon_file, settings):
    settings.DEBUG = True
    settings.LYO_PUBLIC_URL = ""
    assert "Meta delivers only to a public https address" in _printed(salon_file)
    settings.LYO_PUBLIC_URL = "https://lyo.example.com"
    assert "Meta delivers only" not in _printed(salon_file)


def test_in_development_links_use_the_dev_servers_scheme_and_port(salon_file, settings, client):
    settings.DEBUG = True
    settings.LYO_PUBLIC_URL = ""
    settings.DEV_SERVER_PORT = 8001  # make run PORT=8001
    urls = _printed_urls(salon_file)
    assert [u.split("/", 3)[2] for u in urls] == ["127.0.0.1:8001"] * 3
    password_link, admin, callback = urls
    assert password_link.startswith("http://127.0.0.1:8001/accounts/reset/")
    assert (admin, callback) == ("http://127.0.0.1:8001/admin/", "http://127.0.0.1:8001/webhooks/whatsapp")
    # Opened as printed (the path on this server), the link leads to the set-password form.
    response = client.get(password_link.removeprefix("http://127.0.0.1:8001"), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is True


def test_lyo_public_url_wins_over_the_development_default(salon_file, settings):
    settings.DEBUG = True
    settings.LYO_PUBLIC_URL = "https://abc123.tunnel.example"
    urls = _printed_urls(salon_file)
    assert {u.split("/", 3)[2] for u in urls} == {"abc123.tunnel.example"}
    assert all(u.startswith("https://") for u in urls)


def test_in_production_links_are_https_on_the_first_allowed_host(salon_file, settings):
    settings.DEBUG = False
    settings.LYO_PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["lyo.example.com", "www.lyo.example.com"]
    urls = _printed_urls(salon_file)
    assert urls[1:] == ["https://lyo.example.com/admin/", "https://lyo.example.com/webhooks/whatsapp"]
    assert urls[0].startswith("https://lyo.example.com/accounts/reset/")


def test_base_url_flag_wins_over_everything(salon_file, settings):
    settings.DEBUG = True
    settings.LYO_PUBLIC_URL = "https://ignored.example"
    urls = _printed_urls(salon_file, base_url="http://127.0.0.1:9000/")
    assert urls[1] == "http://127.0.0.1:9000/admin/"
