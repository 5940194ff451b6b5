"""A local stand-in for graph.facebook.com, for the benchmarks and fault drills.

Accepts ``POST /<version>/<phone_number_id>/messages`` with a fresh wamid, like Meta,
and appends one JSON line per *accepted* send to ``--log`` (flushed at once):
``{"t": <unix seconds when the request was read>, "pn": phone number id, "to":
recipient, "wamid": ..., "body": sha1 of the JSON body}``. Refused requests are
counted, not logged.

Control (loopback only, for the drills):

    POST /_bench/fail   {"status": 429, "seconds": 20}   answer every send with an error for a while
    GET  /_bench/stats                                   {"accepted": n, "refused": n, "failing": bool}

    python bench/fake_graph.py --port 8091 --log /tmp/sends.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What Meta answers when it throttles (code 130429) or has trouble (code 2): the
# sender must treat both as transient and retry with backoff.
ERRORS = {
    429: {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429}},
    500: {"error": {"message": "Service temporarily unavailable", "type": "OAuthException", "code": 2}},
}


class FakeGraph(ThreadingHTTPServer):
    daemon_threads = True
    # Meta's server keeps connections alive; so does this one (HTTP/1.1 below).
    request_queue_size = 256

    def __init__(self, port: int, log_path: str):
        super().__init__(("127.0.0.1", port), Handler)
        self.log = open(log_path, "a", buffering=1)  # noqa: SIM115 - open for the server's lifetime
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        # Wamids unique across restarts of this server against the same database.
        self.prefix = f"{int(time.time() * 1000) % 10**10:010d}"
        self.accepted = 0
        self.refused = 0
        self.fail_status = 0
        self.fail_until = 0.0

    def failing(self) -> int:
        return self.fail_status if time.monotonic() < self.fail_until else 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; without TCP_NODELAY the body would wait
    # for the client's delayed ACK (40 ms) on a kept-alive connection.
    disable_nagle_algorithm = True
    server: FakeGraph

    def do_POST(self):
        received = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.startswith("/_bench/fail"):
            order = json.loads(raw or b"{}")
            with self.server.lock:
                self.server.fail_status = int(order.get("status", 500))
                self.server.fail_until = time.monotonic() + float(order.get("seconds", 20))
            return self._answer(200, {"failing": self.server.fail_status})
        if not self.path.endswith("/messages"):
            return self._answer(404, {"error": {"message": "Unknown path", "code": 100}})
        status = self.server.failing()
        if status:
            with self.server.lock:
                self.server.refused += 1
            return self._answer(status, ERRORS.get(status, ERRORS[500]))
        try:
            body = json.loads(raw)
        except ValueError:
            return self._answer(400, {"error": {"message": "Invalid JSON", "code": 100}})
        with self.server.lock:
            wamid = f"wamid.BENCH{self.server.prefix}{next(self.server.ids):09d}"
            self.server.accepted += 1
            record = {
                "t": received,
                "pn": self.path.split("/")[-2],
                "to": body.get("to") or body.get("recipient") or "",
                "wamid": wamid,
                "body": hashlib.sha1(raw).hexdigest(),  # noqa: S324 - a fingerprint, not security
            }
            self.server.log.write(json.dumps(record) + "\n")
        self._answer(200, {"messaging_product": "whatsapp", "contacts": [], "messages": [{"id": wamid}]})

    def do_GET(self):
        if self.path.startswith("/_bench/stats"):
            return self._answer(
                200, {"accepted": self.server.accepted, "refused": self.server.refused,
                      "failing": bool(self.server.failing())},
            )
        return self._answer(404, {"error": {"message": "Unknown path", "code": 100}})

    def _answer(self, status: int, data: dict) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = FakeGraph(args.port, args.log)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.log.close()


if __name__ == "__main__":
    main()
