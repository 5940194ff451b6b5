#!/usr/bin/env bash
# Fault drill (issue 9), ends with a VERDICT line: see bench/drills.py.
#
#   bench/drill-postgres-restart.sh [--rate 20] [--seconds 60] [--fault-at 20] [--down S]
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec "$PY" bench/drills.py postgres-restart "$@"
