"""`potluck restore`: put an encrypted backup back into an empty database, then check it."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from potluck.core.errors import DomainError
from potluck.ops.backup import services


class Command(BaseCommand):
    help = (
        "Restore a backup made by `potluck backup` into the configured database, which must "
        "be empty, then check migrations and the books. Needs the backup private key "
        "(--key-file, or POTLUCK_BACKUP_PRIVATE_KEY / POTLUCK_BACKUP_PRIVATE_KEY_FILE). "
        "With --check and no file: only run the checks. See docs/backups.md."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="The .backup file.")
        parser.add_argument(
            "--key-file",
            type=Path,
            help="A file holding the private key; - reads it from standard input.",
        )
        parser.add_argument("--yes", action="store_true", help="Don't ask before restoring.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the configured database (migrations, books); restore nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["check"]:
            if options["file"] is None:
                raise CommandError(_("Name the backup file to restore (or use --check)."))
            self._restore(options["file"], key_file=options["key_file"], yes=options["yes"])
        self._check()

    def _restore(self, path: Path, *, key_file: Path | None, yes: bool) -> None:
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file.") % {"path": path})
        try:
            secret_key = services.secret_key_from(key_file=key_file)
            header = services.backup_inspect(path=path)
            if not yes:
                self._confirm(header.engine)
            services.backup_restore(path=path, secret_key=secret_key)
        except (DomainError, OSError) as error:
            raise CommandError(str(error)) from error
        rows = sum(services.summary_counts().values())
        self.stdout.write(
            _("Restored %(name)s: %(rows)s rows.") % {"name": path.name, "rows": rows}
        )

    def _confirm(self, engine: str) -> None:
        target = connection.settings_dict["NAME"]
        if not sys.stdin.isatty():
            raise CommandError(_("Not a terminal: add --yes to restore without asking."))
        question = _("Restore this %(engine)s backup into %(target)s? Type yes: ")
        answer = input(question % {"engine": engine, "target": target})
        if answer.strip().lower() not in {"yes", _("yes")}:
            raise CommandError(_("Nothing restored."))

    def _check(self) -> None:
        pending, unknown = services.migration_state()
        if unknown:
            raise CommandError(
                _(
                    "The database has migrations this version of Potluck doesn't know "
                    "(%(names)s): it came from a newer version. Install that version (or "
                    "newer) before using it."
                )
                % {"names": ", ".join(unknown[:5])}
            )
        if pending:
            raise CommandError(
                ngettext(
                    "%(count)s migration is not applied yet (the backup came from an older "
                    "version): run `potluck migrate`, then `potluck restore --check`.",
                    "%(count)s migrations are not applied yet (the backup came from an older "
                    "version): run `potluck migrate`, then `potluck restore --check`.",
                    len(pending),
                )
                % {"count": len(pending)}
            )
        self.stdout.write(_("Migrations: up to date."))
        problems = services.ledger_problems()
        if problems:
            raise CommandError("\n".join([_("The books don't add up:"), *problems]))
        self.stdout.write(self.style.SUCCESS(_("Books: every balance and transaction adds up.")))
