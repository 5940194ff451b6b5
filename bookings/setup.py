"""What a tenant offers, read once per configuration for the assistant's availability reads.

Every customer message asks "is it free?" several times (the asked time, the day's
other times, the nearest alternatives, the waitlist), and each ask read the opening
hours, the tables or staff, and the closures again: most of an assistant turn's
queries. The rows change only when the owner edits them, and every such write bumps
the tenant's ``config_version`` (``bookings.signals``). So a process keeps each
tenant's setup with the ``config_version`` it was read at, and reads it again only
when the tenant row, loaded fresh for every message, carries another number: the
same contract as the assistant's vocabulary.

Only readers that opt in use it (:func:`booking_setup_cached`, around an assistant
turn). Writes (``bookings.services``: booking, moving, holding) always read the rows
afresh under their locks (:func:`booking_setup_fresh`), so a booking is never made
against a setup older than the database's; staff pages read afresh too, since a
tenant instance kept across a settings form would carry the old number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import wraps
from typing import ParamSpec, TypeVar

from django.utils import timezone

from bookings.models import Closure, OpeningHours, Resource, Service
from tenants.models import Tenant

__all__ = [
    "BookingSetup",
    "booking_setup_cache_clear",
    "booking_setup_cached",
    "booking_setup_fresh",
    "booking_setup_in_use",
    "reads_fresh_setup",
    "setup_extra",
]

# More tenants than this in one process: start again rather than grow without end.
CACHED_TENANTS_MAX = 1000
# Closures that ended this long before the setup was read are left out: nothing the
# assistant asks about starts before yesterday. Older windows read the table.
CLOSURES_KEPT_BEFORE = timedelta(days=2)


@dataclass(frozen=True)
class BookingSetup:
    """A tenant's opening hours, active tables or staff, and closures, as of one ``config_version``.

    Shared by the threads of a process: nothing here is written after it is built, but
    ``extras`` (what the floors above keep with it, see :func:`setup_extra`).
    """

    config_version: int
    # weekday -> that day's ranges, by opening time.
    hours: dict[int, tuple[OpeningHours, ...]]
    # Active resources in the database's order (position, name, pk): the order a query
    # with that ``ORDER BY`` gives, collation included.
    resources: tuple[Resource, ...]
    # staff member's pk -> the services they do.
    staff_services: dict[int, frozenset[int]]
    # The closures ending after ``closures_from``, by start.
    closures: tuple[Closure, ...]
    closures_from: datetime
    # Active services by pk, in the order customers see them (position, Italian name).
    services: dict[int, Service]
    # name -> a value read by an app above for the same config_version (its payment policy).
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def largest_table_seats(self) -> int:
        return max(
            (r.max_seats or 0 for r in self.resources if r.kind == Resource.Kind.TABLE), default=0
        )

    def suitable_resources(
        self, tenant: Tenant, *, service: Service | None, party_size: int, resource: Resource | None
    ) -> list[Resource]:
        """What ``bookings.availability.suitable_resources`` would list, in the same order."""
        if service is not None and (service.tenant_id != tenant.pk or not service.is_active):
            return []
        if tenant.kind == Tenant.Kind.RESTAURANT:
            order = {r.pk: index for index, r in enumerate(self.resources)}
            found = sorted(
                (
                    r for r in self.resources
                    if r.kind == Resource.Kind.TABLE
                    and r.min_seats is not None and r.max_seats is not None
                    and r.min_seats <= party_size <= r.max_seats
                ),
                key=lambda r: (r.max_seats, r.min_seats, order[r.pk]),
            )
        else:
            found = [r for r in self.resources if r.kind == Resource.Kind.STAFF]
            if service is not None:
                found = [r for r in found if service.pk in self.staff_services.get(r.pk, ())]
        if resource is not None:
            found = [r for r in found if r.pk == resource.pk]
        return found

    def closures_between(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]] | None:
        """The closures overlapping [start, end), or None when the window reaches before what is kept."""
        if start < self.closures_from:
            return None
        return [(c.starts_at, c.ends_at) for c in self.closures if c.starts_at < end and c.ends_at > start]


# tenant pk -> its setup. Replacing an entry and clear() are each atomic in CPython;
# two threads missing at once both read the database and both results are right.
_cache: dict[object, BookingSetup] = {}
_in_use: ContextVar[bool] = ContextVar("booking_setup_in_use", default=False)


@contextmanager
def booking_setup_cached() -> Iterator[None]:
    """Within this block availability reads each tenant's setup from the process's cache.

    For readers whose tenant row was loaded for the message at hand (an assistant turn).
    """
    token = _in_use.set(True)
    try:
        yield
    finally:
        _in_use.reset(token)


@contextmanager
def booking_setup_fresh() -> Iterator[None]:
    """Within this block availability reads the rows afresh, even inside :func:`booking_setup_cached`."""
    token = _in_use.set(False)
    try:
        yield
    finally:
        _in_use.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def reads_fresh_setup(function: Callable[P, R]) -> Callable[P, R]:
    """A write that checks availability under its locks: never against a cached setup."""

    @wraps(function)
    def fresh(*args: P.args, **kwargs: P.kwargs) -> R:
        with booking_setup_fresh():
            return function(*args, **kwargs)

    return fresh


def booking_setup_in_use(tenant: Tenant, now: datetime | None = None) -> BookingSetup | None:
    """The tenant's setup when the caller opted in to the cache, else None (read the rows)."""
    if not _in_use.get():
        return None
    cached = _cache.get(tenant.pk)
    if cached is not None and cached.config_version == tenant.config_version:
        return cached
    setup = _setup_read(tenant, now or timezone.now())
    if len(_cache) >= CACHED_TENANTS_MAX:
        _cache.clear()
    _cache[tenant.pk] = setup
    return setup


