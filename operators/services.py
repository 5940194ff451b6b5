"""Onboarding a tenant from one document, in one transaction.

The business, its WhatsApp number, hours, closures, services and tables: the document's
format is in ``operators.onboarding``.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from bookings.models import Closure, OpeningHours, Resource, Service
from common.log_context import log_context
from operators.onboarding import ClosureSpec, OnboardingInvalid, TenantSpec, tenant_spec_parse
from tenants.models import Tenant, TenantMembership
from tenants.services import StaffInvite, staff_member_invite, tenant_config_changed
from whatsapp.services.account import (
    PhoneNumberCheck,
    PhoneNumberVerifier,
    WhatsAppVerificationFailed,
    phone_number_verify,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnboardingResult:
    tenant: Tenant
    created: bool
    check: PhoneNumberCheck | None = None
    staff: StaffInvite | None = None
    warnings: tuple[str, ...] = ()


def tenant_onboard(
    *,
    document: dict,
    token: str | None = None,
    verify: bool = False,
    staff_email: str = "",
    staff_role: str = TenantMembership.Role.OWNER,
    staff_password_generate: bool = False,
    verifier: PhoneNumberVerifier = phone_number_verify,
) -> OnboardingResult:
    """Create or update the tenant ``document`` describes (identified by its slug), all or nothing.

    Raises ``OnboardingInvalid`` (every problem of the document, and a phone number id
    or staff email that clashes with the database) or ``WhatsAppVerificationFailed``
    (``verify`` and the Graph API refuses the number or token); in both cases
    nothing is written. ``token`` None keeps the stored token.
    """
    slug = str(document.get("slug") or "").strip()
    existing = Tenant.objects.filter(slug=slug).first() if slug else None
    spec = tenant_spec_parse(document, creating=existing is None)
    phone_number_id = spec.fields.get(
        "whatsapp_phone_number_id", existing.whatsapp_phone_number_id if existing else None
    )
    _database_conflicts_check(spec, existing, phone_number_id, staff_email)

    check = None
    if verify:
        verify_token = token if token is not None else (existing.whatsapp_access_token if existing else "")
        if not phone_number_id or not verify_token:
            raise OnboardingInvalid(["--verify needs a WhatsApp phone number id and an access token"])
        # Outside the transaction: no row is locked while Meta answers.
        check = verifier(phone_number_id, verify_token)
        if not check.works:
            raise WhatsAppVerificationFailed(check, phone_number_id)

    try:
        with transaction.atomic():
            tenant = existing or Tenant()
            for name, value in spec.fields.items():
                setattr(tenant, name, value)
            if token is not None:
                tenant.whatsapp_access_token = token
                tenant.whatsapp_token_invalid_at = None
            tenant.save()
            if spec.services is not None:
                _services_replace(tenant, spec)
            if spec.resources is not None:
                _resources_replace(tenant, spec)
            if spec.opening_hours is not None:
                OpeningHours.objects.filter(tenant=tenant).delete()
                OpeningHours.objects.bulk_create(
                    OpeningHours(tenant=tenant, weekday=h.weekday, opens=h.opens, closes=h.closes,
                                 last_start=h.last_start)
                    for h in spec.opening_hours
                )
            if spec.closures is not None:
                Closure.objects.filter(tenant=tenant).delete()
                Closure.objects.bulk_create(_closure_build(tenant, c) for c in spec.closures)
            # bulk_create and update() above send no signals.
            tenant_config_changed(tenant.pk)
            staff = None
            if staff_email:
                staff = staff_member_invite(
                    tenant=tenant, email=staff_email, role=staff_role, password_generate=staff_password_generate
                )
    except IntegrityError as exc:
        # Another onboarding took the slug or the number between our check and the write.
        raise OnboardingInvalid([f"the database refused the tenant: {exc}"]) from exc
    with log_context(tenant_id=tenant.pk):
        logger.info("tenant %s %s", tenant.slug, "onboarded" if existing is None else "updated")
    return OnboardingResult(
        tenant=tenant, created=existing is None, check=check, staff=staff, warnings=_onboarding_warnings(tenant)
    )


def _database_conflicts_check(
    spec: TenantSpec, existing: Tenant | None, phone_number_id: str | None, staff_email: str
) -> None:
    problems = []
    if phone_number_id:
        other = Tenant.objects.filter(whatsapp_phone_number_id=phone_number_id).exclude(slug=spec.slug).first()
        if other is not None:
            problems.append(
                f"whatsapp.phone_number_id: {phone_number_id} is already used by tenant "
                f"{other.name!r} ({other.slug}); one WhatsApp number serves one tenant"
            )
    if spec.resources is not None and spec.services is None:
        # Staff refer to services already stored for this tenant.
        stored = set()
        if existing is not None:
            stored = {n.casefold() for n in Service.objects.filter(tenant=existing).values_list("name_it", flat=True)}
        for index, resource in enumerate(spec.resources):
            problems.extend(
                f"resources[{index}].services: {name!r} is not a service of this tenant"
                for name in resource.services
                if name.casefold() not in stored
            )
    if staff_email:
        try:
            validate_email(staff_email)
        except ValidationError:
            problems.append(f"--staff-email: {staff_email!r} is not an email address")
    if problems:
        raise OnboardingInvalid(problems)


def _services_replace(tenant: Tenant, spec: TenantSpec) -> None:
    """Upsert the file's services by Italian name; others are deactivated, not deleted
    (past appointments keep pointing at them)."""
    kept = []
    for position, service in enumerate(spec.services or ()):
        row, _ = Service.objects.update_or_create(
            tenant=tenant, name_it=service.name_it,
            defaults={
                "name_en": service.name_en, "duration_minutes": service.duration_minutes,
                "buffer_minutes": service.buffer_minutes, "price": service.price, "aliases": service.aliases,
                "description_it": service.description_it, "description_en": service.description_en,
                "is_active": service.is_active, "position": position,
            },
        )
        kept.append(row.pk)
    Service.objects.filter(tenant=tenant).exclude(pk__in=kept).update(is_active=False)


def _resources_replace(tenant: Tenant, spec: TenantSpec) -> None:
    """Upsert tables / staff by name; others are deactivated (their appointments stay)."""
    services = {s.name_it.casefold(): s for s in Service.objects.filter(tenant=tenant)}
    kept = []
    for position, resource in enumerate(spec.resources or ()):
        row, _ = Resource.objects.update_or_create(
            tenant=tenant, name=resource.name,
            defaults={
                "kind": resource.kind, "min_seats": resource.min_seats, "max_seats": resource.max_seats,
                "is_active": True, "position": position,
            },
        )
        row.services.set([services[name.casefold()] for name in resource.services])
        kept.append(row.pk)
    Resource.objects.filter(tenant=tenant).exclude(pk__in=kept).update(is_active=False)


def _closure_build(tenant: Tenant, closure: ClosureSpec) -> Closure:
    def aware(moment: datetime) -> datetime:
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=tenant.tzinfo)

    return Closure(tenant=tenant, starts_at=aware(closure.starts_at), ends_at=aware(closure.ends_at),
                   reason=closure.reason)


def _onboarding_warnings(tenant: Tenant) -> tuple[str, ...]:
    warnings = []
    if not tenant.whatsapp_phone_number_id:
        warnings.append("no WhatsApp phone number id: customers' messages cannot reach this tenant yet")
    if not tenant.has_whatsapp_token:
        warnings.append("no access token: replies cannot be sent until `manage.py set_tenant_token`")
    if not OpeningHours.objects.filter(tenant=tenant).exists():
        warnings.append("no opening hours: nothing can be booked yet")
    kind = Resource.Kind.TABLE if tenant.kind == Tenant.Kind.RESTAURANT else Resource.Kind.STAFF
    if not Resource.objects.filter(tenant=tenant, kind=kind, is_active=True).exists():
        warnings.append(f"no active {'tables' if kind == Resource.Kind.TABLE else 'staff'}: nothing can be booked yet")
    return tuple(warnings)
