"""``POST /api/test-message`` (README, "HTTP endpoints") and ``manage.py chat``."""

import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils.dateparse import parse_datetime

from bookings.models import Appointment
from conversations.models import Message
from customers.models import Channel, Customer
from operators.demo import demo_tenants_seed
from tenants.models import Tenant
from tenants.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = parse_datetime("2026-11-25T19:00:00+01:00")


@pytest.fixture
def demo():
    demo_tenants_seed()
    return Tenant.objects.get(slug="trattoria-demo"), Tenant.objects.get(slug="salone-demo")


@pytest.fixture
def trattoria_staff(client, demo):
    client.force_login(MembershipFactory(tenant=demo[0]).user)
    return client


def _post(client, body):
    return client.post("/api/test-message", body, content_type="application/json")


@time_machine.travel(NOW, tick=False)
def test_staff_books_a_table_through_the_api(trattoria_staff, demo):
    first = _post(trattoria_staff, {"tenant": "trattoria-demo", "from": "393470000001",
                                     "text": "tavolo per 2 domani alle 20"})
    assert first.status_code == 200
    [summary] = first.json()["replies"]
    assert summary["type"] == "buttons"
    assert "giovedì 26 novembre alle 20:00" in summary["text"]
    assert [o["id"] for o in summary["options"]] == ["yes", "other", "no"]

    second = _post(trattoria_staff, {"tenant": "trattoria-demo", "from": "393470000001", "choice": "yes"})
    assert second.status_code == 200
    assert second.json()["replies"][0]["text"].startswith("Fatto!")
    appointment = Appointment.objects.get(tenant=demo[0])
    assert (appointment.channel, appointment.party_size) == ("test", 2)
    customer = Customer.objects.get(tenant=demo[0], channel=Channel.TEST)
    assert customer.channel_user_id == "393470000001"
    outbound = Message.objects.filter(conversation__customer=customer, direction="out")
    assert set(outbound.values_list("delivery_status", flat=True)) == {"sent"}


def test_api_answers_with_and_without_trailing_slash(trattoria_staff):
    for path in ("/api/test-message", "/api/test-message/"):
        response = trattoria_staff.post(path, {"tenant": "trattoria-demo", "text": "orari"},
                                        content_type="application/json")
        assert response.status_code == 200
        assert "I nostri orari" in response.json()["replies"][0]["text"]


def test_staff_of_another_tenant_gets_404_and_nothing_is_stored(trattoria_staff):
    response = _post(trattoria_staff, {"tenant": "salone-demo", "text": "ciao"})
    assert response.status_code == 404
    assert not Message.objects.filter(tenant__slug="salone-demo").exists()


def test_anonymous_caller_is_refused_without_debug(client, demo):
    assert _post(client, {"tenant": "trattoria-demo", "text": "ciao"}).status_code in (401, 403)
    assert Message.objects.count() == 0


def test_staff_user_without_tenant_gets_404(client, demo):
    client.force_login(UserFactory())
    assert _post(client, {"tenant": "trattoria-demo", "text": "ciao"}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"tenant": "trattoria-demo"},
        {"tenant": "trattoria-demo", "text": "ciao", "choice": "yes"},
        {"tenant": "not a slug!", "text": "ciao"},
        {"text": "ciao"},
        {"tenant": "trattoria-demo", "text": "x" * 20_001},
    ],
)
def test_bad_input_is_a_400_and_stores_nothing(trattoria_staff, body):
    response = _post(trattoria_staff, body)
    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_malformed_json_is_a_400(trattoria_staff):
    response = trattoria_staff.post("/api/test-message", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_ten_thousand_characters_get_a_polite_reply(trattoria_staff):
    response = _post(trattoria_staff, {"tenant": "trattoria-demo", "text": "parola " * 1430})
    assert response.status_code == 200
    assert response.json()["replies"][0]["type"] == "text"


def test_debug_lets_anyone_try(client, demo, settings):
    settings.DEBUG = True
    response = _post(client, {"tenant": "salone-demo", "text": "quanto costa la piega?"})
    assert response.status_code == 200
    assert "Piega" in response.json()["replies"][0]["text"]


@time_machine.travel(NOW, tick=False)
def test_terminal_chat_numbers_options_and_a_number_taps_one(demo, monkeypatch):
    typed = iter(["tavolo per 2 domani alle 20", "1"])

    def fake_input(prompt):
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    out = io.StringIO()
    call_command("chat", tenant="trattoria-demo", sender="393471111111", stdout=out)
    printed = out.getvalue()
    assert "  1. Sì, prenota" in printed
    assert "Fatto!" in printed
    assert Appointment.objects.filter(tenant=demo[0], channel="test").count() == 1
