"""Does the database check clean? Storage integrity, then the rules the services keep.

Used after a crash, a restore or a migration: each function returns a list of problems in
plain words (ids only, never personal data); an empty list means all is well.
"""

from typing import Any, cast

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import (
    Count,
    Exists,
    F,
    ForeignKey,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from potluck.ledger.models import Account, Entry, LedgerTransaction
from potluck.needs.models import Claim, Need

# Shown in a problem list: enough to find the rows, short enough to read.
MAX_IDS = 10


def database_problems(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Everything below, in one list: empty when the database checks clean."""
    return [
        *storage_problems(using=using),
        *foreign_key_problems(using=using),
        *ledger_problems(using=using),
        *need_problems(using=using),
    ]


def storage_problems(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The database engine's own checks of its files, indexes and constraints."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            return _sqlite_problems(cursor)
        if connection.vendor == "postgresql":
            return _postgres_problems(cursor, using)
    return []


def _sqlite_problems(cursor: CursorWrapper) -> list[str]:
    cursor.execute("PRAGMA integrity_check")
    found = [row[0] for row in cursor.fetchall()]
    problems = [] if found == ["ok"] else [f"integrity_check: {line}" for line in found]
    cursor.execute("PRAGMA foreign_key_check")
    for table, rowid, parent, _index in cursor.fetchall():
        problems.append(f"foreign_key_check: {table} row {rowid} points at a missing {parent}")
    return problems


def _postgres_problems(cursor: CursorWrapper, using: str) -> list[str]:
    problems = []
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE NOT convalidated AND connamespace = 'public'::regnamespace"
    )
    for table, name in cursor.fetchall():
        problems.append(f"constraint {name} on {table} is not validated")
    cursor.execute(
        "SELECT indexrelid::regclass::text FROM pg_index "
        "JOIN pg_class ON pg_class.oid = indexrelid "
        "WHERE NOT (indisvalid AND indisready) AND relnamespace = 'public'::regnamespace"
    )
    for (index,) in cursor.fetchall():
        problems.append(f"index {index} is invalid")
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")
    if cursor.fetchone():
        problems += _amcheck_problems(cursor, using)
    return problems


def _amcheck_problems(cursor: CursorWrapper, using: str) -> list[str]:
    """Walk every B-tree index of the schema with amcheck (installed by the operator)."""
    cursor.execute(
        "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' "
        "AND c.relnamespace = 'public'::regnamespace AND i.indisvalid AND c.relpersistence = 'p'"
    )
    problems = []
    for oid, name in cursor.fetchall():
        try:
            with transaction.atomic(using=using):  # a failed check must not end the others
                cursor.execute("SELECT bt_index_check(%s::regclass, true)", [oid])
        except DatabaseError as error:
            problems.append(f"amcheck: index {name}: {type(error).__name__}")
    return problems


def foreign_key_problems(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Rows whose foreign key points at nothing, found model by model (both databases).

    PostgreSQL never lets that happen while its constraints stand; this re-proves it from
    the data itself, as SQLite's foreign_key_check does."""
    problems = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, ForeignKey):
                continue
            parent = cast(type[Model], field.related_model)._base_manager.using(using)
            points_at = parent.filter(**{field.target_field.attname: OuterRef(field.attname)})
            orphans = model._base_manager.using(using).filter(
                ~Exists(points_at), **{f"{field.attname}__isnull": False}
            )
            ids = list(orphans.values_list("pk", flat=True)[:MAX_IDS])
            if ids:
                problems.append(f"{model._meta.label}.{field.name} points at nothing: {ids}")
    return problems


def ledger_problems(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The books (docs/money.md): every transaction balances in each unit, each account's
    kept balance is the sum of its entries, and no fund is below zero."""
    entries = Entry.objects.using(using)
    problems = []
    unbalanced = (
        entries.values("transaction_id", "account__unit")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("transaction_id", flat=True)
    )
    problems += _found("ledger transactions that don't add up to zero", unbalanced)
    empty = LedgerTransaction.objects.using(using).filter(entries__isnull=True)
    problems += _found("ledger transactions without entries", empty.values_list("pk", flat=True))
    sums = entries.filter(account=OuterRef("pk")).values("account").annotate(total=Sum("amount"))
    drifted = (
        Account.objects.using(using)
        .annotate(summed=Coalesce(Subquery(sums.values("total")), Value(0)))
        .exclude(balance=F("summed"))
    )
    problems += _found("accounts whose balance isn't the sum of their entries", drifted)
    negative = Account.objects.using(using).filter(kind=Account.Kind.FUND, balance__lt=0)
    problems += _found("funds below zero", negative)
    return problems


def need_problems(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Claims: a claimed need has a claimant and exactly one active claim (the claimant's);
    no need has two active claims, and no finished or open need keeps one."""
    needs = Need.objects.using(using)
    active = Claim.objects.using(using).filter(outcome=Claim.Outcome.ACTIVE)
    problems = _found(
        "claimed needs without a claimant",
        needs.filter(status=Need.Status.CLAIMED, claimant__isnull=True),
    )
    doubled = active.values("need_id").annotate(n=Count("pk")).filter(n__gt=1)
    doubled_ids = doubled.values_list("need_id", flat=True)
    problems += _found("needs with more than one active claim", doubled_ids)
    claimants = active.filter(need=OuterRef("pk"), volunteer=OuterRef("claimant"))
    unclaimed = needs.filter(status=Need.Status.CLAIMED).exclude(
        pk__in=Subquery(claimants.values("need_id"))
    )
    problems += _found("claimed needs without their claimant's active claim", unclaimed)
    stray = active.exclude(need__status=Need.Status.CLAIMED).values_list("need_id", flat=True)
    problems += _found("needs that aren't claimed but keep an active claim", stray)
    return problems


def _found(what: str, rows: QuerySet[Any, Any]) -> list[str]:
    """One problem line naming up to MAX_IDS of `rows` (a queryset of models or of ids)."""
    ids = {getattr(row, "pk", row) for row in rows[:MAX_IDS]}
    return [f"{what}: {sorted(ids)}"] if ids else []
