"""Connecting a business's WhatsApp number from the owner's settings, with Meta's Embedded Signup.

The owner finishes Meta's dialog in the browser; the page hands over what it returned:
a one-time code and the session info (the WhatsApp Business Account and phone number
ids). ``whatsapp_embedded_signup_complete`` then, through the channel's Graph client:

1. trades the code for the business's access token (``GET /oauth/access_token``);
2. subscribes Lyo's app to the business account's webhooks (``POST /<WABA_ID>/subscribed_apps``);
3. registers the number for the Cloud API (``POST /<PHONE_NUMBER_ID>/register``), except
   a number that stays in the WhatsApp Business app (coexistence), which the app keeps registered;
4. reads the number as Meta knows it (``GET /<PHONE_NUMBER_ID>``): its display number and name;
5. stores the ids, the token (encrypted) and whether the number is a coexistence one.

All or nothing: a refusal at any step stores nothing, and a subscription made before a
later step failed is taken back (best effort: the business account is nobody else's).
A coexistence number then asks Meta for its contacts and history (best effort: they
arrive on the webhook and are imported by ``whatsapp.services.app_sync``).
"""

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from common.log_context import log_context
from meta.graph import GraphError
from tenants.audit import token_change_audit
from tenants.models import Tenant
from tenants.selectors import tenant_lookup_forget
from whatsapp.client import WhatsAppClient

logger = logging.getLogger(__name__)

# Meta's ids are decimal numbers; anything else did not come from the signup dialog.
_GRAPH_ID = re.compile(r"\d{1,32}")
# The Cloud API's two-step verification PIN: six digits (Meta's "Registration" page).
_PIN = re.compile(r"\d{6}")
# What a coexistence number asks Meta to send once it joined (Meta's coexistence onboarding).
APP_DATA_SYNC_TYPES = ("smb_app_state_sync", "history")


class SignupFlavour(StrEnum):
    NEW_NUMBER = "new_number"  # a number that leaves the app (or never was in it) for the Cloud API
    COEXISTENCE = "coexistence"  # a number that stays in the WhatsApp Business app too


class SignupStep(StrEnum):
    """Where the connection stopped, for the owner's message and the log."""

    CHECK = "check"
    CODE_EXCHANGE = "code_exchange"
    SUBSCRIBE = "subscribe"
    REGISTER = "register"
    NUMBER_READ = "number_read"


@dataclass(frozen=True)
class SignupSession:
    """What Embedded Signup handed the page: the code and the session info's ids."""

    code: str
    business_account_id: str
    phone_number_id: str
    flavour: SignupFlavour
    pin: str = ""  # new numbers only: the two-step verification PIN to register with


@dataclass(frozen=True)
class WhatsAppConnected:
    phone_number_id: str
    business_account_id: str
    display_phone_number: str
    verified_name: str
    coexistence: bool


class EmbeddedSignupNotConfigured(Exception):
    """The Meta app id, its secret or the Embedded Signup configuration id is not set."""


class EmbeddedSignupFailed(Exception):
    """The number was not connected; nothing was stored. ``step`` says where it stopped."""

    def __init__(self, step: SignupStep, detail: str, *, transient: bool = False) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail
        self.transient = transient  # trying again later may work (Meta-side trouble, network)


class NumberConnectedElsewhere(EmbeddedSignupFailed):
    """The phone number is already another business's on Lyo."""

    def __init__(self) -> None:
        super().__init__(SignupStep.CHECK, "the phone number is connected to another business")


def embedded_signup_configured() -> bool:
    return bool(settings.META_APP_ID and settings.META_APP_SECRET and settings.META_EMBEDDED_SIGNUP_CONFIG_ID)


