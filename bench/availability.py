"""How fast is ``available_slots`` on a busy tenant?

Builds, in a throwaway test database, a salon (10 staff, 30 services) and a
restaurant (25 tables, pacing on), each with 5,000 confirmed appointments over the
next two months, then prints the time and the number of SQL queries to compute the
first 20 free slots and a full 30-day scan (median of several runs, after a warm-up).

    python bench/availability.py            # SQLite in memory
    DATABASE_URL=postgres://... python bench/availability.py   # a test_ database on that server

Targets (issue 4): first 20 slots under 50 ms, 30-day scan under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lyo.settings_test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bookings.availability import available_slots  # noqa: E402
from bookings.models import Appointment, OpeningHours, Resource, Service  # noqa: E402
from bookings.references import reference_new  # noqa: E402
from tenants.models import Tenant  # noqa: E402

ROME = ZoneInfo("Europe/Rome")
FIRST_DAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=ROME)
APPOINTMENTS = 5_000
DAYS = 60


def _at(day: date, minute_of_day: int) -> datetime:
    return datetime.combine(day, clock(minute_of_day // 60, minute_of_day % 60), tzinfo=ROME).astimezone(UTC)


def _references(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(reference_new())
    return list(codes)


def salon_build(rng: random.Random) -> tuple[Tenant, Service]:
    tenant = Tenant.objects.create(
        name="Bench Salon", slug="bench-salon", kind=Tenant.Kind.SALON, min_notice_minutes=60, max_days_ahead=DAYS,
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(tenant=tenant, weekday=weekday, opens=clock(9), closes=clock(19)) for weekday in range(6)
    )
    services = Service.objects.bulk_create(
        Service(tenant=tenant, name_it=f"Servizio {n}", name_en=f"Service {n}", duration_minutes=20 + 5 * (n % 15),
                buffer_minutes=(n % 3) * 5, position=n)
        for n in range(30)
    )
    staff = Resource.objects.bulk_create(
        Resource(tenant=tenant, kind=Resource.Kind.STAFF, name=f"Staff {n}", position=n) for n in range(10)
    )
    for index, person in enumerate(staff):
        person.services.set([s for s in services if (s.position + index) % 2 == 0])
    rows = []
    references = iter(_references(APPOINTMENTS))
    day = FIRST_DAY
    while len(rows) < APPOINTMENTS:
        if day.weekday() < 6:
            for person in staff:
                minute = 9 * 60
                while minute + 90 <= 19 * 60 and len(rows) < APPOINTMENTS:
                    service = services[rng.randrange(len(services))]
                    if rng.random() < 0.55:
                        start = _at(day, minute)
                        end = start + timedelta(minutes=service.duration_minutes)
                        rows.append(Appointment(
                            tenant=tenant, resource=person, service=service, starts_at=start, ends_at=end,
                            blocks_until=end + timedelta(minutes=service.buffer_minutes), reference=next(references),
                        ))
                        minute += -(-(service.duration_minutes + service.buffer_minutes) // 15) * 15
                    else:
                        minute += 15
        day += timedelta(days=1)
    Appointment.objects.bulk_create(rows, batch_size=1000)
    return tenant, services[2]  # a service half of the staff do


def restaurant_build(rng: random.Random) -> Tenant:
    tenant = Tenant.objects.create(
        name="Bench Trattoria", slug="bench-trattoria", kind=Tenant.Kind.RESTAURANT, min_notice_minutes=120,
        max_days_ahead=DAYS, default_duration_minutes=90, pacing_max_covers=40,
    )
    hours = []
    for weekday in range(7):
        hours.append(OpeningHours(tenant=tenant, weekday=weekday, opens=clock(12), closes=clock(15),
                                  last_start=clock(14)))
        hours.append(OpeningHours(tenant=tenant, weekday=weekday, opens=clock(19), closes=clock(23, 30),
                                  last_start=clock(22)))
    OpeningHours.objects.bulk_create(hours)
    sizes = [(1, 2)] * 8 + [(2, 4)] * 9 + [(4, 6)] * 5 + [(6, 8)] * 3
    tables = Resource.objects.bulk_create(
        Resource(tenant=tenant, kind=Resource.Kind.TABLE, name=f"T{n}", min_seats=lo, max_seats=hi, position=n)
        for n, (lo, hi) in enumerate(sizes)
    )
    # Two sittings per service; a start may slip by 15 minutes and still never overlap the next.
    sittings = [12 * 60, 13 * 60 + 45, 19 * 60, 20 * 60 + 45]
    rows = []
    references = iter(_references(APPOINTMENTS))
    day = FIRST_DAY
    while len(rows) < APPOINTMENTS:
        for table in tables:
            for minute in sittings:
                if len(rows) < APPOINTMENTS and rng.random() < 0.8:
                    start = _at(day, minute + 15 * rng.randrange(2))
                    end = start + timedelta(minutes=90)
                    rows.append(Appointment(
                        tenant=tenant, resource=table, starts_at=start, ends_at=end, blocks_until=end,
                        party_size=table.max_seats, reference=next(references),
                    ))
        day += timedelta(days=1)
    Appointment.objects.bulk_create(rows, batch_size=1000)
    return tenant


def measure(runs: int, **kwargs) -> tuple[list[float], int, int]:
    available_slots(**kwargs)  # warm-up: imports, query compilation, caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        slots = available_slots(**kwargs)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        slots = available_slots(**kwargs)
    return timings, len(queries), len(slots)


def report(label: str, timings: list[float], queries: int, slots: int) -> None:
    print(
        f"  {label:<22} {statistics.median(timings):7.1f} ms  [{min(timings):.1f}-{max(timings):.1f}]"
        f"  {queries} queries  {slots} slots"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (median reported)")
    args = parser.parse_args()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rng = random.Random(4)  # noqa: S311 - reproducible test data, not security
        salon, service = salon_build(rng)
        restaurant = restaurant_build(rng)
        print(f"available_slots on {connection.vendor}, median of {args.runs} runs [min-max]")
        scans = {
            f"salon: 10 staff, 30 services, {APPOINTMENTS} appointments (service: {service})": {
                "tenant": salon, "service": service,
            },
            f"restaurant: 25 tables, pacing on, {APPOINTMENTS} appointments (party of 2)": {
                "tenant": restaurant, "party_size": 2,
            },
        }
        for title, request in scans.items():
            print(title)
            first = measure(
                args.runs, **request, start_date=FIRST_DAY, end_date=FIRST_DAY + timedelta(days=DAYS), limit=20,
                now=NOW,
            )
            report("first 20 free slots", *first)
            month = measure(
                args.runs, **request, start_date=FIRST_DAY, end_date=FIRST_DAY + timedelta(days=29), now=NOW
            )
            report("30-day scan", *month)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
