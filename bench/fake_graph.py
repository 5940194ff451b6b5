"""A local stand-in for graph.facebook.com, for the benchmarks and fault drills.

Accepts ``POST /<version>/<phone_number_id>/messages`` with a fresh wamid, like Meta,
and appends one JSON line per *accepted* send to ``--log`` (flushed at once):
``{"t": <unix seconds when the request was read>, "pn": phone number id, "to":
recipient, "wamid": ..., "body": sha1 of the JSON body}``. Refused requests are
counted, not logged.

With ``--webhook`` (and ``--app-secret``), like Meta it then reports each accepted
message that carries ``biz_opaque_callback_data``: a ``sent`` status webhook, signed
with the app secret and echoing that string, POSTed a moment later to our webhook
(retried a few times when it is not answered 200, as Meta retries).

Control (loopback only, for the drills):

    POST /_bench/fail   {"status": 429, "seconds": 20}   answer every send with an error for a while
    GET  /_bench/stats                                   {"accepted": n, "refused": n, "failing": bool}

    python bench/fake_graph.py --port 8091 --log /tmp/sends.jsonl [--webhook URL --app-secret S] [--latency-ms 40]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import queue
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What Meta answers when it throttles (code 130429) or has trouble (code 2): the
# sender must treat both as transient and retry with backoff.
# Meta's "sent" status follows the accepted send within a second or so.
REPORT_DELAY_SECONDS = 0.3
REPORT_ATTEMPTS = 5
ERRORS = {
    429: {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429}},
    500: {"error": {"message": "Service temporarily unavailable", "type": "OAuthException", "code": 2}},
}


class FakeGraph(ThreadingHTTPServer):
    daemon_threads = True
    # Meta's server keeps connections alive; so does this one (HTTP/1.1 below).
    request_queue_size = 256

    def __init__(self, port: int, log_path: str, webhook: str = "", app_secret: str = "", latency: float = 0.0):
        super().__init__(("127.0.0.1", port), Handler)
        self.latency = latency
        self.webhook = webhook
        self.app_secret = app_secret
        self.reports: queue.Queue = queue.Queue(maxsize=100_000)
        if webhook:
            threading.Thread(target=self._report_loop, name="status-reports", daemon=True).start()
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

    def report_later(self, *, pn: str, recipient: str, wamid: str, callback_data: str) -> None:
        self.reports.put_nowait((time.monotonic() + REPORT_DELAY_SECONDS, pn, recipient, wamid, callback_data))

    def _report_loop(self) -> None:
        while True:
            due, pn, recipient, wamid, callback_data = self.reports.get()
            time.sleep(max(0.0, due - time.monotonic()))
            status = {"id": wamid, "status": "sent", "timestamp": str(int(time.time())), "recipient_id": recipient,
                      "biz_opaque_callback_data": callback_data}
            value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "", "phone_number_id": pn},
                     "statuses": [status]}
            body = json.dumps({"object": "whatsapp_business_account",
                               "entry": [{"id": "", "changes": [{"field": "messages", "value": value}]}]}).encode()
            signature = "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
            for _ in range(REPORT_ATTEMPTS):
                request = urllib.request.Request(self.webhook, data=body, method="POST", headers={  # noqa: S310
                    "Content-Type": "application/json", "X-Hub-Signature-256": signature})
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
                        if response.status == 200:
                            break
                except OSError:
                    pass
                time.sleep(1.0)


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
        if self.server.webhook and isinstance(body.get("biz_opaque_callback_data"), str):
            # Reported whether or not the sender is still there to read the answer.
            self.server.report_later(pn=record["pn"], recipient=record["to"], wamid=wamid,
                                     callback_data=body["biz_opaque_callback_data"])
        if self.server.latency:
            # Taken, but the answer is still on its way (Meta answers in 100-500 ms): a sender
            # that dies now has had its message accepted without knowing it.
            time.sleep(self.server.latency)
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
    parser.add_argument("--webhook", default="", help="where to POST status webhooks, as Meta does")
    parser.add_argument("--app-secret", default="", help="signs the status webhooks")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="answer each accepted send this much later")
    args = parser.parse_args()
    server = FakeGraph(args.port, args.log, webhook=args.webhook, app_secret=args.app_secret,
                       latency=args.latency_ms / 1000)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.log.close()


if __name__ == "__main__":
    main()