def signup_session_parse(
    *, code: str, business_account_id: str, phone_number_id: str, flavour: str, pin: str = ""
) -> SignupSession:
    """The page's fields as a ``SignupSession``; ``EmbeddedSignupFailed`` (step ``check``) when malformed."""
    code, business_account_id, phone_number_id, pin = (
        code.strip(),
        business_account_id.strip(),
        phone_number_id.strip(),
        pin.strip(),
    )
    if not code or len(code) > 2048:
        raise EmbeddedSignupFailed(SignupStep.CHECK, "no code from Meta")
    if not _GRAPH_ID.fullmatch(business_account_id) or not _GRAPH_ID.fullmatch(phone_number_id):
        raise EmbeddedSignupFailed(SignupStep.CHECK, "no business account or phone number id from Meta")
    try:
        kind = SignupFlavour(flavour)
    except ValueError:
        raise EmbeddedSignupFailed(SignupStep.CHECK, f"unknown flavour {flavour!r}") from None
    if kind == SignupFlavour.NEW_NUMBER and not _PIN.fullmatch(pin):
        raise EmbeddedSignupFailed(SignupStep.CHECK, "the PIN must be six digits")
    return SignupSession(
        code=code,
        business_account_id=business_account_id,
        phone_number_id=phone_number_id,
        flavour=kind,
        pin=pin if kind == SignupFlavour.NEW_NUMBER else "",
    )


def _number_taken(*, tenant: Tenant, phone_number_id: str) -> bool:
    return Tenant.objects.filter(whatsapp_phone_number_id=phone_number_id).exclude(pk=tenant.pk).exists()


def _failed(step: SignupStep, exc: GraphError) -> EmbeddedSignupFailed:
    return EmbeddedSignupFailed(step, f"Graph error {exc.code}: {exc.title}", transient=exc.transient)


def whatsapp_embedded_signup_complete(
    *,
    tenant: Tenant,
    session: SignupSession,
    actor: User | None,
    client: WhatsAppClient | None = None,
) -> WhatsAppConnected:
    """Connect the number Embedded Signup returned to ``tenant``: all of it, or nothing (``EmbeddedSignupFailed``)."""
    if not embedded_signup_configured():
        raise EmbeddedSignupNotConfigured("META_APP_ID, META_APP_SECRET and META_EMBEDDED_SIGNUP_CONFIG_ID")
    if _number_taken(tenant=tenant, phone_number_id=session.phone_number_id):
        raise NumberConnectedElsewhere()
    client = client or WhatsAppClient()
    with log_context(tenant_id=tenant.pk):
        try:
            token = client.business_token_exchange(
                app_id=settings.META_APP_ID,
                app_secret=settings.META_APP_SECRET,
                code=session.code,
            )
        except GraphError as exc:
            logger.warning("embedded signup: code exchange refused for tenant %s: %s", tenant.slug, exc)
            raise _failed(SignupStep.CODE_EXCHANGE, exc) from exc
        try:
            client.business_account_subscribe(business_account_id=session.business_account_id, token=token)
        except GraphError as exc:
            logger.warning("embedded signup: subscription refused for tenant %s: %s", tenant.slug, exc)
            raise _failed(SignupStep.SUBSCRIBE, exc) from exc
        try:
            connected = _number_register_and_store(
                tenant=tenant, session=session, token=token, client=client, actor=actor
            )
        except EmbeddedSignupFailed:
            _subscription_undo(tenant=tenant, session=session, token=token, client=client)
            raise
        logger.info(
            "WhatsApp number %s connected for tenant %s (coexistence: %s)",
            session.phone_number_id,
            tenant.slug,
            connected.coexistence,
        )
        if connected.coexistence:
            _app_data_sync_request(tenant=tenant, phone_number_id=session.phone_number_id, token=token, client=client)
    return connected


