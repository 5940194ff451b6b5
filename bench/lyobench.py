# ruff: noqa: S105, S108, S310, S311, S603, S607 - a benchmark harness: fixed throwaway secrets, local processes and URLs
"""Shared machinery of the benchmarks and fault drills in ``bench/``.

- ``Stack``: the production processes on loopback — gunicorn with ``gunicorn.conf.py``,
  a Celery worker and beat, a fake Graph API (``bench/fake_graph.py``) — against a
  dedicated PostgreSQL database and Redis database, reset at each start.
- Meta-shaped webhook bodies, signed with the app secret as Meta signs them.
- ``open_loop``: an asyncio HTTP/1.1 client that sends at a fixed rate (requests are
  not held back by slow answers) and, like Meta, can redeliver what was not answered 200.
- ``Outcome``: what happened to every inbound message of a run (answered, how often
  its reply reached the fake Graph, latency), read from the database and the
  fake Graph's log.

Nothing here reaches beyond 127.0.0.1. Every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = os.environ.get("LYO_PYTHON") or sys.executable

APP_SECRET = "bench-app-secret"
VERIFY_TOKEN = "bench-verify-token"
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdef"
# A fixed Fernet key: the bench database is throwaway.
FIELD_ENCRYPTION_KEY = "YmVuY2gtZmllbGQtZW5jcnlwdGlvbi1rZXktMzJiISE="
BENCH_TOKEN = "EAAG-bench-token"
PHONE_NUMBER_ID_BASE = 770_000_000_000_000
WABA_ID = "770000000000999"

# What customers write in the runs: each is understood by the assistant (so every
# message gets a reply and no conversation is handed to a person), in both languages.
TEXTS = (
    "Ciao", "Buongiorno", "Che orari fate?", "Dove siete?", "menu", "Grazie",
    "Hello", "What are your opening hours?", "Where are you?", "Thanks",
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Webhook bodies ---------------------------------------------------------------


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def phone_number_id(tenant_index: int) -> str:
    return str(PHONE_NUMBER_ID_BASE + tenant_index)


def customer_phone(tenant_index: int, customer_index: int) -> str:
    return f"39{300 + tenant_index:03d}{customer_index:07d}"


def inbound_body(*, pn: str, wa_id: str, message_id: str, text: str, timestamp: int | None = None) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "393330000000", "phone_number_id": pn},
        "contacts": [{"profile": {"name": "Bench Customer"}, "wa_id": wa_id}],
        "messages": [{
            "from": wa_id, "id": message_id, "timestamp": str(timestamp or int(time.time())),
            "type": "text", "text": {"body": text},
        }],
    }
    return _envelope(value)


def status_body(*, pn: str, wa_id: str, wamid: str, status: str, timestamp: int | None = None) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "393330000000", "phone_number_id": pn},
        "statuses": [{
            "id": wamid, "status": status, "timestamp": str(timestamp or int(time.time())),
            "recipient_id": wa_id,
            "pricing": {"billable": True, "pricing_model": "PMP", "category": "service"},
        }],
    }
    return _envelope(value)


def _envelope(value: dict) -> bytes:
    data = {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}
    return json.dumps(data, separators=(",", ":")).encode()


# --- The stack ------------------------------------------------------------------------


@dataclass
class Stack:
    """The production processes on loopback, against a dedicated database and Redis db."""

    name: str = "bench"
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    database: str = "lyo_bench"
    redis_port: int = 6379
    redis_db: int = 7
    web_port: int = 8090
    graph_port: int = 8091
    # The minimal durable webhook (bench/yardstick.py), when a benchmark starts it.
    yardstick_port: int = 8092
    queue: str = "lyo-bench"
    web_workers: int = int(os.environ.get("WEB_CONCURRENCY", "2"))
    web_threads: int = int(os.environ.get("GUNICORN_THREADS", "4"))
    worker_concurrency: int = int(os.environ.get("LYO_BENCH_WORKER_CONCURRENCY", "2"))
    beat: bool = True
    # The fake Graph reports each accepted send with a "sent" status webhook, as Meta does.
    graph_reports: bool = False
    # How long the fake Graph takes to answer a send it has taken.
    graph_latency_ms: float = 0.0
    workdir: Path = field(default_factory=lambda: Path(os.environ.get("LYO_BENCH_DIR", "/tmp/lyo-bench")))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Processes that exited by themselves and were started again (see ``supervise``).
    restarts: dict[str, int] = field(default_factory=dict)
    stopping: bool = False

    def __post_init__(self) -> None:
        if self.database == "lyo_bench" and self.name != "webhook":
            # Each drill has a database of its own: several can run one after another unattended.
            self.database = "lyo_bench_" + self.name.replace("-", "_")
        self.workdir = self.workdir / self.name
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir.mkdir(parents=True)
        self.graph_log = self.workdir / "graph-sends.jsonl"

    # URLs and environment

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@{self.pg_host}:{self.pg_port}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/{self.redis_db}"

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def graph(self) -> str:
        return f"http://127.0.0.1:{self.graph_port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lyo.settings",
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "FIELD_ENCRYPTION_KEY": FIELD_ENCRYPTION_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WHATSAPP_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
            "META_APP_SECRET": APP_SECRET,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_QUEUE": self.queue,
            "GRAPH_API_BASE": self.graph,
            "LYO_SEND_BACKEND": "graph",
            "PORT": str(self.web_port),
            "WEB_CONCURRENCY": str(self.web_workers),
            "GUNICORN_THREADS": str(self.web_threads),
            "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "metrics"),
            "PYTHONUNBUFFERED": "1",
            # Plain http on loopback, with no TLS-terminating load balancer in front: production's
            # redirect to https would answer every request 301 and measure nothing.
            "SECURE_SSL_REDIRECT": "0",
        }

    # Setup

    def database_reset(self) -> None:
        log(f"database {self.database} on {self.pg_host}:{self.pg_port}: drop, create, migrate")
        psql = ["psql", "-h", self.pg_host, "-p", str(self.pg_port), "-U", "postgres", "-q", "-d", "postgres",
                "-v", "ON_ERROR_STOP=1"]
        subprocess.run([*psql, "-c", f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'], check=True)
        subprocess.run([*psql, "-c", f'CREATE DATABASE "{self.database}"'], check=True)
        self.manage("migrate", "--noinput", quiet=True)

    def redis_reset(self) -> None:
        import redis

        redis.Redis(host="127.0.0.1", port=self.redis_port, db=self.redis_db).flushdb()

    def manage(self, *args: str, quiet: bool = False) -> None:
        out = subprocess.DEVNULL if quiet else None
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(), check=True, stdout=out)

    def django(self) -> None:
        """Set this process up as a Django client of the bench database (for setup and checks)."""
        os.environ.update({**self.env(), "LOG_LEVEL": "WARNING"})
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def tenants_create(self, count: int) -> list[str]:
        """Onboard ``count`` restaurants through ``tenant_onboard``; their phone number ids."""
        from operators.services import tenant_onboard

        ids = []
        for index in range(count):
            document = {
                "name": f"Bench Trattoria {index}", "slug": f"bench-{index}", "kind": "restaurant",
                "timezone": "Europe/Rome", "language": "it", "address": "Via Roma 1, Milano",
                "contact_phone": "+39 02 1234567",
                "whatsapp": {"phone_number_id": phone_number_id(index), "business_account_id": WABA_ID,
                             "display_phone_number": f"+39 333 000 {index:04d}"},
                "opening_hours": {"mon-sun": ["12:00-15:00", "19:00-23:30"]},
                "resources": [{"kind": "table", "name": f"Tavolo {n}", "min_seats": 1, "max_seats": 4}
                              for n in range(1, 7)],
            }
            tenant_onboard(document=document, token=BENCH_TOKEN)
            ids.append(phone_number_id(index))
        return ids

    # Processes

    def _spawn(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        logfile = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env or self.env(), stdout=logfile, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches its children too
        )
        self.processes[name] = process
        return process

    def graph_start(self) -> None:
        _port_free_check(self.graph_port, "fake Graph API")
        reports = (["--webhook", f"{self.web}/webhooks/whatsapp", "--app-secret", APP_SECRET]
                   if self.graph_reports else [])
        self._spawn("graph", [PYTHON, str(BENCH / "fake_graph.py"), "--port", str(self.graph_port),
                              "--log", str(self.graph_log), "--latency-ms", str(self.graph_latency_ms), *reports])
        self._wait_up("graph", lambda: _http_ok(f"{self.graph}/_bench/stats"), 15)

    def web_start(self) -> None:
        _port_free_check(self.web_port, "gunicorn")
        self._spawn("web", [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py", "lyo.wsgi:application"])
        self._wait_up("web", lambda: _http_ok(f"{self.web}/health/live"), 30)

    def yardstick_start(self) -> None:
        """The minimal durable webhook on the same gunicorn settings, database and Redis (bench/yardstick.py)."""
        import psycopg

        _port_free_check(self.yardstick_port, "the minimal webhook")
        with psycopg.connect(host=self.pg_host, port=self.pg_port, user="postgres", dbname=self.database,
                             autocommit=True) as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS bench_yardstick_messages (id bigserial PRIMARY KEY, "
                "tenant_id uuid NOT NULL, event_id text NOT NULL UNIQUE, body jsonb NOT NULL, "
                "received_at timestamptz NOT NULL DEFAULT now())"
            )
        env = {**self.env(), "PORT": str(self.yardstick_port),
               "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "metrics-yardstick")}
        env.pop("DJANGO_SETTINGS_MODULE")  # it configures a Django of its own
        (self.workdir / "metrics-yardstick").mkdir(exist_ok=True)
        self._spawn("yardstick", [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py",
                                  "bench.yardstick:application"], env=env)
        self._wait_up("yardstick", lambda: _http_ok(f"http://127.0.0.1:{self.yardstick_port}/health/live"), 30)

    def worker_start(self) -> None:
        self._spawn("worker", [PYTHON, "-m", "celery", "-A", "lyo", "worker", "-Q", self.queue, "--loglevel=INFO",
                               f"--concurrency={self.worker_concurrency}", "-n", f"{self.name}@%h"])
        logfile = self.workdir / "worker.log"
        start = logfile.stat().st_size if logfile.exists() else 0
        self._wait_up("worker", lambda: b" ready." in logfile.read_bytes()[start:], 60)

    def _wait_up(self, name: str, check, seconds: float) -> None:
        process = self.processes[name]

        def up() -> bool:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with status {process.returncode}; see {self.workdir}/{name}.log")
            return check()

        _wait_until(up, seconds, name)

    def beat_start(self) -> None:
        self._spawn("beat", [PYTHON, "-m", "celery", "-A", "lyo", "beat", "--loglevel=INFO",
                             "--schedule", str(self.workdir / "celerybeat-schedule")])

    def start(self, *, tenants: int = 1, reset: bool = True) -> list[str]:
        if reset:
            self.database_reset()
            self.redis_reset()
        (self.workdir / "metrics").mkdir(exist_ok=True)
        self.django()
        pns = self.tenants_create(tenants)
        self.graph_start()
        self.web_start()
        self.worker_start()
        if self.beat:
            self.beat_start()
        self.supervise("worker", "beat")
        log(f"stack up: gunicorn {self.web_workers}x{self.web_threads} on {self.web}, worker "
            f"concurrency {self.worker_concurrency}, beat {'on' if self.beat else 'off'}, fake Graph on "
            f"{self.graph}, {self.database_url}, {self.redis_url} queue {self.queue}; logs in {self.workdir}")
        return pns

    def kill(self, name: str, sig: int = signal.SIGTERM, wait: float = 30) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def signal(self, name: str, sig: int) -> None:
        """Signal a process group: SIGSTOP / SIGCONT pause and resume the worker, SIGKILL is a crash."""
        os.killpg(self.processes[name].pid, sig)

    def supervise(self, *names: str) -> None:
        """Start again any of ``names`` that exits by itself, as production's platform does
        (compose ``restart: unless-stopped``, an ECS service), and count it in ``restarts``.

        A process stopped through ``kill`` is not restarted: the caller decides.
        """
        def loop() -> None:
            while not self.stopping:
                for name in names:
                    process = self.processes.get(name)
                    if process is None or process.poll() is None or self.stopping:
                        continue
                    log(f"{name} exited by itself (status {process.returncode}; see {self.workdir}/{name}.log); "
                        "starting it again, as the platform would")
                    self.processes.pop(name, None)
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    try:
                        getattr(self, f"{name}_start")()
                    except SystemExit as problem:
                        log(f"{name} did not come back: {problem}")
                time.sleep(1)

        threading.Thread(target=loop, name="supervisor", daemon=True).start()

    def stop(self) -> None:
        self.stopping = True
        for name in ("beat", "worker", "web", "yardstick", "graph"):
            self.kill(name)

    def rss_mib(self, name: str) -> float:
        """Resident memory of a process and all its children (gunicorn workers, Celery pool)."""
        process = self.processes.get(name)
        return _tree_rss_kib(process.pid) / 1024 if process else 0.0

    def cpu_seconds(self, name: str) -> float:
        """CPU time (user + system) used so far by a process, its live children and its reaped ones."""
        process = self.processes.get(name)
        return _tree_cpu_seconds(process.pid) if process else 0.0

    def graph_fail(self, status: int, seconds: float) -> None:
        request = urllib.request.Request(
            f"{self.graph}/_bench/fail", data=json.dumps({"status": status, "seconds": seconds}).encode(),
            method="POST",
        )
        urllib.request.urlopen(request, timeout=5).read()

    def graph_sends(self) -> list[dict]:
        if not self.graph_log.exists():
            return []
        return [json.loads(line) for line in self.graph_log.read_text().splitlines() if line.strip()]

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up within {seconds:.0f} s")


def _port_free_check(port: int, what: str) -> None:
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"127.0.0.1:{port} is already taken (wanted for the {what}); stop what listens there")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry))
    return children


def _tree_cpu_seconds(pid: int) -> float:
    children, ticks, todo = _children_map(), 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, ()))
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree_rss_kib(pid: int) -> int:
    children = _children_map()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, ()))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def ensure_wrk() -> str:
    """wrk from Debian's package, installed when missing (the benchmark machine runs as root)."""
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk is missing: apt-get install -y wrk")
    result = subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True, text=True)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


