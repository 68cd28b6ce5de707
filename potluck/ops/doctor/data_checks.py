"""Checks that read the database: reachable, migrated, keys open the data, worker alive,
nothing stuck in the task queue or the outbox."""

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from potluck.accounts.models import User, email_hash
from potluck.core import crypto
from potluck.core.fields import EncryptedTextField
from potluck.notifications.models import Message
from potluck.ops.doctor.results import Problem, Result, Status, combine, duration, top
from potluck.ops.models import ScheduledRun

# The scheduler in `potluck worker` records a turn every minute (deliver_messages).
WORKER_SILENT_AFTER = timedelta(minutes=3)
TASK_LATE_AFTER = timedelta(minutes=5)
MESSAGE_LATE_AFTER = timedelta(minutes=15)
RECENT = timedelta(days=1)


def check_database() -> Result:
    connection.ensure_connection()
    version = ".".join(str(part) for part in connection.get_database_version())
    name = connection.display_name
    if connection.vendor == "sqlite":
        where = settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]
    else:
        params = settings.DATABASES[DEFAULT_DB_ALIAS]
        host, port = params.get("HOST") or "", params.get("PORT") or "5432"
        server = f"socket {host or 'default'}" if not host or host.startswith("/") else host
        where = f"{server}{'' if server.startswith('socket') else f':{port}'}"
        where += f", database {params['NAME']}"
    return Result(Status.OK, "Database", f"{name} {version} ({where})")


def check_migrations() -> Result:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return Result(
            Status.FAIL,
            "Migrations",
            f"{len(plan)} not applied",
            "Run `potluck migrate`, then restart potluck-web and potluck-worker.",
        )
    unknown = set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations)
    if unknown:
        return Result(
            Status.WARN,
            "Migrations",
            f"the database has {len(unknown)} migrations this code doesn't have",
            "Was the database made by a newer version? Install that version.",
        )
    return Result(Status.OK, "Migrations", "all applied")


def _encrypted_columns() -> Iterable[tuple[str, str, str, str]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                meta = model._meta
                yield f"{meta.label}.{field.name}", meta.db_table, field.column, meta.pk.column  # type: ignore[union-attr]


def _samples(table: str, column: str, pk: str) -> list[str]:
    """The oldest and the newest non-empty stored value of a column."""
    quote = connection.ops.quote_name
    found = []
    for order in ("ASC", "DESC"):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608 - names are ours
                f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> '' "
                f"ORDER BY {quote(pk)} {order} LIMIT 1"
            )
            row = cursor.fetchone()
        if row:
            found.append(row[0])
    return found


def check_encrypted_data() -> Result:
    """Stored values open with the field keys, and login hashes match the hash key."""
    columns = 0
    for label, table, column, pk in _encrypted_columns():
        samples = _samples(table, column, pk)
        columns += bool(samples)
        for stored in samples:
            try:
                crypto.decrypt(stored)
            except crypto.InvalidToken:
                return Result(
                    Status.FAIL,
                    "Encrypted data",
                    f"a stored {label} value opens with none of the field keys",
                    "Put back every key still in use in POTLUCK_FIELD_KEYS (newest first); "
                    "`potluck rotate-keys --check` checks every value.",
                )
    user = User.objects.filter(email__isnull=False).order_by("-pk").first()
    if user and user.email and user.email_hash != email_hash(user.email):
        return Result(
            Status.FAIL,
            "Encrypted data",
            "the login hashes were made with another POTLUCK_HASH_KEY: nobody can log in",
            "Put back the hash key these accounts were saved with; if you changed it on "
            "purpose, run `potluck rotate-keys`.",
        )
    if not columns:
        return Result(Status.OK, "Encrypted data", "nothing stored yet")
    return Result(Status.OK, "Encrypted data", f"samples from {columns} columns open")


def check_worker() -> Result:
    last = ScheduledRun.objects.order_by("-enqueued_at").values_list("enqueued_at", flat=True)
    newest = last.first()
    fix = (
        "Start `potluck worker` (systemctl enable --now potluck-worker; "
        "journalctl -u potluck-worker shows why it stopped)."
    )
    if newest is None:
        return Result(Status.FAIL, "Worker", "has never run", fix)
    age = timezone.now() - newest
    if age > WORKER_SILENT_AFTER:
        return Result(Status.FAIL, "Worker", f"silent for {duration(age)}", fix)
    return Result(Status.OK, "Worker", f"alive (scheduled jobs {duration(age)} ago)")


def check_tasks() -> Result:
    now = timezone.now()
    problems = []
    late = DBTaskResult.objects.ready().filter(enqueued_at__lt=now - TASK_LATE_AFTER)
    if late.exists():
        problems.append(
            Problem(
                Status.WARN,
                f"{late.count()} tasks waiting more than {duration(TASK_LATE_AFTER)}",
                "Restart potluck-worker, or run more workers (`potluck worker --no-schedule`).",
            )
        )
    failed = Counter(
        DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - RECENT)
        .values_list("task_path", flat=True)
    )
    if failed:
        problems.append(
            Problem(
                Status.WARN,
                f"{failed.total()} failed in the last day ({top(failed)})",
                "journalctl -u potluck-worker shows the errors.",
            )
        )
    return combine("Background tasks", problems, "none waiting or failed")


def check_outbox() -> Result:
    now = timezone.now()
    problems = []
    late = Message.objects.due(now - MESSAGE_LATE_AFTER).count()
    if late:
        problems.append(
            Problem(
                Status.WARN,
                f"{late} messages due for more than {duration(MESSAGE_LATE_AFTER)}",
                "Is the worker running, and are email and SMS set up (see above)?",
            )
        )
    failed = Counter(
        f"{channel} {error or 'unknown error'}"
        for channel, error in Message.objects.filter(
            status=Message.Status.FAILED, updated_at__gte=now - RECENT
        ).values_list("channel", "last_error")
    )
    if failed:
        problems.append(
            Problem(
                Status.WARN,
                f"{failed.total()} messages failed in the last day ({top(failed)})",
                "Check the email and SMS settings; --send-test-email tries a real email.",
            )
        )
    return combine("Outbox", problems, "nothing late, no failures in the last day")
