"""Making a sealed backup of the configured database, and restoring one into an empty one."""

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError
from potluck.ledger.models import Account
from potluck.ledger.transparency import reconciliation
from potluck.networks.models import Network
from potluck.ops.backup import engines, sealing

logger = logging.getLogger(__name__)

NO_PUBLIC_KEY = _(
    "Set POTLUCK_BACKUP_PUBLIC_KEY to the public key backups are sealed to. "
    "`potluck backup --generate-key` makes a key pair."
)
NO_SECRET_KEY = _(
    "Restoring needs the backup private key: give --key-file, or set "
    "POTLUCK_BACKUP_PRIVATE_KEY (or POTLUCK_BACKUP_PRIVATE_KEY_FILE)."
)
OUTPUT_EXISTS = _("%(path)s already exists; choose another file name.")
ENGINE_MISMATCH = _(
    "This is a %(backup)s backup, but Potluck is configured for %(configured)s. Restore it "
    "into a %(backup)s database (set DATABASE_URL accordingly)."
)
NOT_EMPTY = _(
    "The database to restore into already has Potluck's tables in it (%(count)s of them). "
    "Restore only into an empty database, so nothing is mixed or overwritten. %(advice)s"
)
EMPTY_PG_ADVICE = _(
    "Make an empty one with `createdb -O <owner> <name>` (or DROP DATABASE and CREATE DATABASE "
    "after making sure you no longer need it) and point DATABASE_URL at it."
)
EMPTY_SQLITE_ADVICE = _(
    "Move %(path)s (and any -wal and -shm files beside it) out of the way, or point "
    "POTLUCK_DATA_DIR at an empty directory."
)
BALANCE_OFF = _(
    "Network %(network)s, account %(account)s: the balance kept is %(balance)s but its "
    "entries add up to %(entries)s."
)
UNBALANCED = _(
    "Network %(network)s, transaction %(transaction)s: its entries add up to %(total)s "
    "instead of zero."
)
FUND_NEGATIVE = _("Network %(network)s, fund %(account)s: the balance is below zero.")
BACKUP_NAME = "potluck-{engine}-{stamp}.backup"


def backup_directory() -> Path:
    return Path(settings.POTLUCK_BACKUP_DIR)


def default_backup_path(*, engine: str, now: datetime | None = None) -> Path:
    """POTLUCK_BACKUP_DIR/potluck-<engine>-<UTC time>.backup"""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return backup_directory() / BACKUP_NAME.format(engine=engine, stamp=stamp)


def backup_create(*, output: Path | None = None, using: str = "default") -> Path:
    """Dump the database, seal it to POTLUCK_BACKUP_PUBLIC_KEY, and write it (mode 0600)
    to `output` or a new file in POTLUCK_BACKUP_DIR. A half-written file never keeps the
    final name: it is written beside it and renamed when complete."""
    if not settings.POTLUCK_BACKUP_PUBLIC_KEY:
        raise DomainError(NO_PUBLIC_KEY, code="no_public_key")
    public_key = sealing.load_public_key(settings.POTLUCK_BACKUP_PUBLIC_KEY)
    connection = connections[using]
    engine = engines.engine_of(connection.settings_dict)
    path = output or default_backup_path(engine=engine)
    if path.exists():
        raise DomainError(OUTPUT_EXISTS % {"path": path}, code="output_exists")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    started = time.monotonic()
    with _dump(connection) as dump, _private_file(path) as target:
        sealing.seal(source=dump, target=target, engine=engine, public_key=public_key)
    logger.info(
        "backup written: %s engine, %d bytes, %.1f s",
        engine,
        path.stat().st_size,
        time.monotonic() - started,
    )
    return path


@contextmanager
def _dump(connection: BaseDatabaseWrapper) -> Iterator[IO[bytes]]:
    if engines.engine_of(connection.settings_dict) == engines.POSTGRESQL:
        with engines.pg_dump(connection.settings_dict, server_major=_pg_major(connection)) as dump:
            yield dump
    else:
        with engines.sqlite_dump(connection.settings_dict) as dump:
            yield dump


def _pg_major(connection: BaseDatabaseWrapper) -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


