"""Production settings pass `check --deploy`, redirect to https (not the probes) and send a strict CSP."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),  # security.W009 flags a short or patterned key
    "FIELD_ENCRYPTION_KEY": "dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LTE=",
    "ALLOWED_HOSTS": "lyo.example.com,testserver",
    "WHATSAPP_WEBHOOK_VERIFY_TOKEN": "verify",
    "META_APP_SECRET": "app-secret",
    "DATABASE_URL": "sqlite://:memory:",
}


def _production(args: list[str]) -> subprocess.CompletedProcess:
    # The real production settings (lyo.settings, not the test settings) in a clean environment.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""),
           "DJANGO_SETTINGS_MODULE": "lyo.settings", **PRODUCTION_ENV}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_check_deploy_finds_nothing_to_warn_about_in_production_settings():
    result = _production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_redirects_plain_http_but_not_the_probes_and_sends_hsts_over_https():
    program = (
        "import django, json; django.setup(); from django.test import Client; c = Client();"
        "admin = c.get('/api/schema/', headers={'host': 'lyo.example.com'});"
        "secure = c.get('/', headers={'host': 'lyo.example.com', 'x-forwarded-proto': 'https'});"
        "print(json.dumps({'admin': [admin.status_code, admin.get('Location')],"
        " 'live': c.get('/health/live').status_code, 'live_slash': c.get('/health/live/').status_code,"
        " 'secure': [secure.status_code, secure.get('Strict-Transport-Security')]}))"
    )
    result = _production(["-c", program])
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["admin"] == [301, "https://lyo.example.com/api/schema/"]
    assert outcome["live"] == 200 and outcome["live_slash"] == 200
    assert outcome["secure"] == [200, "max-age=31536000; includeSubDomains"]


EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "as_staff"), [("/admin/login/", False), ("/api/docs/", True)])
def test_pages_carry_a_content_security_policy_without_inline_scripts(client, admin_user, path, as_staff):
    if as_staff:  # the API docs are for staff only
        client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 200
    assert _policy(response["Content-Security-Policy"]) == EXPECTED_CSP


@pytest.mark.django_db
def test_the_api_docs_load_their_script_from_a_url_not_inline(admin_client):
    page = admin_client.get("/api/docs/").content.decode()
    assert "<script>" not in page
    assert 'src="/api/docs/?script="' in page
    script = admin_client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8,intranet", "'intranet' is not a network"),
        ("METRICS_TOKEN", "short", "METRICS_TOKEN must be at least 20 characters"),
    ],
)
def test_a_bad_metrics_setting_stops_the_process(monkeypatch, variable, value, message):
    monkeypatch.setitem(PRODUCTION_ENV, variable, value)
    result = _production(["-c", "import django; django.setup()"])
    assert result.returncode != 0
    assert message in result.stderr.splitlines()[-1]
