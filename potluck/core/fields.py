"""Model fields that keep sensitive text encrypted at rest (see potluck/core/crypto.py)."""

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import IsNull

from potluck.core import crypto


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored as a Fernet token; Python code only ever sees the plaintext.

    The empty string is stored as is, so an erased value and an unset one look alike. The
    database can't compare ciphertexts, so only `isnull` lookups are allowed; for lookups by
    value, add a keyed-hash column beside the field (see User.email_hash).
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != IsNull.lookup_name:
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted: only isnull lookups work."
            )
        return super().get_lookup(lookup_name)
