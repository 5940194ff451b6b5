"""/health checks the database and the broker; /health/live checks nothing."""

import os
import socket

import pytest


def _closed_port() -> int:
    # A port that was free a moment ago: connecting to it is refused at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_health_is_503_naming_the_broker_when_redis_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"] == "ConnectionError"
    assert body["checks"]["broker"]["latency_ms"] >= 0
    assert body["checks"]["database"]["ok"] is True
    # The URL (which may hold a password) is never echoed.
    assert "redis://" not in response.content.decode()


@pytest.mark.django_db
def test_health_skips_the_broker_when_tasks_run_in_process(client, settings):
    settings.REDIS_URL = ""
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["checks"]["broker"] == {
        "ok": True, "latency_ms": 0.0, "skipped": "REDIS_URL not set: tasks run in-process"
    }


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL)")
def test_health_pings_a_live_broker(client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    response = client.get("/health/")
    assert response.status_code == 200
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is True
    assert "skipped" not in broker
    assert broker["latency_ms"] > 0


@pytest.mark.parametrize("path", ["/health/live", "/health/live/"])
def test_liveness_checks_no_dependency(client, settings, path):
    # No django_db mark: touching the database would raise; the broker is unreachable.
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health", "/health/live", "/metrics/"])
def test_probes_answer_when_addressed_by_ip(client, settings, path):
    # Load balancers, Docker and Prometheus send the container's IP as Host.
    settings.REDIS_URL = ""
    assert client.get(path, HTTP_HOST="10.0.3.17:8000").status_code == 200


def test_other_paths_still_check_allowed_hosts(client):
    assert client.get("/", HTTP_HOST="10.0.3.17:8000").status_code == 400


def test_liveness_rejects_post(client):
    assert client.post("/health/live").status_code == 405
