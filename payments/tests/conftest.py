import json

import pytest
import stripe

from bookings.tests.conftest import NOW, restaurant, rome, tables  # noqa: F401 (fixtures shared with bookings)
from payments.models import PaymentPolicy
from payments.tests.factories import PaymentPolicyFactory
from payments.tests.fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_tenant"
AT_20 = rome(2026, 12, 4, 20)


@pytest.fixture
def fake():
    server = FakeStripe().start()
    previous = stripe.api_base
    stripe.api_base = server.base
    yield server
    stripe.api_base = previous
    server.stop()


@pytest.fixture
def policy(restaurant):  # noqa: F811
    return PaymentPolicyFactory(
        tenant=restaurant, mode=PaymentPolicy.Mode.DEPOSIT, amount_cents=1250, per=PaymentPolicy.Per.PERSON,
        hold_minutes=15, stripe_secret_key="sk_test_tenant", stripe_webhook_secret=WEBHOOK_SECRET,
    )


def signed(event: dict, secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    """The body and ``Stripe-Signature`` header Stripe would post for ``event``."""
    payload = json.dumps(event)
    return payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, secret)


def session_event(event_id: str, session: dict, type_: str = "checkout.session.completed") -> dict:
    return {"id": event_id, "object": "event", "type": type_, "data": {"object": {"object": "checkout.session",
                                                                                   **session}}}
