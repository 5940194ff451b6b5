"""Deposits and card guarantees: each tenant's policy, every money movement, and the provider events seen."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Weekday
from tenants.fields import EncryptedTextField
from tenants.models import TenantOwnedModel


def validate_weekdays(value: object) -> None:
    if not isinstance(value, list) or any(not isinstance(day, int) or day not in Weekday.values for day in value):
        raise ValidationError(_("Weekdays are numbers from 0 (Monday) to 6 (Sunday)."))


class PaymentPolicy(TenantOwnedModel):
    """What a tenant asks of a customer before a booking is confirmed: nothing, a deposit, or a card.

    One row per tenant; without one (or with mode "none") nobody pays. The conditions
    narrow it: every condition set must hold for the policy to apply to a booking.
    """

    class Mode(models.TextChoices):
        NONE = "none", _("No payment")
        DEPOSIT = "deposit", _("Deposit")
        GUARANTEE = "guarantee", _("Card guarantee")

    class Per(models.TextChoices):
        PERSON = "person", _("Per person")
        BOOKING = "booking", _("Per booking")

    mode = models.CharField(_("what the customer gives"), max_length=10, choices=Mode.choices, default=Mode.NONE)
    # Cents, never a float: 25,00 € is 2500.
    amount_cents = models.PositiveIntegerField(
        _("amount (cents)"), default=0,
        help_text=_("Deposit: what is paid. Card guarantee: the most a no-show can be charged. 2500 is 25.00."),
    )
    per = models.CharField(_("amount is"), max_length=8, choices=Per.choices, default=Per.PERSON)
    currency = models.CharField(_("currency"), max_length=3, default="eur", help_text=_("ISO code, e.g. eur."))
    min_party_size = models.PositiveSmallIntegerField(
        _("from party size"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Only parties of this many or more. Empty: any party."),
    )
    weekdays = models.JSONField(
        _("days"), default=list, blank=True, validators=[validate_weekdays],
        help_text=_("Only these weekdays (0 Monday … 6 Sunday). Empty: every day."),
    )
    period_starts = models.TimeField(
        _("service period from"), null=True, blank=True,
        help_text=_("Only bookings starting from this time (e.g. 19:00 for dinner). Empty: all day."),
    )
    period_ends = models.TimeField(_("service period until"), null=True, blank=True)
    services = models.ManyToManyField(
        "bookings.Service", blank=True, related_name="+", db_table="lyo_payment_policy_services",
        verbose_name=_("services"), help_text=_("Salons: only these services. Empty: every service."),
    )
    first_time_only = models.BooleanField(
        _("first-time customers only"), default=False,
        help_text=_("Only customers who have never been here (no earlier completed visit)."),
    )
    cutoff_hours = models.PositiveSmallIntegerField(
        _("cancellation cut-off (hours)"), default=24, validators=[MaxValueValidator(24 * 30)],
        help_text=_("Cancelled earlier than this before the start: the deposit is refunded. Later, or not "
                    "coming: the deposit is kept, or the no-show fee may be charged."),
    )
    hold_minutes = models.PositiveSmallIntegerField(
        _("minutes to pay"), default=15, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text=_("How long the slot is held while the customer pays."),
    )
    guarantee_after_no_shows = models.PositiveSmallIntegerField(
        _("card guarantee after no-shows"), default=0,
        help_text=_("Customers with this many no-shows give a card guarantee whatever the rules above say "
                    "(a deposit still applies where it does). 0: never."),
    )
    terms_it = models.TextField(
        _("terms (Italian)"), blank=True,
        help_text=_("Told to the customer before they confirm, after the amount."),
    )
    terms_en = models.TextField(_("terms (English)"), blank=True)
    # The tenant's own Stripe account (a secret key), or the platform's key with the
    # tenant's connected account id. Encrypted at rest like the channels' tokens.
    stripe_secret_key = EncryptedTextField(_("Stripe secret key"), blank=True, default="")
    stripe_webhook_secret = EncryptedTextField(_("Stripe webhook signing secret"), blank=True, default="")
    stripe_account_id = models.CharField(
        _("Stripe connected account"), max_length=64, blank=True,
        help_text=_("acct_…: with the platform's key instead of the tenant's own."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_payment_policies"
        verbose_name = _("payment policy")
        verbose_name_plural = _("payment policies")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="uniq_payment_policy_tenant")]

    def __str__(self) -> str:
        return f"{self.tenant} ({self.get_mode_display()})"

    def clean(self) -> None:
        super().clean()
        if self.mode != self.Mode.NONE and not self.amount_cents:
            raise ValidationError({"amount_cents": _("Set the amount for a deposit or a card guarantee.")})
        if (self.period_starts is None) != (self.period_ends is None):
            raise ValidationError({"period_ends": _("Set both ends of the service period, or neither.")})

    def terms(self, language: str) -> str:
        return (self.terms_en if language == "en" else self.terms_it) or self.terms_it or self.terms_en


class Payment(TenantOwnedModel):
    """One money movement (or a card saved for a guarantee), with the provider's ids.

    A deposit and the refund of it are two rows; a no-show fee is its own row, with
    who charged it. Amounts in the currency's smallest unit (cents).
    """

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        GUARANTEE = "guarantee", _("Card guarantee")
        REFUND = "refund", _("Refund")
        NO_SHOW_FEE = "no_show_fee", _("No-show fee")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired unpaid")
        REFUNDED = "refunded", _("Refunded")

    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="payments",
        verbose_name=_("booking"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3)
    provider = models.CharField(_("provider"), max_length=16, default="stripe")
    checkout_session_id = models.CharField(_("checkout session"), max_length=255, null=True, blank=True)
    checkout_url = models.URLField(_("payment link"), max_length=2000, blank=True)
    payment_intent_id = models.CharField(_("payment intent"), max_length=255, blank=True)
    setup_intent_id = models.CharField(_("setup intent"), max_length=255, blank=True)
    provider_customer_id = models.CharField(_("provider customer"), max_length=255, blank=True)
    payment_method_id = models.CharField(_("saved card"), max_length=255, blank=True)
    refund_id = models.CharField(_("refund"), max_length=255, blank=True)
    # A refund names the deposit it returns; one refund per deposit (a database property).
    refund_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refund", verbose_name=_("refund of"),
    )
    # Who charged a no-show fee (null for Lyo itself): the audit record of the charge.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("charged by"),
    )
    failure = models.CharField(_("why it failed"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_payments"
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "checkout_session_id"], condition=Q(checkout_session_id__isnull=False),
                name="uniq_payment_checkout_session",
            ),
            # A no-show is charged once, whoever clicks twice; a charge the card refused may be
            # tried again, as a row of its own (the refusal stays on record).
            models.UniqueConstraint(
                fields=["appointment"], condition=Q(kind="no_show_fee") & ~Q(status="failed"),
                name="uniq_payment_no_show_fee",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="payment_tenant_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {amount_text(self.amount_cents, self.currency)}"

    @property
    def amount_text(self) -> str:
        return amount_text(self.amount_cents, self.currency)

    @property
    def deposit_kept(self) -> bool:
        """A paid deposit the business keeps: its booking cancelled after the cut-off, or not shown, and no refund."""
        if self.kind != self.Kind.DEPOSIT or self.status != self.Status.SUCCEEDED or self.appointment is None:
            return False
        if self.appointment.status not in ("cancelled", "no_show"):
            return False
        # A missing reverse one-to-one raises an AttributeError of its own: no refund.
        refund = getattr(self, "refund", None)
        return refund is None or refund.status == self.Status.FAILED


def amount_text(cents: int, currency: str) -> str:
    """"25,00 €" (euros, as Italians write them) or "25.00 USD": exact, from integer cents."""
    units, rest = divmod(cents, 100)
    if currency.lower() == "eur":
        return f"{units},{rest:02d} €"
    return f"{units}.{rest:02d} {currency.upper()}"


class StripeEvent(TenantOwnedModel):
    """A Stripe event already handled: a replay (Stripe retries, or an attacker) does nothing twice."""

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        db_table = "lyo_stripe_events"
        ordering = ["-received_at"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
