"""Log output: JSON lines in production, readable lines in development, secrets redacted.

``LOGGING`` in settings installs these on the console handler: ``LogContextFilter``
copies the tenant, conversation and message ids of the current scope onto every
record, ``SecretRedactingFilter`` and the formatters mask anything that looks like
a credential, and ``RequestLogContextMiddleware`` opens one scope per request.

Redaction is the safety net, not the policy: code never logs tokens in the first
place (tests check that); the net catches what a third-party library or an
exception message might echo (a URL with ``access_token=``, an ``Authorization``
header).
"""

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from common.log_context import LOG_CONTEXT_KEYS, log_context

REDACTED = "[REDACTED]"

# Names whose value is a credential wherever they appear as key=value, "key": "value"
# or 'key': 'value' (query strings, form bodies, JSON and Python reprs).
_CREDENTIAL_KEYS = (
    # Chatwoot's user token travels as ``api_access_token`` (header, query or JSON); the
    # WSGI environ spells a header HTTP_API_ACCESS_TOKEN, a proxy may hyphenate it.
    r"(?:http_)?api[_-]access[_-]token|(?:http_)?authorization|"
    r"access_token|refresh_token|client_secret|app_secret|appsecret_proof|api_key|apikey|"
    r"verify_token|hub\.verify_token|password|passwd|secret|token"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # Authorization: Bearer <token> / Bearer <token> anywhere.
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    # key=value (query strings, form bodies, key=value log lines).
    (re.compile(rf"(?i)\b({_CREDENTIAL_KEYS})=([^&\s\"',;]+)"), rf"\1={REDACTED}"),
    # "key": "value" (JSON) and 'key': 'value' (Python reprs).
    (re.compile(rf"(?i)([\"']({_CREDENTIAL_KEYS})[\"']\s*:\s*)([\"'])(?:(?!\3).)*\3"), rf"\1\3{REDACTED}\3"),
    # A header line, ``Name: value`` unquoted (a dumped request, curl -v): the scheme
    # (Bearer, Token, Basic, ...) is kept, the credential masked.
    (
        re.compile(r"(?i)\b((?:http_)?(?:api[_-]access[_-]token|authorization)\s*:\s*)(?![\"'\[])"
                   r"(?:(bearer|token|basic|digest)\s+)?[^\s\"',;&]+"),
        lambda match: f"{match[1]}{match[2] + ' ' if match[2] else ''}{REDACTED}",
    ),
    # Meta access tokens (user, system-user and page tokens all start with "EAA").
    (re.compile(r"\bEAA[A-Za-z0-9]{20,}"), REDACTED),
    # Instagram user tokens: "IGAA..." (Instagram Login) and "IGQV..." (Basic Display).
    # Twenty characters at least, so words such as "IGNORE" or an id are left alone.
    (re.compile(r"\bIG(?:AA|QV)[A-Za-z0-9_-]{20,}"), REDACTED),
    # A tenant's Chatwoot webhook secret, when older Chatwoot puts it in the URL (access logs).
    (re.compile(r"(/webhooks/chatwoot/)[^/\s\"'?]+"), rf"\1{REDACTED}"),
)
# Every pattern above matches only text holding one of these: most log lines hold none
# and skip the seven scans (each line is redacted twice, as a message and as a line,
# at hundreds of webhooks a second). Case-insensitive, as the patterns are, but for
# the token prefixes, which are matched as written.
_PATTERN_NEEDLES = ("bearer", "token", "authorization", "secret", "passw", "api_key", "apikey", "/webhooks/chatwoot/")
_PATTERN_NEEDLES_CASED = ("EAA", "IGAA", "IGQV")
# Configured secrets are masked by value too; shorter values would mask ordinary words.
_MIN_SECRET_LENGTH = 8
_SECRET_SETTINGS = ("SECRET_KEY", "META_APP_SECRET", "WHATSAPP_WEBHOOK_VERIFY_TOKEN", "FIELD_ENCRYPTION_KEY")


def _configured_secrets() -> tuple[str, ...]:
    # Read at each call (cached per value): the logging config is built while settings load.
    if not settings.configured:  # a bare script: nothing to mask by value
        return ()
    return _secrets_split(tuple(str(getattr(settings, name, "") or "") for name in _SECRET_SETTINGS))


@lru_cache(maxsize=4)
def _secrets_split(values: tuple[str, ...]) -> tuple[str, ...]:
    # Longest first, so a secret that contains another is masked whole.
    parts = {part.strip() for value in values for part in value.split(",")}
    return tuple(sorted((p for p in parts if len(p) >= _MIN_SECRET_LENGTH), key=len, reverse=True))


def secrets_redact(text: str) -> str:
    """``text`` with credentials replaced by ``[REDACTED]``."""
    for secret in _configured_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    if not _pattern_may_match(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _pattern_may_match(text: str) -> bool:
    lowered = text.lower()
    return any(needle in lowered for needle in _PATTERN_NEEDLES) or any(
        needle in text for needle in _PATTERN_NEEDLES_CASED
    )


class SecretRedactingFilter(logging.Filter):
    """Rewrites a record's message with credentials masked, for every handler after it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the formatter's problem, not ours
            return True
        redacted = secrets_redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


# Attributes every LogRecord has; anything else was passed as ``extra=``.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "taskName", *LOG_CONTEXT_KEYS}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log collectors (CloudWatch, Loki) index without parsing."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in LOG_CONTEXT_KEYS:
            value = getattr(record, key, "")
            if value:
                entry[key] = value
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry.update(_gunicorn_access_fields(record.args))
        for key, value in record.__dict__.items():
            if key in _RECORD_ATTRIBUTES or key.startswith("_") or key in entry:
                continue
            if isinstance(value, HttpRequest):
                # django.request passes the request itself; its repr holds the query string
                # (Meta's verification GET carries the verify token there): method and path only.
                entry["http_method"], entry["http_path"] = value.method, value.path
                continue
            entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return secrets_redact(json.dumps(entry, default=str, ensure_ascii=False))


def _gunicorn_access_fields(atoms: dict) -> dict:
    # The path without its query string: Meta's verification GET carries the verify token there.
    return {
        "http_method": atoms.get("m"),
        "http_path": atoms.get("U"),
        "http_status": atoms.get("s"),
        "duration_ms": atoms.get("M"),
        "response_bytes": atoms.get("B"),
        "remote_addr": atoms.get("h"),
        "user_agent": atoms.get("a"),
    }


class ReadableFormatter(logging.Formatter):
    """``time LEVEL logger message [tenant=… conversation=… message=…]`` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(
            f"{key.removesuffix('_id')}={getattr(record, key)}" for key in LOG_CONTEXT_KEYS if getattr(record, key, "")
        )
        if ids:
            first, newline, rest = line.partition("\n")
            line = f"{first} [{ids}]{newline}{rest}"
        return secrets_redact(line)


class RequestLogContextMiddleware:
    """Every request is one log scope; the view binds the tenant etc. once it knows them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with log_context():
            return self.get_response(request)