# --- Load: an open-loop asyncio HTTP client -------------------------------------------


class _Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed by the server")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Delivery:
    """One webhook POST as the sender saw it, with Meta-style redeliveries."""

    key: str
    first_sent: float = 0.0  # wall clock of the first attempt
    accepted_at: float = 0.0  # wall clock when a 200 came back (0: never)
    attempts: int = 0
    starts: list[float] = field(default_factory=list)  # wall clock of each attempt
    statuses: list[int] = field(default_factory=list)  # per attempt; 0 = connection error / timeout
    latencies: list[float] = field(default_factory=list)  # seconds, per attempt


@dataclass
class LoadResult:
    deliveries: list[Delivery]
    duration: float

    @property
    def attempts(self) -> list[tuple[int, float]]:
        return [(s, lat) for d in self.deliveries for s, lat in zip(d.statuses, d.latencies, strict=True)]

    def summary(self) -> dict:
        attempts = self.attempts
        latencies = sorted(lat for _, lat in attempts)
        codes = Counter(s for s, _ in attempts)
        return {
            "requests": len(attempts), "rate": len(attempts) / self.duration if self.duration else 0.0,
            "accepted": sum(1 for d in self.deliveries if d.accepted_at),
            "never_accepted": sum(1 for d in self.deliveries if not d.accepted_at),
            "codes": dict(sorted(codes.items())),
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
            "max_ms": (latencies[-1] if latencies else 0.0) * 1000,
        }


