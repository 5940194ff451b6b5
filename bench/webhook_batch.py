"""How long does one signed WhatsApp webhook carrying a large batch keep its request busy?

In a throwaway test database, three tenants each receive their share of one signed
POST of 1,000 and then 5,000 inbound text messages (every sender new, one message
each, all answered later), posted through Django's test client in this process; then
the same batch again (Meta's redelivery: nothing new stored), and finally 200
single-message webhooks from returning customers (the usual case), whose median time
is what the per-webhook CPU work (issue 22) must not lose.

Meta documents no message count per delivery (only that a payload can reach 3 MB),
so 1,000 and 5,000 messages stand for a large and an extreme batch. The processing
tasks are counted, not run: the figure is the request's own time.

    python bench/webhook_batch.py            # SQLite in memory
    DATABASE_URL=postgres://... python bench/webhook_batch.py   # a test_ database on that server
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lyo.settings_test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from conversations.models import Message  # noqa: E402
from tenants.models import Tenant  # noqa: E402

PHONE_NUMBER_IDS = ("900000000000001", "900000000000002", "900000000000003")
WEBHOOK = "/webhooks/whatsapp"


def batch_body(count: int, first: int, sender_of=lambda n: n) -> bytes:
    """``count`` inbound texts (ids from ``first``) spread over the three tenants, Meta's shape."""
    now = int(time.time())
    values: dict[str, dict] = {number: {"contacts": {}, "messages": []} for number in PHONE_NUMBER_IDS}
    for n in range(first, first + count):
        number, sender = PHONE_NUMBER_IDS[n % 3], sender_of(n)
        wa_id = f"39{number[-1]}{sender:09d}"
        values[number]["contacts"][wa_id] = {"profile": {"name": f"Cliente {sender}"}, "wa_id": wa_id}
        values[number]["messages"].append({
            "from": wa_id, "id": f"wamid.BENCH{n:08d}", "timestamp": str(now), "type": "text",
            "text": {"body": f"Vorrei prenotare per {n % 8 + 1}"},
        })
    entry = [
        {"id": "0", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": number},
            "contacts": list(value["contacts"].values()), "messages": value["messages"],
        }}]}
        for number, value in values.items()
    ]
    return json.dumps({"object": "whatsapp_business_account", "entry": entry}).encode()


def post(client: Client, body: bytes) -> tuple[float, dict]:
    signature = "sha256=" + hmac.new(settings.META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    started = time.perf_counter()
    response = client.post(WEBHOOK, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.content
    return elapsed, response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000", help="batch sizes, comma-separated")
    parser.add_argument("--singles", type=int, default=200, help="single-message webhooks timed at the end")
    args = parser.parse_args()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    enqueued = []
    try:
        for index, number in enumerate(PHONE_NUMBER_IDS):
            Tenant.objects.create(name=f"Bench {index}", slug=f"bench-{index}", whatsapp_phone_number_id=number)
        client = Client()
        print(f"WhatsApp webhook batches on {connection.vendor} (request time; processing tasks counted, not run)")
        with mock.patch("conversations.tasks.inbound_message_process_task.delay", side_effect=enqueued.append):
            first = 0
            for size in (int(s) for s in args.sizes.split(",")):
                body = batch_body(size, first)
                before = len(enqueued)
                elapsed, summary = post(client, body)
                print(f"  {size:>6} new messages:  {elapsed * 1000:8.0f} ms  stored {summary['stored']},"
                      f" tasks {len(enqueued) - before}")
                before = len(enqueued)
                elapsed, summary = post(client, body)
                print(f"  {size:>6} redelivered:   {elapsed * 1000:8.0f} ms  stored {summary['stored']},"
                      f" duplicates {summary['duplicates']}, tasks {len(enqueued) - before}")
                first += size
            times = []
            for n in range(first, first + args.singles):
                # A returning customer (one of the first batch's senders) writes again.
                body = batch_body(1, n * 3, sender_of=lambda _n, n=n: (n % 300) * 3)
                times.append(post(client, body)[0])
            times.sort()
            print(f"  {args.singles} single-message webhooks: median {statistics.median(times) * 1000:.2f} ms,"
                  f" p90 {times[int(len(times) * 0.9)] * 1000:.2f} ms")
        assert Message.objects.count() == first + args.singles
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
