"""Access tokens never reach the logs: not from onboarding, rotation, verification or HTTP libraries."""

import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from operators.tests.conftest import EXPIRED_TOKEN, PHONE_NUMBER_ID, WORKING_TOKEN

pytestmark = pytest.mark.django_db


def _everything_logged(records: list[logging.LogRecord]) -> str:
    """Every part of every record, unredacted: what any handler could possibly write."""
    formatter = logging.Formatter()
    parts = []
    for record in records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(repr(vars(record)))
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


def test_tokens_never_appear_in_any_log_record(caplog, fake_graph, monkeypatch, tmp_path):
    caplog.set_level(logging.DEBUG)  # every library's debug output too (urllib3 logs each request)
    document = tmp_path / "t.yaml"
    document.write_text(
        f"name: Da Mario\nslug: da-mario\nkind: restaurant\nwhatsapp:\n  phone_number_id: '{PHONE_NUMBER_ID}'\n"
    )
    monkeypatch.setenv("DA_MARIO_TOKEN", EXPIRED_TOKEN)
    out = io.StringIO()

    # Onboarding with a token Meta refuses, then one it accepts; then a rotation.
    with pytest.raises(CommandError):
        call_command("onboard_tenant", file=document, token_env="DA_MARIO_TOKEN", verify=True, stdout=out)
    call_command("onboard_tenant", file=document, token_stdin=True, verify=True, stdin=io.StringIO(WORKING_TOKEN),
                 stdout=out)
    call_command("set_tenant_token", "da-mario", verify=True, stdin=io.StringIO(WORKING_TOKEN), stdout=out)
    with pytest.raises(CommandError):
        call_command("set_tenant_token", "da-mario", verify=True, stdin=io.StringIO(EXPIRED_TOKEN), stdout=out)

    assert len(fake_graph.requests) == 4  # the Graph API was really called each time
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert any(r.name == "whatsapp.services.account" for r in caplog.records)  # and the commands did log
    logged = _everything_logged(caplog.records)
    for token in (WORKING_TOKEN, EXPIRED_TOKEN):
        assert token not in logged
        assert token not in out.getvalue()
