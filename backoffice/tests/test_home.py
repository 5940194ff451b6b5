"""The staff home page (the admin index) and the admin's language."""

import re
from datetime import datetime

import pytest
from django.urls import reverse

from backoffice.tests.conftest import NOW, ROME
from bookings.services import appointment_book
from chatwoot.models import ChatwootConnection
from conversations.models import Conversation, Message
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from tenants.models import Tenant
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

HOME_URL = reverse("admin:index")


def _section(html: str, section_id: str) -> str:
    return re.search(rf'id="{section_id}"(.*?)</section>', html, re.S).group(1)


def _book(tenant, day: int, hour: int, notes: str):
    return appointment_book(tenant=tenant, start=datetime(2026, 12, day, hour, tzinfo=ROME), party_size=2,
                            channel="whatsapp", notes=notes, by_staff=True)


def test_home_shows_the_business_its_bookings_and_what_needs_staff(staff, restaurant, other_restaurant):
    _book(restaurant, 1, 20, "Stasera Rossi")
    _book(restaurant, 2, 13, "Domani Verdi")
    _book(restaurant, 3, 20, "Dopodomani Neri")
    _book(other_restaurant, 1, 20, "Altrui Bianchi")
    waiting = ConversationFactory(customer=CustomerFactory(tenant=restaurant, display_name="Giada"), status="human")
    ConversationFactory(customer=CustomerFactory(tenant=other_restaurant, display_name="Estranea"), status="human")
    failed = MessageFactory(conversation=waiting, direction="out", delivery_status="failed", processing_status="",
                            text="Ecco gli orari", error_title="Re-engagement message", error_code=131047)

    html = staff.get(HOME_URL).content.decode()
    assert "<h1>Trattoria Uno</h1>" in html
    today, tomorrow = re.findall(r'<section class="lyo-panel lyo-home-day">(.*?)</section>', html, re.S)
    assert "Oggi" in today and "Stasera Rossi" in today and "Domani Verdi" not in today
    assert "Domani" in tomorrow and "Domani Verdi" in tomorrow and "Dopodomani" not in tomorrow
    assert "1 prenotazione, 2 ospiti" in today
    needs_person = _section(html, "lyo-needs-person")
    assert reverse("admin:backoffice_conversation", args=[waiting.pk]) in needs_person
    assert "Giada" in needs_person
    failed_section = _section(html, "lyo-failed-messages")
    assert "Ecco gli orari" in failed_section and "Re-engagement message" in failed_section
    assert reverse("admin:backoffice_conversation", args=[failed.conversation_id]) in failed_section
    # Nothing of the other business.
    assert "Altrui" not in html and "Estranea" not in html and "Osteria Due" not in html
    assert "lyo-token-warning" not in html


def _token_warnings(html: str) -> dict[str, str]:
    """Each channel's warning on the home page, by channel, as plain text with its link."""
    warning = re.search(r'id="lyo-token-warning">(.*?)</div>', html, re.S)
    if warning is None:
        return {}
    return {
        channel: " ".join(text.split())
        for channel, text in re.findall(r'<p id="lyo-token-warning-(\w+)">(.*?)</p>', warning.group(1), re.S)
    }


def _chatwoot_connection(tenant, **fields) -> ChatwootConnection:
    return ChatwootConnection.objects.create(
        tenant=tenant, base_url="https://chat.example.com", bot_access_token="bot-token", **{"account_id": 1, **fields}
    )


def test_home_warns_when_meta_rejected_the_whatsapp_token(staff, restaurant):
    Tenant.objects.filter(pk=restaurant.pk).update(whatsapp_token_invalid_at=NOW)
    tenant_page = reverse("admin:backoffice_settings_section", args=["channels"])
    assert _token_warnings(staff.get(HOME_URL).content.decode()) == {
        "whatsapp": "Meta ha rifiutato il token di accesso WhatsApp il 1 Dicembre 2026 10:00: i clienti su WhatsApp "
                    "non ricevono risposte finché non imposti un nuovo token. "
                    f'<a href="{tenant_page}">Imposta un nuovo token</a>',
    }


