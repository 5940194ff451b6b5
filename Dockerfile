# Lyo web image (the same image runs the Celery worker and beat with another command).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY requirements.txt .
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt

FROM python:3.11-slim
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000
RUN groupadd --system lyo && useradd --system --gid lyo --home-dir /app --shell /usr/sbin/nologin lyo
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=lyo:lyo . .
# collectstatic needs settings but no real secrets or database.
RUN DEBUG=1 SECRET_KEY=collectstatic python manage.py collectstatic --noinput
USER lyo
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"
CMD ["sh", "-c", "exec gunicorn lyo.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-2} --threads ${GUNICORN_THREADS:-4} --access-logfile -"]
