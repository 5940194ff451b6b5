"""The payment provider behind a tenant's policy: a small interface, and Stripe behind it.

Services call ``provider_for(policy)`` and speak only this interface, so another
provider is one more class. Every call that moves money carries an idempotency key,
so a retried call (a worker restarted, a double click) moves it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import stripe
from django.conf import settings

from payments.models import PaymentPolicy


class ProviderError(Exception):
    """The provider refused or could not be reached; ``str()`` is safe to show staff."""


class EventUnverified(Exception):
    """A webhook whose signature does not match (or is missing, or too old)."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class SavedCard:
    customer_id: str
    payment_method_id: str


@dataclass(frozen=True)
class Charge:
    payment_intent_id: str
    succeeded: bool
    failure: str = ""


class PaymentProvider(Protocol):
    name: str

    def deposit_checkout(
        self, *, amount_cents: int, currency: str, description: str, expires_at: int, metadata: dict[str, str],
        idempotency_key: str,
    ) -> CheckoutSession: ...

    def guarantee_checkout(
        self, *, currency: str, description: str, expires_at: int, metadata: dict[str, str], idempotency_key: str,
    ) -> CheckoutSession: ...

    def checkout_expire(self, session_id: str) -> None: ...

    def saved_card(self, setup_intent_id: str) -> SavedCard: ...

    def refund(self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str) -> str: ...

    def off_session_charge(
        self, *, card: SavedCard, amount_cents: int, currency: str, description: str, metadata: dict[str, str],
        idempotency_key: str,
    ) -> Charge: ...

    def event_verify(self, payload: bytes, signature: str) -> dict[str, Any]: ...


class StripeProvider:
    """Stripe with the tenant's own secret key, or the platform's key on the tenant's connected account."""

    name = "stripe"

    def __init__(self, *, api_key: str, webhook_secret: str, account_id: str = "") -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.account_id = account_id

    def _options(self, idempotency_key: str | None = None) -> dict[str, Any]:
        options: dict[str, Any] = {"api_key": self.api_key}
        if self.account_id:
            options["stripe_account"] = self.account_id
        if idempotency_key:
            options["idempotency_key"] = idempotency_key
        return options

    def _return_url(self) -> str:
        # Stripe needs a page to send the customer back to; the chat is where they go on.
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
        base = settings.LYO_PUBLIC_URL or (f"https://{hosts[0].lstrip('.')}" if hosts else "http://localhost")
        return f"{base}/"

    def deposit_checkout(
        self, *, amount_cents: int, currency: str, description: str, expires_at: int, metadata: dict[str, str],
        idempotency_key: str,
    ) -> CheckoutSession:
        try:
            session = stripe.checkout.Session.create(
                mode="payment",
                line_items=[{
                    "quantity": 1,
                    "price_data": {"currency": currency, "unit_amount": amount_cents,
                                   "product_data": {"name": description}},
                }],
                payment_intent_data={"metadata": metadata},
                metadata=metadata,
                expires_at=expires_at,
                success_url=self._return_url(),
                cancel_url=self._return_url(),
                **self._options(idempotency_key),
            )
        except stripe.StripeError as error:
            raise ProviderError(_stripe_message(error)) from error
        return CheckoutSession(id=session.id, url=session.url or "")

    def guarantee_checkout(
        self, *, currency: str, description: str, expires_at: int, metadata: dict[str, str], idempotency_key: str,
    ) -> CheckoutSession:
        try:
            # A customer to attach the card to, so it can be charged later off-session.
            customer = stripe.Customer.create(
                description=description, metadata=metadata, **self._options(f"{idempotency_key}-customer")
            )
            session = stripe.checkout.Session.create(
                mode="setup",
                currency=currency,
                customer=customer.id,
                setup_intent_data={"metadata": metadata, "description": description},
                metadata=metadata,
                expires_at=expires_at,
                success_url=self._return_url(),
                cancel_url=self._return_url(),
                **self._options(idempotency_key),
            )
        except stripe.StripeError as error:
            raise ProviderError(_stripe_message(error)) from error
        return CheckoutSession(id=session.id, url=session.url or "")

    def checkout_expire(self, session_id: str) -> None:
        try:
            stripe.checkout.Session.expire(session_id, **self._options())
        except stripe.StripeError as error:
            raise ProviderError(_stripe_message(error)) from error

    def saved_card(self, setup_intent_id: str) -> SavedCard:
        try:
            intent = stripe.SetupIntent.retrieve(setup_intent_id, **self._options())
        except stripe.StripeError as error:
            raise ProviderError(_stripe_message(error)) from error
        return SavedCard(customer_id=_id(intent.customer), payment_method_id=_id(intent.payment_method))

    def refund(self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        try:
            refund = stripe.Refund.create(
                payment_intent=payment_intent_id, amount=amount_cents, **self._options(idempotency_key)
            )
        except stripe.StripeError as error:
            raise ProviderError(_stripe_message(error)) from error
        return refund.id

    def off_session_charge(
        self, *, card: SavedCard, amount_cents: int, currency: str, description: str, metadata: dict[str, str],
        idempotency_key: str,
    ) -> Charge:
        try:
            intent = stripe.PaymentIntent.create(
                amount=amount_cents, currency=currency, customer=card.customer_id,
                payment_method=card.payment_method_id, off_session=True, confirm=True,
                description=description, metadata=metadata, **self._options(idempotency_key),
            )
        except stripe.CardError as error:
            # Declined: Stripe still made a PaymentIntent, which the record keeps.
            intent_id = ""
            if error.error is not None and error.error.payment_intent is not None:
                intent_id = error.error.payment_intent.id
            return Charge(payment_intent_id=intent_id, succeeded=False, failure=_stripe_message(error))
        except stripe.StripeError as error:
            raise ProviderError(_stripe_message(error)) from error
        return Charge(payment_intent_id=intent.id, succeeded=intent.status == "succeeded",
                      failure="" if intent.status == "succeeded" else intent.status)

    def event_verify(self, payload: bytes, signature: str) -> dict[str, Any]:
        if not self.webhook_secret:
            raise EventUnverified("no webhook signing secret is set")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise EventUnverified(str(error)) from error
        # Plain data from here on: the services read fields, not Stripe objects.
        return event.to_dict(for_json=True)


def provider_for(policy: PaymentPolicy) -> PaymentProvider:
    """The tenant's provider: its own Stripe key, else the platform's on its connected account."""
    if policy.stripe_secret_key:
        return StripeProvider(api_key=policy.stripe_secret_key, webhook_secret=policy.stripe_webhook_secret)
    if settings.STRIPE_PLATFORM_SECRET_KEY and policy.stripe_account_id:
        return StripeProvider(
            api_key=settings.STRIPE_PLATFORM_SECRET_KEY,
            webhook_secret=policy.stripe_webhook_secret or settings.STRIPE_PLATFORM_WEBHOOK_SECRET,
            account_id=policy.stripe_account_id,
        )
    raise ProviderError("Stripe is not connected: set the tenant's Stripe secret key, or its connected account.")


def provider_connected(policy: PaymentPolicy) -> bool:
    return bool(policy.stripe_secret_key or (settings.STRIPE_PLATFORM_SECRET_KEY and policy.stripe_account_id))


def _id(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value.id)


def _stripe_message(error: stripe.StripeError) -> str:
    return (error.user_message or str(error) or type(error).__name__)[:255]
