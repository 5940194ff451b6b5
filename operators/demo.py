"""The demo tenants that ``make run`` loads: a trattoria and a hair salon."""

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from bookings.models import OpeningHours, Resource, Service, Weekday
from tenants.models import Tenant, TenantMembership
from tenants.services import tenant_config_changed

DEMO_ADMIN = ("admin", "admin")
# The WhatsApp phone number id, display number and Instagram account id match the
# samples in the shared webhook payloads, so a sample POSTed to a local server
# reaches the trattoria.
TRATTORIA_PHONE_NUMBER_ID = "106540352242922"
SALON_PHONE_NUMBER_ID = "106540352242933"
TRATTORIA_INSTAGRAM_ACCOUNT_ID = "17841400000000001"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    tenant: str  # "" for the superuser


@transaction.atomic
def demo_tenants_seed() -> list[DemoLogin]:
    """Create or refresh the demo data; running it again changes nothing else."""
    trattoria = _trattoria_seed()
    salon = _salon_seed()
    return [
        _login_seed(*DEMO_ADMIN, tenant=None),
        _login_seed("trattoria", "trattoria", tenant=trattoria),
        _login_seed("salone", "salone", tenant=salon),
    ]


def _trattoria_seed() -> Tenant:
    tenant, _ = Tenant.objects.update_or_create(
        slug="trattoria-demo",
        defaults={
            "name": "Trattoria Demo",
            "kind": Tenant.Kind.RESTAURANT,
            "timezone": "Europe/Rome",
            "language": "it",
            "address": "Via Roma 1, 20121 Milano",
            "contact_phone": "+39 02 1234567",
            "whatsapp_phone_number_id": TRATTORIA_PHONE_NUMBER_ID,
            "whatsapp_business_account_id": "102290129340398",
            "whatsapp_display_phone_number": "393331112222",
            "instagram_account_id": TRATTORIA_INSTAGRAM_ACCOUNT_ID,
            "default_duration_minutes": 90,
            "is_active": True,
        },
    )
    for position, (name, min_seats, max_seats) in enumerate(
        [("Tavolo 1", 1, 2), ("Tavolo 2", 1, 2), ("Tavolo 3", 2, 4), ("Tavolo 4", 2, 4), ("Tavolo 5", 4, 6)]
    ):
        Resource.objects.update_or_create(
            tenant=tenant, name=name,
            defaults={
                "kind": Resource.Kind.TABLE, "min_seats": min_seats, "max_seats": max_seats, "position": position,
            },
        )
    # Closed on Mondays: Tuesday to Sunday, lunch and dinner.
    hours = []
    for weekday in range(Weekday.TUESDAY, Weekday.SUNDAY + 1):
        hours.append((weekday, time(12, 0), time(15, 0), time(14, 0)))
        hours.append((weekday, time(19, 0), time(23, 30), time(22, 0)))
    _opening_hours_replace(tenant, hours)
    return tenant


def _salon_seed() -> Tenant:
    tenant, _ = Tenant.objects.update_or_create(
        slug="salone-demo",
        defaults={
            "name": "Salone Demo",
            "kind": Tenant.Kind.SALON,
            "timezone": "Europe/Rome",
            "language": "it",
            "address": "Corso Italia 10, 20122 Milano",
            "contact_phone": "+39 02 7654321",
            "whatsapp_phone_number_id": SALON_PHONE_NUMBER_ID,
            "whatsapp_display_phone_number": "393331113333",
            "default_duration_minutes": 30,
            "is_active": True,
        },
    )
    services = {}
    for position, (name_it, name_en, aliases, minutes, price) in enumerate(
        [
            ("Taglio donna", "Women's haircut", "taglio, haircut, capelli", 45, "35.00"),
            ("Taglio uomo", "Men's haircut", "taglio, haircut, capelli", 30, "20.00"),
            ("Piega", "Blow-dry", "blow dry, piega, styling", 30, "20.00"),
            ("Colore", "Colour", "tinta, tingere, color, dye, colore", 90, "60.00"),
            ("Barba", "Beard trim", "beard, beard trim, rasatura", 20, "12.00"),
        ]
    ):
        services[name_it], _ = Service.objects.update_or_create(
            tenant=tenant, name_it=name_it,
            defaults={
                "name_en": name_en, "aliases": aliases, "duration_minutes": minutes,
                "price": Decimal(price), "position": position, "is_active": True,
            },
        )
    staff = {
        "Giulia": ["Taglio donna", "Taglio uomo", "Piega", "Colore"],
        "Marco": ["Taglio uomo", "Barba", "Piega"],
    }
    for position, (name, can_do) in enumerate(staff.items()):
        resource, _ = Resource.objects.update_or_create(
            tenant=tenant, name=name, defaults={"kind": Resource.Kind.STAFF, "position": position}
        )
        resource.services.set([services[s] for s in can_do])
    hours = [(weekday, time(9, 0), time(19, 0), None) for weekday in range(Weekday.TUESDAY, Weekday.SATURDAY + 1)]
    _opening_hours_replace(tenant, hours)
    return tenant


def _opening_hours_replace(tenant: Tenant, hours: list[tuple]) -> None:
    OpeningHours.objects.filter(tenant=tenant).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(tenant=tenant, weekday=weekday, opens=opens, closes=closes, last_start=last_start)
        for weekday, opens, closes, last_start in hours
    )
    # bulk_create sends no signals.
    tenant_config_changed(tenant.pk)


def _login_seed(username: str, password: str, *, tenant: Tenant | None) -> DemoLogin:
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True
    user.is_superuser = tenant is None
    user.set_password(password)
    user.save()
    if tenant is not None:
        TenantMembership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": TenantMembership.Role.OWNER})
    return DemoLogin(username, password, tenant.slug if tenant else "")
