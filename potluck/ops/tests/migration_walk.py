"""Every migration of Potluck's apps, backward and forward, on a database full of demo data.

Run by test_migrations.py as `python -m potluck.ops.tests.migration_walk` with the
environment of a scratch database (scratch.py); it prints one JSON summary, and fails (exit
status 1) at the first migration that can't go backward or forward.

1. Migrate to the latest state and seed it with `potluck demo` (every app's models).
2. Round trip: for each app, unapply its latest migration (with whatever depends on it) and
   apply it again. Every row and value must survive, except what those migrations
   themselves add (the tables they create and the columns they add are rebuilt empty).
3. The ladder: walk every migration in reverse order; each one is unapplied, applied again
   and unapplied again, so each goes backward, forward and backward over the demo data still
   in the tables made before it, down to an empty schema.
4. Migrate forward to the latest again, seed again, and check the database (potluck.ops.checks)
   and that `makemigrations --check` finds nothing to write.
"""

import json
import os
import sys
import time
from collections.abc import Collection
from io import StringIO
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, migrations  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402
from django.db.models import Model  # noqa: E402

from potluck.ops.checks import database_problems  # noqa: E402

Node = tuple[str, str]
# Migrations whose way back must drop rows the older schema can't hold, and which rows.
LOSSY = {
    # Messages to an address or a chat group (no recipient) came with this migration.
    ("notifications", "0002_address_and_webhook"): {"notifications.message"},
}
# A snapshot: for each model, each row's values by primary key.
Snapshot = dict[str, dict[Any, tuple[Any, ...]]]


def ours(app_label: str) -> bool:
    return apps.get_app_config(app_label).name.startswith("potluck.")


def executor() -> MigrationExecutor:
    """A fresh executor: the migration graph and what is applied, as they are now."""
    return MigrationExecutor(connection)


# The migrations on disk and how they depend on each other (which doesn't change on the way).
GRAPH = executor().loader.graph


def ordered_plan() -> list[Node]:
    """All of our migrations in an order they can apply in from an empty database."""
    graph = GRAPH
    seen: list[Node] = []
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            if node not in seen:
                seen.append(node)
    return [node for node in seen if ours(node[0])]


def before(node: Node) -> tuple[str, str | None]:
    """The target that unapplies `node`: its predecessor in its app, or the app's zero."""
    parents = [p for p in GRAPH.node_map[node].parents if p.key[0] == node[0]]
    return (node[0], parents[0].key[1] if parents else None)


def migrate(target: tuple[str, str | None]) -> None:
    executor().migrate([target])


def migrate_to_latest() -> None:
    """Like `migrate` without the post-migrate signals, which add nothing here but time."""
    executor().migrate(GRAPH.leaf_nodes())


def applied() -> set[Node]:
    return set(MigrationRecorder(connection).applied_migrations())


def seed() -> None:
    ContentType.objects.clear_cache()
    call_command("migrate", verbosity=0)
    call_command("demo", stdout=StringIO())


def our_models() -> list[type[Model]]:
    return [
        model
        for model in apps.get_models()
        if ours(model._meta.app_label) and model._meta.managed and not model._meta.proxy
    ]


def snapshot(
    skip_models: set[str], skip_fields: set[tuple[str, str]], *, historical: bool = False
) -> Snapshot:
    """Every row of our models, decrypted where encrypted, leaving out what is skipped; with
    `historical`, through the models as the applied migrations left them."""
    registry = executor().loader.project_state(sorted(applied())).apps if historical else apps
    shot: Snapshot = {}
    for model in registry.get_models():
        label = model._meta.label_lower
        if not ours(model._meta.app_label) or model._meta.proxy or label in skip_models:
            continue
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if (label, field.name) not in skip_fields and not field.primary_key
        ]
        rows = model._base_manager.values_list("pk", *names)
        shot[label] = {row[0]: tuple(map(str, row[1:])) for row in rows}
    return shot


def compare(
    shot: Snapshot, after: Snapshot, node: Node, *, may_lose: Collection[str] = ()
) -> list[str]:
    """What differs between two snapshots: rows gone or changed; in `may_lose` models, rows
    may be gone but those left must be unchanged."""
    found = []
    for label, rows in shot.items():
        kept = after.get(label, {})
        if label in may_lose:
            rows = {pk: values for pk, values in rows.items() if pk in kept}
        if rows != kept:
            found.append(f"{label} changed after {node[0]}.{node[1]} went back and forth")
    return found


def made_by(nodes: list[Node]) -> tuple[set[str], set[tuple[str, str]]]:
    """The models these migrations create and the fields they add: what unapplying drops."""
    loader = executor().loader
    models: set[str] = set()
    fields: set[tuple[str, str]] = set()
    for app_label, name in nodes:
        for operation in loader.get_migration(app_label, name).operations:
            if isinstance(operation, migrations.CreateModel):
                models.add(f"{app_label}.{operation.name_lower}")
            elif isinstance(operation, migrations.AddField):
                fields.add((f"{app_label}.{operation.model_name_lower}", operation.name))
    return models, fields


def round_trips() -> list[str]:
    """Step 2: each app's latest migration back and forth; what changed that shouldn't."""
    differences = []
    latest = {node[0]: node for node in ordered_plan()}
    for node in latest.values():
        was = applied()
        migrate(before(node))
        dropped = sorted(was - applied())
        models, fields = made_by(dropped)
        shot = snapshot(models, fields)  # taken while unapplied: only what survived
        migrate_to_latest()
        after = snapshot(models, fields)
        assert applied() == was, f"{node}: not everything came back"
        differences += compare(shot, after, node)
    return differences


def ladder() -> tuple[int, list[str]]:
    """Step 3: every migration, latest first, backward, forward and backward again; the data
    before it went back must be there after it came forward (read through the models as
    they were at that point: encrypted columns are compared decrypted)."""
    steps, differences = 0, []
    for node in reversed(ordered_plan()):
        target = before(node)
        models, fields = made_by([node])
        shot = snapshot(models, fields, historical=True)
        migrate(target)
        assert node not in applied(), f"{node} is still applied"
        migrate(node)
        assert node in applied(), f"{node} did not apply again"
        after = snapshot(models, fields, historical=True)
        differences += compare(shot, after, node, may_lose=LOSSY.get(node, set()))
        migrate(target)
        assert node not in applied(), f"{node} did not go backward twice"
        steps += 3
    return steps, differences


def main() -> None:
    started = time.monotonic()
    seed()
    seeded = {model._meta.label_lower: model._base_manager.count() for model in our_models()}
    problems = database_problems()
    differences = round_trips()
    round_tripped = time.monotonic()
    steps, changed = ladder()
    differences += changed
    left = [table for table in connection.introspection.table_names() if _ours_table(table)]
    laddered = time.monotonic()
    seed()
    problems += database_problems()
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
        migrations_clean = True
    except SystemExit:
        migrations_clean = False
    summary = {
        "migrations": len(ordered_plan()),
        "steps": steps,
        "models": len(seeded),
        "rows_seeded": sum(seeded.values()),
        "empty_models": sorted(label for label, count in seeded.items() if not count),
        "differences": differences,
        "tables_left_at_zero": left,
        "problems": problems,
        "makemigrations_clean": migrations_clean,
        "seconds": {
            "seed_and_round_trips": round(round_tripped - started, 1),
            "ladder": round(laddered - round_tripped, 1),
            "total": round(time.monotonic() - started, 1),
        },
    }
    print(json.dumps(summary))


def _ours_table(table: str) -> bool:
    return any(table == model._meta.db_table for model in our_models())


if __name__ == "__main__":
    main()
    sys.exit(0)
