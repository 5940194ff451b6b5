"""A tenant's WhatsApp account: whether a phone number id and an access token work together, and storing the token.

``phone_number_verify`` (used by ``onboard_tenant --verify`` and ``set_tenant_token
--verify``) makes one read-only call (``GET /{version}/{phone_number_id}``) through
the channel's Graph client and turns the answer into a verdict an operator can act on.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction

from common.log_context import log_context
from meta.graph import GraphError, GraphTokenInvalid, GraphTransientError
from tenants.audit import token_change_audit
from tenants.models import Tenant
from whatsapp.client import WhatsAppClient

# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling/):
# 100: no such object (or not visible to this token); 10 / 200: the token lacks permission for it.
WRONG_NUMBER_CODES = frozenset({100, 10, 200})

logger = logging.getLogger(__name__)


class PhoneNumberVerdict(StrEnum):
    WORKS = "works"
    TOKEN_INVALID = "token_invalid"  # noqa: S105 - a verdict, not a credential
    WRONG_NUMBER = "wrong_number"
    UNREACHABLE = "unreachable"  # network trouble or an unexpected answer: nothing is known


@dataclass(frozen=True)
class PhoneNumberCheck:
    verdict: PhoneNumberVerdict
    detail: str = ""
    display_phone_number: str = ""
    verified_name: str = ""
    error_code: int | None = None

    @property
    def works(self) -> bool:
        return self.verdict == PhoneNumberVerdict.WORKS


def phone_number_verify(phone_number_id: str, token: str) -> PhoneNumberCheck:
    """Whether ``token`` can read ``phone_number_id`` on the Graph API, and what Meta says it is."""
    try:
        data = WhatsAppClient().phone_number_get(phone_number_id, token)
    except GraphTransientError as exc:
        return PhoneNumberCheck(PhoneNumberVerdict.UNREACHABLE, str(exc), error_code=exc.code)
    except GraphError as exc:
        if isinstance(exc, GraphTokenInvalid):
            verdict = PhoneNumberVerdict.TOKEN_INVALID
        elif exc.code in WRONG_NUMBER_CODES:
            verdict = PhoneNumberVerdict.WRONG_NUMBER
        else:
            verdict = PhoneNumberVerdict.UNREACHABLE
        return PhoneNumberCheck(verdict, f"Graph error {exc.code}: {exc.title}", error_code=exc.code)
    # Meta always answers with the object's id; another id means another object.
    if str(data.get("id", phone_number_id)) != str(phone_number_id):
        return PhoneNumberCheck(PhoneNumberVerdict.WRONG_NUMBER, f"the Graph API answered for {data.get('id')}")
    return PhoneNumberCheck(
        PhoneNumberVerdict.WORKS,
        display_phone_number=str(data.get("display_phone_number", "")),
        verified_name=str(data.get("verified_name", "")),
    )


PhoneNumberVerifier = Callable[[str, str], PhoneNumberCheck]


class PhoneNumberIdMissing(Exception):
    """The tenant has no WhatsApp phone number id to check a token against."""


class WhatsAppVerificationFailed(Exception):
    """The Graph API says the phone number id and token do not work together; nothing was written."""

    def __init__(self, check: PhoneNumberCheck, phone_number_id: str) -> None:
        self.check = check
        self.phone_number_id = phone_number_id
        super().__init__(check.detail or check.verdict)


def tenant_token_set(
    *, tenant: Tenant, token: str, verify: bool = False, verifier: PhoneNumberVerifier = phone_number_verify,
    actor: User | None = None, actor_label: str = "",
) -> PhoneNumberCheck | None:
    """Store a new access token (encrypted) and forget that Meta rejected the old one.

    With ``verify`` the token is first tried on the Graph API and nothing is stored
    unless it works (``WhatsAppVerificationFailed``).
    """
    token = token.strip()
    if not token:
        raise ValueError("The access token is empty.")  # the command refuses an empty token first
    check = None
    if verify:
        if not tenant.whatsapp_phone_number_id:
            raise PhoneNumberIdMissing(
                f"Tenant {tenant.slug} has no WhatsApp phone number id to verify the token against."
            )
        check = verifier(tenant.whatsapp_phone_number_id, token)
        if not check.works:
            raise WhatsAppVerificationFailed(check, tenant.whatsapp_phone_number_id)
    tenant.whatsapp_access_token = token
    tenant.whatsapp_token_invalid_at = None
    with transaction.atomic():
        tenant.save(update_fields=["whatsapp_access_token", "whatsapp_token_invalid_at", "updated_at"])
        token_change_audit(
            tenant=tenant, actor=actor, which="WhatsApp access token", cleared=False, actor_label=actor_label
        )
    with log_context(tenant_id=tenant.pk):
        logger.info("access token replaced for tenant %s", tenant.slug)
    return check
