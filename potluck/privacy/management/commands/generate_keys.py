"""`potluck generate-keys`: fresh keys for field encryption and lookup hashes."""

import secrets
from typing import Any

from django.core.management.base import BaseCommand

from potluck.core import crypto


class Command(BaseCommand):
    help = "Print a new POTLUCK_FIELD_KEYS key and POTLUCK_HASH_KEY for the environment file."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"POTLUCK_FIELD_KEYS={crypto.new_field_key()}")
        self.stdout.write(f"POTLUCK_HASH_KEY={secrets.token_hex(32)}")
