"""`potluck doctor`: checks this installation and says what to fix (exit code 1 on a FAIL)."""

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from potluck.ops.doctor import Result, Status, diagnose


class Command(BaseCommand):
    help = (
        "Check this installation: settings, keys, database, migrations, worker, outbox, "
        "email, SMS, static files, disk. One line per check (OK, WARN or FAIL) with what to "
        "fix; exits with 1 if anything FAILs. Prints no secret."
    )
    # Django's own system checks run inside (summarized), not before.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--send-test-email",
            metavar="ADDRESS",
            default="",
            help="Also send a real test email to ADDRESS through the configured mail server.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        results = diagnose(test_email=options["send_test_email"])
        width = max(len(result.name) for result in results)
        for result in results:
            self.stdout.write(self._line(result, width))
        counts = Counter(result.status for result in results)
        summary = ", ".join(f"{counts[status]} {status}" for status in Status if counts[status])
        self.stdout.write(f"\n{len(results)} checks: {summary}")
        if counts[Status.FAIL]:
            raise CommandError("Fix the FAIL lines above, then run `potluck doctor` again.")

    def _line(self, result: Result, width: int) -> str:
        style = {
            Status.OK: self.style.SUCCESS,
            Status.WARN: self.style.WARNING,
            Status.FAIL: self.style.ERROR,
            Status.SKIP: self.style.NOTICE,
        }[result.status]
        line = f"{style(f'{result.status:<4}')}  {result.name:<{width}}  {result.message}"
        if result.fix:
            line += f"\n{'':<4}  {'':<{width}}  fix: {result.fix}"
        return line
