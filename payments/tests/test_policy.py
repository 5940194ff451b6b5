"""Which bookings a tenant's payment policy asks a deposit or a card guarantee of, and how much."""

from datetime import UTC, datetime, time

import pytest
from django.urls import reverse

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory, ServiceFactory
from customers.tests.factories import CustomerFactory
from payments.models import PaymentPolicy, amount_text
from payments.services import payment_policy_applies
from payments.tests.factories import PaymentPolicyFactory
from tenants.models import TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

# Saturday 5 December 2026, 20:00 in Rome.
SATURDAY_DINNER = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
# Friday 4 December 2026, 13:00 in Rome.
FRIDAY_LUNCH = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _applies(tenant, *, start=SATURDAY_DINNER, party_size=2, service=None, customer=None):
    return payment_policy_applies(tenant=tenant, start=start, party_size=party_size, service=service,
                                  customer=customer)


def test_no_policy_asks_nothing():
    assert _applies(TenantFactory()) is None


def test_a_deposit_per_person_is_multiplied_exactly_in_cents():
    policy = PaymentPolicyFactory(amount_cents=1250, per=PaymentPolicy.Per.PERSON, cutoff_hours=48)
    quote = _applies(policy.tenant, party_size=7)
    assert (quote.kind, quote.amount_cents, quote.currency, quote.cutoff_hours) == ("deposit", 8750, "eur", 48)
    assert quote.amount_text == "87,50 €"


def test_a_deposit_per_booking_is_the_same_for_any_party():
    policy = PaymentPolicyFactory(amount_cents=3000, per=PaymentPolicy.Per.BOOKING)
    assert _applies(policy.tenant, party_size=9).amount_cents == 3000


def test_saturday_dinner_for_six_or_more_only():
    policy = PaymentPolicyFactory(min_party_size=6, weekdays=[5], period_starts=time(19), period_ends=time(23, 30))
    assert _applies(policy.tenant, party_size=6).amount_cents == 6000
    assert _applies(policy.tenant, party_size=5) is None
    assert _applies(policy.tenant, party_size=6, start=FRIDAY_LUNCH) is None
    # Saturday lunch, 13:00 in Rome: the right day, not the service period.
    assert _applies(policy.tenant, party_size=6, start=datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) is None


def test_a_service_period_past_midnight():
    policy = PaymentPolicyFactory(period_starts=time(22), period_ends=time(2))
    assert _applies(policy.tenant, start=datetime(2026, 12, 5, 23, 30, tzinfo=UTC)) is not None  # 00:30
    assert _applies(policy.tenant, start=SATURDAY_DINNER) is None  # 20:00


def test_chosen_services_only():
    policy = PaymentPolicyFactory(tenant=TenantFactory(kind="salon"), per=PaymentPolicy.Per.BOOKING)
    colour, cut = ServiceFactory(tenant=policy.tenant), ServiceFactory(tenant=policy.tenant)
    policy.services.add(colour)
    assert _applies(policy.tenant, service=colour).amount_cents == 1000
    assert _applies(policy.tenant, service=cut) is None


def test_first_time_customers_only():
    policy = PaymentPolicyFactory(first_time_only=True, mode=PaymentPolicy.Mode.GUARANTEE)
    regular, newcomer = CustomerFactory(tenant=policy.tenant), CustomerFactory(tenant=policy.tenant)
    AppointmentFactory(tenant=policy.tenant, customer=regular, status=Appointment.Status.COMPLETED)
    assert _applies(policy.tenant, customer=regular) is None
    assert _applies(policy.tenant, customer=newcomer).kind == "guarantee"


def test_a_guest_who_did_not_show_gives_a_guarantee_whatever_the_rules():
    policy = PaymentPolicyFactory(mode=PaymentPolicy.Mode.NONE, amount_cents=2000, guarantee_after_no_shows=1)
    guest, other = CustomerFactory(tenant=policy.tenant), CustomerFactory(tenant=policy.tenant)
    AppointmentFactory(tenant=policy.tenant, customer=guest, status=Appointment.Status.NO_SHOW)
    quote = _applies(policy.tenant, customer=guest)
    assert (quote.kind, quote.amount_cents, quote.for_no_shows) == ("guarantee", 4000, True)
    assert _applies(policy.tenant, customer=other) is None


