"""Ask the Graph API whether a WhatsApp phone number id and an access token work together.

Used by ``onboard_tenant --verify`` and ``set_tenant_token --verify``: one read-only
call (``GET /{version}/{phone_number_id}``) through the channel's Graph client,
turned into a verdict an operator can act on.
"""

from dataclasses import dataclass
from enum import StrEnum

from meta.graph import GraphError, GraphTokenInvalid, GraphTransientError
from whatsapp.client import WhatsAppClient

# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling/):
# 100: no such object (or not visible to this token); 10 / 200: the token lacks permission for it.
WRONG_NUMBER_CODES = frozenset({100, 10, 200})


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
