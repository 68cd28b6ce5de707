from typing import Any

from django.core.management.base import BaseCommand

from potluck.privacy.classification import inventory_markdown


class Command(BaseCommand):
    help = (
        "Print the table of every stored field (class, retention, note) for the field "
        "inventory in docs/threat-model.md; a test fails while the document differs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(inventory_markdown())
