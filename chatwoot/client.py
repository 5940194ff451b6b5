"""A small typed client for Chatwoot's application API, as the tenant's agent bot.

Every call has connect and read timeouts, authenticates with the bot's access token
(header ``api_access_token``) and raises a ``ChatwootError`` that says whether trying
again may help (on the refusal kinds every channel's transport shares,
``conversations.channels.ChannelRefusal``). Endpoints: Chatwoot's "Application API" (messages, toggle status).

The address is the owner's to type, so each call first checks it
(``chatwoot.addresses``) and then connects to the very address it checked; it never
follows a redirect (that would carry the token elsewhere) and never shows Chatwoot's
own error text to staff (an address that is not Chatwoot could answer anything).
"""

import logging
import socket
from typing import TYPE_CHECKING
from urllib.parse import quote

import requests
from django.utils.translation import gettext
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from chatwoot.addresses import (
    ChatwootAddressRefused,
    ChatwootAddressUnresolvable,
    ChatwootDestination,
    chatwoot_destination_check,
)
from conversations.channels import ChannelPermanentError, ChannelRefusal, ChannelTokenInvalid, ChannelTransientError

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = (3.05, 15)


class ChatwootError(ChannelRefusal):
    """Chatwoot refused or could not be reached. ``transient``: the same call may succeed later."""

    def __init__(self, message: str, *, status: int | None = None, title: str = ""):
        # Chatwoot's errors have no codes of their own: the HTTP status stands in.
        super().__init__(message, status=status, code=status, title=title)


class ChatwootTransientError(ChatwootError, ChannelTransientError):
    """Network trouble, a timeout, throttling (429) or a server error: retry with backoff."""


class ChatwootPermanentError(ChatwootError, ChannelPermanentError):
    """The request itself is wrong for Chatwoot (no such conversation, bad parameter): do not retry."""


class ChatwootTokenInvalid(ChatwootPermanentError, ChannelTokenInvalid):
    """401: the bot's access token no longer works; someone must set a new one."""


class ChatwootAddressNotAllowed(ChatwootPermanentError):
    """The connection's address leads where the token may not go (``chatwoot.addresses``): nothing was sent."""


if TYPE_CHECKING:
    # To the type checker the mixin is the connection it is mixed into (its host, port...).
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object


class _PinnedConnectionMixin(_ConnectionBase):
    """Connects to the address checked before the call instead of resolving the host again.

    The host name still names the server everywhere else: the ``Host`` header, TLS's
    SNI and the certificate check all use it, so https verifies as usual.
    """

    def __init__(self, *args, pinned_address: str, **kwargs):
        self.pinned_address = pinned_address
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        try:
            return create_connection(
                (self.pinned_address, self.port), self.timeout,
                source_address=self.source_address, socket_options=self.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc


class _PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class PinnedAddressAdapter(HTTPAdapter):
    """A transport whose connections to ``destination``'s host go to its checked address only."""

    def __init__(self, destination: ChatwootDestination):
        self.destination = destination
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        pool = super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        assert isinstance(pool, HTTPConnectionPool)  # what a requests adapter pools: urllib3 HTTP(S) pools
        if pool.host.rstrip(".").lower() != self.destination.host.lower():
            raise requests.ConnectionError("Refusing a host other than the checked one", request=request)
        pool.ConnectionCls = _PinnedHTTPSConnection if self.destination.scheme == "https" else _PinnedHTTPConnection
        pool.conn_kw["pinned_address"] = self.destination.address
        return pool


class ChatwootClient:
    def __init__(
        self, *, base_url: str, token: str, session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT_SECONDS,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        if session is None:
            session = requests.Session()
            # No proxy from the environment: the call must go to the checked address.
            session.trust_env = False
        self.session = session
        self.timeout = timeout

    def message_create(self, *, account_id: int, conversation_id: str, body: dict) -> str | None:
        """Post a message (see ``chatwoot.rendering``) to a conversation; the new message's id."""
        data = self._request("POST", self._conversation_path(account_id, conversation_id) + "/messages", json=body)
        message_id = data.get("id") if isinstance(data, dict) else None
        if message_id is None or isinstance(message_id, bool):
            logger.warning("Chatwoot accepted a message without returning its id")
            return None
        return str(message_id)

    def conversation_status_set(self, *, account_id: int, conversation_id: str, status: str) -> None:
        """``open`` (people answer), ``pending`` (the bot answers), ``resolved`` or ``snoozed``."""
        self._request(
            "POST", self._conversation_path(account_id, conversation_id) + "/toggle_status", json={"status": status}
        )

    def _conversation_path(self, account_id: int, conversation_id: str) -> str:
        return f"api/v1/accounts/{int(account_id)}/conversations/{quote(str(conversation_id), safe='')}"

    def _request(self, method: str, path: str, *, json: dict) -> object:
        # Resolved and checked right before connecting, every call: the address may
        # resolve differently from when it was saved.
        try:
            destination = chatwoot_destination_check(self.base_url)
        except ChatwootAddressUnresolvable as exc:
            raise ChatwootTransientError(exc.message, title=exc.message) from exc
        except ChatwootAddressRefused as exc:
            raise ChatwootAddressNotAllowed(exc.message, title=exc.message) from exc
        if destination.address is not None:
            self.session.mount(f"{destination.scheme}://", PinnedAddressAdapter(destination))
        try:
            response = self.session.request(
                method, f"{self.base_url}/{path}", json=json, timeout=self.timeout,
                headers={"api_access_token": self.token}, allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise ChatwootTransientError(f"Chatwoot timed out ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise ChatwootTransientError(f"Chatwoot unreachable ({type(exc).__name__})") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if 200 <= response.status_code < 300:
            return data
        raise chatwoot_error_for(response.status_code, data)


def chatwoot_error_for(status: int, data: object) -> ChatwootError:
    """401 token, 429 and 5xx transient, a redirect and anything else permanent.

    ``title`` (what staff see) is fixed text: the body is the log's only, bounded.
    """
    detail = None
    if isinstance(data, dict):
        detail = data.get("error") or data.get("message") or data.get("errors")
    message = f"Chatwoot error (HTTP {status}): {str(detail or '')[:300]!r}"
    if 300 <= status < 400:
        title = gettext("Chatwoot answered with a redirect, which Lyo does not follow (HTTP %(status)s).")
        return ChatwootPermanentError(message, status=status, title=title % {"status": status})
    if status == 401:
        title = gettext("Chatwoot rejected the bot's access token (HTTP %(status)s).")
        return ChatwootTokenInvalid(message, status=status, title=title % {"status": status})
    if status == 429 or status >= 500:
        title = gettext("Chatwoot is busy or unavailable (HTTP %(status)s).")
        return ChatwootTransientError(message, status=status, title=title % {"status": status})
    title = gettext("Chatwoot refused the request (HTTP %(status)s).")
    return ChatwootPermanentError(message, status=status, title=title % {"status": status})