def test_home_warns_when_meta_rejected_the_instagram_token(staff, restaurant):
    Tenant.objects.filter(pk=restaurant.pk).update(instagram_token_invalid_at=NOW)
    tenant_page = reverse("admin:backoffice_settings_section", args=["channels"])
    assert _token_warnings(staff.get(HOME_URL).content.decode()) == {
        "instagram": "Meta ha rifiutato il token di accesso Instagram il 1 Dicembre 2026 10:00: i clienti su "
                     "Instagram non ricevono risposte finché non imposti un nuovo token. "
                     f'<a href="{tenant_page}">Imposta un nuovo token</a>',
    }


def test_home_warns_when_chatwoot_rejected_the_bot_token(staff, restaurant):
    connection = _chatwoot_connection(restaurant, token_invalid_at=NOW)
    connection_page = reverse("admin:chatwoot_chatwootconnection_change", args=[connection.pk])
    assert _token_warnings(staff.get(HOME_URL).content.decode()) == {
        "chatwoot": "Chatwoot ha rifiutato il token di accesso del bot dell'assistente il 1 Dicembre 2026 "
                    "10:00: le conversazioni in Chatwoot non ricevono risposte finché non imposti un nuovo token. "
                    f'<a href="{connection_page}">Imposta un nuovo token</a>',
    }


def test_home_names_each_channel_whose_token_was_rejected_in_english(client):
    tenant = TenantFactory(language="en", whatsapp_token_invalid_at=NOW, instagram_token_invalid_at=NOW)
    _chatwoot_connection(tenant, token_invalid_at=NOW)
    client.force_login(MembershipFactory(tenant=tenant).user)
    warnings = _token_warnings(client.get(HOME_URL).content.decode())
    assert [(channel, text.split(" <a ")[0]) for channel, text in warnings.items()] == [
        ("whatsapp", "Meta rejected your WhatsApp access token on 1 December 2026 10:00: customers on WhatsApp get "
                     "no replies until a new token is set."),
        ("instagram", "Meta rejected your Instagram access token on 1 December 2026 10:00: customers on Instagram "
                      "get no replies until a new token is set."),
        ("chatwoot", "Chatwoot rejected the assistant's bot access token on 1 December 2026 10:00: "
                     "conversations in Chatwoot get no replies until a new token is set."),
    ]


def test_home_warns_a_newly_onboarded_business_that_no_whatsapp_token_is_set(staff, restaurant):
    Tenant.objects.filter(pk=restaurant.pk).update(whatsapp_access_token="")
    tenant_page = reverse("admin:backoffice_settings_section", args=["channels"])
    assert _token_warnings(staff.get(HOME_URL).content.decode()) == {
        "whatsapp": "Il token di accesso WhatsApp non è ancora impostato: i clienti su WhatsApp non ricevono "
                    f'risposte finché non lo imposti. <a href="{tenant_page}">Imposta il token</a>',
    }


def test_home_warns_of_a_missing_instagram_token_only_for_a_business_on_instagram(client):
    on_instagram = TenantFactory(language="en", instagram_account_id="17841400000000001")
    not_on_instagram = TenantFactory(language="en")
    warnings = {}
    for tenant in (on_instagram, not_on_instagram):
        client.force_login(MembershipFactory(tenant=tenant).user)
        warnings[tenant.slug] = _token_warnings(client.get(HOME_URL).content.decode())
    assert [text.split(" <a ")[0] for text in warnings[on_instagram.slug].values()] == [
        "Your Instagram access token is not set yet: customers on Instagram get no replies until it is set."
    ]
    assert warnings[not_on_instagram.slug] == {}


