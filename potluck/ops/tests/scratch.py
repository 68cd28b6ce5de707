"""A throwaway database of the kind the suite runs on, for tests that drive other processes.

The crash and migration tests run `manage.py` and their own scripts in child processes. They
must not touch pytest-django's test database (other tests share it, and the migration test
drops every table), so each gets its own: a SQLite file in a temporary folder, or a new
PostgreSQL database on the server DATABASE_URL names, dropped afterwards.
"""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

# Children run as production would, not as tests: tasks queue in the database, and the
# development keys (POTLUCK_DEBUG) encrypt fields.
CHILD_ENV = {"POTLUCK_DEBUG": "1", "POTLUCK_TESTING": "", "POTLUCK_LOG_LEVEL": "WARNING"}


def is_postgres() -> bool:
    return str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")


def _admin_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _postgres_url(name: str) -> str:
    db = settings.DATABASES["default"]
    login = db.get("USER") or ""
    if db.get("PASSWORD"):
        login += f":{db['PASSWORD']}"
    at = f"{login}@" if login else ""
    return f"postgres://{at}{db.get('HOST') or ''}:{db.get('PORT') or 5432}/{name}"


@contextmanager
def scratch_database(folder: Path, purpose: str) -> Iterator[dict[str, str]]:
    """Yield the environment a child process needs to use a fresh, empty database."""
    env = {**os.environ, **CHILD_ENV, "POTLUCK_DATA_DIR": str(folder), "DATABASE_URL": ""}
    if not is_postgres():
        yield env
        return
    name = f"scratch_{purpose}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {**env, "DATABASE_URL": _postgres_url(name)}
    finally:
        with _admin_connection() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run a child process in the project folder; its output, or a failure showing stderr."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done.stdout
