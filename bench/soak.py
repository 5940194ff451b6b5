"""Soak (issue 9): inbound messages at a steady rate for minutes, across many tenants and customers.

Run through ``bench/soak.sh``. Default: 100 inbound texts a second for 10 minutes,
from 2,000 customers of 20 tenants, POSTed open loop to the production stack
(``lyobench.Stack``). Prints webhook errors, replies sent against expected (every
text gets an answer), the backlog left when the load stops and how long it takes to
drain, and the resident memory of the web (gunicorn master and workers) and worker
(Celery main process and pool) process trees at the start, every minute, and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lyobench import Customers, Stack, latency_line, log, open_loop, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=100.0, help="inbound messages a second (default 100)")
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--customers", type=int, default=2000, help="in all, spread evenly over the tenants")
    parser.add_argument("--drain-minutes", type=float, default=15.0, help="how long to wait for the backlog")
    args = parser.parse_args()

    with Stack(name="soak") as stack:
        pns = stack.start(tenants=args.tenants)
        customers = Customers(pns, max(args.customers // args.tenants, 1), run=f"soak{int(time.time())}")
        rss = [("start", stack.rss_mib("web"), stack.rss_mib("worker"))]
        log(f"soak: {args.rate:.0f} msg/s for {args.minutes:g} min, {args.tenants} tenants, "
            f"{args.customers} customers; RSS web {rss[0][1]:.0f} MiB, worker {rss[0][2]:.0f} MiB")
        next_minute = [60.0]

        def tick(elapsed: float) -> None:
            if elapsed >= next_minute[0]:
                next_minute[0] += 60.0
                web, worker = stack.rss_mib("web"), stack.rss_mib("worker")
                rss.append((f"{elapsed / 60:.0f} min", web, worker))
                log(f"{elapsed / 60:.0f} min: RSS web {web:.0f} MiB, worker {worker:.0f} MiB")

        result = asyncio.run(open_loop(
            host="127.0.0.1", port=stack.web_port, rate=args.rate, duration=args.minutes * 60, make=customers.make,
            on_tick=tick, timeout=10.0,
        ))
        rss.append(("end of load", stack.rss_mib("web"), stack.rss_mib("worker")))
        at_end = outcome(stack, result.deliveries)
        backlog = at_end.expected - at_end.answered
        log(f"load done; {backlog} messages not yet answered; waiting up to {args.drain_minutes:g} min")
        load_ended = time.monotonic()
        final = at_end
        while not final.complete and time.monotonic() - load_ended < args.drain_minutes * 60:
            time.sleep(10)
            final = outcome(stack, result.deliveries)
            log(f"draining: {final.line(duplicates=False)}")
        drained = time.monotonic() - load_ended
        rss.append(("drained", stack.rss_mib("web"), stack.rss_mib("worker")))
        worker_errors = sum(
            1 for line in (stack.workdir / "worker.log").read_text(errors="replace").splitlines()
            if '"level": "ERROR"' in line
        )
        summary = result.summary()
        print()
        print(f"Soak: {args.rate:.0f} inbound msg/s for {args.minutes:g} min, {args.tenants} tenants, "
              f"{args.customers} customers (offered {len(result.deliveries)} messages, sent at "
              f"{summary['rate']:.1f} req/s)")
        print(f"  webhook: codes {summary['codes']}, p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms, "
              f"max {summary['max_ms']:.0f} ms; errors (not 200) {len(result.deliveries) - summary['accepted']}")
        print(f"  at the end of the load: {at_end.answered}/{at_end.expected} answered, backlog {backlog}")
        print(f"  {'drained' if final.complete else 'NOT drained'} after {drained:.0f} s: "
              f"{final.line(duplicates=False)}")
        print(f"  replies sent vs expected: {final.answered}/{final.expected} inbound messages answered "
              f"({final.replies_sent} replies sent of {final.replies} stored); worker ERROR log lines {worker_errors}")
        print(f"  reply latency: {latency_line(final.latencies)}")
        memory = "   ".join(f"{label}: web {web:.0f} / worker {worker:.0f}" for label, web, worker in rss)
        print(f"  resident memory (MiB):  {memory}")


if __name__ == "__main__":
    main()