async def open_loop(
    *, host: str, port: int, rate: float, duration: float, make, path: str = "/webhooks/whatsapp",
    redeliver_for: float = 0.0, timeout: float = 10.0, max_connections: int = 256, on_tick=None,
) -> LoadResult:
    """Send ``rate`` requests a second for ``duration`` seconds; ``make(i)`` → (key, body).

    Open loop: request i leaves at start + i/rate whatever the server does. With
    ``redeliver_for`` > 0, a request not answered 200 is sent again (same body) after a
    growing pause, as Meta does, until accepted or ``redeliver_for`` seconds after the load ends.
    """
    loop = asyncio.get_running_loop()
    idle: list[_Connection] = []
    opened = 0
    deliveries: list[Delivery] = []
    start = loop.time()
    give_up_at = start + duration + redeliver_for

    async def attempt(body: bytes) -> tuple[int, float]:
        nonlocal opened
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
        began = time.perf_counter()
        # A kept-alive connection the server closed while idle (GUNICORN_KEEPALIVE) fails at
        # once: like any HTTP client, try that request again on a fresh connection.
        for fresh in (False, True):
            if idle and not fresh:
                connection, reused = idle.pop(), True
            else:
                opened += 1
                connection, reused = _Connection(host, port), False
            try:
                status = await asyncio.wait_for(connection.request("POST", path, body, headers), timeout)
                break
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError) as exc:
                connection.close()
                stale = reused and isinstance(exc, asyncio.IncompleteReadError | ConnectionError)
                if not stale:
                    return 0, time.perf_counter() - began
        else:
            return 0, time.perf_counter() - began
        if len(idle) < max_connections:
            idle.append(connection)
        else:
            connection.close()
        return status, time.perf_counter() - began

    async def deliver(delivery: Delivery, body: bytes) -> None:
        pause = 1.0
        while True:
            now = time.time()
            if not delivery.first_sent:
                delivery.first_sent = now
            delivery.starts.append(now)
            status, latency = await attempt(body)
            delivery.attempts += 1
            delivery.statuses.append(status)
            delivery.latencies.append(latency)
            if status == 200:
                delivery.accepted_at = time.time()
                return
            if not redeliver_for or loop.time() + pause > give_up_at:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 8.0)

    tasks = []
    total = int(rate * duration)
    for i in range(total):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        key, body = make(i)
        delivery = Delivery(key)
        deliveries.append(delivery)
        tasks.append(asyncio.create_task(deliver(delivery, body)))
        if on_tick is not None and i % max(int(rate), 1) == 0:
            on_tick(i / rate)
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    return LoadResult(deliveries, max(loop.time() - start, 1e-9))


