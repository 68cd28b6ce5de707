"""`potluck serve` really serves: Granian in WSGI mode, in its own process, on loopback."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_answers_health_checks_with_granian(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "POTLUCK_DEBUG": "1",
        "POTLUCK_DATA_DIR": str(tmp_path),  # an empty database: not migrated
        "POTLUCK_TESTING": "",
        "DATABASE_URL": "",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/health/live")
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered"
                assert server.poll() is None, server.stderr.read().decode()  # type: ignore[union-attr]
                time.sleep(0.2)
        assert (status, body) == (200, b"ok\n")
        status, body = _get(f"http://127.0.0.1:{port}/health/ready")
        assert status == 503
        assert b'"migrations": "pending"' in body
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_the_production_entry_point_hides_what_is_loaded_from_the_collector(
    tmp_path: Path,
) -> None:
    """config.wsgi freezes the objects loaded at start, so full garbage collections in the
    middle of requests don't walk them (they made board pages pause for tens of ms)."""
    code = "import gc, config.wsgi; print(gc.get_freeze_count())"
    env = {
        **os.environ,
        "POTLUCK_DEBUG": "1",
        "POTLUCK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    frozen = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(frozen.stdout.strip()) > 10_000
