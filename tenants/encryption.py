"""Secrets at rest: Fernet encryption with a rotatable list of keys.

``FIELD_ENCRYPTION_KEY`` holds one or more comma-separated Fernet keys. The first
encrypts; every key decrypts, so a new key can be put first while old rows are
still readable, and ``secret_reencrypt`` moves them to the new key.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUndecryptable(Exception):
    """The stored ciphertext matches none of the configured keys."""


@lru_cache(maxsize=8)
def _fernet_for_keys(keys: str) -> MultiFernet:
    parts = [k.strip() for k in keys.split(",") if k.strip()]
    if not parts:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is empty.")
    try:
        return MultiFernet([Fernet(k) for k in parts])
    except ValueError as exc:  # wrong length or not base64
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be a comma-separated list of Fernet keys "
            "(32 url-safe base64-encoded bytes each)."
        ) from exc


def _fernet() -> MultiFernet:
    # Looked up at each call (and cached per key list) so a rotated setting applies.
    return _fernet_for_keys(settings.FIELD_ENCRYPTION_KEY)


def secret_encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode("ascii")


def secret_decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode("ascii")).decode()
    except InvalidToken as exc:
        raise SecretUndecryptable("stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY") from exc


def secret_reencrypt(ciphertext: str) -> str:
    """The same secret encrypted with the current first key."""
    try:
        return _fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SecretUndecryptable("stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY") from exc