def _number_register_and_store(
    *,
    tenant: Tenant,
    session: SignupSession,
    token: str,
    client: WhatsAppClient,
    actor: User | None,
) -> WhatsAppConnected:
    coexistence = session.flavour == SignupFlavour.COEXISTENCE
    if not coexistence:
        try:
            client.phone_number_register(phone_number_id=session.phone_number_id, token=token, pin=session.pin)
        except GraphError as exc:
            logger.warning("embedded signup: registration refused for tenant %s: %s", tenant.slug, exc)
            raise _failed(SignupStep.REGISTER, exc) from exc
    try:
        number = client.phone_number_get(
            session.phone_number_id, token, fields=("display_phone_number", "verified_name")
        )
    except GraphError as exc:
        logger.warning("embedded signup: number unreadable for tenant %s: %s", tenant.slug, exc)
        raise _failed(SignupStep.NUMBER_READ, exc) from exc
    if str(number.get("id", session.phone_number_id)) != session.phone_number_id:
        raise EmbeddedSignupFailed(SignupStep.NUMBER_READ, f"the Graph API answered for {number.get('id')}")
    connected = WhatsAppConnected(
        phone_number_id=session.phone_number_id,
        business_account_id=session.business_account_id,
        display_phone_number=str(number.get("display_phone_number", ""))[:32],
        verified_name=str(number.get("verified_name", "")),
        coexistence=coexistence,
    )
    try:
        with transaction.atomic():
            # The tenant's row, locked: two connections at once store one after the other.
            locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
            if _number_taken(tenant=locked, phone_number_id=session.phone_number_id):
                raise NumberConnectedElsewhere()
            locked.whatsapp_phone_number_id = connected.phone_number_id
            locked.whatsapp_business_account_id = connected.business_account_id
            locked.whatsapp_display_phone_number = connected.display_phone_number
            locked.whatsapp_access_token = token
            locked.whatsapp_token_invalid_at = None
            locked.whatsapp_coexistence = coexistence
            locked.save(
                update_fields=[
                    "whatsapp_phone_number_id",
                    "whatsapp_business_account_id",
                    "whatsapp_display_phone_number",
                    "whatsapp_access_token",
                    "whatsapp_token_invalid_at",
                    "whatsapp_coexistence",
                    "updated_at",
                ]
            )
            token_change_audit(
                tenant=locked,
                actor=actor,
                which="WhatsApp access token",
                cleared=False,
                actor_label="" if actor else "Embedded Signup",
            )
    except IntegrityError as exc:  # the unique phone number id: another business stored it meanwhile
        raise NumberConnectedElsewhere() from exc
    for name in (
        "whatsapp_phone_number_id",
        "whatsapp_business_account_id",
        "whatsapp_display_phone_number",
        "whatsapp_access_token",
        "whatsapp_token_invalid_at",
        "whatsapp_coexistence",
        "updated_at",
    ):
        setattr(tenant, name, getattr(locked, name))
    # Webhooks for this number now route to this tenant.
    transaction.on_commit(tenant_lookup_forget)
    return connected


def _subscription_undo(*, tenant: Tenant, session: SignupSession, token: str, client: WhatsAppClient) -> None:
    """Take back the webhook subscription of a connection that failed later, unless another business uses it."""
    shared = (
        Tenant.objects.filter(whatsapp_business_account_id=session.business_account_id).exclude(pk=tenant.pk).exists()
    )
    if shared:
        return
    try:
        client.business_account_unsubscribe(business_account_id=session.business_account_id, token=token)
    except GraphError as exc:
        # Best effort: a subscription with no number stored only delivers webhooks nobody routes.
        logger.warning(
            "embedded signup: could not undo the subscription of %s for tenant %s: %s",
            session.business_account_id,
            tenant.slug,
            exc,
        )


def _app_data_sync_request(*, tenant: Tenant, phone_number_id: str, token: str, client: WhatsAppClient) -> None:
    for sync_type in APP_DATA_SYNC_TYPES:
        try:
            client.app_data_sync_request(phone_number_id=phone_number_id, token=token, sync_type=sync_type)
        except GraphError as exc:
            # The number is connected either way; without it the contacts and history just do not come.
            logger.warning("embedded signup: %s not requested for tenant %s: %s", sync_type, tenant.slug, exc)
