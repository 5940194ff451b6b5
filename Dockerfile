# Lyo: one image for the three processes (see docs/deploy.md):
#   web     gunicorn -c gunicorn.conf.py lyo.wsgi:application   (the default command)
#   worker  celery -A lyo worker --loglevel=INFO
#   beat    celery -A lyo beat --loglevel=INFO --schedule /tmp/celerybeat-schedule
# and the one-off `python manage.py migrate --noinput` before each release.

# --- build: dependencies into a virtualenv (nothing of pip's in the final image) ------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
# Only the requirements: code changes do not reinstall dependencies (layer cache).
COPY requirements.txt .
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-compile -r requirements.txt

# --- runtime ---------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
# PROMETHEUS_MULTIPROC_DIR: where every gunicorn worker and Celery pool process keeps its
# metric values (common/prometheus.py); emptied by the entrypoint at each container start.
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/lyo-metrics
# A fixed numeric id, so orchestrators can check "not root" (runAsNonRoot) without /etc/passwd.
RUN groupadd --system --gid 10001 lyo \
 && useradd --system --uid 10001 --gid lyo --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lyo
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Owned by root and read-only for the app user: a compromised process cannot rewrite the code.
COPY . .
# Static files are collected at build time (settings need no real secrets or database for it),
# and modules compiled once here, since the app user cannot write __pycache__.
RUN env -u PROMETHEUS_MULTIPROC_DIR DEBUG=1 SECRET_KEY=collectstatic python manage.py collectstatic --noinput \
 && python -m compileall -q /app /opt/venv \
 && install -d -o 10001 -g 10001 "$PROMETHEUS_MULTIPROC_DIR"
USER 10001:10001
EXPOSE 8000
# Liveness only (no database or broker check): a database outage must not get healthy
# containers killed. Worker and beat have no HTTP port: their orchestrator entries
# override this (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'), timeout=4)"]
# Start every container (web, worker, beat, one-off commands) with an empty metrics
# directory: values left by a previous run would be added to the new one's.
ENTRYPOINT ["/bin/sh", "-c", "if [ -n \"$PROMETHEUS_MULTIPROC_DIR\" ]; then mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && find \"$PROMETHEUS_MULTIPROC_DIR\" -mindepth 1 -delete; fi; exec \"$@\"", "lyo-entrypoint"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "lyo.wsgi:application"]
