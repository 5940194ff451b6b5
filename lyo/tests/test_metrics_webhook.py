"""After a webhook round trip (inbound stored, answered, reply sent), /metrics shows the counts."""

import hashlib
import hmac
import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings

from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import payload_bytes

PAYLOADS = Path(__file__).resolve().parents[2] / "whatsapp" / "tests" / "payloads"
SAMPLE_PHONE_NUMBER_ID = "106540352242922"  # what the sample payloads are addressed to
TENANT_TOKEN = "tok-roundtrip-Zq81Lm4Xv7Pc2Nw9"

pytestmark = pytest.mark.django_db


def _sample(page: str, name: str, labels: str) -> float:
    match = re.search(rf"^{re.escape(name)}{{{re.escape(labels)}}} (\S+)$", page, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _signed_post(client, body: bytes, signature: str | None = None):
    signature = signature or "sha256=" + hmac.new(settings.META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/whatsapp", data=body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature)


@pytest.fixture
def console_sends(settings, capsys):
    settings.LYO_SEND_BACKEND = "console"  # replies are printed, not sent to Meta
    return capsys


def test_metrics_count_a_webhook_round_trip(client, console_sends, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    TenantFactory(whatsapp_phone_number_id=SAMPLE_PHONE_NUMBER_ID, whatsapp_access_token=TENANT_TOKEN)
    before = client.get("/metrics").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        # As just received: the reply is due inside WhatsApp's 24-hour window.
        assert _signed_post(client, payload_bytes("whatsapp_text.json")).status_code == 200
    assert _signed_post(client, b'{"object": "whatsapp_business_account"}', "sha256=" + "0" * 64).status_code == 403
    unknown = json.loads((PAYLOADS / "whatsapp_text.json").read_text())
    unknown["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999000999"
    assert _signed_post(client, json.dumps(unknown).encode()).status_code == 200

    after = client.get("/metrics").content.decode()

    def delta(name: str, labels: str) -> float:
        return _sample(after, name, labels) - _sample(before, name, labels)

    assert delta("lyo_inbound_messages_total", 'channel="whatsapp",type="text"') == 1
    assert delta("lyo_outbound_messages_total", 'channel="whatsapp",status="sent"') >= 1
    assert delta("lyo_first_reply_seconds_count", 'channel="whatsapp"') == 1
    assert delta("lyo_webhook_signature_failures_total", 'channel="whatsapp"') == 1
    assert delta("lyo_webhook_unknown_tenant_total", 'channel="whatsapp"') == 1
    assert delta("django_http_responses_total_by_status_view_method_total",
                 'method="POST",status="200",view="whatsapp_webhook"') == 2

    # The reply went out through the console backend; the tenant's token is nowhere in the logs or output.
    printed = console_sends.readouterr()
    assert "WhatsApp →" in printed.out
    assert TENANT_TOKEN not in printed.out + printed.err
    assert TENANT_TOKEN not in "\n".join(repr(vars(record)) for record in caplog.records)
