"""Dependency checks behind ``/health``, and the middleware that lets probes in by IP."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

# A probe must answer well within the load balancer's own timeout (ALB default 5 s)
# and must not pile up behind a broker that accepts connections but never answers.
BROKER_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    error: str = ""
    skipped: str = ""

    def as_dict(self) -> dict:
        result: dict = {"ok": self.ok, "latency_ms": round(self.latency_ms, 2)}
        if self.error:
            result["error"] = self.error
        if self.skipped:
            result["skipped"] = self.skipped
        return result


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def database_check() -> CheckResult:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # The class name says enough (OperationalError, ...); the message may carry a DSN.
        return CheckResult("database", False, _elapsed_ms(started), type(exc).__name__)
    return CheckResult("database", True, _elapsed_ms(started))


def broker_check() -> CheckResult:
    """PING the Redis broker named by ``REDIS_URL``; without it tasks run in-process."""
    if not settings.REDIS_URL:
        return CheckResult("broker", True, 0.0, skipped="REDIS_URL not set: tasks run in-process")
    started = time.perf_counter()
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        # The class name only (ConnectionError, TimeoutError, AuthenticationError): the
        # message may carry the URL and its password.
        return CheckResult("broker", False, _elapsed_ms(started), type(exc).__name__)
    finally:
        client.close()
    return CheckResult("broker", True, _elapsed_ms(started))


def health_checks() -> list[CheckResult]:
    return [database_check(), broker_check()]


# Paths probed by load balancers, Docker and Prometheus (with or without a trailing slash).
_PROBE_PATH = re.compile(r"^/(health|health/live|metrics)/?$")


class ProbeMiddleware:
    """Serves ``/health``, ``/health/live`` and ``/metrics`` before ``ALLOWED_HOSTS`` is checked.

    An ALB health check, Docker's HEALTHCHECK and a Prometheus scrape address the
    container by its private IP, which is not (and cannot usefully be) in
    ``ALLOWED_HOSTS``; Django would answer them 400. These views build no URLs from
    the Host header, so skipping the check is safe. Every other path goes through the
    full middleware stack. Place it before ``CommonMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _PROBE_PATH.match(request.path_info):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
