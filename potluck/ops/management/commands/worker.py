"""`potluck worker`: runs background tasks, and enqueues the periodic jobs on time."""

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from potluck.ops.schedule import schedule_due

TICK_SECONDS = 20


class Command(BaseCommand):
    help = "Run background tasks (email, SMS, reminders, retention) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Only run tasks; another worker enqueues the periodic jobs.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if not options["no_schedule"]:
            threading.Thread(target=_schedule_forever, args=(stop,), daemon=True).start()
        try:
            call_command("db_worker", interval=1, verbosity=options["verbosity"])
        finally:
            stop.set()


def _schedule_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        close_old_connections()
        try:
            schedule_due()
        finally:
            close_old_connections()
        stop.wait(TICK_SECONDS)
