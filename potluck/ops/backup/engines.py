"""Taking a database out and putting it back: pg_dump/pg_restore, or SQLite's backup API.

Connection details reach the PostgreSQL tools through their environment (PGHOST, PGPASSWORD,
...), never their command line, where any local user could read them in the process list.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError

POSTGRESQL = "postgresql"
SQLITE = "sqlite"

UNSUPPORTED_ENGINE = _("Backups work with PostgreSQL and SQLite only, not %(engine)s.")
TOOL_MISSING = _(
    "%(tool)s is not installed. On Debian: `apt install postgresql-client` (the version of "
    "your PostgreSQL server or newer)."
)
TOOL_TOO_OLD = _(
    "%(tool)s is version %(tool_version)s but the PostgreSQL server is version "
    "%(server_version)s: install postgresql-client-%(server_version)s or newer."
)
TOOL_FAILED = _("%(tool)s failed (exit status %(status)s): %(detail)s")
SQLITE_MEMORY = _("An in-memory SQLite database can't be backed up or restored.")
SQLITE_MISSING = _("There is no SQLite database at %(path)s to back up.")
# Options of Django's PostgreSQL settings that map onto libpq's environment variables.
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}


def engine_of(database: dict[str, Any]) -> str:
    """ "postgresql" or "sqlite" for a DATABASES entry; refuses any other engine."""
    engine = str(database.get("ENGINE", ""))
    if "postgresql" in engine:
        return POSTGRESQL
    if "sqlite3" in engine:
        return SQLITE
    raise DomainError(UNSUPPORTED_ENGINE % {"engine": engine}, code="unsupported_engine")


def pg_environment(database: dict[str, Any]) -> dict[str, str]:
    """The process environment for pg_dump/pg_restore, holding the connection details."""
    env = dict(os.environ)
    fields = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
    }
    options = database.get("OPTIONS") or {}
    fields.update({variable: options.get(option) for option, variable in _PG_OPTIONS.items()})
    env.update({name: str(value) for name, value in fields.items() if value})
    return env


def tool_major_version(tool: str) -> int:
    """The major version of pg_dump or pg_restore ("pg_dump (PostgreSQL) 15.20" gives 15)."""
    path = shutil.which(tool)
    if path is None:
        raise DomainError(TOOL_MISSING % {"tool": tool}, code="tool_missing")
    output = subprocess.run(  # noqa: S603 - a fixed argument list
        [path, "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else 0


def check_tool(tool: str, *, server_major: int) -> str:
    """The tool's path, if it can work with this server (pg_dump refuses newer servers)."""
    major = tool_major_version(tool)
    if major < server_major:
        raise DomainError(
            TOOL_TOO_OLD % {"tool": tool, "tool_version": major, "server_version": server_major},
            code="tool_too_old",
        )
    return str(shutil.which(tool))


@contextmanager
def pg_dump(database: dict[str, Any], *, server_major: int) -> Iterator[IO[bytes]]:
    """pg_dump's custom-format output, streamed; raises if pg_dump fails."""
    tool = check_tool("pg_dump", server_major=server_major)
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list
            [tool, "--format=custom", "--no-password"],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=pg_environment(database),
        )
        assert process.stdout is not None
        try:
            yield process.stdout
        except BaseException:
            process.kill()
            raise
        finally:
            process.stdout.close()
            process.wait()
        _check_exit("pg_dump", process.returncode, errors)


def pg_restore(database: dict[str, Any], *, chunks: Iterable[bytes], server_major: int) -> None:
    """Feed a custom-format dump to pg_restore, in one transaction: any failure (of
    pg_restore, or of the chunks) leaves the database as it was."""
    tool = check_tool("pg_restore", server_major=server_major)
    command = [
        tool,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        "--no-password",
        f"--dbname={database['NAME']}",
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list
            command, stdin=subprocess.PIPE, stderr=errors, env=pg_environment(database)
        )
        assert process.stdin is not None
        try:
            for chunk in chunks:
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped early; its exit status and message say why
        except BaseException:
            process.kill()  # never commit half a restore
            process.wait()
            raise
        process.wait()
        _check_exit("pg_restore", process.returncode, errors)


def _check_exit(tool: str, status: int, errors: IO[bytes]) -> None:
    if status == 0:
        return
    errors.seek(0)
    detail = errors.read()[-2000:].decode(errors="replace").strip()
    raise DomainError(
        TOOL_FAILED % {"tool": tool, "status": status, "detail": detail}, code="tool_failed"
    )


def sqlite_path(database: dict[str, Any]) -> Path:
    name = str(database.get("NAME", ""))
    if not name or name == ":memory:" or "mode=memory" in name:
        raise DomainError(SQLITE_MEMORY, code="sqlite_memory")
    return Path(name)


@contextmanager
def private_directory(near: Path | None = None) -> Iterator[Path]:
    """A directory only this user can enter, deleted afterwards with what it holds."""
    path = Path(tempfile.mkdtemp(prefix="potluck-backup-", dir=near))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def sqlite_dump(database: dict[str, Any]) -> Iterator[IO[bytes]]:
    """A consistent copy of the live SQLite database (the online backup API: writers may
    carry on meanwhile), opened for reading; the copy is deleted afterwards."""
    source_path = sqlite_path(database)
    if not source_path.is_file():
        raise DomainError(SQLITE_MISSING % {"path": source_path}, code="sqlite_missing")
    with private_directory(source_path.parent) as folder:
        copy_path = folder / "copy.sqlite3"
        sqlite_copy(source=source_path, target=copy_path)
        with copy_path.open("rb") as copy:
            yield copy


def sqlite_copy(*, source: Path, target: Path) -> None:
    """Copy one SQLite database into another through the backup API."""
    source_db = sqlite3.connect(source)
    try:
        target_db = sqlite3.connect(target)
        try:
            source_db.backup(target_db)
        finally:
            target_db.close()
    finally:
        source_db.close()