# --- What happened to each inbound message --------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = values if values == sorted(values) else sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class Outcome:
    expected: int  # inbound messages answered 200 by the webhook, or stored all the same
    stored: int  # found in the database
    processed: int
    pending: int
    failed: int
    replies: int  # outbound rows (all sequences) for these messages
    replies_sent: int
    replies_not_sent: Counter  # delivery status → count, for rows not yet sent
    answered: int  # inbound messages with every reply sent
    unanswered: list[str]  # message ids without a sent first reply
    duplicate_sends: int  # fake Graph accepted the same (recipient, body) more than once
    graph_accepted: int
    latencies: list[float]  # seconds from first POST to the first reply accepted by the fake Graph

    @property
    def complete(self) -> bool:
        return self.expected == self.stored == self.processed == self.answered and self.replies == self.replies_sent

    def line(self, duplicates: bool = True) -> str:
        """``duplicates``: only meaningful when every customer writes once (the drills)."""
        return (f"inbound {self.expected} to answer / {self.stored} stored / {self.processed} processed "
                f"({self.pending} pending, {self.failed} failed); replies {self.replies_sent}/{self.replies} sent"
                f"{'' if not self.replies_not_sent else ' ' + dict(self.replies_not_sent).__repr__()}; "
                f"answered {self.answered}/{self.expected}; fake Graph accepted {self.graph_accepted}"
                + (f", duplicates {self.duplicate_sends}" if duplicates else ""))


