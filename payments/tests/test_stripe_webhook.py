"""``/webhooks/stripe``: signed by the tenant's secret, handled once, a paid checkout confirms the held booking."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import Appointment
from payments.deposits import deposit_checkout_start
from payments.models import Payment, PaymentPolicy, StripeEvent
from payments.services import payment_policy_applies
from payments.signals import deposit_settled
from payments.tests.conftest import AT_20, NOW, session_event, signed
from payments.tests.factories import PaymentPolicyFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

URL = "/webhooks/stripe"


@pytest.fixture
def pending(policy, tables, fake):
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_paid", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_paid"})
    quote = payment_policy_applies(tenant=policy.tenant, start=AT_20, party_size=4, service=None, customer=None)
    return deposit_checkout_start(
        tenant=policy.tenant, quote=quote, start=AT_20, party_size=4, description="Tavolo per 4",
        channel="whatsapp", now=NOW,
    )


def _paid(tenant_id, *, event_id="evt_paid", session_id="cs_paid"):
    return session_event(event_id, {
        "id": session_id, "mode": "payment", "payment_status": "paid", "payment_intent": "pi_paid",
        "metadata": {"tenant_id": str(tenant_id)},
    })


def _post(client, body, signature, url=URL):
    return client.post(url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def settled():
    heard = []

    def receiver(sender, tenant, payment_id, outcome, now, **kwargs):
        heard.append((tenant.pk, payment_id, str(outcome)))

    deposit_settled.connect(receiver, dispatch_uid="test_settled")
    yield heard
    deposit_settled.disconnect(dispatch_uid="test_settled")


def test_a_paid_checkout_confirms_the_held_booking_and_records_the_payment(
    client, pending, settled, time_machine, django_capture_on_commit_callbacks,
):
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    body, signature = signed(_paid(pending.tenant_id))
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body, signature)
    assert (response.status_code, response.json()) == (200, {"status": "handled"})
    pending.refresh_from_db()
    assert (pending.status, pending.payment_intent_id, pending.amount_cents) == ("succeeded", "pi_paid", 5000)
    booking = pending.appointment
    booking.refresh_from_db()
    assert (booking.status, booking.hold_reason, booking.hold_expires_at) == ("confirmed", "payment", None)
    assert list(StripeEvent.objects.values_list("event_id", "type", "tenant")) == [
        ("evt_paid", "checkout.session.completed", pending.tenant_id)
    ]
    assert settled == [(pending.tenant_id, pending.pk, "confirmed")]


def test_the_url_without_a_trailing_slash_and_with_one(client, pending, time_machine):
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    assert reverse("stripe_webhook") in (URL, URL + "/")
    body, signature = signed(_paid(pending.tenant_id))
    assert _post(client, body, signature, url=URL + "/").json() == {"status": "handled"}


def test_a_replayed_event_changes_nothing(client, pending, time_machine):
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    body, signature = signed(_paid(pending.tenant_id))
    assert _post(client, body, signature).json() == {"status": "handled"}
    Payment.objects.filter(pk=pending.pk).update(payment_intent_id="pi_kept")
    response = _post(client, body, signature)
    assert (response.status_code, response.json()) == (200, {"status": "duplicate"})
    pending.refresh_from_db()
    assert pending.payment_intent_id == "pi_kept"
    assert StripeEvent.objects.count() == 1


@pytest.mark.parametrize("how", ["other_secret", "no_signature", "tampered"])
def test_a_badly_signed_event_is_refused_and_changes_nothing(client, pending, how, time_machine):
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    event = _paid(pending.tenant_id)
    body, signature = signed(event, secret="whsec_someone_else") if how == "other_secret" else signed(event)
    if how == "no_signature":
        signature = ""
    if how == "tampered":
        body = body.replace(b"pi_paid", b"pi_thief")
    response = _post(client, body, signature)
    assert response.status_code == 400
    pending.refresh_from_db()
    assert (pending.status, pending.appointment.status) == ("pending", "held")
    assert StripeEvent.objects.count() == 0


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"data": {"object": {"metadata": {"tenant_id": "999999"}}}}',
    b'{"data": {"object": {"metadata": {"tenant_id": "7b0f0c9e-2d6a-4d44-9c0e-5b1f4f0f0f0f"}}}}'])
def test_an_event_of_no_tenant_of_ours_is_refused(client, body):
    response = _post(client, body, "t=1,v1=00")
    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_a_tenant_without_a_payment_policy_is_refused(client):
    tenant = TenantFactory()
    body, signature = signed(_paid(tenant.pk))
    assert _post(client, body, signature).status_code == 400


def test_another_tenants_session_is_ignored(client, pending, time_machine):
    # The other tenant's own secret signs an event naming it, about our tenant's session.
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    other = PaymentPolicyFactory(tenant=TenantFactory(), stripe_secret_key="sk_test_other",
                                 stripe_webhook_secret="whsec_other")
    body, signature = signed(_paid(other.tenant_id), secret="whsec_other")
    response = _post(client, body, signature)
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    pending.refresh_from_db()
    assert (pending.status, pending.appointment.status) == ("pending", "held")
    # Claiming our tenant with the other's secret is refused outright.
    body, signature = signed(_paid(pending.tenant_id, event_id="evt_2"), secret="whsec_other")
    assert _post(client, body, signature).status_code == 400


def test_an_unpaid_completed_checkout_waits(client, pending, time_machine):
    # A bank debit: the session is complete, the money not yet there.
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    event = _paid(pending.tenant_id)
    event["data"]["object"]["payment_status"] = "unpaid"
    body, signature = signed(event)
    assert _post(client, body, signature).json() == {"status": "ignored"}
    pending.refresh_from_db()
    assert (pending.status, pending.appointment.status) == ("pending", "held")


def test_a_payment_after_the_hold_ran_out_is_refunded_in_full(
    client, pending, fake, settled, time_machine, django_capture_on_commit_callbacks,
):
    fake.answer("POST", "/v1/refunds", {"id": "re_late", "object": "refund"})
    time_machine.move_to(NOW + timedelta(minutes=16), tick=False)
    body, signature = signed(_paid(pending.tenant_id))
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, body, signature).json() == {"status": "handled"}
    pending.refresh_from_db()
    refund = pending.refund
    assert (pending.status, refund.status, refund.amount_cents, refund.refund_id) == (
        "refunded", "succeeded", 5000, "re_late"
    )
    assert pending.appointment.status == "held"  # never confirmed; the sweep marks it expired
    form = fake.requests[-1][2]
    assert (form["payment_intent"], form["amount"]) == (["pi_paid"], ["5000"])
    assert fake.requests[-1][3]["Idempotency-Key"] == f"lyo-{pending.tenant_id}-refund-{pending.pk}"
    assert settled == [(pending.tenant_id, pending.pk, "refunded_late")]


def test_an_expired_checkout_releases_the_hold(client, pending, settled, django_capture_on_commit_callbacks):
    event = session_event("evt_exp", {"id": "cs_paid", "metadata": {"tenant_id": str(pending.tenant_id)}},
                          type_="checkout.session.expired")
    body, signature = signed(event)
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, body, signature).json() == {"status": "handled"}
    pending.refresh_from_db()
    assert (pending.status, pending.appointment.status) == ("expired", Appointment.Status.EXPIRED)
    assert settled == [(pending.tenant_id, pending.pk, "expired")]


def test_a_card_saved_for_a_guarantee_confirms_the_booking_and_keeps_the_card(
    client, policy, tables, fake, time_machine,
):
    PaymentPolicy.objects.filter(pk=policy.pk).update(mode=PaymentPolicy.Mode.GUARANTEE)
    fake.answer("POST", "/v1/customers", {"id": "cus_g", "object": "customer"})
    fake.answer("POST", "/v1/checkout/sessions", {"id": "cs_g", "object": "checkout.session",
                                                   "url": "https://checkout.test/cs_g"})
    fake.answer("GET", "/v1/setup_intents/seti_g", {"id": "seti_g", "object": "setup_intent",
                                                     "customer": "cus_g", "payment_method": "pm_g"})
    quote = payment_policy_applies(tenant=policy.tenant, start=AT_20, party_size=4, service=None, customer=None)
    guarantee = deposit_checkout_start(tenant=policy.tenant, quote=quote, start=AT_20, party_size=4,
                                       description="Garanzia", channel="whatsapp", now=NOW)
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    body, signature = signed(session_event("evt_g", {
        "id": "cs_g", "mode": "setup", "setup_intent": "seti_g", "metadata": {"tenant_id": str(policy.tenant_id)},
    }))
    assert _post(client, body, signature).json() == {"status": "handled"}
    guarantee.refresh_from_db()
    assert (guarantee.kind, guarantee.status, guarantee.amount_cents) == ("guarantee", "succeeded", 5000)
    assert (guarantee.setup_intent_id, guarantee.provider_customer_id, guarantee.payment_method_id) == (
        "seti_g", "cus_g", "pm_g"
    )
    assert guarantee.appointment.status == "confirmed"
    # Saving a card moves no money: nothing was charged or refunded.
    assert not Payment.objects.filter(kind__in=("refund", "no_show_fee")).exists()


def test_a_delayed_payment_that_arrives_confirms_the_booking(
    client, pending, settled, time_machine, django_capture_on_commit_callbacks,
):
    # A bank debit: completed unpaid first, then Stripe's async event says the money came.
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    unpaid = _paid(pending.tenant_id, event_id="evt_unpaid")
    unpaid["data"]["object"]["payment_status"] = "unpaid"
    assert _post(client, *signed(unpaid)).json() == {"status": "ignored"}
    arrived = _paid(pending.tenant_id, event_id="evt_async_ok")
    arrived["type"] = "checkout.session.async_payment_succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, *signed(arrived)).json() == {"status": "handled"}
    pending.refresh_from_db()
    assert (pending.status, pending.amount_cents, pending.payment_intent_id) == ("succeeded", 5000, "pi_paid")
    assert pending.appointment.status == Appointment.Status.CONFIRMED
    assert settled == [(pending.tenant_id, pending.pk, "confirmed")]


def test_a_delayed_payment_that_fails_releases_the_hold(
    client, pending, settled, time_machine, django_capture_on_commit_callbacks,
):
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    failed = _paid(pending.tenant_id, event_id="evt_async_ko")
    failed["type"] = "checkout.session.async_payment_failed"
    failed["data"]["object"]["payment_status"] = "unpaid"
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, *signed(failed)).json() == {"status": "handled"}
    pending.refresh_from_db()
    assert (pending.status, pending.appointment.status) == ("expired", Appointment.Status.EXPIRED)
    assert settled == [(pending.tenant_id, pending.pk, "expired")]
    assert not Payment.objects.filter(kind="refund").exists()
