"""Writes about tenants: onboarding, access tokens, activation, staff logins, key rotation."""

import logging
import secrets
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from common.log_context import log_context
from tenants.audit import token_change_audit
from tenants.encryption import SecretUndecryptable
from tenants.fields import EncryptedTextField
from tenants.models import Tenant, TenantMembership
from tenants.selectors import tenant_lookup_forget

logger = logging.getLogger(__name__)


class TenantNotFound(Exception):
    """No tenant has this slug."""


@dataclass(frozen=True)
class StaffInvite:
    email: str
    user_created: bool
    membership_created: bool
    # One of these when the user has no password yet: a one-time link path
    # (Django's password-reset token, valid PASSWORD_RESET_TIMEOUT) or a generated password.
    password_set_path: str = ""
    password: str = field(default="", repr=False)


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


# Channels whose access token an owner may set or remove, with the name the audit trail gives it.
ACCESS_TOKEN_CHANNELS = {"whatsapp": "WhatsApp access token", "instagram": "Instagram access token"}
# What wires the tenant to Meta: the operator sets these (the admin's tenant form), never an owner's page.
OPERATOR_ONLY_FIELDS = (
    "whatsapp_phone_number_id", "whatsapp_business_account_id", "whatsapp_display_phone_number",
    "instagram_account_id", "whatsapp_access_token", "instagram_access_token",
    "whatsapp_token_invalid_at", "instagram_token_invalid_at",
)


def tenant_settings_update(*, tenant: Tenant, changes: dict) -> list[str]:
    """Write the tenant's own settings (name, address, booking rules...) that differ; returns their names.

    ``changes`` holds model field names and values already validated by the caller's
    form. Tokens and the fields that wire the tenant to Meta are not written here.
    """
    refused = set(changes) & {"slug", "kind", "is_active", "config_version", *OPERATOR_ONLY_FIELDS}
    if refused:
        raise ValueError(f"not an owner's setting: {sorted(refused)}")
    stored = Tenant.objects.get(pk=tenant.pk)
    changed = [name for name, value in changes.items() if getattr(stored, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(tenant, name, changes[name])
    tenant.__dict__.pop("tzinfo", None)  # the cached zone follows a new time zone
    tenant.save(update_fields=[*changed, "updated_at"])
    # What the assistant says (the business's name, its rules) may have changed.
    tenant_config_changed(tenant.pk)
    tenant_lookup_forget()
    return changed


def tenant_access_token_set(*, tenant: Tenant, channel: str, token: str, actor) -> None:
    """Set (or, with ``token=""``, remove) a channel's access token, and record who did it (never the value)."""
    if channel not in ACCESS_TOKEN_CHANNELS:
        raise ValueError(f"no access token for channel {channel!r}")
    setattr(tenant, f"{channel}_access_token", token)
    # A new token has not been rejected yet.
    setattr(tenant, f"{channel}_token_invalid_at", None)
    with transaction.atomic():
        tenant.save(update_fields=[f"{channel}_access_token", f"{channel}_token_invalid_at", "updated_at"])
        token_change_audit(tenant=tenant, actor=actor, which=ACCESS_TOKEN_CHANNELS[channel], cleared=not token)
    tenant_lookup_forget()
