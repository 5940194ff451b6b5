"""Gunicorn settings for the web container; every knob comes from the environment.

    gunicorn -c gunicorn.conf.py lyo.wsgi:application

| variable | meaning | default |
|---|---|---|
| PORT | port to listen on (all interfaces) | 8000 |
| WEB_CONCURRENCY | worker processes | 2 |
| GUNICORN_THREADS | threads per worker | 4 |
| GUNICORN_TIMEOUT | seconds before a silent worker is killed and restarted | 30 |
| GUNICORN_KEEPALIVE | seconds an idle keep-alive connection stays open | 75 |
| GUNICORN_MAX_REQUESTS | requests after which a worker is replaced (0: never) | 20000 |
| FORWARDED_ALLOW_IPS | proxies trusted for X-Forwarded-* | * (only the ALB can reach the container) |
"""

import os

from common.prometheus import multiproc_dir_reset, process_dead_mark


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


def _debug() -> bool:
    return os.environ.get("DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


bind = f"0.0.0.0:{_env_int('PORT', 8000)}"
workers = _env_int("WEB_CONCURRENCY", 2)
threads = _env_int("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than the ALB's idle timeout (60 s by default): if gunicorn closed an idle
# connection first, the ALB could send a request on it and answer the client 502.
keepalive = _env_int("GUNICORN_KEEPALIVE", 75)
# Recycling workers bounds slow memory growth; the jitter keeps them from restarting together.
# A restart costs a second of CPU (Django is imported again): at Meta's rates (hundreds of
# webhooks a second) 1,000 meant a restart every few seconds and a latency spike with each
# (bench/webhook.sh). The soak (bench/soak.sh) shows no growth that needs a tighter bound.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10
# The heartbeat file on tmpfs: a slow container disk must not look like a hung worker.
_SHM = "/dev/shm"  # noqa: S108 - tmpfs owned by the container, only for the heartbeat file
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# No runtime control socket: nothing uses it, and the image's home directory is not writable.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
# Builds only the atoms the access line uses (lyo/gunicorn_logging.py).
logger_class = "lyo.gunicorn_logging.AccessLogger"
# The path without its query string: Meta's verification GET carries the verify token there.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
_log_format = os.environ.get("LOG_FORMAT") or ("text" if _debug() else "json")
_formatter = "common.logging.JsonFormatter" if _log_format == "json" else "common.logging.ReadableFormatter"
# Gunicorn's own lines (access log, worker starts and timeouts) in the same format as Django's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"lyo": {"()": _formatter}},
    "filters": {"redact_secrets": {"()": "common.logging.SecretRedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "lyo", "filters": ["redact_secrets"],
                    "stream": "ext://sys.stdout"},
        "error_console": {"class": "logging.StreamHandler", "formatter": "lyo", "filters": ["redact_secrets"],
                          "stream": "ext://sys.stderr"},
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}


def on_starting(server) -> None:
    # Before any worker exists: start the Prometheus directory empty (common/prometheus.py).
    multiproc_dir_reset()


def child_exit(server, worker) -> None:
    # A dead worker's live gauges must not be reported any more.
    process_dead_mark(worker.pid)
