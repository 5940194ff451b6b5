#!/usr/bin/env bash
# Soak (issue 9): 100 inbound messages/s for 10 minutes across 20 tenants and 2,000
# customers; prints errors, replies sent vs expected and the resident memory of the web
# and worker processes at the start and the end. See bench/soak.py.
#
#   bench/soak.sh [--minutes 10] [--rate 100] [--tenants 20] [--customers 2000]
#
# Its own stack on loopback (gunicorn :8090, Celery worker and beat, fake Graph :8091),
# database lyo_bench_soak on the machine's PostgreSQL, Redis db 7. Logs: /tmp/lyo-bench/soak/.
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec "$PY" bench/soak.py "$@"
