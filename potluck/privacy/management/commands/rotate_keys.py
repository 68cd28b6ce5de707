"""`potluck rotate-keys`: seal every encrypted value again under the newest field key."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from potluck.accounts.services import user_rehash_logins
from potluck.core import crypto
from potluck.core.fields import EncryptedTextField


def encrypted_columns() -> list[tuple[str, str, str]]:
    """(label, table, column) for every encrypted field of every installed model."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append(
                    (f"{model._meta.label}.{field.name}", model._meta.db_table, field.column)
                )
    return found


class Command(BaseCommand):
    help = (
        "Re-encrypt every sensitive value under the first key in POTLUCK_FIELD_KEYS and "
        "recompute the lookup hashes under POTLUCK_HASH_KEY. To rotate: put the new key first, "
        "keep the old one after it, run this, then remove the old key. Safe to run again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that every stored value opens with the configured keys.",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        transform = crypto.decrypt if check else crypto.reencrypt
        total = 0
        for label, table, column in encrypted_columns():
            try:
                with transaction.atomic():
                    count = crypto.rewrite_column(
                        connection, table, column, transform, write=not check
                    )
            except crypto.InvalidToken as error:
                raise CommandError(
                    f"{label}: a value opens with none of the configured keys. Put every key "
                    "still in use in POTLUCK_FIELD_KEYS (newest first) and run again."
                ) from error
            total += count
            self.stdout.write(f"{label}: {count}")
        if not check:
            self.stdout.write(f"login hashes: {user_rehash_logins()}")
        verb = "checked" if check else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"{total} values {verb}."))
