"""/metrics shows Lyo's counters, also when gunicorn workers and Celery processes count them."""

import os
import re
import runpy
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from common import metrics

ROOT = Path(__file__).resolve().parents[2]


def _sample(text: str, name: str, labels: str) -> float:
    match = re.search(rf"^{re.escape(name)}{{{re.escape(labels)}}} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_lyo_counters_appear_on_metrics(client):
    before = client.get("/metrics").content.decode()
    metrics.inbound_messages.labels(channel="whatsapp", type="text").inc()
    metrics.bookings.labels(action="created").inc(2)
    metrics.first_reply_seconds.labels(channel="whatsapp").observe(0.8)
    after = client.get("/metrics").content.decode()
    inbound = ("lyo_inbound_messages_total", 'channel="whatsapp",type="text"')
    assert _sample(after, *inbound) == _sample(before, *inbound) + 1
    created = ("lyo_bookings_total", 'action="created"')
    assert _sample(after, *created) == _sample(before, *created) + 2
    assert "# TYPE lyo_first_reply_seconds histogram" in after
    assert "lyo_webhook_signature_failures_total" in after  # described even before the first failure


def _python(code: str, multiproc_dir: Path, **env: str) -> str:
    environment = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "lyo.settings_test", "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
        "DATABASE_URL": "sqlite://:memory:", **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_metrics_add_up_the_counts_of_every_process(tmp_path):
    # Two processes count (as two gunicorn workers, or the web and a Celery pool process
    # of one container would); a third answers /metrics with the sum.
    count = (
        "import django; django.setup(); from common import metrics;"
        "metrics.inbound_messages.labels(channel='whatsapp', type='text').inc({n});"
        "metrics.task_failures.labels(task='whatsapp.send').inc()"
    )
    _python(count.format(n=2), tmp_path)
    _python(count.format(n=3), tmp_path)
    page = _python(
        "import django; django.setup(); from django.test import Client;"
        "print(Client().get('/metrics').content.decode())",
        tmp_path,
    )
    assert _sample(page, "lyo_inbound_messages_total", 'channel="whatsapp",type="text"') == 5
    assert _sample(page, "lyo_task_failures_total", 'task="whatsapp.send"') == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_celery_worker_serves_its_processes_metrics(tmp_path):
    _python(
        "import django; django.setup(); from common import metrics;"
        "metrics.outbound_messages.labels(channel='whatsapp', status='sent').inc(4)",
        tmp_path,
    )
    port = _free_port()
    page = _python(
        "import django, urllib.request; django.setup(); import lyo.celery;"
        "from celery.signals import worker_ready; worker_ready.send(sender=None);"
        f"print(urllib.request.urlopen('http://127.0.0.1:{port}/metrics', timeout=5).read().decode())",
        tmp_path, CELERY_METRICS_PORT=str(port),
    )
    assert _sample(page, "lyo_outbound_messages_total", 'channel="whatsapp",status="sent"') == 4


def _gunicorn_config(**env: str) -> dict:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_takes_workers_threads_and_port_from_the_environment():
    config = _gunicorn_config(PORT="9001", WEB_CONCURRENCY="5", GUNICORN_THREADS="8", LOG_FORMAT="json")
    assert (config["bind"], config["workers"], config["threads"]) == ("0.0.0.0:9001", 5, 8)
    assert config["accesslog"] == "-"
    assert "%(U)s" in config["access_log_format"] and "%(q)s" not in config["access_log_format"]
    assert config["logconfig_dict"]["formatters"]["lyo"]["()"] == "common.logging.JsonFormatter"


def test_gunicorn_starts_the_metrics_directory_empty_and_forgets_dead_workers(tmp_path):
    config = _gunicorn_config(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    (tmp_path / "counter_111.db").write_bytes(b"stale")
    (tmp_path / "gauge_livesum_222.db").write_bytes(b"live")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
        config["on_starting"](server=None)
        assert list(tmp_path.iterdir()) == []
        (tmp_path / "counter_222.db").write_bytes(b"counts")
        (tmp_path / "gauge_livesum_222.db").write_bytes(b"live")
        config["child_exit"](server=None, worker=type("Worker", (), {"pid": 222}))
    # Counters of a dead worker still count; its live gauges do not.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_222.db"]
