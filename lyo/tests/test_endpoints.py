import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health", "/health/"])
def test_health_reports_database_ok(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["latency_ms"] >= 0


@pytest.mark.django_db
def test_root_describes_the_service(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Lyo"
    assert body["links"]["health"] == "http://testserver/health"


@pytest.mark.parametrize("path", ["/metrics", "/metrics/"])
def test_metrics_answers_with_and_without_slash(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"# TYPE" in response.content


def test_health_rejects_post(client):
    assert client.post("/health").status_code == 405


def test_health_is_503_when_the_database_is_unreachable():
    # A real connection attempt to a port where nothing listens, in a fresh process.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lyo.settings",
        "DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/unreachable",
        "REDIS_URL": "",
    }
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/health');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 503
    assert outcome["body"]["failing"] == ["database"]
    assert outcome["body"]["checks"]["database"]["ok"] is False
