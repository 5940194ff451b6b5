"""The tenant's words, read from the database for the understanding to match against.

Read once per configuration: every process keeps each tenant's vocabulary with the
tenant's ``config_version`` it was read at, and reads it again only when the tenant
row (loaded fresh for every message) carries another number. Saving or deleting a
service, resource, opening range or closure bumps the number (``bookings.signals``),
so a cached vocabulary is never served after a change.
"""

from typing import TYPE_CHECKING

from conversations.assistant.understanding.types import ServiceTerm, StaffTerm, Vocabulary

if TYPE_CHECKING:
    from tenants.models import Tenant

# More tenants than this in one process: start again rather than grow without end.
CACHED_TENANTS_MAX = 1000

# tenant pk -> (config_version it was read at, vocabulary). Shared by the threads of a
# process without a lock: in CPython reading, replacing an entry and clear() are each
# atomic, and the values are immutable (frozen dataclasses of tuples). Two threads
# missing at once both read the database and the last one's entry stays; both are right.
_cache: dict[object, tuple[int, Vocabulary]] = {}


def vocabulary_for_tenant(tenant: "Tenant") -> Vocabulary:
    """Active services (Italian and English names, aliases), active staff and opening ranges.

    The only function of the understanding that touches the database, and only when
    the tenant's configuration changed since this process last read it. ``tenant`` must
    be loaded for the message at hand: an instance kept from before a change carries
    the old ``config_version`` and gets the old vocabulary.
    """
    cached = _cache.get(tenant.pk)
    if cached is not None and cached[0] == tenant.config_version:
        return cached[1]
    vocabulary = _vocabulary_read(tenant)
    if len(_cache) >= CACHED_TENANTS_MAX:
        _cache.clear()
    _cache[tenant.pk] = (tenant.config_version, vocabulary)
    return vocabulary


def vocabulary_cache_clear() -> None:
    """Forget every cached vocabulary (tests)."""
    _cache.clear()


def _vocabulary_read(tenant: "Tenant") -> Vocabulary:
    # Imported here so the rest of the package stays pure Python, usable without Django.
    from bookings.models import OpeningHours, Resource, Service

    services = tuple(
        ServiceTerm(service.id, (service.name_it, service.name_en, *service.alias_list))
        for service in Service.objects.filter(tenant=tenant, is_active=True).order_by("position", "name_it")
    )
    staff = tuple(
        StaffTerm(resource.id, resource.name)
        for resource in Resource.objects.filter(tenant=tenant, kind=Resource.Kind.STAFF, is_active=True).order_by(
            "position", "name"
        )
    )
    opening_ranges = tuple(
        sorted({(opens, closes) for opens, closes in OpeningHours.objects.filter(tenant=tenant).values_list(
            "opens", "closes"
        )})
    )
    return Vocabulary(services=services, staff=staff, opening_ranges=opening_ranges)
