"""The "What Lyo sends" page: a month of the business's messages by what Meta bills, month by month."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from backoffice.tests.conftest import ROME
from conversations.models import Message
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory
from reminders.models import MessageTemplate, Purpose
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # 1 December 2026, Rome

SENDS_URL = reverse("admin:backoffice_sends")


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def _sent(tenant, at, *, template=None, purpose=None):
    conversation = ConversationFactory(customer=CustomerFactory(tenant=tenant))
    payload = {"purpose": purpose} if purpose else {}
    if template:
        payload["template"] = {"name": template, "language": "it", "parameters": [], "buttons": []}
    return Message.objects.create(
        tenant=tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, type=Message.Type.TEMPLATE if template else Message.Type.TEXT, text="x",
        payload=payload, delivery_status=Message.Delivery.SENT, sent_at=at,
    )


def _kinds(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-kind="(\w+)"[^>]*><th scope="row">[^<]*</th><td>(\d+)</td></tr>', html))


def _purposes(html: str) -> dict[str, tuple[str, ...]]:
    rows = re.findall(
        r'<tr data-purpose="(\w+)"><th scope="row">([^<]*)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>'
        r"<td>(\d+)</td></tr>", html,
    )
    return {key: tuple(rest) for key, *rest in rows}


@pytest.fixture
def november(restaurant):
    """A seeded November in Rome: 3 replies, 2 reminders (one in the window), and one template of each other kind."""
    MessageTemplate.objects.create(tenant=restaurant, purpose=Purpose.REMINDER, name="promemoria", language="it")
    for day in (2, 3, 4):
        _sent(restaurant, rome(2026, 11, day, 12))
    _sent(restaurant, rome(2026, 11, 5, 9), purpose="reminder")
    _sent(restaurant, rome(2026, 11, 6, 9), template="promemoria", purpose="reminder")
    _sent(restaurant, rome(2026, 11, 7, 9), template="cambio", purpose="staff_moved")
    _sent(restaurant, rome(2026, 11, 8, 9), template="recensione", purpose="review_request")
    _sent(restaurant, rome(2026, 11, 1, 0, 10), template="rinnova", purpose="rebook_nudge")  # 23:10 UTC, 31 Oct
    _sent(restaurant, datetime(2026, 10, 31, 22, 59, tzinfo=UTC))  # October in Rome: not counted
    _sent(restaurant, rome(2026, 12, 1, 0, 0))  # December: not counted
    return restaurant


def test_a_seeded_month_shows_exactly_what_was_sent_by_kind_and_purpose(staff, november):
    response = staff.get(SENDS_URL, {"month": "2026-11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-month="2026-11"' in html and "Novembre 2026" in html
    assert _kinds(html) == {"service_window": "4", "utility": "2", "marketing": "2", "total": "8"}
    assert _purposes(html) == {
        "replies": ("Risposte e messaggi scritti dallo staff", "3", "0", "0", "3"),
        "reminder": ("Promemoria", "1", "1", "0", "2"),
        "staff_moved": ("Prenotazione modificata dallo staff", "0", "1", "0", "1"),
        "review_request": ("Richiesta di recensione", "0", "0", "1", "1"),
        "rebook_nudge": ("Invito a riprenotare", "0", "0", "1", "1"),
    }
    assert "Da luglio 2025 Meta fa pagare WhatsApp a messaggio" in html
    assert "dal 1 Novembre 2026 alle 00:00 alla fine del mese, nell'ora di Europe/Rome." in html
    assert 'href="?month=2026-10" rel="prev"' in html and 'href="?month=2026-12" rel="next"' in html
    assert 'id="lyo-sends-this"' in html


def test_this_month_is_the_default_and_the_months_around_count_their_own(staff, november):
    html = staff.get(SENDS_URL).content.decode()
    assert 'data-month="2026-12"' in html and 'id="lyo-sends-this"' not in html
    assert _kinds(html) == {"service_window": "1", "utility": "0", "marketing": "0", "total": "1"}
    html = staff.get(SENDS_URL, {"month": "2026-10"}).content.decode()
    assert _kinds(html) == {"service_window": "1", "utility": "0", "marketing": "0", "total": "1"}
    html = staff.get(SENDS_URL, {"month": "2026-09"}).content.decode()
    assert _kinds(html)["total"] == "0" and 'id="lyo-sends-none"' in html


def test_another_business_s_messages_are_never_counted_and_its_page_is_a_404(staff, november, other_restaurant):
    for day in (3, 4):
        _sent(other_restaurant, rome(2026, 11, day, 9), template="promemoria", purpose="reminder")
    html = staff.get(SENDS_URL, {"month": "2026-11"}).content.decode()
    assert _kinds(html) == {"service_window": "4", "utility": "2", "marketing": "2", "total": "8"}
    assert "Osteria Due" not in html
    assert staff.get(SENDS_URL, {"tenant": other_restaurant.slug}).status_code == 404


def test_a_superuser_chooses_the_business_and_sees_only_its_count(client, november, other_restaurant):
    _sent(other_restaurant, rome(2026, 11, 3, 9), template="recensione", purpose="review_request")
    client.force_login(UserFactory(is_superuser=True))
    home = client.get(reverse("admin:index")).content.decode()
    assert f'href="{SENDS_URL}?tenant={other_restaurant.slug}"' in home
    html = client.get(SENDS_URL).content.decode()
    assert f"?tenant={november.slug}" in html and f"?tenant={other_restaurant.slug}" in html
    html = client.get(SENDS_URL, {"tenant": other_restaurant.slug, "month": "2026-11"}).content.decode()
    assert _kinds(html) == {"service_window": "0", "utility": "0", "marketing": "1", "total": "1"}
    assert f'href="?tenant={other_restaurant.slug}&amp;month=2026-12" rel="next"' in html


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "1999-12", "2100-01", "2026-1", "novembre", "2026-11\x00"])
def test_a_month_that_is_not_one_shows_this_month_with_a_message(staff, restaurant, bad):
    response = staff.get(SENDS_URL, {"month": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-month="2026-12"' in html
    assert "Non è un mese che questa pagina può mostrare (scrivilo come 2026-11): ecco questo mese." in html


def test_the_first_and_last_months_have_no_link_beyond(staff, restaurant):
    assert 'rel="prev"' not in staff.get(SENDS_URL, {"month": "2000-01"}).content.decode()
    assert 'rel="next"' not in staff.get(SENDS_URL, {"month": "2099-12"}).content.decode()


def test_the_page_speaks_english_to_an_english_business_and_is_linked_from_home(client):
    tenant = TenantFactory(name="The Barber", language="en")
    client.force_login(MembershipFactory(tenant=tenant).user)
    html = client.get(SENDS_URL, {"month": "2026-11"}).content.decode()
    assert "What Lyo sends <span" in html and "Replies in the 24-hour window (free)" in html
    assert "Since July 2025 Meta bills WhatsApp by the message" in html
    assert f'href="{SENDS_URL}" id="lyo-sends-link"' in client.get(reverse("admin:index")).content.decode()
