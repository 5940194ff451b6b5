"""The bot token and the webhook secret never reach the logs, even when the secret is in the URL."""

import logging

from chatwoot.tests.conftest import BOT_TOKEN, SECRET, WEBHOOK, payload_bytes
from common.logging import JsonFormatter, secrets_redact


def test_a_round_trip_logs_neither_the_token_nor_the_secret(tenant, post_event, chatwoot, caplog):
    caplog.set_level(logging.DEBUG)
    chatwoot.fail_next(401, "Invalid Access Token")
    post_event(payload_bytes("chatwoot_message_created.json"))
    post_event(payload_bytes("chatwoot_message_created.json"), path=f"{WEBHOOK}/wrong-{SECRET}")
    assert len(chatwoot.messages) == 1
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {vars(r)!r}" for r in caplog.records)
    assert BOT_TOKEN not in logged
    assert SECRET not in secrets_redact(logged)


def test_the_access_log_line_of_a_secret_url_is_redacted():
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(U)s",
        {"h": "10.0.0.1", "m": "POST", "U": f"{WEBHOOK}/{SECRET}", "s": "200"}, None,
    )
    line = JsonFormatter().format(record)
    assert SECRET not in line
    assert f"{WEBHOOK}/[REDACTED]" in line
