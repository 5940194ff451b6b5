"""A local stand-in for the Graph API calls of Embedded Signup, served over real HTTP.

It answers what Meta answers (shapes from Meta's Embedded Signup, "Registration" and
"subscribed_apps" references): the code exchange, the business account's subscription
and its removal, the number's registration, the number itself, and the coexistence
sync requests. ``fail[step]`` makes that step answer an error instead; every request
is recorded as (method, path without the version, query, bearer, JSON body).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

APP_ID = "1234567890123456"
APP_SECRET = "app-secret-Zq81mVx02LcP7Ws4"
CONFIG_ID = "998877665544332"
CODE = "AQD-signup-code-4f8Jk2LmQ"
BUSINESS_TOKEN = "EAAG-business-token-Wq7Zp2Lx9"
WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "+39 06 1234 5678"
VERIFIED_NAME = "Trattoria Uno"

# Error answers as Meta words them, by step.
ERRORS: dict[str, tuple[int, dict]] = {
    "code_exchange": (
        400,
        {
            "error": {
                "message": "This authorization code has been used.",
                "type": "OAuthException",
                "code": 100,
                "error_subcode": 36009,
                "fbtrace_id": "A1",
            }
        },
    ),
    "subscribe": (
        400,
        {"error": {"message": "(#200) Permissions error", "type": "OAuthException", "code": 200, "fbtrace_id": "A2"}},
    ),
    "register": (
        400,
        {
            "error": {
                "message": "Two step verification PIN Mismatch",
                "type": "OAuthException",
                "code": 133005,
                "fbtrace_id": "A3",
            }
        },
    ),
    "number_read": (
        500,
        {
            "error": {
                "message": "An unknown error has occurred.",
                "type": "OAuthException",
                "code": 1,
                "fbtrace_id": "A4",
            }
        },
    ),
    "unsubscribe": (
        500,
        {
            "error": {
                "message": "An unknown error has occurred.",
                "type": "OAuthException",
                "code": 1,
                "fbtrace_id": "A5",
            }
        },
    ),
    "app_data": (
        400,
        {"error": {"message": "Sync window expired", "type": "OAuthException", "code": 100, "fbtrace_id": "A6"}},
    ),
}


@dataclass
class FakeSignupGraph:
    fail: set[str] = field(default_factory=set)
    requests: list[dict] = field(default_factory=list)
    base_url: str = ""
    subscribed: set[str] = field(default_factory=set)
    registered: set[str] = field(default_factory=set)

    def calls(self) -> list[tuple[str, str]]:
        """(method, path) of each request, in order."""
        return [(r["method"], r["path"]) for r in self.requests]

    def answer(self, method: str, path: str, query: dict, token: str, body: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        step = self._step(method, parts)
        if step in self.fail:
            return ERRORS[step]
        if step == "code_exchange":
            if (
                query.get("client_id") != [APP_ID]
                or query.get("client_secret") != [APP_SECRET]
                or query.get("code") != [CODE]
            ):
                return ERRORS["code_exchange"]
            return 200, {"access_token": BUSINESS_TOKEN, "token_type": "bearer"}
        if token != BUSINESS_TOKEN:
            return 401, {
                "error": {
                    "message": "Invalid OAuth access token.",
                    "type": "OAuthException",
                    "code": 190,
                    "fbtrace_id": "A0",
                }
            }
        if step == "subscribe":
            self.subscribed.add(parts[0])
            return 200, {"success": True}
        if step == "unsubscribe":
            self.subscribed.discard(parts[0])
            return 200, {"success": True}
        if step == "register":
            if body.get("messaging_product") != "whatsapp" or len(str(body.get("pin", ""))) != 6:
                return ERRORS["register"]
            self.registered.add(parts[0])
            return 200, {"success": True}
        if step == "app_data":
            return 200, {"success": True}
        if step == "number_read" and parts[0] == PHONE_NUMBER_ID:
            return 200, {
                "id": PHONE_NUMBER_ID,
                "display_phone_number": DISPLAY_PHONE_NUMBER,
                "verified_name": VERIFIED_NAME,
            }
        return 400, {
            "error": {"message": "Unsupported request", "type": "GraphMethodException", "code": 100, "fbtrace_id": "A9"}
        }

    @staticmethod
    def _step(method: str, parts: list[str]) -> str:
        if parts == ["oauth", "access_token"]:
            return "code_exchange"
        if len(parts) == 2 and parts[1] == "subscribed_apps":
            return "subscribe" if method == "POST" else "unsubscribe"
        if len(parts) == 2 and parts[1] == "register":
            return "register"
        if len(parts) == 2 and parts[1] == "smb_app_data":
            return "app_data"
        return "number_read" if method == "GET" and len(parts) == 1 else "unknown"


def fake_signup_graph_serve(graph: FakeSignupGraph) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            url = urlsplit(self.path)
            # "/v25.0/<path>": the version is the client's business, the path is Meta's.
            path = "/" + url.path.strip("/").split("/", 1)[-1]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            query = parse_qs(url.query)
            graph.requests.append({"method": self.command, "path": path, "query": query, "token": token, "body": body})
            status, answer = graph.answer(self.command, path, query, token, body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _handle

        def log_message(self, format, *args):  # quiet: the test output is about Lyo
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    graph.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def signup_graph(settings) -> Iterator[FakeSignupGraph]:
    """The Graph API on a local port, and Lyo's Meta app configured for Embedded Signup."""
    graph = FakeSignupGraph()
    server = fake_signup_graph_serve(graph)
    settings.GRAPH_API_BASE = graph.base_url
    settings.META_APP_ID = APP_ID
    settings.META_APP_SECRET = APP_SECRET
    settings.META_EMBEDDED_SIGNUP_CONFIG_ID = CONFIG_ID
    yield graph
    server.shutdown()
    server.server_close()
