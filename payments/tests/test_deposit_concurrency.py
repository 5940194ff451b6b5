"""Payment and hold expiry at the same moment: paid and booked, or expired and refunded (PostgreSQL)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings

from bookings.services import holds_expired_release
from bookings.tests.racing import threads_race
from payments.deposits import deposit_checkout_start
from payments.models import Payment
from payments.services import payment_policy_applies
from payments.tests.conftest import AT_20, NOW, session_event, signed
from payments.webhooks import stripe_webhook_receive

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: concurrent transactions and row locks",
    ),
]


@pytest.mark.parametrize("attempt", range(4))
def test_payment_and_expiry_at_once_end_in_one_consistent_state(policy, tables, fake, attempt):
    fake.answer("POST", "/v1/checkout/sessions", {"id": f"cs_{attempt}", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs"})
    fake.answer("POST", f"/v1/checkout/sessions/cs_{attempt}/expire", {
        "error": {"type": "invalid_request_error", "message": "Only open sessions can be expired."}}, status=400)
    fake.answer("POST", "/v1/refunds", {"id": "re_1", "object": "refund"})
    quote = payment_policy_applies(tenant=policy.tenant, start=AT_20, party_size=4, service=None, customer=None)
    deposit = deposit_checkout_start(tenant=policy.tenant, quote=quote, start=AT_20, party_size=4,
                                     description="Tavolo per 4", channel="whatsapp", now=NOW)
    ends = deposit.appointment.hold_expires_at
    body, signature = signed(session_event(f"evt_{attempt}", {
        "id": f"cs_{attempt}", "mode": "payment", "payment_status": "paid", "payment_intent": "pi_1",
        "metadata": {"tenant_id": str(policy.tenant_id)},
    }))

    def action(index: int) -> object:
        # The payment lands a second before the end, the sweep runs a second after it.
        if index % 2:
            return stripe_webhook_receive(body=body, signature=signature, now=ends - timedelta(seconds=1))
        return holds_expired_release(now=ends + timedelta(seconds=1))

    outcomes = threads_race(action, threads=2, refusals={})
    assert outcomes == Counter({"booked": 2})
    deposit.refresh_from_db()
    booking = deposit.appointment
    refunds = list(Payment.objects.filter(kind="refund").values_list("status", "amount_cents", "refund_of"))
    if booking.status == "confirmed":
        assert (deposit.status, refunds) == ("succeeded", [])
    else:
        assert booking.status == "expired"
        assert (deposit.status, refunds) == ("refunded", [("succeeded", 5000, deposit.pk)])