def test_no_shows_at_another_tenant_do_not_count():
    policy = PaymentPolicyFactory(mode=PaymentPolicy.Mode.NONE, guarantee_after_no_shows=1)
    elsewhere = AppointmentFactory(status=Appointment.Status.NO_SHOW)
    # The same person is another customer row at another tenant; their history there is not ours.
    assert _applies(policy.tenant, customer=CustomerFactory(tenant=policy.tenant)) is None
    assert _applies(elsewhere.tenant, customer=elsewhere.customer) is None


def test_another_tenants_policy_does_not_apply():
    PaymentPolicyFactory()
    assert _applies(TenantFactory()) is None


@pytest.mark.parametrize(("cents", "currency", "text"), [
    (2500, "eur", "25,00 €"), (5, "eur", "0,05 €"), (123456, "usd", "1234.56 USD"),
])
def test_amounts_read_exactly(cents, currency, text):
    assert amount_text(cents, currency) == text


def test_only_owners_edit_the_policy(client):
    tenant = TenantFactory()
    policy = PaymentPolicyFactory(tenant=tenant, stripe_secret_key="sk_test_hidden")
    url = reverse("admin:payments_paymentpolicy_change", args=[policy.pk])
    client.force_login(MembershipFactory(tenant=tenant, role=TenantMembership.Role.STAFF).user)
    assert client.get(url).status_code == 403
    client.force_login(MembershipFactory(tenant=tenant, role=TenantMembership.Role.OWNER).user)
    page = client.get(url)
    assert page.status_code == 200
    # A secret is never shown, not even to an owner.
    assert b"sk_test_hidden" not in page.content
    other_owner = MembershipFactory(tenant=TenantFactory(), role=TenantMembership.Role.OWNER).user
    client.force_login(other_owner)
    # Another tenant's row does not exist for them.
    assert client.get(url).status_code == 404


def test_an_owner_sets_the_stripe_key_encrypted_and_audited(client):
    from tenants.models import AuditEvent

    tenant = TenantFactory()
    policy = PaymentPolicyFactory(tenant=tenant)
    client.force_login(MembershipFactory(tenant=tenant, role=TenantMembership.Role.OWNER).user)
    url = reverse("admin:payments_paymentpolicy_change", args=[policy.pk])
    response = client.post(url, {
        "tenant": tenant.pk, "mode": "deposit", "amount_cents": 2500, "per": "person", "currency": "eur",
        "weekdays": "[]", "cutoff_hours": 24, "hold_minutes": 15, "guarantee_after_no_shows": 0,
        "new_stripe_secret_key": "sk_test_owner", "new_stripe_webhook_secret": "",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert (policy.stripe_secret_key, policy.stripe_webhook_secret, policy.amount_cents) == ("sk_test_owner", "", 2500)
    assert list(AuditEvent.objects.filter(tenant=tenant).values_list("action", "target")) == [
        ("token_set", "Stripe secret key")
    ]
    assert b"sk_test_owner" not in client.get(url).content


def test_the_no_show_rule_holds_where_the_policy_s_own_conditions_do_not():
    # Deposits only for parties of 8 on Saturdays; two no-shows ask a card of a couple on a Friday.
    policy = PaymentPolicyFactory(mode=PaymentPolicy.Mode.DEPOSIT, amount_cents=1000, min_party_size=8,
                                  weekdays=[5], guarantee_after_no_shows=2)
    twice, once = CustomerFactory(tenant=policy.tenant), CustomerFactory(tenant=policy.tenant)
    for guest, misses in ((twice, 2), (once, 1)):
        for _miss in range(misses):
            AppointmentFactory(tenant=policy.tenant, customer=guest, status=Appointment.Status.NO_SHOW)
    quote = _applies(policy.tenant, start=FRIDAY_LUNCH, customer=twice)
    assert (quote.kind, quote.amount_cents, quote.for_no_shows) == ("guarantee", 2000, True)
    assert _applies(policy.tenant, start=FRIDAY_LUNCH, customer=once) is None
    # Where the policy itself asks a deposit, the deposit stands.
    assert _applies(policy.tenant, party_size=8, customer=twice).kind == "deposit"
