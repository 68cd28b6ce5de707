"""`potluck serve`: the production web server (Granian, WSGI, one worker per core)."""

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Potluck in production with Granian (put Caddy or nginx in front for HTTPS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("POTLUCK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("POTLUCK_PORT", 8000)))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("POTLUCK_WORKERS", 0)) or os.cpu_count() or 1,
            help="Processes to run (default: one per core).",
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("POTLUCK_THREADS", 4))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Each thread keeps its database connection between requests (checked before reuse).
        os.environ.setdefault("POTLUCK_DB_CONN_MAX_AGE", "600")
        argv = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["workers"]),
            "--blocking-threads",
            str(options["threads"]),
            "--no-ws",
            "config.wsgi:application",
        ]
        if settings.DEBUG:
            self.stderr.write("POTLUCK_DEBUG is on: never serve the public like this.")
        os.chdir(settings.BASE_DIR)
        os.execv(argv[0], argv)  # noqa: S606 - replaces this process; argv is ours