T = TypeVar("T")


def setup_extra(tenant: Tenant, name: str, read: Callable[[], T]) -> T:
    """``read()`` once per ``config_version`` when the caller opted in to the cache, else every time.

    For rows of the apps above that the assistant reads every turn (a payment policy):
    their writes must bump ``config_version`` too (``tenants.services.tenant_config_changed``).
    """
    setup = booking_setup_in_use(tenant)
    if setup is None:
        return read()
    if name not in setup.extras:
        setup.extras[name] = read()
    return setup.extras[name]  # type: ignore[return-value]


def booking_setup_cache_clear() -> None:
    """Forget every cached setup (tests)."""
    _cache.clear()


def _setup_read(tenant: Tenant, now: datetime) -> BookingSetup:
    hours: dict[int, list[OpeningHours]] = defaultdict(list)
    for row in OpeningHours.objects.filter(tenant=tenant).order_by("weekday", "opens"):
        hours[row.weekday].append(row)
    resources = tuple(Resource.objects.filter(tenant=tenant, is_active=True).order_by("position", "name", "pk"))
    staff_services: dict[int, set[int]] = defaultdict(set)
    links = Resource.services.through.objects.filter(resource__tenant=tenant, resource__is_active=True)
    for resource_id, service_id in links.values_list("resource_id", "service_id"):
        staff_services[resource_id].add(service_id)
    closures_from = now - CLOSURES_KEPT_BEFORE
    closures = tuple(Closure.objects.filter(tenant=tenant, ends_at__gt=closures_from).order_by("starts_at", "pk"))
    services = {
        service.pk: service
        for service in Service.objects.filter(tenant=tenant, is_active=True).order_by("position", "name_it", "pk")
    }
    return BookingSetup(
        config_version=tenant.config_version,
        services=services,
        hours={weekday: tuple(rows) for weekday, rows in hours.items()},
        resources=resources,
        staff_services={pk: frozenset(ids) for pk, ids in staff_services.items()},
        closures=closures,
        closures_from=closures_from,
    )
