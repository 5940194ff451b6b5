# Sourced by the bench/*.sh scripts: the project's virtualenv and the machine's
# PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379), started when down.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x .venv/bin/python ]; then
  echo "No .venv yet: make install"
  make install
fi
PY="$PWD/.venv/bin/python"
export LYO_PYTHON="$PY"

postgres_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! postgres_up; then
  echo "PostgreSQL is not answering; starting it."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 30); do postgres_up && break; sleep 1; done
fi
postgres_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }

if ! redis_up; then
  echo "Redis is not answering; starting it."
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  for _ in $(seq 30); do redis_up && break; sleep 1; done
fi
redis_up || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
