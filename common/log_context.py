"""Ids that every log line of a request or task carries (tenant, conversation, message).

Set them where they become known (``log_context_bind(tenant_id=...)``) inside a
``log_context()`` block; ``LogContextFilter`` copies them onto each record.
"""

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

LOG_CONTEXT_KEYS = ("tenant_id", "conversation_id", "message_id")

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("lyo_log_context", default=None)


@contextmanager
def log_context(**ids: object) -> Iterator[None]:
    """A scope (a request, a task run) whose log lines carry ``ids`` and later bindings."""
    token = _context.set({**(_context.get() or {}), **_clean(ids)})
    try:
        yield
    finally:
        _context.reset(token)


def log_context_bind(**ids: object) -> None:
    """Add ids to the current scope (no-op outside ``log_context``)."""
    current = _context.get()
    if current is not None:
        current.update(_clean(ids))


def log_context_current() -> dict:
    return dict(_context.get() or {})


def _clean(ids: dict) -> dict:
    return {k: str(v) for k, v in ids.items() if k in LOG_CONTEXT_KEYS and v is not None}


class LogContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for key in LOG_CONTEXT_KEYS:
            setattr(record, key, context.get(key, ""))
        return True