@contextmanager
def _private_file(path: Path) -> Iterator[IO[bytes]]:
    """A new file readable only by its owner, renamed to `path` once complete and on disk."""
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as target:
            yield target
            target.flush()
            os.fsync(target.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def backups_prune(*, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete backups in POTLUCK_BACKUP_DIR older than `keep_days` days; those deleted."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    deleted = []
    for path in sorted(backup_directory().glob("potluck-*.backup")):
        if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
            path.unlink()
            deleted.append(path)
    return deleted


def secret_key_from(*, key_file: Path | None) -> sealing.X25519PrivateKey:
    """The private key from --key-file ("-": one line from standard input, so the key
    never touches the server's disk), or else from POTLUCK_BACKUP_PRIVATE_KEY(_FILE)."""
    if key_file == Path("-"):
        text = sys.stdin.readline()
    else:
        text = key_file.read_text(encoding="utf-8") if key_file else ""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    text = lines[0] if lines else settings.POTLUCK_BACKUP_PRIVATE_KEY
    if not text:
        raise DomainError(NO_SECRET_KEY, code="no_secret_key")
    return sealing.load_secret_key(text)


def backup_inspect(*, path: Path) -> sealing.Header:
    with path.open("rb") as stream:
        return sealing.read_header(stream)


def backup_restore(
    *, path: Path, secret_key: sealing.X25519PrivateKey, using: str = "default"
) -> sealing.Header:
    """Restore the backup at `path` into the configured database, which must be empty.
    Every chunk is checked before anything is written: a damaged, altered or cut-off file,
    or the wrong key, changes nothing."""
    connection = connections[using]
    header = backup_inspect(path=path)
    engine = engines.engine_of(connection.settings_dict)
    if header.engine != engine:
        raise DomainError(
            ENGINE_MISMATCH % {"backup": header.engine, "configured": engine},
            code="engine_mismatch",
        )
    sealing.check_key(header, secret_key)
    _require_empty(connection)
    started = time.monotonic()
    if engine == engines.POSTGRESQL:
        _restore_postgresql(connection, path=path, secret_key=secret_key)
    else:
        _restore_sqlite(connection, path=path, secret_key=secret_key)
    logger.info("backup restored: %s engine, %.1f s", engine, time.monotonic() - started)
    return header


def _chunks(path: Path, secret_key: sealing.X25519PrivateKey) -> Iterator[bytes]:
    with path.open("rb") as stream:
        header = sealing.read_header(stream)
        yield from sealing.unseal(stream=stream, header=header, secret_key=secret_key)


def _restore_postgresql(
    connection: BaseDatabaseWrapper, *, path: Path, secret_key: sealing.X25519PrivateKey
) -> None:
    # Check the whole file first, then stream it into pg_restore, which runs in one
    # transaction: no plain copy of the dump ever lands on disk.
    for _chunk in _chunks(path, secret_key):
        pass
    engines.pg_restore(
        connection.settings_dict,
        chunks=_chunks(path, secret_key),
        server_major=_pg_major(connection),
    )


def _restore_sqlite(
    connection: BaseDatabaseWrapper, *, path: Path, secret_key: sealing.X25519PrivateKey
) -> None:
    target = engines.sqlite_path(connection.settings_dict)
    target.parent.mkdir(parents=True, exist_ok=True)
    with engines.private_directory(target.parent) as folder:
        plain = folder / "restore.sqlite3"
        with plain.open("wb") as copy:
            for chunk in _chunks(path, secret_key):
                copy.write(chunk)
        connection.close()  # the backup API needs the target to itself
        engines.sqlite_copy(source=plain, target=target)


def potluck_tables() -> set[str]:
    """Every table Potluck's migrations make (the installed apps' models, and the record
    of applied migrations)."""
    models = apps.get_models(include_auto_created=True)
    return {model._meta.db_table for model in models} | {"django_migrations"}


def _require_empty(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor)) & potluck_tables()
    if not present:
        return
    if engines.engine_of(connection.settings_dict) == engines.POSTGRESQL:
        advice = str(EMPTY_PG_ADVICE)
    else:
        advice = EMPTY_SQLITE_ADVICE % {"path": connection.settings_dict["NAME"]}
    raise DomainError(NOT_EMPTY % {"count": len(present), "advice": advice}, code="not_empty")


def migration_state(*, using: str = "default") -> tuple[list[str], list[str]]:
    """(migrations this code has that the database lacks, migrations the database has that
    this code doesn't know: the backup came from a newer version)."""
    executor = MigrationExecutor(connections[using])
    targets = executor.loader.graph.leaf_nodes()
    pending = [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(targets)]
    known = set(executor.loader.disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, name in executor.loader.applied_migrations
        if (app, name) not in known and app in {c.label for c in apps.get_app_configs()}
    ]
    return pending, sorted(unknown)


def ledger_problems() -> list[str]:
    """What doesn't add up in any network's books (empty when every invariant holds):
    an account whose balance isn't the sum of its entries, a transaction whose entries
    don't sum to zero, a fund below zero."""
    problems: list[str] = []
    for network in Network.objects.order_by("pk"):
        result = reconciliation(network=network)
        problems += [
            BALANCE_OFF
            % {
                "network": network.pk,
                "account": row.check.account.pk,
                "balance": row.check.account.balance,
                "entries": row.check.sum_of_entries,
            }
            for row in result.accounts
            if not row.check.ok
        ]
        problems += [
            UNBALANCED
            % {"network": network.pk, "transaction": txn.transaction_id, "total": txn.total}
            for txn in result.unbalanced
        ]
    negative = Account.objects.filter(kind=Account.Kind.FUND, balance__lt=0)
    problems += [
        FUND_NEGATIVE % {"network": account.network_id, "account": account.pk}
        for account in negative
    ]
    return problems


def summary_counts(*, using: str = "default") -> dict[str, Any]:
    """Rows per Potluck table, for the operator to compare with what they expect."""
    connection = connections[using]
    counts: dict[str, Any] = {}
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor)) & potluck_tables()
        for table in sorted(present):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts
