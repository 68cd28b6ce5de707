"""Every migration applies forward and backward on seeded data (SQLite or PostgreSQL, as the
suite runs), in a scratch database: the walk itself is migration_walk.py."""

import json
from pathlib import Path

from potluck.ops.tests.scratch import run, scratch_database


def test_every_migration_goes_backward_and_forward_on_demo_data(tmp_path: Path) -> None:
    with scratch_database(tmp_path, "migrations") as env:
        output = run(env, "-m", "potluck.ops.tests.migration_walk")
    walk = json.loads(output.strip().splitlines()[-1])
    print(f"migration walk: {walk}")
    assert walk["migrations"] >= 28
    assert walk["steps"] == 3 * walk["migrations"]
    # The demo fills most models; a walk over empty tables would prove little.
    assert walk["rows_seeded"] > 100
    assert len(walk["empty_models"]) < walk["models"] / 2
    assert walk["differences"] == []
    assert walk["tables_left_at_zero"] == []
    assert walk["problems"] == []
    assert walk["makemigrations_clean"]
