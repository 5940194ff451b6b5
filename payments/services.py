"""Whether a booking needs a deposit or a card guarantee, and how much, in exact cents."""

from dataclasses import dataclass
from datetime import datetime, time

from bookings.models import Service
from customers.models import Customer
from payments.models import PaymentPolicy, amount_text
from payments.selectors import customer_is_first_time, customer_no_shows, payment_policy_get
from tenants.models import Tenant


@dataclass(frozen=True)
class PaymentQuote:
    """What the customer is asked for before they commit: quoted to them, then charged or saved."""

    kind: str  # PaymentPolicy.Mode.DEPOSIT or GUARANTEE
    amount_cents: int
    currency: str
    cutoff_hours: int
    hold_minutes: int
    # The customer's no-shows made a card guarantee necessary where the rules asked for nothing.
    for_no_shows: bool = False

    @property
    def amount_text(self) -> str:
        return amount_text(self.amount_cents, self.currency)


def payment_policy_applies(
    *, tenant: Tenant, start: datetime, party_size: int, service: Service | None, customer: Customer | None
) -> PaymentQuote | None:
    """The deposit or guarantee this booking needs under the tenant's policy; ``None``: nothing.

    Every condition the policy sets must hold (party size, weekday and service period
    of the local start, service, first-time customer). A customer with as many no-shows
    as the policy's threshold gives a card guarantee even where the rules ask nothing.
    """
    policy = payment_policy_get(tenant=tenant)
    if policy is None:
        return None
    if policy.mode != PaymentPolicy.Mode.NONE and policy.amount_cents and _conditions_hold(
        policy, tenant=tenant, start=start, party_size=party_size, service=service, customer=customer
    ):
        return _quote(policy, policy.mode, party_size)
    threshold = policy.guarantee_after_no_shows
    if threshold and policy.amount_cents and customer_no_shows(tenant=tenant, customer=customer) >= threshold:
        return _quote(policy, PaymentPolicy.Mode.GUARANTEE, party_size, for_no_shows=True)
    return None


def _quote(policy: PaymentPolicy, kind: str, party_size: int, *, for_no_shows: bool = False) -> PaymentQuote:
    per_person = policy.per == PaymentPolicy.Per.PERSON
    return PaymentQuote(
        kind=kind,
        amount_cents=policy.amount_cents * (party_size if per_person else 1),
        currency=policy.currency.lower(),
        cutoff_hours=policy.cutoff_hours,
        hold_minutes=policy.hold_minutes,
        for_no_shows=for_no_shows,
    )


def _conditions_hold(
    policy: PaymentPolicy, *, tenant: Tenant, start: datetime, party_size: int, service: Service | None,
    customer: Customer | None,
) -> bool:
    local = start.astimezone(tenant.tzinfo)
    if policy.min_party_size and party_size < policy.min_party_size:
        return False
    if policy.weekdays and local.weekday() not in policy.weekdays:
        return False
    if policy.period_starts is not None and policy.period_ends is not None and not _in_period(
        local.time(), policy.period_starts, policy.period_ends
    ):
        return False
    chosen = list(policy.services.values_list("pk", flat=True))
    if chosen and (service is None or service.pk not in chosen):
        return False
    return not policy.first_time_only or customer_is_first_time(tenant=tenant, customer=customer)


def _in_period(moment: time, starts: time, ends: time) -> bool:
    # A period ending at or before it starts runs past midnight (dinner 19:00–01:00).
    if ends <= starts:
        return moment >= starts or moment < ends
    return starts <= moment < ends
