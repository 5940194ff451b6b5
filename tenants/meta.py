"""Ask the Graph API whether a WhatsApp phone number id and an access token work together.

Used by ``onboard_tenant --verify`` and ``set_tenant_token --verify``. It is one
read-only call (``GET /{version}/{phone_number_id}``); sending lives in the
WhatsApp channel's Graph client, which can take this over once it offers a
phone-number lookup.
"""

from dataclasses import dataclass
from enum import StrEnum

import requests
from django.conf import settings

# (connect, read) seconds: an operator is waiting at a terminal.
GRAPH_TIMEOUT_SECONDS = (5, 15)
# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling/):
TOKEN_INVALID_CODE = 190  # expired, revoked or malformed access token
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
    url = f"{settings.GRAPH_API_BASE}/{settings.GRAPH_API_VERSION}/{phone_number_id}"
    try:
        response = requests.get(
            url,
            params={"fields": "id,display_phone_number,verified_name,quality_rating"},
            # In a header, never in the URL: URLs end up in proxies' and libraries' logs.
            headers={"Authorization": f"Bearer {token}"},
            timeout=GRAPH_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        return PhoneNumberCheck(PhoneNumberVerdict.UNREACHABLE, f"Graph API not reachable ({type(exc).__name__})")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return PhoneNumberCheck(
            PhoneNumberVerdict.UNREACHABLE, f"unexpected Graph API answer (HTTP {response.status_code}, not JSON)"
        )
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        message = str(error.get("message") or "")
        if code == TOKEN_INVALID_CODE:
            verdict = PhoneNumberVerdict.TOKEN_INVALID
        elif code in WRONG_NUMBER_CODES:
            verdict = PhoneNumberVerdict.WRONG_NUMBER
        else:
            verdict = PhoneNumberVerdict.UNREACHABLE
        return PhoneNumberCheck(verdict, f"Graph error {code}: {message}", error_code=code)
    if not response.ok or str(body.get("id", "")) != str(phone_number_id):
        return PhoneNumberCheck(
            PhoneNumberVerdict.WRONG_NUMBER,
            f"the Graph API answered HTTP {response.status_code} for another object than {phone_number_id}",
        )
    return PhoneNumberCheck(
        PhoneNumberVerdict.WORKS,
        display_phone_number=str(body.get("display_phone_number", "")),
        verified_name=str(body.get("verified_name", "")),
    )
