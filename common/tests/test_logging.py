"""Log lines: JSON in production, readable with DEBUG, ids of the scope, no secrets."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from common import logging as logging_module
from common.log_context import LogContextFilter, log_context, log_context_bind
from common.logging import (
    JsonFormatter,
    ReadableFormatter,
    RequestLogContextMiddleware,
    SecretRedactingFilter,
    secrets_redact,
)


def _logger_to(stream: io.StringIO, formatter: logging.Formatter) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(LogContextFilter())
    handler.addFilter(SecretRedactingFilter())
    logger = logging.getLogger(f"lyo.test.{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger


def test_production_logs_json_lines_through_the_context_and_redaction_filters():
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler.formatter, JsonFormatter)  # the suite runs with DEBUG off
    assert {type(f) for f in handler.filters} == {LogContextFilter, SecretRedactingFilter}


def test_json_line_carries_the_ids_known_in_scope():
    stream = io.StringIO()
    logger = _logger_to(stream, JsonFormatter())
    with log_context(tenant_id="t-1"):
        log_context_bind(conversation_id=7)
        logger.info("reply queued for %s", "conversation", extra={"attempt": 2})
    logger.warning("outside any scope")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "reply queued for conversation"
    assert (first["tenant_id"], first["conversation_id"], first["attempt"]) == ("t-1", "7", 2)
    assert "message_id" not in first
    assert first["level"] == "INFO" and first["logger"].startswith("lyo.test")
    assert first["time"].endswith("+00:00")
    assert "tenant_id" not in second


def test_json_line_holds_the_traceback_on_one_line():
    stream = io.StringIO()
    logger = _logger_to(stream, JsonFormatter())
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("send failed")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "ValueError: boom" in json.loads(lines[0])["exception"]


def test_readable_line_shows_the_ids_after_the_message():
    stream = io.StringIO()
    logger = _logger_to(stream, ReadableFormatter())
    with log_context(tenant_id="t-1", message_id="m-9"):
        logger.info("stored")
    line = stream.getvalue().strip()
    assert line.endswith("stored [tenant=t-1 message=m-9]")
    assert " INFO " in line


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET https://graph.example/v25.0/123?access_token=EAAGm0PX4ZCpsBAKZAZB&fields=id", "EAAGm0PX4ZCpsBAKZAZB"),
        ("headers={'Authorization': 'Bearer abc.DEF-123_xyz'}", "abc.DEF-123_xyz"),
        ('{"access_token": "s3cr3t-value", "id": "1"}', "s3cr3t-value"),
        ("token=plain-token-42 rotated", "plain-token-42"),
        ("GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=vt-123456&hub.challenge=9", "vt-123456"),
        ("sending with EAAB1234567890abcdefghijKLMNOP", "EAAB1234567890abcdefghijKLMNOP"),
    ],
)
def test_credentials_are_redacted(text, secret):
    redacted = secrets_redact(text)
    assert secret not in redacted
    assert "[REDACTED]" in redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Chatwoot's api_access_token: header line, JSON, Python repr, query string, WSGI environ.
        ("api_access_token: cw-Tok3n-xyz", "api_access_token: [REDACTED]"),
        ('{"api_access_token": "cw-Tok3n-xyz", "id": 1}', '{"api_access_token": "[REDACTED]", "id": 1}'),
        ("headers={'api_access_token': 'cw-Tok3n-xyz'}", "headers={'api_access_token': '[REDACTED]'}"),
        (
            "GET /api/v1/accounts/1/conversations?api_access_token=cw-Tok3n-xyz&page=2",
            "GET /api/v1/accounts/1/conversations?api_access_token=[REDACTED]&page=2",
        ),
        ("{'HTTP_API_ACCESS_TOKEN': 'cw-Tok3n-xyz'}", "{'HTTP_API_ACCESS_TOKEN': '[REDACTED]'}"),
        ("api-access-token: cw-Tok3n-xyz", "api-access-token: [REDACTED]"),
        # Instagram user tokens.
        ("token IGAAJx8vbQ1234567890abcdefghij_KLMN-op expired", "token [REDACTED] expired"),
        ("sending with IGQVJYd2xkZAzZAFhQ0FUbVZAhZA1234567890", "sending with [REDACTED]"),
        # Authorization header lines, whatever the scheme; the scheme stays readable.
        ("Authorization: Token 9944b09199c62bcf9418ad846dd0e4bb", "Authorization: Token [REDACTED]"),
        ("authorization: Basic dXNlcjpwYXNzd29yZA==", "authorization: Basic [REDACTED]"),
        ("Authorization: Bearer abc.DEF-123_xyz", "Authorization: Bearer [REDACTED]"),
        ("authorization:raw-credential-77", "authorization:[REDACTED]"),
        ('{"authorization": "Token 9944b091"}', '{"authorization": "[REDACTED]"}'),
        ('{"access_token": "IGAAJx8vbQ1234567890abcdefghij"}', '{"access_token": "[REDACTED]"}'),
    ],
)
def test_chatwoot_instagram_and_header_credentials_are_redacted(text, expected):
    assert secrets_redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "IGNORE this: IGAA123 is too short to be a token, IGQV too",
        "Booking R12345 (code IGX-42) for 2 at 20:00",
        "Authorization header missing; access token refresh scheduled",
        "api_access_token not configured for tenant trattoria-demo",
    ],
)
def test_ordinary_text_that_resembles_a_credential_is_left_alone(text):
    assert secrets_redact(text) == text


def test_configured_secrets_are_redacted_by_value(settings):
    settings.META_APP_SECRET = "app-secret-value-1234"
    assert secrets_redact("signature mismatch, key app-secret-value-1234") == "signature mismatch, key [REDACTED]"


def test_ordinary_text_is_left_alone():
    text = "Booking R12345 for 4 on 2026-12-05 at 20:00, tenant trattoria-demo"
    assert secrets_redact(text) == text


def test_the_filter_redacts_arguments_before_any_handler_formats_them():
    stream = io.StringIO()
    logger = _logger_to(stream, logging.Formatter("%(message)s"))
    logger.info("calling %s", "https://graph.example/me?access_token=abcdef123456")
    assert stream.getvalue().strip() == "calling https://graph.example/me?access_token=[REDACTED]"


def test_each_request_is_one_log_scope():
    stream = io.StringIO()
    logger = _logger_to(stream, JsonFormatter())

    def view(request):
        log_context_bind(tenant_id="t-42")  # what the webhook does once it knows the tenant
        logger.info("inside")
        return HttpResponse("ok")

    middleware = RequestLogContextMiddleware(view)
    middleware(RequestFactory().get("/webhooks/whatsapp"))
    logger.info("after")
    inside, after = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["tenant_id"] == "t-42"
    assert "tenant_id" not in after


def test_development_logs_readable_lines():
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "lyo.settings", "DEBUG": "1"}
    program = (
        "import django, logging; django.setup();"
        "print(type(logging.getLogger().handlers[0].formatter).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=Path(__file__).resolve().parents[2], env=env,
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert result.stdout.strip() == "ReadableFormatter"


def test_a_logged_request_shows_its_path_without_the_query_string():
    stream = io.StringIO()
    logger = _logger_to(stream, JsonFormatter())
    request = RequestFactory().get("/webhooks/whatsapp", {"hub.verify_token": "vt-not-for-logs", "hub.challenge": "1"})
    # What django.request does for a 4xx/5xx response.
    logger.warning("Forbidden: %s", request.path, extra={"status_code": 403, "request": request})
    line = json.loads(stream.getvalue())
    assert (line["http_method"], line["http_path"], line["status_code"]) == ("GET", "/webhooks/whatsapp", 403)
    assert "vt-not-for-logs" not in stream.getvalue()


def test_celerys_line_per_task_is_off_by_default_and_failures_still_show():
    # "Task ... received" (strategy) and "... succeeded" (trace) are INFO; a failure is ERROR.
    for name in ("celery.app.trace", "celery.worker.strategy"):
        logger = logging.getLogger(name)
        assert not logger.isEnabledFor(logging.INFO)
        assert logger.isEnabledFor(logging.ERROR)


# Pieces of lines: what each pattern looks for, spelled in its cases, and what sits around it.
_CREDENTIAL_PREFIXES = st.sampled_from([
    "Bearer ", "bearer ", "Token ", "access_token=", "token=", "secret=", "client_secret=", "apikey=", "api_key=",
    "passwd=", "password=", '"access_token": "', "'password': '", '"SECRET": "', "Authorization: ", "authorization:",
    "api-access-token: ", "HTTP_API_ACCESS_TOKEN: ", "/webhooks/chatwoot/", "/WEBHOOKS/CHATWOOT/", "EAA", "IGAA",
    "IGQV", "eaa", "", " ",
])
_VALUES = st.sampled_from(["abc-123", "1234567890abcdefghijKLMNOP", "x", '"', "'", "&", "", " rest", "\n"])
_CREDENTIAL_LIKE = st.lists(st.tuples(_CREDENTIAL_PREFIXES, _VALUES).map("".join), max_size=6).map(" ".join)


@hypothesis_settings(max_examples=400)
@given(text=_CREDENTIAL_LIKE)
def test_lines_that_skip_the_pattern_scans_are_the_ones_no_pattern_would_change(text):
    every_scan = text
    for pattern, replacement in logging_module._PATTERNS:
        every_scan = pattern.sub(replacement, every_scan)
    assert secrets_redact(text) == every_scan
