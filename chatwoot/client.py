"""A small typed client for Chatwoot's application API, as the tenant's agent bot.

Every call has connect and read timeouts, authenticates with the bot's access token
(header ``api_access_token``) and raises a ``ChatwootError`` that says whether trying
again may help. Endpoints: Chatwoot's "Application API" (messages, toggle status).
"""

import logging
from urllib.parse import quote

import requests

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = (3.05, 15)


class ChatwootError(Exception):
    """Chatwoot refused or could not be reached. ``transient``: the same call may succeed later."""

    transient = False

    def __init__(self, message: str, *, status: int | None = None, title: str = ""):
        super().__init__(message)
        self.status = status
        # Chatwoot's errors have no codes of their own: the HTTP status stands in.
        self.code = status
        self.title = title or message


class ChatwootTransientError(ChatwootError):
    """Network trouble, a timeout, throttling (429) or a server error: retry with backoff."""

    transient = True


class ChatwootPermanentError(ChatwootError):
    """The request itself is wrong for Chatwoot (no such conversation, bad parameter): do not retry."""


class ChatwootTokenInvalid(ChatwootPermanentError):
    """401: the bot's access token no longer works; someone must set a new one."""


class ChatwootClient:
    def __init__(
        self, *, base_url: str, token: str, session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT_SECONDS,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = session or requests.Session()
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
        try:
            response = self.session.request(
                method, f"{self.base_url}/{path}", json=json, timeout=self.timeout,
                headers={"api_access_token": self.token},
            )
        except requests.Timeout as exc:
            raise ChatwootTransientError(f"Chatwoot timed out ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise ChatwootTransientError(f"Chatwoot unreachable ({type(exc).__name__})") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.ok:
            return data
        raise chatwoot_error_for(response.status_code, data)


def chatwoot_error_for(status: int, data: object) -> ChatwootError:
    """401 token, 429 and 5xx transient, anything else permanent."""
    detail = None
    if isinstance(data, dict):
        detail = data.get("error") or data.get("message") or data.get("errors")
    title = str(detail or f"HTTP {status}")[:300]
    message = f"Chatwoot error (HTTP {status}): {title}"
    if status == 401:
        return ChatwootTokenInvalid(message, status=status, title=title)
    if status == 429 or status >= 500:
        return ChatwootTransientError(message, status=status, title=title)
    return ChatwootPermanentError(message, status=status, title=title)
