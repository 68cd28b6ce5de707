from argparse import RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandParser, DjangoHelpFormatter

from potluck.privacy.services import BATCH_SIZE, retention_enforce

HELP = """Erase personal details that are past their retention (see docs/threat-model.md).

Needs that ended more than their network's retention_days ago lose their description, contact
details, notes, messages and the people attached to them; closed offer conversations, old
invitations, revoked API tokens, expired sessions and old task results are deleted. Safe to
run at any time and as often as you like: live needs and conversations are never touched.

Run it at least daily. From cron:

    17 3 * * *  potluck erase-expired

or with a systemd timer (potluck-erase-expired.timer):

    [Timer]
    OnCalendar=daily
    Persistent=true

starting a oneshot service whose ExecStart is `/path/to/venv/bin/potluck erase-expired`,
with the same environment (EnvironmentFile=) as the web service. Schedulers that enqueue
django-tasks can enqueue potluck.privacy.tasks.erase_expired instead.
"""


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, and the help's line breaks kept for the examples."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="Rows read per batch."
        )

    def handle(self, *args: object, **options: Any) -> None:
        counts = retention_enforce(batch_size=options["batch_size"])
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count}")
