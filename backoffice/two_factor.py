"""Who must prove a second factor at admin login, and setting up their authenticator app.

Two-factor codes are TOTP (django-otp's ``TOTPDevice``): the six digits of Google
Authenticator, Aegis, 1Password... Staff may set one up; owners must when
``LYO_REQUIRE_2FA`` is on, because an owner's account replaces the business's channel
tokens. Whoever has a confirmed device enters a code at every login.
"""

from __future__ import annotations

import enum
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.models import TenantMembership

# The name the device gets in the user's list (and in the admin's list of devices).
DEVICE_NAME = "Lyo"


class TwoFactorStep(enum.StrEnum):
    """What stands between a logged-in user and the admin."""

    SETUP = "setup"  # must set up an authenticator app first
    VERIFY = "verify"  # has one: must enter its current code


def two_factor_step_pending(user: User | AnonymousUser) -> TwoFactorStep | None:
    """The step this session still owes, or None when it may use the admin."""
    if not user.is_authenticated:
        return None
    if session_is_verified(user):
        return None
    if user_has_device(user, confirmed=True):
        return TwoFactorStep.VERIFY
    if two_factor_required(user):
        return TwoFactorStep.SETUP
    return None


def session_is_verified(user: User | AnonymousUser) -> bool:
    """Whether this request's session entered a code of the user's device (django-otp's middleware says)."""
    is_verified = getattr(user, "is_verified", None)  # set by django-otp's middleware
    return is_verified is not None and is_verified()


def two_factor_required(user: User) -> bool:
    """Owners, when the deployment requires it (``LYO_REQUIRE_2FA``)."""
    return settings.LYO_REQUIRE_2FA and TenantMembership.objects.filter(
        user_id=user.pk, role=TenantMembership.Role.OWNER
    ).exists()


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The user's authenticator being set up: the same secret until they confirm a code with it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm ``device`` with a code read from the app; the other unconfirmed ones go."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        if not device.verify_token(token.strip()):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return True


def totp_device_for_code(*, user: User, token: str) -> TOTPDevice | None:
    """The user's confirmed device that accepts ``token`` (throttled by django-otp), or None."""
    with transaction.atomic():
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token.strip()):
                return device
    return None


def totp_qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` address as an inline SVG QR code (drawn here: no image service)."""
    # A white background: the code stays readable in the admin's dark theme.
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))

