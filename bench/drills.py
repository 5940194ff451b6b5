# ruff: noqa: S310 - a benchmark harness: local URLs only
"""Fault drills under load (issue 9). Each ends with one verdict line: PASS or FAIL, with figures.

    python bench/drills.py worker-kill      # kill -9 the Celery worker mid-run, restart it
    python bench/drills.py redis-stop       # the broker gone for 10 s
    python bench/drills.py postgres-restart # the database restarted
    python bench/drills.py graph-errors     # the Graph API answers 429, then 500, for 20 s

Run through ``bench/drill-*.sh``. Every drill runs its own stack (``lyobench.Stack``)
against its own redis-server on port 6390 (the machine's Redis is shared and never
stopped) and, for the database drill, its own throwaway PostgreSQL cluster on port
5440 (the machine's cluster is never restarted). The load: ``--rate`` inbound texts a
second for ``--seconds``, each from a customer of its own (so a reply sent twice shows
up as the same recipient and body twice at the fake Graph API), POSTed open loop and,
like Meta, redelivered with backoff when not answered 200.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lyobench import (
    Customers,
    LoadResult,
    Outcome,
    PostgresCluster,
    RedisServer,
    Stack,
    latency_line,
    log,
    open_loop,
    wait_answered,
)

DRILL_REDIS_PORT = 6390
DRILL_PG_PORT = 5440
# Sweeps run every minute and take rows older than a minute: recovery can take ~2 minutes.
RECOVERY_SECONDS = 300


@dataclass
class Window:
    """When the fault was on, in wall-clock seconds."""

    start: float = 0.0
    end: float = 0.0


def load_with_fault(stack: Stack, pns: list[str], args, fault) -> tuple[LoadResult, Window]:
    """Run the load; ``fault(window)`` runs in a thread from ``--fault-at`` seconds in."""
    window = Window()
    customers = Customers(pns, 1, run=f"{args.drill}-{int(time.time())}")

    def in_thread() -> None:
        time.sleep(args.fault_at)
        fault(window)

    thread = threading.Thread(target=in_thread, daemon=True)
    thread.start()
    log(f"load: {args.rate:.0f} inbound messages/s for {args.seconds:.0f} s, fault at {args.fault_at:.0f} s")
    result = asyncio.run(open_loop(
        host="127.0.0.1", port=stack.web_port, rate=args.rate, duration=args.seconds, make=customers.make_unique,
        redeliver_for=120.0, timeout=10.0,
    ))
    thread.join()
    return result, window


def during(result: LoadResult, window: Window, slack: float = 1.0) -> tuple[list[tuple], list[tuple]]:
    """Attempts (start time, status, latency) inside and outside the fault window."""
    inside, outside = [], []
    for delivery in result.deliveries:
        for began, status, latency in zip(delivery.starts, delivery.statuses, delivery.latencies, strict=True):
            ended = began + latency
            overlaps = began <= window.end + slack and ended >= window.start - slack
            (inside if overlaps else outside).append((began, status, latency))
    return inside, outside


def half_written(stack: Stack) -> dict[str, int]:
    """Rows a torn write would leave behind (each count must be 0)."""
    import psycopg

    checks = {
        "customers without a message": (
            "SELECT count(*) FROM lyo_users u WHERE NOT EXISTS (SELECT 1 FROM lyo_conversations c "
            "JOIN lyo_messages m ON m.conversation_id = c.id WHERE c.customer_id = u.id)"),
        "conversations without a message": (
            "SELECT count(*) FROM lyo_conversations c WHERE NOT EXISTS "
            "(SELECT 1 FROM lyo_messages m WHERE m.conversation_id = c.id)"),
        "processed inbound without a reply": (
            "SELECT count(*) FROM lyo_messages i WHERE i.direction = 'in' AND i.processing_status = 'processed' "
            "AND NOT EXISTS (SELECT 1 FROM lyo_messages o WHERE o.reply_to_id = i.id)"),
        "replies of an inbound still pending": (
            "SELECT count(*) FROM lyo_messages o JOIN lyo_messages i ON o.reply_to_id = i.id "
            "WHERE i.processing_status = 'pending'"),
        "replies sent without a wamid": (
            "SELECT count(*) FROM lyo_messages WHERE direction = 'out' AND delivery_status = 'sent' "
            "AND channel_message_id IS NULL"),
    }
    with psycopg.connect(host=stack.pg_host, port=stack.pg_port, user="postgres", dbname=stack.database) as db:
        return {name: db.execute(sql).fetchone()[0] for name, sql in checks.items()}


def report(result: LoadResult, final: Outcome, stack: Stack) -> None:
    summary = result.summary()
    print(f"  webhook: {summary['requests']} POSTs for {len(result.deliveries)} messages, codes {summary['codes']}, "
          f"p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms, max {summary['max_ms']:.0f} ms; "
          f"never accepted {summary['never_accepted']}")
    print(f"  {final.line()}")
    print(f"  reply latency: {latency_line(final.latencies)}")
    if stack.restarts:
        print("  started again after exiting by themselves (as the platform would): "
              + ", ".join(f"{name} {count}x" for name, count in stack.restarts.items()))


def verdict(ok: bool, text: str) -> None:
    print(f"VERDICT {'PASS' if ok else 'FAIL'}: {text}", flush=True)
    if not ok:
        sys.exit(1)


def answered_exactly_once(result: LoadResult, final: Outcome) -> bool:
    return (final.complete and final.expected == len(result.deliveries) and final.duplicate_sends == 0
            and final.graph_accepted == final.replies_sent)


# --- The drills ---------------------------------------------------------------------


def worker_kill(stack: Stack, pns: list[str], args) -> None:
    def fault(window: Window) -> None:
        window.start = time.time()
        log("kill -9 the Celery worker (main process and pool)")
        stack.kill("worker", signal.SIGKILL)
        time.sleep(args.down)
        log("restart the Celery worker")
        stack.worker_start()
        window.end = time.time()

    result, _ = load_with_fault(stack, pns, args, fault)
    final = wait_answered(stack, result.deliveries, RECOVERY_SECONDS)
    print()
    print(f"Worker killed (SIGKILL) at +{args.fault_at:.0f} s, restarted after {args.down:.0f} s")
    report(result, final, stack)
    web_log = stack.workdir / "web.log"
    settled = web_log.read_text(errors="replace").count("settled as sent by the channel") if web_log.exists() else 0
    print(f"  sends cut short by the kill after Graph took them, settled by its status webhook: {settled}")
    recovered = final.complete
    verdict(
        answered_exactly_once(result, final),
        f"{final.answered}/{final.expected} inbound answered, {final.replies_sent} replies sent, "
        f"{final.graph_accepted} accepted by Graph, {final.duplicate_sends} duplicates, "
        f"non-200 webhooks {sum(1 for s, _ in result.attempts if s != 200)}"
        f"{'' if recovered else '; NOT everything answered within ' + str(RECOVERY_SECONDS) + ' s'}",
    )


def redis_stop(stack: Stack, pns: list[str], args, redis: RedisServer) -> None:
    def fault(window: Window) -> None:
        window.start = time.time()
        log(f"stop redis-server :{redis.port} for {args.down:.0f} s")
        redis.stop()
        time.sleep(args.down)
        redis.start()
        window.end = time.time()
        log("redis-server back (empty: its queue was lost with it)")

    result, window = load_with_fault(stack, pns, args, fault)
    back = time.time()
    final = wait_answered(stack, result.deliveries, RECOVERY_SECONDS)
    drained = time.time() - back
    inside, _ = during(result, window)
    inside_codes = sorted({s for _, s, _ in inside})
    inside_max = max((lat for _, _, lat in inside), default=0.0)
    print()
    print(f"Redis stopped at +{args.fault_at:.0f} s for {args.down:.0f} s")
    report(result, final, stack)
    print(f"  while Redis was down: {len(inside)} webhook POSTs, codes {inside_codes}, "
          f"slowest {inside_max * 1000:.0f} ms; backlog drained {drained:.0f} s after the load ended")
    non_200 = sum(1 for s, _ in result.attempts if s != 200)
    verdict(
        non_200 == 0 and answered_exactly_once(result, final),
        f"{non_200} webhook answers other than 200; {final.stored}/{final.expected} stored, "
        f"{final.answered}/{final.expected} answered, {final.duplicate_sends} duplicates, drained in {drained:.0f} s"
        + (f"; worker exited, started again {stack.restarts['worker']}x" if stack.restarts.get("worker") else ""),
    )


def postgres_restart(stack: Stack, pns: list[str], args, cluster: PostgresCluster) -> None:
    def fault(window: Window) -> None:
        window.start = time.time()
        log(f"stop PostgreSQL :{cluster.port} (fast shutdown) for {args.down:.0f} s")
        cluster.stop("fast")
        time.sleep(args.down)
        cluster.start()
        window.end = time.time()
        log("PostgreSQL back")

    result, window = load_with_fault(stack, pns, args, fault)
    final = wait_answered(stack, result.deliveries, RECOVERY_SECONDS)
    inside, outside = during(result, window, slack=2.0)
    failed_outside = [item for item in outside if item[1] != 200]
    failed_inside = [item for item in inside if item[1] != 200]
    torn = half_written(stack)
    print()
    print(f"PostgreSQL stopped at +{args.fault_at:.0f} s for {args.down:.0f} s "
          f"(down {window.end - window.start:.1f} s including the restart)")
    report(result, final, stack)
    print(f"  while down (±2 s): {len(inside)} POSTs, {len(failed_inside)} not 200 "
          f"(codes {sorted({s for _, s, _ in failed_inside})}); outside: {len(failed_outside)} not 200")
    print(f"  half-written rows: {torn}")
    verdict(
        not failed_outside and not any(torn.values()) and answered_exactly_once(result, final),
        f"{len(failed_inside)} 5xx/errors while the database was down, {len(failed_outside)} outside it; "
        f"half-written rows {sum(torn.values())}; {final.answered}/{final.expected} answered after redelivery, "
        f"{final.duplicate_sends} duplicates",
    )


def graph_errors(stack: Stack, pns: list[str], args) -> None:
    half = args.down / 2

    def fault(window: Window) -> None:
        window.start = time.time()
        log(f"fake Graph answers 429 for {half:.0f} s, then 500 for {half:.0f} s")
        stack.graph_fail(429, half)
        time.sleep(half)
        stack.graph_fail(500, half)
        time.sleep(half)
        window.end = time.time()
        log("fake Graph accepts again")

    result, _ = load_with_fault(stack, pns, args, fault)
    final = wait_answered(stack, result.deliveries, RECOVERY_SECONDS)
    import psycopg

    with psycopg.connect(host=stack.pg_host, port=stack.pg_port, user="postgres", dbname=stack.database) as db:
        retried, max_attempts = db.execute(
            "SELECT count(*) FILTER (WHERE attempts > 1), max(attempts) FROM lyo_messages WHERE direction = 'out'"
        ).fetchone()
    import json
    import urllib.request

    stats = json.loads(urllib.request.urlopen(f"{stack.graph}/_bench/stats", timeout=5).read())
    print()
    print(f"Graph API failing at +{args.fault_at:.0f} s: 429 for {half:.0f} s, then 500 for {half:.0f} s")
    report(result, final, stack)
    print(f"  fake Graph refused {stats['refused']} sends; {retried} replies needed more than one attempt "
          f"(most attempts: {max_attempts})")
    verdict(
        stats["refused"] > 0 and answered_exactly_once(result, final),
        f"{stats['refused']} sends refused and retried with backoff ({retried} replies retried, at most "
        f"{max_attempts} attempts); {final.replies_sent}/{final.replies} replies delivered, "
        f"{final.graph_accepted} accepted by Graph, {final.duplicate_sends} duplicates",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drill", choices=("worker-kill", "redis-stop", "postgres-restart", "graph-errors"))
    parser.add_argument("--rate", type=float, default=20.0, help="inbound messages a second (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load (default 60)")
    parser.add_argument("--fault-at", type=float, default=20.0, help="seconds into the load (default 20)")
    parser.add_argument("--down", type=float, default=None,
                        help="seconds the part stays down (default: 10; 20 for graph-errors; 5 for worker-kill)")
    parser.add_argument("--tenants", type=int, default=3)
    parser.add_argument("--graph-latency-ms", type=float, default=None,
                        help="the fake Graph answers sends this much after taking them (worker-kill: 60)")
    args = parser.parse_args()
    if args.down is None:
        args.down = {"graph-errors": 20.0, "worker-kill": 5.0}.get(args.drill, 10.0)

    name = f"drill-{args.drill}"
    stack = Stack(name=name, redis_port=DRILL_REDIS_PORT, redis_db=0, web_port=8092, graph_port=8093,
                  queue="lyo-drill", graph_reports=True)
    redis = RedisServer(DRILL_REDIS_PORT, stack.workdir)
    cluster = None
    try:
        redis.start()
        if args.drill == "postgres-restart":
            cluster = PostgresCluster(DRILL_PG_PORT, stack.workdir)
            cluster.init()
            cluster.start()
            stack.pg_port = DRILL_PG_PORT
        # worker-kill: sends answered 60 ms after Graph took them keep the workers mostly in
        # flight, so the kill lands on sends taken by Graph but not yet recorded (the case
        # Meta's status must settle).
        stack.graph_latency_ms = args.graph_latency_ms if args.graph_latency_ms is not None else (
            60.0 if args.drill == "worker-kill" else 0.0)
        pns = stack.start(tenants=args.tenants)
        if args.drill == "worker-kill":
            worker_kill(stack, pns, args)
        elif args.drill == "redis-stop":
            redis_stop(stack, pns, args, redis)
        elif args.drill == "postgres-restart":
            postgres_restart(stack, pns, args, cluster)
        else:
            graph_errors(stack, pns, args)
    finally:
        stack.stop()
        redis.stop()
        if cluster is not None:
            cluster.destroy()


if __name__ == "__main__":
    main()
