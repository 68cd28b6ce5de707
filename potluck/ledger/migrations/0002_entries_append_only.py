"""The database itself refuses to change a ledger entry: a correction is a new transaction."""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE ON ledger_entry
    BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS ledger_entry_append_only"]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'ledger entries are never changed'; END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry",
    "DROP FUNCTION IF EXISTS ledger_entry_append_only()",
]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for statement in statements.get(schema_editor.connection.vendor, []):
            cursor.execute(statement)


def up(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def down(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_ledger")]
    operations = [migrations.RunPython(up, down)]
