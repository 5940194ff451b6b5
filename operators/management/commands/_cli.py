"""What the operator commands share: a token read without the command line, Meta's verdict in words, the public URL."""

import getpass
import os
import sys
from typing import TextIO

from django.conf import settings
from django.core.management.base import CommandError

from whatsapp.services.account import PhoneNumberCheck, PhoneNumberVerdict

ARGV_REFUSAL_MESSAGE = (
    "The access token is never taken from the command line: it would stay in shell history and be "
    "visible to anyone running `ps`. Use --token-env NAME (an environment variable) or --token-stdin. "
    "If you just typed it, treat it as exposed and create a new one in Meta Business Manager."
)


# Exit status when the Graph API refused the number or token (1: bad input, 2: usage).
EXIT_VERIFICATION_FAILED = 3


def token_from_stdin(stdin: TextIO | None) -> str:
    """One line from standard input; typed at a terminal, it is not echoed."""
    stream = stdin or sys.stdin
    if stream.isatty():
        token = getpass.getpass("WhatsApp access token (not shown): ", stream=sys.stderr)
    else:
        token = stream.readline()
    token = token.strip()
    if not token:
        raise CommandError("No access token on standard input.")
    return token


def token_from_env(name: str) -> str:
    token = os.environ.get(name, "").strip()
    if not token:
        raise CommandError(f"The environment variable {name} (from --token-env) is not set or empty.")
    return token


def public_base_url(given: str) -> str:
    """Where printed links open: ``--base-url``, else ``LYO_PUBLIC_URL``, else (with DEBUG)
    the development server ``make run`` starts, else https:// and the first concrete host
    of ALLOWED_HOSTS. A link that does not open as printed is the first thing a new
    operator trips on."""
    if given:
        return given.rstrip("/")
    if settings.LYO_PUBLIC_URL:
        return settings.LYO_PUBLIC_URL
    if settings.DEBUG:
        return f"http://127.0.0.1:{settings.DEV_SERVER_PORT}"
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
    return f"https://{hosts[0]}" if hosts else "https://<your Lyo host>"


def verification_describe(check: PhoneNumberCheck, phone_number_id: str) -> str:
    if check.verdict == PhoneNumberVerdict.WORKS:
        name = f"({check.verified_name})" if check.verified_name else ""
        shown = " ".join(p for p in (check.display_phone_number, name) if p)
        return f"works: phone number id {phone_number_id} is {shown or 'reachable'} and the token can use it"
    if check.verdict == PhoneNumberVerdict.TOKEN_INVALID:
        return (f"the access token is expired or invalid ({check.detail}); create a new system-user token "
                "in Meta Business Manager")
    if check.verdict == PhoneNumberVerdict.WRONG_NUMBER:
        return (f"phone number id {phone_number_id} is wrong, or this token has no access to it ({check.detail}); "
                "copy the id from WhatsApp Manager > API Setup (not the display number, not the account id)")
    return f"could not verify: {check.detail}"
