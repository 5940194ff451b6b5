"""End to end through real services: webhook POST → Redis → a Celery worker process → Graph send.

Runs when ``REDIS_URL`` is set and the database is PostgreSQL (as in CI): the worker is
a separate process and must see the rows this test commits, which SQLite's
in-memory test database cannot offer.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from conversations.models import Message
from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import SAMPLE_PHONE_NUMBER_ID, WEBHOOK, payload_bytes, sign

ROOT = Path(__file__).resolve().parents[2]
WORKER_WAIT_SECONDS = 60


def _skip_reason() -> str:
    if not settings.REDIS_URL:
        return "needs a real Redis broker: set REDIS_URL (CI does)"
    if connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL (the worker process must share the test database)"
    return ""


pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(bool(_skip_reason()), reason=_skip_reason() or "runs"),
]


class FakeGraph(ThreadingHTTPServer):
    """A local stand-in for graph.facebook.com that records each send."""

    def __init__(self):
        self.sends: list[dict] = []
        super().__init__(("127.0.0.1", 0), _GraphHandler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _GraphHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # http.server names it so
        length = int(self.headers.get("Content-Length") or 0)
        wamid = f"wamid.INTEGRATION{len(self.server.sends) + 1}"
        self.server.sends.append(
            {"path": self.path, "authorization": self.headers.get("Authorization"),
             "body": json.loads(self.rfile.read(length) or b"{}"), "wamid": wamid}
        )
        answer = json.dumps({"messaging_product": "whatsapp", "messages": [{"id": wamid}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):  # keep the test output quiet
        pass


def _test_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def graph_server():
    server = FakeGraph()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def queue():
    """A queue of our own, so no other worker on the same Redis takes these tasks."""
    name = f"lyo-test-{uuid.uuid4().hex[:10]}"
    yield name
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)


@pytest.fixture
def worker(graph_server, queue, tmp_path):
    env = {
        **os.environ,
        # Production settings (tasks go through the broker), pointed at the test database and fake Graph.
        "DJANGO_SETTINGS_MODULE": "lyo.settings",
        "DEBUG": "0",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "GRAPH_API_BASE": graph_server.base_url,
        "LYO_SEND_BACKEND": "graph",
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "SECRET_KEY": settings.SECRET_KEY,
        "META_APP_SECRET": settings.META_APP_SECRET,
        "WHATSAPP_WEBHOOK_VERIFY_TOKEN": settings.WHATSAPP_WEBHOOK_VERIFY_TOKEN,
        "ALLOWED_HOSTS": ",".join(settings.ALLOWED_HOSTS),
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lyo", "worker", "-Q", queue, "--pool", "solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    process.log_path = log_path
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def publish_to_broker(queue):
    """This process publishes for real (the suite otherwise runs tasks in-process)."""
    from lyo.celery import app

    before = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    yield
    app.conf.task_always_eager, app.conf.task_default_queue = before


@pytest.mark.django_db(transaction=True)
def test_webhook_post_is_answered_through_redis_and_a_worker_with_a_graph_send(
    client, graph_server, worker, publish_to_broker
):
    tenant = TenantFactory(whatsapp_phone_number_id=SAMPLE_PHONE_NUMBER_ID, whatsapp_access_token="EAAG-integration")
    body = payload_bytes("whatsapp_text.json")

    response = client.post(WEBHOOK, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body))
    assert response.status_code == 200

    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    sent = None
    while time.monotonic() < deadline and worker.poll() is None:
        sent = Message.objects.filter(
            tenant=tenant, direction=Message.Direction.OUTBOUND, delivery_status=Message.Delivery.SENT
        ).first()
        if sent is not None:
            break
        time.sleep(0.2)
    assert sent is not None, "no reply was sent; worker log:\n" + worker.log_path.read_text()[-4000:]

    inbound = Message.objects.get(tenant=tenant, direction=Message.Direction.INBOUND)
    assert inbound.processing_status == Message.Processing.PROCESSED
    (send,) = graph_server.sends
    assert send["path"] == f"/{settings.GRAPH_API_VERSION}/{SAMPLE_PHONE_NUMBER_ID}/messages"
    assert send["authorization"] == "Bearer EAAG-integration"
    assert send["body"]["to"] == "393471234567"
    assert sent.channel_message_id == send["wamid"]
    assert sent.reply_to_id == inbound.pk


@pytest.mark.django_db(transaction=True)
def test_messages_of_one_conversation_queued_together_take_one_task_and_all_get_answers(
    client, graph_server, queue, publish_to_broker, request, settings
):
    """Three messages of one customer while no worker runs: one task in the broker, three messages answered."""
    import redis

    settings.INBOUND_TASK_PER_CONVERSATION = True
    tenant = TenantFactory(whatsapp_phone_number_id=SAMPLE_PHONE_NUMBER_ID, whatsapp_access_token="EAAG-integration")
    sample = payload_bytes("whatsapp_text.json")
    wamid = b"wamid.HBgMMzkzNDcxMjM0NTY3FQIAEhggQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUEA"
    texts = (b"Ciao, vorrei prenotare un tavolo per 4 domani alle 20", b"che orari avete?", b"dove siete?")
    for n, text in enumerate(texts):
        body = sample.replace(wamid, b"wamid.COALESCED%d" % n).replace(texts[0], text)
        response = client.post(
            WEBHOOK, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body)
        )
        assert response.status_code == 200
    assert redis.Redis.from_url(settings.REDIS_URL).llen(queue) == 1

    worker = request.getfixturevalue("worker")
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    pending = 3
    while time.monotonic() < deadline and worker.poll() is None:
        pending = Message.objects.filter(
            tenant=tenant, direction=Message.Direction.INBOUND
        ).exclude(processing_status=Message.Processing.PROCESSED).count()
        if pending == 0 and not Message.objects.filter(
            tenant=tenant, direction=Message.Direction.OUTBOUND, delivery_status=Message.Delivery.QUEUED
        ).exists():
            break
        time.sleep(0.2)
    assert pending == 0, "messages left unanswered; worker log:\n" + worker.log_path.read_text()[-4000:]
    answered = Message.objects.filter(tenant=tenant, direction=Message.Direction.OUTBOUND).values_list(
        "reply_to__channel_message_id", flat=True
    )
    assert set(answered) == {f"wamid.COALESCED{n}" for n in range(3)}  # each one answered, in one task
    assert len(graph_server.sends) == len(answered)
