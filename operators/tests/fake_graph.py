"""A local stand-in for the Graph API's phone-number lookup, served over real HTTP."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FakeGraph:
    # phone number id -> what Meta answers about it
    numbers: dict[str, dict] = field(default_factory=dict)
    # token -> phone number ids it may read
    tokens: dict[str, set[str]] = field(default_factory=dict)
    expired_tokens: set[str] = field(default_factory=set)
    requests: list[dict] = field(default_factory=list)
    base_url: str = ""

    def answer(self, path: str, authorization: str) -> tuple[int, dict]:
        token = authorization.removeprefix("Bearer ").strip()
        if token in self.expired_tokens or token not in self.tokens:
            return 401, {"error": {
                "message": "Error validating access token: Session has expired on Friday, 20-Nov-26 10:00:00 PST.",
                "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "AbCdEf",
            }}
        phone_number_id = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if phone_number_id not in self.numbers or phone_number_id not in self.tokens[token]:
            return 400, {"error": {
                "message": f"Unsupported get request. Object with ID '{phone_number_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                "type": "GraphMethodException", "code": 100, "error_subcode": 33, "fbtrace_id": "GhIjKl",
            }}
        return 200, {"id": phone_number_id, **self.numbers[phone_number_id]}


def fake_graph_serve(graph: FakeGraph) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            graph.requests.append({"path": self.path, "authorization": self.headers.get("Authorization", "")})
            status, body = graph.answer(self.path, self.headers.get("Authorization", ""))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):  # quiet: the test output is about Lyo
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    graph.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
