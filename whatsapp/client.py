"""A small typed client for the WhatsApp Cloud API (Graph API).

Every call has connect and read timeouts, uses the tenant's own phone number id and
token, and raises a ``GraphError`` that says whether trying again may help. Error
codes: Meta's "Error codes" page for the Cloud API.
"""

import logging
import os
from collections.abc import Sequence
from urllib.parse import quote

import requests
from django.conf import settings

from conversations.replies import Option
from whatsapp.rendering import (
    Recipient,
    buttons_body,
    list_body,
    mark_read_body,
    template_body,
    text_body,
)

logger = logging.getLogger(__name__)

# Connect quickly or give up; Meta answers a send well under a second, so 15 s means trouble.
TIMEOUT_SECONDS = (3.05, 15)

# Worth another try later: throttling (4, 80007, 130429, 131056 pair rate limit),
# Meta-side trouble (1 unknown, 2 service, 131000 something went wrong, 131016 service unavailable).
TRANSIENT_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056})
TOKEN_INVALID_CODE = 190  # expired, revoked or wrong access token


class GraphError(Exception):
    """The Graph API refused or could not be reached. ``transient``: the same call may succeed later."""

    transient = False

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None, title: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code
        self.title = title or message


class GraphTransientError(GraphError):
    """Network trouble, a timeout, throttling or a Meta-side error: retry with backoff."""

    transient = True


class GraphPermanentError(GraphError):
    """The request itself is wrong for Meta (bad parameter, window closed, undeliverable): do not retry."""


class GraphTokenInvalid(GraphPermanentError):
    """Code 190: the tenant's access token no longer works; someone must set a new one."""


class GraphClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        version: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT_SECONDS,
    ):
        self.base_url = (base_url or settings.GRAPH_API_BASE).rstrip("/")
        self.version = version or settings.GRAPH_API_VERSION
        self.session = session or _shared_session(self.base_url)
        self.timeout = timeout

    # --- Messages ---------------------------------------------------------------------

    def message_send(self, *, phone_number_id: str, token: str, body: dict) -> str | None:
        """POST a prepared message body (see ``whatsapp.rendering``); the new message's wamid."""
        data = self._request("POST", f"{quote(phone_number_id, safe='')}/messages", token=token, json=body)
        messages = data.get("messages") if isinstance(data, dict) else None
        if isinstance(messages, list) and messages and isinstance(messages[0], dict) and messages[0].get("id"):
            return str(messages[0]["id"])
        # Accepted without an id: it was sent; trying again would send it twice.
        logger.warning("Graph API accepted a message without returning its id")
        return None

    def text_send(self, *, phone_number_id: str, token: str, recipient: Recipient, text: str) -> str | None:
        return self.message_send(phone_number_id=phone_number_id, token=token, body=text_body(recipient, text))

    def buttons_send(
        self, *, phone_number_id: str, token: str, recipient: Recipient, text: str, options: Sequence[Option]
    ) -> str | None:
        body = buttons_body(recipient, text, options)
        return self.message_send(phone_number_id=phone_number_id, token=token, body=body)

    def list_send(
        self, *, phone_number_id: str, token: str, recipient: Recipient, text: str, options: Sequence[Option],
        button_label: str,
    ) -> str | None:
        body = list_body(recipient, text, options, button_label=button_label)
        return self.message_send(phone_number_id=phone_number_id, token=token, body=body)

    def template_send(
        self, *, phone_number_id: str, token: str, recipient: Recipient, name: str, language: str,
        parameters: Sequence[str] = (),
    ) -> str | None:
        body = template_body(recipient, name, language, parameters)
        return self.message_send(phone_number_id=phone_number_id, token=token, body=body)

    def message_mark_read(self, *, phone_number_id: str, token: str, message_id: str) -> None:
        """Blue ticks on a customer's message."""
        self._request(
            "POST", f"{quote(phone_number_id, safe='')}/messages", token=token, json=mark_read_body(message_id)
        )

    # --- Phone numbers ----------------------------------------------------------------

    def phone_number_get(
        self, phone_number_id: str, token: str,
        fields: Sequence[str] = ("display_phone_number", "verified_name", "quality_rating"),
    ) -> dict:
        """The phone number as Meta knows it: proves the id and token belong together."""
        data = self._request(
            "GET", quote(phone_number_id, safe=""), token=token, params={"fields": ",".join(fields)}
        )
        return data if isinstance(data, dict) else {}

    # --- Transport ----------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, token: str, json: dict | None = None, params: dict | None = None
    ) -> object:
        url = f"{self.base_url}/{self.version}/{path}"
        try:
            response = self.session.request(
                method, url, json=json, params=params, timeout=self.timeout,
                headers={"Authorization": f"Bearer {token}"},
            )
        except requests.Timeout as exc:
            raise GraphTransientError(f"Graph API timed out ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise GraphTransientError(f"Graph API unreachable ({type(exc).__name__})") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.ok:
            return data
        raise graph_error_for(response.status_code, data)


def graph_error_for(status: int, data: object) -> GraphError:
    """Map an error response to the hierarchy: code 190 token, transient codes and 429/5xx, else permanent."""
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
    title = str(error.get("message") or details or f"HTTP {status}")
    message = f"Graph API error {code if code is not None else '-'} (HTTP {status}): {title}"
    if code == TOKEN_INVALID_CODE:
        return GraphTokenInvalid(message, status=status, code=code, title=title)
    if code in TRANSIENT_CODES or status == 429 or status >= 500:
        return GraphTransientError(message, status=status, code=code, title=title)
    return GraphPermanentError(message, status=status, code=code, title=title)


_sessions: dict[str, requests.Session] = {}


def _shared_session(base_url: str) -> requests.Session:
    """One pooled session per process and Graph base URL: keep-alive connections across sends.

    The environment (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``) is read once,
    here, instead of on every request: that lookup was a tenth of a send's CPU.
    """
    session = _sessions.get(base_url)
    if session is None:
        session = requests.Session()
        session.proxies.update(requests.utils.get_environ_proxies(base_url))  # NO_PROXY honoured
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        session.trust_env = False
        _sessions[base_url] = session
    return session
