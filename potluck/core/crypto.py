"""Field encryption (MultiFernet) and keyed hashes for the few columns Potluck must look up.

Sensitive values are sealed with authenticated encryption before they reach the database; a
seized database file or a leaked backup shows only tokens. Keys live outside the database
(settings.POTLUCK_FIELD_KEYS, the first one encrypts, all of them decrypt), so rotating is:
put a new key first, run `potluck rotate-keys`, drop the old key.
"""

import hashlib
import hmac
from collections.abc import Callable
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps.registry import Apps
from django.conf import settings
from django.core.signals import setting_changed
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations import RunPython
from django.dispatch import receiver

__all__ = ["InvalidToken", "decrypt", "encrypt", "keyed_hash", "reencrypt", "rewrite_column"]


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.POTLUCK_FIELD_KEYS])


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting in {"POTLUCK_FIELD_KEYS", "POTLUCK_HASH_KEY"}:
        _fernet.cache_clear()


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext of `token`; InvalidToken if no configured key opens it."""
    return _fernet().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """`token` sealed again under the first (newest) key."""
    return _fernet().rotate(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of `value`: equal inputs match; without the key it reveals nothing."""
    key = settings.POTLUCK_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def new_field_key() -> str:
    return Fernet.generate_key().decode()


def rewrite_column(
    connection: BaseDatabaseWrapper,
    table: str,
    column: str,
    transform: Callable[[str], str],
    *,
    batch: int = 500,
    write: bool = True,
) -> int:
    """Replace every non-empty stored value of `table.column` by `transform(value)`.

    Works on raw stored values, so it serves historical models in migrations as well as
    `potluck rotate-keys`. Returns the number of values seen; with `write=False`, only calls
    `transform` on each (to check that every value opens).
    """
    quote = connection.ops.quote_name
    changed, last_pk = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {quote(column)} FROM {quote(table)} "  # noqa: S608
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last_pk, batch],
            )
            rows = cursor.fetchall()
            for pk, stored in rows:
                last_pk = pk
                if not stored:
                    continue
                new = transform(stored)
                changed += 1
                if write:
                    # Compare-and-set: a value the app changed meanwhile is already sealed
                    # under the newest key, and must not be overwritten with the old one.
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {quote(column)} = %s "  # noqa: S608
                        f"WHERE id = %s AND {quote(column)} = %s",
                        [new, pk, stored],
                    )
        if len(rows) < batch:
            return changed


def seal_plaintext(stored: str) -> str:
    """For the migration that introduced encryption: seal legacy plaintext, reseal tokens."""
    try:
        return reencrypt(stored)
    except InvalidToken:
        return encrypt(stored)


def encrypted_columns_migration(app_label: str, model_name: str, *fields: str) -> RunPython:
    """A reversible migration step: seal existing plaintext in these columns (or open it again)."""

    def rewrite(apps: Apps, schema_editor: BaseDatabaseSchemaEditor, transform: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            # A row rewritten twice in one transaction queues foreign-key checks until commit,
            # and PostgreSQL then refuses to ALTER its table later in the same migration.
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        model = apps.get_model(app_label, model_name)
        for name in fields:
            column = model._meta.get_field(name).column
            rewrite_column(schema_editor.connection, model._meta.db_table, column, transform)

    return RunPython(
        lambda apps, editor: rewrite(apps, editor, seal_plaintext),
        lambda apps, editor: rewrite(apps, editor, decrypt),
    )
