"""Django's admin pages (lists, forms, filters) in the staff user's language, and the Italian catalogue."""

import html as html_lib
import re
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from backoffice.tests.conftest import ROME
from bookings.services import appointment_book
from tenants.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

APPOINTMENTS_URL = reverse("admin:bookings_appointment_changelist")
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "it" / "LC_MESSAGES" / "django.po"


def _column_headers(page: str) -> list[str]:
    """The change list's column titles, as shown (sortable ones are links)."""
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)[^"]*">(.*?)</th>', page, re.S)
    return [
        html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for name, cell in headers
        if name != "action_checkbox"
    ]


def _status_cells(page: str) -> list[str]:
    return [html_lib.unescape(cell) for cell in re.findall(r'<td class="field-status">([^<]*)</td>', page)]


@pytest.fixture
def booking(restaurant):
    return appointment_book(tenant=restaurant, start=datetime(2026, 12, 1, 20, tzinfo=ROME), party_size=2,
                            channel="whatsapp", by_staff=True)


def test_the_appointment_list_speaks_italian_to_staff_of_an_italian_business(staff, booking):
    page = staff.get(APPOINTMENTS_URL).content.decode()
    assert "<title>Scegli prenotazione da modificare | Lyo</title>" in page
    assert _column_headers(page) == [
        "Inizio", "Ospite", "Persone", "Tavolo o membro dello staff", "Stato", "Canale", "Confermata dal cliente",
        "Codice prenotazione",
    ]
    assert _status_cells(page) == ["Confermata"]
    assert "Per stato" in page and ">Disdetta</a>" in page and ">Non presentato</a>" in page
    assert ">Prenotazioni di oggi</a>" in page and ">Prenotazioni di domani</a>" in page and ">Prossime</a>" in page
    assert ">Prenotazioni</a>" in page  # the sidebar and the breadcrumbs


def test_the_appointment_list_speaks_english_once_the_user_switched(staff, booking):
    staff.post(reverse("set_language"), {"language": "en", "next": APPOINTMENTS_URL})
    page = staff.get(APPOINTMENTS_URL).content.decode()
    assert "<title>Select appointment to change | Lyo</title>" in page
    assert _column_headers(page) == [
        "Starts at", "Guest", "Party size", "Table or staff member", "Status", "Channel", "Confirmed by customer",
        "Reference",
    ]
    assert _status_cells(page) == ["Confirmed"]
    assert "By status" in page and ">No-show</a>" in page
    assert ">Today's bookings</a>" in page and ">Upcoming</a>" in page


def test_the_appointment_form_labels_and_help_in_italian(staff, booking):
    page = staff.get(reverse("admin:bookings_appointment_change", args=[booking.pk])).content.decode()
    # The heading in the business's zone (the booking is at 19:00 UTC, 20:00 in Rome), in Italian.
    assert f"<title>{booking.reference} 1 Dic 2026 20:00 | Modifica prenotazione | Lyo</title>" in page
    assert '<label class="required" for="id_party_size">Persone:</label>' in page
    assert '<label class="required">Inizio:</label>' in page and "<label>Data di creazione:</label>" in page
    assert '<label class="required" for="id_status">Stato:</label>' in page
    assert '<option value="no_show">Non presentato</option>' in page
    assert "Nel fuso orario dell'attività." in page


def test_the_business_page_speaks_italian_to_its_owner(client, restaurant):
    client.force_login(MembershipFactory(tenant=restaurant, role="owner").user)
    page = client.get(reverse("admin:tenants_tenant_change", args=[restaurant.pk])).content.decode()
    assert "<title>Trattoria Uno | Modifica attività | Lyo</title>" in page
    assert "Impostazioni delle prenotazioni" in page and "Orari di apertura" in page
    assert "Imposta / sostituisci il token di accesso WhatsApp" in page
    assert "Coperti massimi per intervallo" in page and "Preavviso minimo (minuti)" in page
    assert '<option value="1">Martedì</option>' in page  # the opening hours' weekdays


def test_the_italian_catalogue_is_complete():
    """Every entry has a translation and none is left fuzzy (makemessages marks its guesses fuzzy)."""
    entries, flags, current = [], [], None
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,"):
            flags.append(line)
        elif line.startswith("msgid "):
            current = {"msgid": _po_string(line), "msgstr": [], "flags": flags}
            entries.append(current)
            flags = []
        elif line.startswith("msgstr"):
            current["msgstr"].append(_po_string(line))
        elif line.startswith('"') and current is not None:
            target = current["msgstr"] if current["msgstr"] else None
            if target is not None:
                target[-1] += _po_string(line)
            else:
                current["msgid"] += _po_string(line)
    header, *messages = entries
    assert header["msgid"] == "" and len(messages) > 300
    assert [e["msgid"] for e in messages if not all(e["msgstr"])] == []
    assert [e["msgid"] for e in entries if any("fuzzy" in flag for flag in e["flags"])] == []
    assert not any(line.startswith("#~") for line in CATALOGUE.read_text(encoding="utf-8").splitlines())


def _po_string(line: str) -> str:
    """The text of a .po line such as ``msgstr[1] "..."`` (escapes kept: only emptiness matters)."""
    return line[line.index('"') + 1:line.rindex('"')]
