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
"""

import logging
import os
import shutil
from pathlib import Path

from prometheus_client import CollectorRegistry, multiprocess, start_http_server

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


def celery_metrics_connect() -> None:
    """Wire the Celery worker: mark pool processes dead, serve metrics on CELERY_METRICS_PORT."""
    from celery.signals import worker_process_shutdown, worker_ready

    @worker_process_shutdown.connect(weak=False)
    def _pool_process_exited(pid=None, **kwargs) -> None:
        process_dead_mark(pid or os.getpid())

    @worker_ready.connect(weak=False)
    def _metrics_serve(**kwargs) -> None:
        port = os.environ.get("CELERY_METRICS_PORT", "")
        if not port:
            return
        if not multiproc_dir():
            # Pool processes would count in memory nobody can read.
            logger.warning("CELERY_METRICS_PORT is set without PROMETHEUS_MULTIPROC_DIR: not serving metrics")
            return
        start_http_server(int(port), registry=multiproc_registry())
        logger.info("serving Celery worker metrics on port %s", port)