def test_home_does_not_warn_of_a_switched_off_chatwoot_connection(staff, restaurant):
    _chatwoot_connection(restaurant, token_invalid_at=NOW, is_active=False)
    assert "lyo-token-warning" not in staff.get(HOME_URL).content.decode()


def test_home_never_warns_of_another_business_rejected_tokens(staff, restaurant, other_restaurant):
    Tenant.objects.filter(pk=other_restaurant.pk).update(whatsapp_token_invalid_at=NOW,
                                                        instagram_token_invalid_at=NOW)
    _chatwoot_connection(other_restaurant, token_invalid_at=NOW)
    _chatwoot_connection(restaurant, account_id=2)  # ours works
    html = staff.get(HOME_URL).content.decode()
    assert "<h1>Trattoria Uno</h1>" in html
    assert "lyo-token-warning" not in html


def test_home_of_a_superuser_lists_the_businesses_to_choose_from(client, restaurant, other_restaurant):
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(HOME_URL).content.decode()
    assert f"?tenant={restaurant.slug}" in html and f"?tenant={other_restaurant.slug}" in html
    assert "lyo-home" not in html.split('id="lyo-tenants"')[0]
    html = client.get(HOME_URL, {"tenant": other_restaurant.slug}).content.decode()
    assert "<h1>Osteria Due</h1>" in html


def test_staff_cannot_open_another_business_home(staff, other_restaurant):
    assert staff.get(HOME_URL, {"tenant": other_restaurant.slug}).status_code == 404


def test_the_admin_speaks_italian_to_staff_of_an_italian_business(staff):
    response = staff.get(HOME_URL)
    assert response["Content-Language"] == "it"
    html = response.content.decode()
    assert '<html lang="it"' in html
    assert "Vista del giorno" in html and "Prova il tuo assistente" in html
    # The models' names are translated too.
    assert ">Prenotazioni</a>" in html and ">Orari di apertura</a>" in html


def test_the_admin_speaks_english_to_staff_of_an_english_business(client):
    tenant = TenantFactory(language="en")
    client.force_login(MembershipFactory(tenant=tenant).user)
    response = client.get(HOME_URL)
    assert response["Content-Language"] == "en"
    assert "Day view" in response.content.decode() and ">Appointments</a>" in response.content.decode()


def test_the_language_switch_wins_over_the_business_language(staff):
    response = staff.post(reverse("set_language"), {"language": "en", "next": HOME_URL})
    assert response.status_code == 302 and response["Location"] == HOME_URL
    html = staff.get(HOME_URL).content.decode()
    assert '<html lang="en"' in html and "Try your assistant" in html
    staff.post(reverse("set_language"), {"language": "it", "next": HOME_URL})
    assert "Prova il tuo assistente" in staff.get(HOME_URL).content.decode()


def test_the_login_page_follows_the_browser_and_offers_the_switch(client, db):
    html = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert '<html lang="it"' in html and 'name="language" value="en"' in html
    assert '<html lang="en"' in client.get(reverse("admin:login")).content.decode()


def test_the_api_and_webhooks_keep_their_language(staff):
    # Only staff pages are translated: API errors stay English for machines.
    response = staff.post("/api/test-message", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 400
    assert "Content-Language" not in response


def test_conversations_needing_a_person_are_listed_newest_first(staff, restaurant):
    older = ConversationFactory(customer=CustomerFactory(tenant=restaurant), status="human",
                                last_inbound_at=NOW.replace(hour=8))
    newer = ConversationFactory(customer=CustomerFactory(tenant=restaurant), status="human",
                                last_inbound_at=NOW.replace(hour=9))
    ConversationFactory(customer=CustomerFactory(tenant=restaurant), status="bot")
    html = _section(staff.get(HOME_URL).content.decode(), "lyo-needs-person")
    ids = [int(pk) for pk in re.findall(r"/admin/chat/(\d+)/", html)]
    assert ids == [newer.pk, older.pk]
    assert Conversation.objects.count() == 3 and Message.objects.count() == 0
