"""`potluck backup`: an encrypted copy of the database, sealed to the operator's public key."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from potluck.core.errors import DomainError
from potluck.ops.backup import sealing, services


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup API), encrypted to "
        "POTLUCK_BACKUP_PUBLIC_KEY, into one file (mode 0600) in POTLUCK_BACKUP_DIR. "
        "Safe while Potluck runs. See docs/backups.md."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", type=Path, help="Write here instead of a new file in POTLUCK_BACKUP_DIR."
        )
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Print a new key pair (keep the private key offline) and make no backup.",
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=settings.POTLUCK_BACKUP_KEEP_DAYS,
            help="After backing up, delete backups in POTLUCK_BACKUP_DIR older than this "
            "many days (default POTLUCK_BACKUP_KEEP_DAYS; 0 keeps them all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self._generate_key()
            return
        try:
            path = services.backup_create(output=options["output"])
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(path))
        if options["keep_days"] > 0:
            for old in services.backups_prune(keep_days=options["keep_days"]):
                self.stderr.write(_("Deleted %(path)s.") % {"path": old})

    def _generate_key(self) -> None:
        secret, public = sealing.new_key_pair()
        keep_offline = _(
            "Private key: store it OFF this server (a password manager, a USB key in a safe). "
            "Without it no backup can be restored; with it, anyone can read them."
        )
        for_server = _("Public key: put this line in the server's environment file.")
        self.stdout.write(f"# {keep_offline}\n{secret}\n# {for_server}")
        self.stdout.write(f"POTLUCK_BACKUP_PUBLIC_KEY={public}")
