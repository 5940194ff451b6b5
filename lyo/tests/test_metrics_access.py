"""/metrics and the worker's metrics port answer only a scraper with the token or from an allowed network."""

import urllib.error
import urllib.request

import pytest

from common.prometheus import celery_metrics_serve, metrics_server_start, multiproc_registry

TOKEN = "scrape-token-0123456789abcdef"
OUTSIDE = "203.0.113.7"  # a public address, as a request through the load balancer would not be
# Every spelling that reaches the view: Django decodes the path before routing it.
METRICS_PATHS = ["/metrics", "/metrics/", "/%6detrics", "/%6detrics/", "/%6D%65trics"]


@pytest.fixture
def token_required(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


@pytest.mark.parametrize("path", METRICS_PATHS)
def test_metrics_refuse_a_client_outside_loopback_by_default(client, settings, path):
    assert settings.METRICS_TOKEN == ""
    assert settings.METRICS_ALLOWED_NETWORKS == ["127.0.0.0/8", "::1/128"]
    response = client.get(path, REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    assert response.content == b""


@pytest.mark.parametrize("path", ["/metrics", "/%6detrics/"])
def test_metrics_answer_loopback_by_default(client, path):
    response = client.get(path, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert b"# TYPE lyo_inbound_messages_total counter" in response.content


@pytest.mark.parametrize("path", METRICS_PATHS)
def test_metrics_without_the_token_are_refused(client, token_required, path):
    response = client.get(path, REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert response.content == b""


@pytest.mark.parametrize(
    "authorization", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Token {TOKEN}", TOKEN, "Bearer"]
)
@pytest.mark.parametrize("path", ["/metrics", "/%6detrics"])
def test_metrics_with_a_wrong_token_are_refused(client, token_required, authorization, path):
    response = client.get(path, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert response.content == b""


def test_a_token_makes_loopback_present_it_too(client, token_required):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401


@pytest.mark.parametrize("path", METRICS_PATHS)
def test_metrics_with_the_right_token_answer_prometheus_text(client, token_required, path):
    response = client.get(path, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"# TYPE lyo_inbound_messages_total counter" in response.content


@pytest.mark.parametrize("remote_addr", ["10.20.30.40", "::ffff:10.20.30.40", "fd00::5"])
def test_metrics_answer_an_allowed_network_without_a_token(client, settings, remote_addr):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16", "fd00::/8"]
    response = client.get("/%6detrics", REMOTE_ADDR=remote_addr)
    assert response.status_code == 200
    assert b"# TYPE" in response.content
    assert client.get("/metrics", REMOTE_ADDR="10.21.0.1").status_code == 401


def _get(url: str, **headers: str) -> tuple[int, bytes]:
    try:
        # Only http://127.0.0.1 URLs built by these tests.
        request = urllib.request.Request(url, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def worker_metrics_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    return tmp_path


def test_the_workers_metrics_server_refuses_a_scrape_without_the_token(worker_metrics_dir):
    server = metrics_server_start(port=0, addr="127.0.0.1", registry=multiproc_registry(), token=TOKEN, networks=[])
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        assert _get(url) == (401, b"")
        assert _get(url, Authorization=f"Bearer {TOKEN}-wrong") == (401, b"")
        status, body = _get(url, Authorization=f"Bearer {TOKEN}")
        assert status == 200
        assert body.startswith(b"# HELP") or body == b""  # nothing counted yet in this directory
    finally:
        server.shutdown()
        server.server_close()


def test_the_workers_metrics_server_refuses_an_address_outside_its_networks(worker_metrics_dir):
    server = metrics_server_start(port=0, addr="127.0.0.1", registry=multiproc_registry(), token="",
                                  networks=["10.0.0.0/8"])
    try:
        assert _get(f"http://127.0.0.1:{server.server_port}/metrics") == (403, b"")
    finally:
        server.shutdown()
        server.server_close()


def test_the_worker_serves_metrics_on_loopback_unless_told_otherwise(worker_metrics_dir, monkeypatch, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    monkeypatch.setenv("CELERY_METRICS_PORT", "0")  # any free port
    monkeypatch.delenv("CELERY_METRICS_ADDR", raising=False)
    server = celery_metrics_serve()
    try:
        assert server.server_address[0] == "127.0.0.1"
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        assert _get(url)[0] == 401  # the web's settings apply to the worker too
        assert _get(url, Authorization=f"Bearer {TOKEN}")[0] == 200
    finally:
        server.shutdown()
        server.server_close()