def outcome(stack: Stack, deliveries: list[Delivery]) -> Outcome:
    """Join what was POSTed, what the database holds and what the fake Graph accepted.

    A POST the client gave up on (timeout) may still have been stored by the server: every
    message found in the database is expected to be answered, and so is every one answered 200.
    """
    import psycopg

    by_key = {d.key: d for d in deliveries}
    with psycopg.connect(host=stack.pg_host, port=stack.pg_port, user="postgres", dbname=stack.database) as db:
        inbound = db.execute(
            "SELECT id, channel_message_id, processing_status FROM lyo_messages "
            "WHERE direction = 'in' AND channel_message_id = ANY(%s)", (list(by_key),),
        ).fetchall()
        ids = [row[0] for row in inbound]
        replies = db.execute(
            "SELECT reply_to_id, sequence, delivery_status, channel_message_id FROM lyo_messages "
            "WHERE direction = 'out' AND reply_to_id = ANY(%s)", (ids,),
        ).fetchall()
    sends = stack.graph_sends()
    sent_at = {s["wamid"]: s["t"] for s in sends}
    fingerprints = Counter((s["pn"], s["to"], s["body"]) for s in sends)
    status_of = Counter(row[2] for row in inbound)
    by_inbound: dict[int, list[tuple]] = defaultdict(list)
    for row in replies:
        by_inbound[row[0]].append(row)
    sent_states = {"sent", "delivered", "read"}
    latencies, unanswered, answered = [], [], 0
    for message_id, key, _ in inbound:
        rows = by_inbound.get(message_id, [])
        first = next((r for r in rows if r[1] == 0), None)
        if rows and all(r[2] in sent_states for r in rows):
            answered += 1
            if first and first[3] in sent_at:
                latencies.append(max(sent_at[first[3]] - by_key[key].first_sent, 0.0))
        else:
            unanswered.append(key)
    stored_keys = {row[1] for row in inbound}
    lost = sorted(k for k, d in by_key.items() if d.accepted_at and k not in stored_keys)
    unanswered.extend(lost)
    return Outcome(
        expected=len(stored_keys | {k for k, d in by_key.items() if d.accepted_at}), stored=len(inbound),
        processed=status_of.get("processed", 0),
        pending=status_of.get("pending", 0), failed=status_of.get("failed", 0),
        replies=len(replies), replies_sent=sum(1 for r in replies if r[2] in sent_states),
        replies_not_sent=Counter(r[2] for r in replies if r[2] not in sent_states),
        answered=answered, unanswered=unanswered,
        duplicate_sends=sum(n - 1 for n in fingerprints.values() if n > 1),
        graph_accepted=len(sends), latencies=sorted(latencies),
    )


