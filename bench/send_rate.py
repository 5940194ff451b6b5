# ruff: noqa: S106, S603 - a benchmark harness: a throwaway token, a local child process
"""Bench: a burst of reminders from one number goes out at no more than its rate, none refused.

Starts the local fake Graph API (bench/fake_graph.py), then sends ``--messages`` reminder
bodies from one number through Lyo's own send path (``whatsapp_body_post``: token bucket
in Redis, then the Graph client) from ``--workers`` threads, as that many Celery workers
would. Reads the fake's log of accepted sends and reports the achieved rate and the most
sends that fell into any one second. Fails (exit 1) when a second held more than the
rate or a send was refused.

    REDIS_URL=redis://127.0.0.1:6379/13 python bench/send_rate.py --rate 20 --messages 500
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rate", type=int, default=20, help="the number's messages per second")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8097)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL: the bucket lives in Redis.")

    log = Path(tempfile.mkdtemp()) / "sends.jsonl"
    graph = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_graph.py"), "--port", str(args.port),
                              "--log", str(log)])
    try:
        time.sleep(1)
        os.environ.update(DEBUG="1", GRAPH_API_BASE=f"http://127.0.0.1:{args.port}", LYO_SEND_BACKEND="graph")
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lyo.settings")
        import django

        django.setup()
        from meta.graph import GraphError
        from tenants.models import Tenant
        from whatsapp.services.outbound import whatsapp_body_post

        # Not saved: sending needs only the number, its token and its rate.
        tenant = Tenant(whatsapp_phone_number_id=f"bench{int(time.time())}", whatsapp_access_token="EAAG-bench",
                        whatsapp_send_rate_per_second=args.rate)
        todo = iter(range(args.messages))
        lock, refused = threading.Lock(), []

        def worker() -> None:
            while True:
                with lock:
                    index = next(todo, None)
                if index is None:
                    return
                body = {"messaging_product": "whatsapp", "to": f"39347{index:07d}", "type": "text",
                        "text": {"body": f"Promemoria {index}"}}
                try:
                    whatsapp_body_post(tenant, body)
                except GraphError as error:
                    refused.append(error)

        started = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        graph.terminate()
        graph.wait(5)

    stamps = sorted(json.loads(line)["t"] for line in log.read_text().splitlines() if line.strip())
    busiest, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    print(f"{len(stamps)} sent, {len(refused)} refused, in {elapsed:.1f} s: {len(stamps) / elapsed:.1f}/s "
          f"(rate {args.rate}/s); busiest second: {busiest}")
    ok = len(stamps) == args.messages and not refused and busiest <= args.rate
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
