"""The yardstick for Lyo's webhook: the least a durable Django webhook can do.

    gunicorn --config gunicorn.conf.py bench.yardstick:application   (PORT=8092)

``POST /webhooks/whatsapp``: verify Meta's signature over the raw body, find the tenant
of the phone number id (one SELECT), store the body (one INSERT, redeliveries ignored by
a unique key) and push its id to a Redis list, then answer 200. No middleware, no
models, no Celery: what is left is the price of being durable before answering. Served
by the same gunicorn settings as Lyo, against the same database, so
``bench/webhook.sh`` can print Lyo's requests/s as a ratio of it. Not part of Lyo.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

import django
import environ
import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

env = environ.Env()
settings.configure(
    DEBUG=False,
    SECRET_KEY=env("SECRET_KEY", default="yardstick"),
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={"default": {**env.db("DATABASE_URL"), "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}},
    USE_TZ=True,
)
django.setup()

APP_SECRET = os.environ["META_APP_SECRET"].encode()
QUEUE = "yardstick"
_redis = redis.Redis.from_url(os.environ["REDIS_URL"])

# Its table, bench_yardstick_messages, is created by ``lyobench.Stack.yardstick_start`` before the server starts.


def webhook(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    body = request.body
    expected = "sha256=" + hmac.new(APP_SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), expected):
        return HttpResponse(status=401)
    try:
        value = json.loads(body)["entry"][0]["changes"][0]["value"]
        phone_number_id = value["metadata"]["phone_number_id"]
        event = (value.get("messages") or value.get("statuses"))[0]
        event_id = f"{event['id']}:{event.get('status', 'in')}"
    except (ValueError, KeyError, IndexError, TypeError):
        return HttpResponse(status=400)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM lyo_tenants WHERE whatsapp_phone_number_id = %s AND is_active", [phone_number_id]
        )
        row = cursor.fetchone()
        if row is None:
            return HttpResponse(status=200)  # not ours: acknowledged, as Meta expects
        cursor.execute(
            "INSERT INTO bench_yardstick_messages (tenant_id, event_id, body) VALUES (%s, %s, %s) "
            "ON CONFLICT (event_id) DO NOTHING RETURNING id",
            [row[0], event_id, body.decode()],
        )
        inserted = cursor.fetchone()
    if inserted is not None:
        _redis.rpush(QUEUE, inserted[0])
    return HttpResponse("ok")


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("webhooks/whatsapp", webhook), path("health/live", health)]

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after settings.configure

application = get_wsgi_application()