def wait_answered(
    stack: Stack, deliveries: list[Delivery], seconds: float, every: float = 5.0, duplicates: bool = True
) -> Outcome:
    """Poll until every accepted inbound message is answered, or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        result = outcome(stack, deliveries)
        if result.complete or time.monotonic() >= deadline:
            return result
        log(f"waiting: {result.line(duplicates)}")
        time.sleep(every)


def latency_line(latencies: list[float]) -> str:
    if not latencies:
        return "no latencies"
    return (f"p50 {percentile(latencies, 50) * 1000:.0f} ms, p95 {percentile(latencies, 95) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms "
            f"(n={len(latencies)}, mean {statistics.fmean(latencies) * 1000:.0f} ms)")


class Customers:
    """Inbound message makers: unique message ids, customers spread over tenants.

    Customers take turns (round robin from customer ``first``), and each one's next text
    differs from their last: traffic as people write it, who wait for the answer before
    writing again. Lyo's reply limits (README, "Security") leave a customer who sends the
    same words twice within seconds, or more than a few messages a minute, unanswered: a
    benchmark that did that would measure the limits, not the reply path.
    """

    def __init__(self, pns: list[str], customers_per_tenant: int, run: str, seed: int = 7, first: int = 0):
        self.pns = pns
        self.per_tenant = customers_per_tenant
        self.run = run
        self.first = first
        self.random = random.Random(seed)

    def make(self, i: int) -> tuple[str, bytes]:
        tenant = i % len(self.pns)
        turn, customer = divmod(self.first + i // len(self.pns), self.per_tenant)
        key = f"wamid.{self.run}.{i:08d}"
        body = inbound_body(pn=self.pns[tenant], wa_id=customer_phone(tenant, customer), message_id=key,
                            text=TEXTS[(customer + turn) % len(TEXTS)])
        return key, body

    def make_unique(self, i: int) -> tuple[str, bytes]:
        """Every message from a customer of its own: replies are told apart by recipient."""
        tenant = i % len(self.pns)
        key = f"wamid.{self.run}.{i:08d}"
        body = inbound_body(pn=self.pns[tenant], wa_id=customer_phone(tenant, 1_000_000 + i), message_id=key,
                            text=self.random.choice(TEXTS))
        return key, body


# --- Throwaway servers for the drills (the machine's own are shared: never stopped) ---


class RedisServer:
    """A redis-server of our own on ``port``, configured like production's (no persistence)."""

    def __init__(self, port: int, workdir: Path):
        self.port, self.workdir = port, workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        _port_free_check(self.port, "drill's redis-server")
        logfile = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True,
        )
        _wait_until(lambda: _redis_ping(self.port), 10, f"redis-server on {self.port}")

    def stop(self) -> None:
        """Shut it down (SIGTERM, like a container stop): its queues are gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _redis_ping(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


class PostgresCluster:
    """A throwaway PostgreSQL cluster of our own (initdb under ``workdir``, run as user postgres, trust auth)."""

    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.root = workdir / "pgcluster"
        self.data = self.root / "data"
        self.bin = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])

    def _as_postgres(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=check, capture_output=True, text=True)

    def init(self) -> None:
        _port_free_check(self.port, "drill's PostgreSQL")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        # The parent directories must be traversable by the postgres user.
        for parent in self.root.parents:
            if str(parent) in ("/", "/tmp"):
                break
            os.chmod(parent, os.stat(parent).st_mode | 0o011)  # noqa: S103 - traverse only, no read
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                          "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "postgres.log"), "-w",
            "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=100", "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
