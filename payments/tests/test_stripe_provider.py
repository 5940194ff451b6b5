"""The Stripe provider against a local fake Stripe API: what it sends, and how it reads webhooks."""

import json
import time

import pytest
import stripe

from payments.providers import EventUnverified, ProviderError, StripeProvider
from payments.tests.fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def fake():
    server = FakeStripe().start()
    previous = stripe.api_base
    stripe.api_base = server.base
    yield server
    stripe.api_base = previous
    server.stop()


def _provider(account_id=""):
    return StripeProvider(api_key="sk_test_tenant", webhook_secret=WEBHOOK_SECRET, account_id=account_id)


def _signed(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    # Exactly Stripe's scheme: HMAC-SHA256 of "timestamp.payload" with the endpoint's secret.
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def test_a_deposit_checkout_asks_exact_cents_with_the_tenants_key(fake):
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_1", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_1"})
    session = _provider().deposit_checkout(
        amount_cents=8750, currency="eur", description="Tavolo per 7", expires_at=1_900_000_000,
        metadata={"tenant_id": "4", "payment_id": "9"}, idempotency_key="lyo-4-payment-9",
    )
    assert (session.id, session.url) == ("cs_1", "https://checkout.test/cs_1")
    method, path, form, headers = fake.requests[0]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert form["mode"] == ["payment"]
    assert form["line_items[0][price_data][unit_amount]"] == ["8750"]
    assert form["line_items[0][price_data][currency]"] == ["eur"]
    assert form["metadata[tenant_id]"] == ["4"]
    assert headers["Authorization"] == "Bearer sk_test_tenant"
    assert headers["Idempotency-Key"] == "lyo-4-payment-9"


def test_the_platform_key_acts_on_the_connected_account(fake):
    fake.answer("POST", "/v1/refunds", {"id": "re_1", "object": "refund"})
    refund_id = _provider(account_id="acct_123").refund(
        payment_intent_id="pi_1", amount_cents=2500, idempotency_key="lyo-refund-1"
    )
    _method, _path, form, headers = fake.requests[0]
    assert refund_id == "re_1"
    assert (form["payment_intent"], form["amount"]) == (["pi_1"], ["2500"])
    assert headers["Stripe-Account"] == "acct_123"


def test_a_refusal_is_a_provider_error(fake):
    fake.answer("POST", "/v1/refunds", {"error": {"type": "invalid_request_error", "message": "Already refunded"}},
                status=400)
    with pytest.raises(ProviderError, match="Already refunded"):
        _provider().refund(payment_intent_id="pi_1", amount_cents=2500, idempotency_key="k")


def test_an_off_session_charge_confirms_with_the_saved_card(fake):
    from payments.providers import SavedCard

    fake.answer("POST", "/v1/payment_intents", {"id": "pi_9", "object": "payment_intent", "status": "succeeded"})
    charge = _provider().off_session_charge(
        card=SavedCard(customer_id="cus_1", payment_method_id="pm_1"), amount_cents=4000, currency="eur",
        description="No-show", metadata={}, idempotency_key="k",
    )
    form = fake.requests[0][2]
    assert (charge.payment_intent_id, charge.succeeded) == ("pi_9", True)
    assert (form["off_session"], form["confirm"], form["amount"]) == (["true"], ["true"], ["4000"])


EVENT = json.dumps({
    "id": "evt_1", "object": "event", "type": "checkout.session.completed",
    "data": {"object": {"id": "cs_1", "object": "checkout.session", "metadata": {"tenant_id": "4"}}},
})


def test_a_signed_webhook_is_read():
    event = _provider().event_verify(EVENT.encode(), _signed(EVENT))
    assert (event["id"], event["data"]["object"]["metadata"]["tenant_id"]) == ("evt_1", "4")


@pytest.mark.parametrize("signature", [
    _signed(EVENT, secret="whsec_someone_else"),
    _signed(EVENT, timestamp=int(time.time()) - 3600),
    "",
    "t=1,v1=deadbeef",
])
def test_a_badly_signed_webhook_is_refused(signature):
    with pytest.raises(EventUnverified):
        _provider().event_verify(EVENT.encode(), signature)


def test_a_tampered_body_is_refused():
    with pytest.raises(EventUnverified):
        _provider().event_verify(EVENT.replace('"4"', '"5"').encode(), _signed(EVENT))


@pytest.mark.django_db
def test_the_tenants_stripe_secrets_are_encrypted_at_rest_and_used(settings):
    from django.db import connection

    from payments.providers import provider_for
    from payments.tests.factories import PaymentPolicyFactory

    policy = PaymentPolicyFactory(stripe_secret_key="sk_test_mine", stripe_webhook_secret=WEBHOOK_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT stripe_secret_key, stripe_webhook_secret FROM lyo_payment_policies")
        stored = cursor.fetchone()
    assert "sk_test_mine" not in stored[0] and WEBHOOK_SECRET not in stored[1]
    provider = provider_for(policy)
    assert (provider.api_key, provider.webhook_secret, provider.account_id) == ("sk_test_mine", WEBHOOK_SECRET, "")


@pytest.mark.django_db
def test_without_keys_stripe_is_not_connected(settings):
    from payments.providers import provider_for
    from payments.tests.factories import PaymentPolicyFactory

    settings.STRIPE_PLATFORM_SECRET_KEY = ""
    with pytest.raises(ProviderError):
        provider_for(PaymentPolicyFactory(stripe_account_id="acct_1"))
    settings.STRIPE_PLATFORM_SECRET_KEY = "sk_platform"
    provider = provider_for(PaymentPolicyFactory(stripe_account_id="acct_1"))
    assert (provider.api_key, provider.account_id) == ("sk_platform", "acct_1")


def test_a_card_guarantee_saves_the_card_on_a_customer_in_setup_mode(fake):
    fake.answer("POST", "/v1/customers", {"id": "cus_7", "object": "customer"})
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_2", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_2"})
    fake.answer("GET", "/v1/setup_intents/seti_1", {"id": "seti_1", "object": "setup_intent",
                                                     "customer": "cus_7", "payment_method": "pm_7"})
    session = _provider().guarantee_checkout(
        currency="eur", description="Garanzia", expires_at=1_900_000_000, metadata={"tenant_id": "4"},
        idempotency_key="lyo-4-payment-10",
    )
    form = fake.requests[1][2]
    assert session.id == "cs_2"
    assert (form["mode"], form["customer"], form["currency"]) == (["setup"], ["cus_7"], ["eur"])
    card = _provider().saved_card("seti_1")
    assert (card.customer_id, card.payment_method_id) == ("cus_7", "pm_7")


def test_an_unpaid_checkout_is_closed(fake):
    fake.answer("POST", "/v1/checkout/sessions/cs_3/expire", {"id": "cs_3", "object": "checkout.session",
                                                               "status": "expired"})
    _provider().checkout_expire("cs_3")
    assert fake.requests[0][:2] == ("POST", "/v1/checkout/sessions/cs_3/expire")
