"""The served WSGI application: signed webhook POSTs on the short chain, everything else on the full one."""

import io
import json
import re
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings

from conversations.models import Message
from lyo.wsgi import WEBHOOK_PATH, application_build
from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import SAMPLE_PHONE_NUMBER_ID, payload_bytes, sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def application():
    return application_build()


@pytest.fixture(autouse=True)
def _replies_printed(settings):
    settings.LYO_SEND_BACKEND = "console"  # the in-process reply is printed, not sent to Meta


def _call(application, method: str, path: str, body: bytes = b"", headers: dict | None = None,
          host: str = "testserver") -> tuple[int, dict[str, str], bytes]:
    environ: dict = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": host, "SERVER_NAME": host,
        "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = {name.lower(): value for name, value in response_headers}

    chunks = application(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return answer["status"], answer["headers"], content


def _metric(application, name: str, labels: str) -> float:
    _, _, page = _call(application, "GET", "/metrics", host="127.0.0.1")
    match = re.search(rf"^{re.escape(name)}{{{re.escape(labels)}}} (\S+)$", page.decode(), re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_a_signed_whatsapp_post_is_stored_through_the_short_chain(application):
    TenantFactory(whatsapp_phone_number_id=SAMPLE_PHONE_NUMBER_ID)
    body = payload_bytes("whatsapp_text.json")
    counted = 'method="POST",status="200",view="whatsapp_webhook"'
    before = _metric(application, "django_http_responses_total_by_status_view_method_total", counted)

    status, headers, content = _call(application, "POST", "/webhooks/whatsapp", body,
                                     {"X-Hub-Signature-256": sign(body)})

    assert status == 200
    assert json.loads(content)["stored"] == 1
    assert Message.objects.filter(direction=Message.Direction.INBOUND).count() == 1
    # The staff pages' middleware did not run: no session cookie dance, no frame or CSP headers...
    assert "x-frame-options" not in headers
    assert "content-security-policy" not in headers
    assert "cookie" not in headers.get("vary", "").lower()
    # ...but the security headers and the request metrics did.
    assert headers["x-content-type-options"] == "nosniff"
    assert _metric(application, "django_http_responses_total_by_status_view_method_total", counted) == before + 1


def test_the_short_chain_still_refuses_a_wrong_signature_and_an_unknown_host(application):
    body = payload_bytes("whatsapp_text.json")
    status, _, content = _call(application, "POST", "/webhooks/whatsapp/", body, {"X-Hub-Signature-256": "sha256=0"})
    assert (status, json.loads(content)["error"]) == (403, "invalid_signature")

    status, _, _ = _call(application, "POST", "/webhooks/whatsapp", body, {"X-Hub-Signature-256": sign(body)},
                         host="evil.example.com")
    assert status == 400  # ALLOWED_HOSTS, as on the full chain
    assert not Message.objects.exists()


def test_pages_and_the_verification_handshake_take_the_full_chain(application):
    status, headers, _ = _call(application, "GET", "/admin/login/")
    assert status == 200
    assert headers["x-frame-options"] == "DENY"
    assert "content-security-policy" in headers

    status, headers, _ = _call(application, "GET", "/webhooks/whatsapp")
    assert status == 403  # no verify token: refused, by the same view
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path, short", [
    ("/webhooks/whatsapp", True), ("/webhooks/whatsapp/", True), ("/webhooks/instagram", True),
    ("/webhooks/stripe/", True), ("/webhooks/chatwoot", True), ("/webhooks/chatwoot/s3cr3t-token", True),
    ("/webhooks/whatsapp/extra/segment", False), ("/webhooks/", False), ("/admin/login/", False),
    ("/api/bookings/", False),
])
def test_which_paths_are_signed_webhooks(path, short):
    assert bool(WEBHOOK_PATH.match(path)) is short


def test_the_short_chain_keeps_the_tenant_scoping_edge_and_the_request_log_context():
    # Webhook handlers enter a tenant's scope; the edge is what ends it with the request.
    assert "tenants.middleware.TenantScopeMiddleware" in settings.WEBHOOK_MIDDLEWARE
    assert "common.logging.RequestLogContextMiddleware" in settings.WEBHOOK_MIDDLEWARE
    assert set(settings.WEBHOOK_MIDDLEWARE) <= set(settings.MIDDLEWARE)
