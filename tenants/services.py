"""Writes about tenants: onboarding, access tokens, activation, staff logins, key rotation."""

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bookings.models import Closure, OpeningHours, Resource, Service
from common.log_context import log_context
from tenants.audit import token_change_audit
from tenants.encryption import SecretUndecryptable
from tenants.fields import EncryptedTextField
from tenants.meta import PhoneNumberCheck, phone_number_verify
from tenants.models import Tenant, TenantMembership
from tenants.onboarding import ClosureSpec, OnboardingInvalid, TenantSpec, tenant_spec_parse
from tenants.selectors import tenant_lookup_forget

logger = logging.getLogger(__name__)

PhoneNumberVerifier = Callable[[str, str], PhoneNumberCheck]


class TenantNotFound(Exception):
    """No tenant has this slug."""


class PhoneNumberIdMissing(Exception):
    """The tenant has no WhatsApp phone number id to check a token against."""


class WhatsAppVerificationFailed(Exception):
    """The Graph API says the phone number id and token do not work together; nothing was written."""

    def __init__(self, check: PhoneNumberCheck, phone_number_id: str) -> None:
        self.check = check
        self.phone_number_id = phone_number_id
        super().__init__(check.detail or check.verdict)


@dataclass(frozen=True)
class StaffInvite:
    email: str
    user_created: bool
    membership_created: bool
    # One of these when the user has no password yet: a one-time link path
    # (Django's password-reset token, valid PASSWORD_RESET_TIMEOUT) or a generated password.
    password_set_path: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class OnboardingResult:
    tenant: Tenant
    created: bool
    check: PhoneNumberCheck | None = None
    staff: StaffInvite | None = None
    warnings: tuple[str, ...] = ()


def tenant_get(slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise TenantNotFound(f"No tenant with slug {slug!r} (list them with `manage.py list_tenants`).")
    return tenant


def tenant_config_changed(tenant_id: uuid.UUID | str) -> None:
    """Tell caches that what the assistant reads about the tenant has changed.

    Services, resources (and the services staff do), opening hours and closures:
    saving or deleting one row does it through ``bookings.signals``; code that writes
    them in bulk (``bulk_create``, ``update()``) must call this itself, inside its
    transaction, so the new number and the new rows become visible together.
    One UPDATE that adds one, so concurrent changes never lose a bump.
    """
    Tenant.objects.filter(pk=tenant_id).update(config_version=F("config_version") + 1)


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


def staff_member_invite(
    *, tenant: Tenant, email: str, role: str = TenantMembership.Role.OWNER, password_generate: bool = False
) -> StaffInvite:
    """A staff login (username = email) that works for ``tenant``; existing users get the membership only."""
    email = email.strip().lower()
    users = get_user_model().objects
    user = users.filter(email__iexact=email).first() or users.filter(username__iexact=email).first()
    user_created = user is None
    if user is None:
        user = users.create(username=email, email=email, is_staff=True)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    _, membership_created = TenantMembership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": role})
    if user.has_usable_password():
        return StaffInvite(email, user_created, membership_created)
    if password_generate:
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        return StaffInvite(email, user_created, membership_created, password=password)
    return StaffInvite(email, user_created, membership_created, password_set_path=password_set_path(user))


def password_set_path(user: AbstractBaseUser) -> str:
    """A one-time link path to choose a password: it stops working once the password is set."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})


def tenant_token_set(
    *, tenant: Tenant, token: str, verify: bool = False, verifier: PhoneNumberVerifier = phone_number_verify,
    actor: AbstractBaseUser | None = None, actor_label: str = "",
) -> PhoneNumberCheck | None:
    """Store a new access token (encrypted) and forget that Meta rejected the old one.

    With ``verify`` the token is first tried on the Graph API and nothing is stored
    unless it works (``WhatsAppVerificationFailed``).
    """
    token = token.strip()
    if not token:
        raise ValueError("The access token is empty.")  # the command refuses an empty token first
    check = None
    if verify:
        if not tenant.whatsapp_phone_number_id:
            raise PhoneNumberIdMissing(
                f"Tenant {tenant.slug} has no WhatsApp phone number id to verify the token against."
            )
        check = verifier(tenant.whatsapp_phone_number_id, token)
        if not check.works:
            raise WhatsAppVerificationFailed(check, tenant.whatsapp_phone_number_id)
    tenant.whatsapp_access_token = token
    tenant.whatsapp_token_invalid_at = None
    with transaction.atomic():
        tenant.save(update_fields=["whatsapp_access_token", "whatsapp_token_invalid_at", "updated_at"])
        token_change_audit(
            tenant=tenant, actor=actor, which="WhatsApp access token", cleared=False, actor_label=actor_label
        )
    with log_context(tenant_id=tenant.pk):
        logger.info("access token replaced for tenant %s", tenant.slug)
    return check


def tenant_activate(*, tenant: Tenant) -> bool:
    """Webhook deliveries for the tenant's number are handled again. False when already active."""
    return _tenant_active_set(tenant, True)


def tenant_deactivate(*, tenant: Tenant) -> bool:
    """Deliveries for the tenant's number are acknowledged and ignored. False when already inactive."""
    return _tenant_active_set(tenant, False)


def _tenant_active_set(tenant: Tenant, active: bool) -> bool:
    changed = Tenant.objects.filter(pk=tenant.pk, is_active=not active).update(is_active=active)
    # update() sends no post_save: this process's webhooks must not keep routing to it.
    tenant_lookup_forget()
    tenant.refresh_from_db(fields=["is_active", "updated_at"])
    if changed:
        with log_context(tenant_id=tenant.pk):
            logger.info("tenant %s %s", tenant.slug, "activated" if active else "deactivated")
    return bool(changed)


@dataclass(frozen=True)
class ReencryptionResult:
    reencrypted: int
    undecryptable: tuple[str, ...]  # "model pk field" of rows no configured key opens


def secrets_reencrypt() -> ReencryptionResult:
    """Re-encrypt every encrypted column with the first ``FIELD_ENCRYPTION_KEY``.

    The last step of a key rotation: afterwards the old keys can be removed.
    Row by row with ``update()``, so ``updated_at`` and other columns stay untouched.
    """
    reencrypted = 0
    undecryptable = []
    for model in apps.get_models():
        encrypted = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        for name in encrypted:
            for pk in model._default_manager.exclude(**{name: ""}).exclude(**{f"{name}__isnull": True}).values_list(
                "pk", flat=True
            ):
                try:
                    value = model._default_manager.values_list(name, flat=True).get(pk=pk)
                except SecretUndecryptable:
                    undecryptable.append(f"{model._meta.label} {pk} {name}")
                    continue
                # Saving the plaintext encrypts it again, with the first key.
                model._default_manager.filter(pk=pk).update(**{name: value})
                reencrypted += 1
    return ReencryptionResult(reencrypted, tuple(undecryptable))
