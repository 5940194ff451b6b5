"""Prometheus across processes: gunicorn workers and Celery pool processes.

Each process has its own memory, so a counter incremented in one gunicorn worker is
invisible to the worker that answers ``/metrics``. With ``PROMETHEUS_MULTIPROC_DIR``
set (before any process starts), prometheus_client keeps every process's values in
memory-mapped files in that directory, and ``/metrics`` (django-prometheus's view)
adds them up. The directory must start empty and belong to one container (process
ids repeat across containers): the image's entrypoint and gunicorn's ``on_starting``
empty it. See docs/deploy.md, "Metrics".

The Celery worker serves its own processes' metrics on ``CELERY_METRICS_PORT``
(Prometheus scrapes web and worker containers separately and sums them).

Both endpoints answer only a client that presents ``METRICS_TOKEN`` as a bearer token
or whose address is in ``METRICS_ALLOWED_NETWORKS`` (``metrics_access_check``).
"""

import hmac
import ipaddress
import logging
import os
import shutil
import socket
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.exposition import ThreadingWSGIServer, make_wsgi_app

logger = logging.getLogger(__name__)


def multiproc_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def multiproc_dir_reset() -> None:
    """Empty the directory: values left by a previous run would be added to this one's.

    Call once per container start, before any process records a metric.
    """
    path = multiproc_dir()
    if not path:
        return
    shutil.rmtree(path, ignore_errors=True)
    Path(path).mkdir(parents=True, exist_ok=True)


def process_dead_mark(pid: int) -> None:
    """Forget the live gauges of a process that exited (its counters keep counting)."""
    if multiproc_dir():
        multiprocess.mark_process_dead(pid)


def multiproc_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class MetricsAccessDenied(Exception):
    """The client's address is not allowed to read metrics, and no token would let it."""

    status = 403


class MetricsTokenInvalid(MetricsAccessDenied):
    """A token is required and the request carried none, or another one."""

    status = 401


def _address_in_networks(remote_addr: str, networks: Iterable[str]) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr.split("%", 1)[0])
    except ValueError:  # empty, a unix socket's path...
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        # A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def metrics_access_check(*, authorization: str, remote_addr: str, token: str, networks: Sequence[str]) -> None:
    """Let the request read metrics, or raise why not.

    An address in ``networks`` needs no token; anyone else must send
    ``Authorization: Bearer <token>``. The token is compared in constant time.
    """
    if _address_in_networks(remote_addr, networks):
        return
    if not token:
        raise MetricsAccessDenied
    scheme, _, presented = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
        return
    raise MetricsTokenInvalid


def metrics_refusal_headers(error: MetricsAccessDenied) -> list[tuple[str, str]]:
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]
    if isinstance(error, MetricsTokenInvalid):
        headers.append(("WWW-Authenticate", 'Bearer realm="metrics"'))
    return headers


def metrics_wsgi_app(registry: CollectorRegistry, *, token: str, networks: Sequence[str]):
    """prometheus_client's exporter behind ``metrics_access_check``."""
    export = make_wsgi_app(registry)
    reasons = {401: "401 Unauthorized", 403: "403 Forbidden"}

    def app(environ, start_response):
        try:
            metrics_access_check(
                authorization=environ.get("HTTP_AUTHORIZATION", ""),
                remote_addr=environ.get("REMOTE_ADDR", ""),
                token=token,
                networks=networks,
            )
        except MetricsAccessDenied as error:
            start_response(reasons[error.status], metrics_refusal_headers(error))
            return [b""]
        return export(environ, start_response)

    return app


class _QuietHandler(WSGIRequestHandler):
    """No line per scrape on stderr (prometheus_client's own server is silent too)."""

    def log_message(self, format: str, *args) -> None:
        pass


def metrics_server_start(
    *, port: int, addr: str, registry: CollectorRegistry, token: str, networks: Sequence[str]
) -> ThreadingWSGIServer:
    """Serve ``registry`` on ``addr:port`` in a daemon thread, behind the access check."""

    class Server(ThreadingWSGIServer):
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET

    server = make_server(
        addr, port, metrics_wsgi_app(registry, token=token, networks=networks), Server, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics-server", daemon=True).start()
    return server


def celery_metrics_serve() -> ThreadingWSGIServer | None:
    """Start the worker's metrics server if ``CELERY_METRICS_PORT`` asks for one.

    It listens on ``CELERY_METRICS_ADDR``, 127.0.0.1 unless told otherwise: a container
    scraped from outside sets ``0.0.0.0`` (and ``METRICS_TOKEN`` or
    ``METRICS_ALLOWED_NETWORKS``, which apply here as on the web's ``/metrics``).
    """
    from django.conf import settings

    port = os.environ.get("CELERY_METRICS_PORT", "")
    if not port:
        return None
    if not multiproc_dir():
        # Pool processes would count in memory nobody can read.
        logger.warning("CELERY_METRICS_PORT is set without PROMETHEUS_MULTIPROC_DIR: not serving metrics")
        return None
    addr = os.environ.get("CELERY_METRICS_ADDR", "") or "127.0.0.1"
    server = metrics_server_start(
        port=int(port),
        addr=addr,
        registry=multiproc_registry(),
        token=settings.METRICS_TOKEN,
        networks=settings.METRICS_ALLOWED_NETWORKS,
    )
    logger.info("serving Celery worker metrics on %s port %s", addr, server.server_port)
    return server


def celery_metrics_connect() -> None:
    """Wire the Celery worker: mark pool processes dead, serve metrics on CELERY_METRICS_PORT."""
    from celery.signals import worker_process_shutdown, worker_ready

    @worker_process_shutdown.connect(weak=False)
    def _pool_process_exited(pid=None, **kwargs) -> None:
        process_dead_mark(pid or os.getpid())

    @worker_ready.connect(weak=False)
    def _metrics_serve(**kwargs) -> None:
        celery_metrics_serve()
