#!/usr/bin/env bash
# The webhook benchmark (issue 9): throughput of POST /webhooks/whatsapp against
# GET /health/live on the same gunicorn (wrk, 32 connections), then end-to-end
# latency (webhook → reply accepted by a fake Graph API) at 50 messages/s.
#
#   bench/webhook.sh [--seconds 20] [--connections 32] [--e2e-rate 50] [--e2e-seconds 30]
#
# Starts its own stack on loopback: gunicorn (gunicorn.conf.py) on :8090, a Celery
# worker and beat, a fake Graph API on :8091; database lyo_bench on the machine's
# PostgreSQL (dropped and re-created) and Redis db 7 (flushed). Logs: /tmp/lyo-bench/webhook/.
set -euo pipefail
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
exec "$PY" bench/webhook.py "$@"
