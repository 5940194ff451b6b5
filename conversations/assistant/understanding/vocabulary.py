"""The tenant's words, read once from the database for the understanding to match against."""

from typing import TYPE_CHECKING

from conversations.assistant.understanding.types import ServiceTerm, StaffTerm, Vocabulary

if TYPE_CHECKING:
    from tenants.models import Tenant


def vocabulary_for_tenant(tenant: "Tenant") -> Vocabulary:
    """Active services (Italian and English names, aliases), active staff and opening ranges.

    The only function of the understanding that touches the database.
    """
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
