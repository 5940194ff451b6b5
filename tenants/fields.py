"""Model fields for secrets at rest."""

from django.db import models

from tenants.encryption import secret_decrypt, secret_encrypt


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the plaintext.

    The column never holds plaintext, so a database dump or a raw SQL read shows no
    secret. The empty string stays empty (meaning "not set"). Not searchable or
    orderable by content, by design.
    """

    description = "Text encrypted at rest with FIELD_ENCRYPTION_KEY"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return secret_decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return secret_encrypt(value)
