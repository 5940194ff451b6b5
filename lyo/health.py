"""Dependency checks behind ``/health``."""

import time
from dataclasses import dataclass

from django.db import DatabaseError, connection


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    error: str = ""

    def as_dict(self) -> dict:
        result = {"ok": self.ok, "latency_ms": round(self.latency_ms, 2)}
        if self.error:
            result["error"] = self.error
        return result


def database_check() -> CheckResult:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # The class name says enough (OperationalError, ...); the message may carry a DSN.
        return CheckResult("database", False, (time.perf_counter() - started) * 1000, type(exc).__name__)
    return CheckResult("database", True, (time.perf_counter() - started) * 1000)


def health_checks() -> list[CheckResult]:
    return [database_check()]
