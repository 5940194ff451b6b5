"""The staff pages' files: each one comes from the app itself, with DEBUG off, and none from another host.

The admin must work offline and without a CDN or a web server in front serving
``/static/``: WhiteNoise serves what ``collectstatic`` gathered.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from backoffice.tests.conftest import NOW
from bookings.models import Resource
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from lyo import settings as production_settings
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# An asset the browser would fetch by itself: stylesheets, scripts, images, frames, fonts.
EXTERNAL_ASSET = re.compile(
    r"<(?:link|script|img|iframe|source|video|audio)\b[^>]*\b(?:href|src|srcset)=[\"']?(?:https?:)?//", re.I
)
STATIC_FILE = re.compile(r'<(?:link|script)\b[^>]*\b(?:href|src)="(/static/[^"]+)"')
# ManifestStaticFilesStorage's names: base.css becomes base.<12 hex digits>.css.
CONTENT_HASH = re.compile(r"\.[0-9a-f]{12}(?=\.[a-z0-9]+$)")
# WhiteNoise's header for a file whose name carries its content's hash: cached for ten years.
IMMUTABLE = "max-age=315360000, public, immutable"
# The API documentation's bundles are large and on no staff page: left out to keep the test fast.
NOT_STAFF_FILES = ["drf_spectacular_sidecar"]


def _staff_pages(restaurant) -> list[str]:
    conversation = ConversationFactory(customer=CustomerFactory(tenant=restaurant), status="human")
    MessageFactory(conversation=conversation, text="ciao")
    table = Resource.objects.filter(tenant=restaurant).order_by("position").first()
    day = NOW.date().isoformat()
    return [
        reverse("admin:index"),
        reverse("admin:backoffice_day") + f"?date={day}",
        reverse("admin:backoffice_day_book") + f"?start={day}T20:00:00%2B01:00&resource={table.pk}",
        reverse("admin:backoffice_try"),
        reverse("admin:backoffice_conversation", args=[conversation.pk]),
    ]


def test_no_staff_page_loads_an_asset_from_another_host(staff, restaurant):
    pages = {reverse("admin:login"): Client().get(reverse("admin:login"))}
    pages.update({url: staff.get(url) for url in _staff_pages(restaurant)})
    for url, response in pages.items():
        assert response.status_code == 200, url
        html = response.content.decode()
        assert EXTERNAL_ASSET.findall(html) == [], url
        assert STATIC_FILE.findall(html), url  # the page's styles come from the app itself


def test_with_debug_off_the_app_serves_the_files_of_its_pages(restaurant, tmp_path: Path):
    # The production storage (hashed, compressed names), gathered as a deployment does.
    with override_settings(DEBUG=False, STATIC_ROOT=tmp_path, STORAGES=production_settings.STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=NOT_STAFF_FILES)
        client = Client()  # a new client: WhiteNoise reads STATIC_ROOT when the middleware starts
        files = set(STATIC_FILE.findall(client.get(reverse("admin:login")).content.decode()))
        client.force_login(MembershipFactory(tenant=restaurant).user)
        for url in _staff_pages(restaurant):
            files |= set(STATIC_FILE.findall(client.get(url).content.decode()))

        served = {}
        for url in sorted(files):
            response = client.get(url)
            assert (response.status_code, response.get("Cache-Control")) == (200, IMMUTABLE), url
            served[CONTENT_HASH.sub("", url)] = b"".join(response.streaming_content)
            response.close()

    assert {"/static/admin/css/base.css", "/static/backoffice/backoffice.css",
            "/static/backoffice/backoffice.js"} <= served.keys()
    source = Path(settings.BASE_DIR) / "backoffice" / "static" / "backoffice" / "backoffice.js"
    assert served["/static/backoffice/backoffice.js"] == source.read_bytes()
