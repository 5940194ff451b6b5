"""A local stand-in for Stripe's API: records each request, answers what the test queued."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeStripe:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict, dict]] = []
        self.answers: dict[tuple[str, str], tuple[int, dict]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode()) if length else {}
                fake.requests.append((self.command, self.path, form, dict(self.headers)))
                status, body = fake.answers.get((self.command, self.path.split("?")[0]), (404, {
                    "error": {"type": "invalid_request_error", "message": f"no answer for {self.path}"}
                }))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, method: str, path: str, body: dict, status: int = 200) -> None:
        self.answers[(method, path)] = (status, body)

    def start(self) -> "FakeStripe":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
