"""Every settings page reads in correct Italian: no label left in English, no "un altro <feminine noun>".

Each page is rendered twice, in English and in Italian, and its visible labels (headings,
field labels, buttons, help texts, list items, options) are compared one by one: a label
that reads the same in both is untranslated, unless it is a name (WhatsApp, a table's
name, a time) that is the same in every language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from backoffice.settings_views import SECTION_VIEWS
from bookings.tests.factories import ClosureFactory, ServiceFactory
from tenants.models import TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# Labels that are the same word in both languages: names, and a word Italian borrowed.
SAME_IN_BOTH = {"WhatsApp", "Instagram", "Lyo", "Staff", "Italiano", "English", "Chatwoot"}
# Tags whose text is a label a person reads, and classes of the elements that hold help or notes.
LABEL_TAGS = {"h1", "h2", "label", "legend", "button", "th", "dt", "option", "a", "p", "span", "li"}
LABEL_CLASSES = {"help", "lyo-field-error", "lyo-alert"}
# "un altro" before a feminine noun ("un altro chiusura", Django's generic "Aggiungi un altro ...")
# and "un altra" without its apostrophe are both wrong Italian.
UNGRAMMATICAL = (re.compile(r"\bun altro [a-zà-ù]+a\b", re.IGNORECASE), re.compile(r"\bun altra\b", re.IGNORECASE))


class _Labels(HTMLParser):
    """The texts of the label-like elements inside the page's content, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.depth_in_content = 0
        self.stack: list[list[str]] = []
        self.tags: list[str] = []
        self.labels: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "div" and attributes.get("id") == "content":
            self.depth_in_content = 1
        elif self.depth_in_content and tag == "div":
            self.depth_in_content += 1
        helps = tag == "div" and set((attributes.get("class") or "").split()) & LABEL_CLASSES
        if self.depth_in_content and (tag in LABEL_TAGS or helps):
            self.stack.append([])
            self.tags.append(tag)
        for name in ("placeholder", "data-done", "data-none", "title"):
            if self.depth_in_content and attributes.get(name):
                self.labels.append(attributes[name].strip())

    def handle_endtag(self, tag):
        if self.depth_in_content and self.tags and tag == self.tags[-1] and tag != "div":
            self.tags.pop()
            text = " ".join("".join(self.stack.pop()).split())
            if text:
                self.labels.append(text)
        if self.depth_in_content and tag == "div":
            self.depth_in_content -= 1
            if self.tags and self.tags[-1] == "div":
                self.tags.pop()
                text = " ".join("".join(self.stack.pop()).split())
                if text:
                    self.labels.append(text)

    def handle_data(self, data):
        if self.stack:
            self.stack[-1].append(data)


def _labels(page: str) -> list[str]:
    parser = _Labels()
    parser.feed(page)
    return parser.labels


def _is_a_name(text: str, names: set[str]) -> bool:
    words = re.sub(r"[\d:.,–\-→()/ ]+", " ", text).split()
    return not words or all(word in SAME_IN_BOTH or any(word in name for name in names) for word in words)


def _pages(client, tenant) -> dict[str, str]:
    urls = {"index": reverse("admin:backoffice_settings")}
    urls.update({section: reverse("admin:backoffice_settings_section", args=[section]) for section in SECTION_VIEWS})
    pages = {name: client.get(url).content.decode() for name, url in urls.items()}
    # With its errors too: what an owner reads after a mistake.
    pages["hours refused"] = client.post(urls["hours"], {
        "d1_0_opens": "12:00", "d1_0_closes": "16:00", "d1_1_opens": "15:00", "d1_1_closes": "23:00",
        "d2_0_opens": "19:00", "d2_0_closes": "15:00", "d3_0_opens": "12:00", "save": "1",
    }).content.decode()
    pages["hours copied"] = client.post(urls["hours"], {"apply_all": "1"}).content.decode()
    pages["closure refused"] = client.post(urls["closures"], {"first_day": "2026-12-24",
                                                              "last_day": "2026-12-20"}).content.decode()
    return pages


@pytest.mark.parametrize("kind", ["restaurant", "salon"])
def test_every_settings_label_is_translated_into_correct_italian(client, kind):
    tenant = TenantFactory(kind=kind, name="Da Mario", language="it")
    ServiceFactory(tenant=tenant, name_it="Taglio", name_en="Haircut")
    ClosureFactory(tenant=tenant, reason="Natale")
    client.force_login(MembershipFactory(tenant=tenant, role=TenantMembership.Role.OWNER).user)
    names = {"Da Mario", "Taglio", "Haircut", "Natale", tenant.whatsapp_phone_number_id, "Mario"}

    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    english = _pages(client, tenant)
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "it"})
    italian = _pages(client, tenant)

    for name, page in italian.items():
        en_labels, it_labels = _labels(english[name]), _labels(page)
        assert len(en_labels) == len(it_labels), name
        untranslated = [
            en for en, it in zip(en_labels, it_labels, strict=True) if en == it and not _is_a_name(en, names)
        ]
        assert untranslated == [], f"{name}: untranslated {untranslated}"
        for pattern in UNGRAMMATICAL:
            assert pattern.findall(" ".join(it_labels)) == [], name
    # The words an owner meets first, exactly.
    assert "Orari di apertura" in _labels(italian["index"])
    assert "Stessi orari tutti i giorni (come il lunedì)" in _labels(italian["hours"])
    assert "Aggiungi una chiusura" in _labels(italian["closures"])


def test_the_admins_add_another_reads_correctly_before_a_feminine_name(client):
    tenant = TenantFactory(language="it")
    client.force_login(UserFactory(is_superuser=True))
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "it"})
    page = client.get(reverse("admin:tenants_tenant_change", args=[tenant.pk])).content.decode()
    assert "Aggiungi: Chiusura" in page and "Aggiungi: Orari di apertura" in page
    for pattern in UNGRAMMATICAL:
        assert pattern.findall(page) == []
