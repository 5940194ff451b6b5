"""The Graph API transport every Meta channel shares (WhatsApp, Instagram).

A pooled session per Graph root, connect and read timeouts on every call, the
tenant's own bearer token, and a ``GraphError`` hierarchy that says whether trying
again may help (on the refusal kinds every channel's transport shares,
``conversations.channels.ChannelRefusal``). A channel's client subclasses ``GraphClient`` with its endpoints.
Error codes: Meta's "Graph API error codes" and the Cloud API's "Error codes" pages.
"""

import logging
import os
from dataclasses import dataclass

import requests
from django.conf import settings

from conversations.channels import ChannelPermanentError, ChannelRefusal, ChannelTokenInvalid, ChannelTransientError

logger = logging.getLogger(__name__)

# Connect quickly or give up; Meta answers a send well under a second, so 15 s means trouble.
TIMEOUT_SECONDS = (3.05, 15)

# Worth another try later: throttling (4, 80007, 130429, 131056 pair rate limit),
# Meta-side trouble (1 unknown, 2 service, 131000 something went wrong, 131016 service unavailable).
TRANSIENT_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056})
TOKEN_INVALID_CODE = 190  # expired, revoked or wrong access token


class GraphError(ChannelRefusal):
    """The Graph API refused or could not be reached. ``transient``: the same call may succeed later."""


class GraphTransientError(GraphError, ChannelTransientError):
    """Network trouble, a timeout, throttling or a Meta-side error: retry with backoff."""


class GraphPermanentError(GraphError, ChannelPermanentError):
    """The request itself is wrong for Meta (bad parameter, window closed, undeliverable): do not retry."""


class GraphTokenInvalid(GraphPermanentError, ChannelTokenInvalid):
    """Code 190: the tenant's access token no longer works; someone must set a new one."""


class MediaTooLarge(Exception):
    """The media is bigger than the caller will hold in memory; nothing of it is kept."""

    def __init__(self, size: int | None = None):
        super().__init__(f"media larger than allowed ({size if size is not None else '?'} bytes)")
        self.size = size


@dataclass(frozen=True)
class MediaDownload:
    content: bytes
    mime_type: str  # what the server said (Content-Type), without parameters; may be empty


# Read a download in pieces this big, so the size cap is checked as the bytes arrive.
DOWNLOAD_CHUNK_BYTES = 64 * 1024


class GraphClient:
    """A Graph API root and version, with one shared session; channels add their endpoints."""

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

    # --- Transport ----------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, token: str | None, json: dict | None = None, params: dict | None = None
    ) -> object:
        """``token``: the bearer; None for the few calls that authenticate otherwise (the OAuth code exchange)."""
        url = f"{self.base_url}/{self.version}/{path}"
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        try:
            response = self.session.request(
                method, url, json=json, params=params, timeout=self.timeout, headers=headers,
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


    def _download(self, url: str, *, token: str | None, max_bytes: int) -> MediaDownload:
        """GET an absolute media URL (WhatsApp's short-lived media URL, an Instagram CDN URL).

        ``token``: sent as the bearer, as WhatsApp requires for its media URLs; None for a
        CDN that needs none (the token then never leaves for a host it is not meant for).
        Raises ``MediaTooLarge`` past ``max_bytes``, without reading the rest.
        """
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self.session.get(url, headers=headers, timeout=self.timeout, stream=True)
        except requests.Timeout as exc:
            raise GraphTransientError(f"Media download timed out ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise GraphTransientError(f"Media host unreachable ({type(exc).__name__})") from exc
        with response:
            if not response.ok:
                try:
                    data = response.json()
                except ValueError:
                    data = None
                raise graph_error_for(response.status_code, data)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise MediaTooLarge(int(declared))
            chunks, received = [], 0
            try:
                for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
                    received += len(chunk)
                    if received > max_bytes:
                        raise MediaTooLarge(None)
                    chunks.append(chunk)
            except requests.RequestException as exc:
                raise GraphTransientError(f"Media download interrupted ({type(exc).__name__})") from exc
            mime_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return MediaDownload(content=b"".join(chunks), mime_type=mime_type)


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
