"""Backups: a sealed backup of a seeded world, restored into an empty database (a scratch
PostgreSQL database, or a new SQLite file) by `potluck restore` in its own process, has
every row, every encrypted value and every ledger invariant intact; anything altered, cut
off, sealed to another key, or aimed at a non-empty database is refused, changing nothing."""

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from potluck.core import crypto
from potluck.core.errors import DomainError
from potluck.ledger import services as ledger_services
from potluck.ledger.tests.factories import general_fund, make_approved
from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.networks.models import Role
from potluck.networks.tests.factories import NetworkFactory
from potluck.notifications.models import Message
from potluck.ops.backup import engines, sealing, services
from potluck.privacy.management.commands.rotate_keys import encrypted_columns
from potluck.volunteers.tests.factories import profile_of

PHONE = "+15550199991"
NOTE = "Buzzer 4B is broken; knock twice."
DONOR = "Ana Canary-Donor"


# ---- The file format, on its own.


@pytest.fixture
def key_pair() -> tuple[str, str]:
    return sealing.new_key_pair()


def _sealed(data: bytes, public: str, *, chunk_size: int = 16, engine: str = "sqlite") -> bytes:
    target = io.BytesIO()
    sealing.seal(
        source=io.BytesIO(data),
        target=target,
        engine=engine,
        public_key=sealing.load_public_key(public),
        chunk_size=chunk_size,
    )
    return target.getvalue()


def _unsealed(blob: bytes, secret: str) -> bytes:
    stream = io.BytesIO(blob)
    header = sealing.read_header(stream)
    key = sealing.load_secret_key(secret)
    return b"".join(sealing.unseal(stream=stream, header=header, secret_key=key))


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 64, 100])
def test_sealed_data_opens_with_the_private_key(key_pair: tuple[str, str], size: int) -> None:
    secret, public = key_pair
    data = os.urandom(size)
    blob = _sealed(data, public)
    assert data not in blob or size < 2
    assert _unsealed(blob, secret) == data


def test_two_backups_of_the_same_data_differ(key_pair: tuple[str, str]) -> None:
    """A fresh ephemeral key each time: equal dumps never give equal files."""
    assert _sealed(b"same dump", key_pair[1]) != _sealed(b"same dump", key_pair[1])


def test_every_changed_byte_is_refused(key_pair: tuple[str, str]) -> None:
    secret, public = key_pair
    blob = _sealed(b"x" * 40, public)
    for index in range(len(blob)):
        altered = bytearray(blob)
        altered[index] ^= 0x01
        with pytest.raises(DomainError):
            _unsealed(bytes(altered), secret)


def test_a_backup_cut_at_a_chunk_boundary_is_refused(key_pair: tuple[str, str]) -> None:
    """Dropping whole trailing chunks leaves a file of valid chunks: the missing last-chunk
    flag gives it away."""
    secret, public = key_pair
    blob = _sealed(b"y" * 40, public)  # three chunks: 16, 16 and a last one of 8
    frame = sealing._FRAME.size + 16 + sealing.TAG_SIZE
    last_frame = sealing._FRAME.size + 8 + sealing.TAG_SIZE
    assert _unsealed(blob, secret) == b"y" * 40
    for cut in (last_frame, last_frame + frame):
        with pytest.raises(DomainError) as refused:
            _unsealed(blob[:-cut], secret)
        assert refused.value.code == "truncated"
    with pytest.raises(DomainError) as refused:
        _unsealed(blob + b"\x00", secret)
    assert refused.value.code == "trailing"


def test_another_key_is_refused_by_fingerprint(key_pair: tuple[str, str]) -> None:
    other_secret, _other_public = sealing.new_key_pair()
    with pytest.raises(DomainError) as refused:
        _unsealed(_sealed(b"data", key_pair[1]), other_secret)
    assert refused.value.code == "wrong_key"
    assert "fingerprint" in str(refused.value)


def test_keys_are_checked_for_their_kind(key_pair: tuple[str, str]) -> None:
    secret, public = key_pair
    with pytest.raises(DomainError) as refused:
        sealing.load_public_key(secret)
    assert refused.value.message == sealing.BAD_PUBLIC_KEY
    with pytest.raises(DomainError) as refused:
        sealing.load_secret_key(public)
    assert refused.value.message == sealing.BAD_SECRET_KEY
    with pytest.raises(DomainError):
        sealing.load_secret_key(sealing.SECRET_PREFIX + "c2hvcnQ=")


def test_not_a_backup_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        sealing.read_header(io.BytesIO(b"PGDMP\x01\x0e\x00 a plain dump"))
    assert refused.value.message == sealing.NOT_A_BACKUP


def test_generate_key_prints_a_working_pair() -> None:
    out = io.StringIO()
    call_command("backup", generate_key=True, stdout=out)
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("#")]
    secret = lines[0]
    public = lines[1].removeprefix("POTLUCK_BACKUP_PUBLIC_KEY=")
    assert _unsealed(_sealed(b"round trip", public), secret) == b"round trip"


# ---- Backing up and restoring a real database.


@dataclass
class Target:
    """An empty database for `potluck restore` to fill, and how to read it."""

    engine: str
    env: dict[str, str]
    snapshot: Callable[[], dict[str, tuple[int, str]]]
    rows: Callable[[str], list[tuple[Any, ...]]]


def _digest(rows: list[Any]) -> tuple[int, str]:
    lines = sorted(repr(tuple(row)) for row in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _pg_connect(dbname: str) -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def _pg_rows(dbname: str, query: str) -> list[tuple[Any, ...]]:
    with _pg_connect(dbname) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


def _pg_snapshot(dbname: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of its sorted rows; the schema (columns, indexes,
    triggers) and every sequence's position."""
    with _pg_connect(dbname) as conn:
        tables = [
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        found = {
            table: _digest(
                conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))).fetchall()
            )
            for table in tables
        }
        found["<columns>"] = _digest(
            conn.execute(
                "SELECT table_name, column_name, data_type, is_nullable "
                "FROM information_schema.columns WHERE table_schema = 'public'"
            ).fetchall()
        )
        # Names, not definitions: PostgreSQL may print a reparsed WHERE clause differently.
        found["<indexes>"] = _digest(
            conn.execute(
                "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"
            ).fetchall()
        )
        found["<constraints>"] = _digest(
            conn.execute(
                "SELECT conrelid::regclass::text, conname, contype FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace"
            ).fetchall()
        )
        found["<triggers>"] = _digest(
            conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()
        )
        found["<sequences>"] = _digest(
            conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall()
        )
    return found


def _sqlite_rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(query).fetchall()


def _sqlite_snapshot(path: Path) -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of its sorted rows, and the whole schema (tables,
    indexes, triggers), sqlite_sequence included."""
    with closing(sqlite3.connect(path)) as conn:
        schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        found = {
            name: _digest(conn.execute(f'SELECT * FROM "{name}"').fetchall())  # noqa: S608
            for kind, name, _table, _sql in schema
            if kind == "table"
        }
    found["<schema>"] = _digest(schema)
    return found


def _source_snapshot() -> dict[str, tuple[int, str]]:
    if connection.vendor == "postgresql":
        return _pg_snapshot(connection.settings_dict["NAME"])
    return _sqlite_snapshot(Path(connection.settings_dict["NAME"]))


def _source_rows(query: str) -> list[tuple[Any, ...]]:
    if connection.vendor == "postgresql":
        return _pg_rows(connection.settings_dict["NAME"], query)
    return _sqlite_rows(Path(connection.settings_dict["NAME"]), query)


@pytest.fixture
def empty_target(tmp_path: Path) -> Iterator[Target]:
    """A scratch database nobody has touched: CREATE DATABASE on PostgreSQL (dropped
    afterwards), a path in an empty directory on SQLite."""
    env = {
        **os.environ,
        "POTLUCK_DEBUG": "1",
        "POTLUCK_TESTING": "",
        "POTLUCK_DATA_DIR": str(tmp_path / "target"),
        "DATABASE_URL": "",
    }
    if connection.vendor != "postgresql":
        path = tmp_path / "target" / "potluck.sqlite3"
        yield Target(
            engine="sqlite",
            env=env,
            snapshot=lambda: _sqlite_snapshot(path),
            rows=lambda query: _sqlite_rows(path, query),
        )
        return
    db = connection.settings_dict
    name = f"potluck_backup_restore_{os.getpid()}"
    with _pg_connect("postgres") as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )
    try:
        yield Target(
            engine="postgresql",
            env=env,
            snapshot=lambda: _pg_snapshot(name),
            rows=lambda query: _pg_rows(name, query),
        )
    finally:
        with _pg_connect("postgres") as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _potluck(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `potluck <args>` (manage.py) in its own process against the target."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def backup_keys(settings: Any, tmp_path: Path) -> tuple[str, Path]:
    """The server has the public key; the private key is in a file, as an operator would."""
    secret, public = sealing.new_key_pair()
    settings.POTLUCK_BACKUP_PUBLIC_KEY = public
    settings.POTLUCK_BACKUP_DIR = tmp_path / "backups"
    key_file = tmp_path / "backup.key"
    key_file.write_text(f"# kept offline\n{secret}\n")
    return secret, key_file


def seed_world(member_factory: Callable[..., Any]) -> dict[str, Any]:
    """Two networks with members in every role, a volunteer profile, needs in several
    states with encrypted contact details and notes, money in and out through the ledger's
    services, outbox messages and the audit log they all leave."""
    network = NetworkFactory.create()
    coordinator = member_factory(network=network, role=Role.COORDINATOR).user
    treasurers = [member_factory(network=network, role=Role.TREASURER).user for _ in range(2)]
    asker = member_factory(network=network, role=Role.MEMBER).user
    helper = member_factory(network=network, role=Role.VOLUNTEER)
    profile_of(helper, categories=["groceries", "rides"], languages=["en", "es"])
    volunteer = helper.user

    def ask(description: str, *, contact: str = PHONE, method: str = "phone") -> Need:
        need, _token = need_services.need_create(
            network=network,
            category="groceries",
            description=description,
            area="Riverside, near Elm & 3rd",
            urgency="few_days",
            contact_method=method,
            contact_value=contact,
            contact_times="Evenings",
            language="es",
        )
        return need

    ask("Diapers size 4 and formula")  # stays open
    claimed = ask("A ride to the clinic on Tuesday")
    need_services.need_claim(need=claimed, volunteer=volunteer)
    need_services.need_add_note(need=claimed, author=coordinator, body=NOTE)
    delivered = ask("Groceries for a family of five", contact="ana@example.org", method="email")
    need_services.need_claim(need=delivered, volunteer=volunteer)
    need_services.need_mark_delivered(need=delivered, by=volunteer)
    closed = ask("Help moving a sofa")
    need_services.need_close(need=closed, by=coordinator)

    fund = general_fund(network)
    kept = ledger_services.donation_record(
        network=network,
        actor=treasurers[0],
        fund=fund,
        amount=25_000,
        received_on=date.today(),
        method="cash",
        donor_name=DONOR,
    )
    mistaken = ledger_services.donation_record(
        network=network,
        actor=treasurers[0],
        fund=fund,
        amount=1_500,
        received_on=date.today(),
        method="cash",
        anonymous=True,
    )
    ledger_services.donation_reverse(donation=mistaken, actor=treasurers[1])
    paid = make_approved(network=network, asker=asker, treasurers=treasurers, amount=4_000)
    ledger_services.disbursement_pay(disbursement=paid, treasurer=treasurers[1])
    make_approved(network=network, asker=asker, treasurers=treasurers, amount=2_500)

    other = NetworkFactory.create()  # another tenant, so restoring keeps networks apart
    other_coordinator = member_factory(network=other, role=Role.COORDINATOR).user
    other_need, _token = need_services.need_create(
        network=other,
        category="groceries",
        description="Rice and beans",
        area="Old Mill",
        urgency="today",
        contact_method="phone",
        contact_value="+15550188882",
        language="en",
    )
    need_services.need_close(need=other_need, by=other_coordinator)
    return {"network": network, "claimed": claimed, "donation": kept}


WORLD_TABLES = {
    "networks_network": 2,
    "needs_need": 5,
    "needs_neednote": 1,
    "volunteers_volunteerprofile": 1,
    "ledger_donation": 2,
    "ledger_disbursement": 2,
}


def _assert_world_is_there(snapshot: dict[str, tuple[int, str]]) -> None:
    """The seeded rows really are in the source (so matching snapshots mean something)."""
    for table, count in WORLD_TABLES.items():
        assert snapshot[table][0] >= count, table
    for table in ("ledger_entry", "notifications_message", "core_auditevent", "accounts_user"):
        assert snapshot[table][0] > 0, table


def _restore(target: Target, backup: Path, key_file: Path) -> subprocess.CompletedProcess[str]:
    return _potluck(target.env, "restore", str(backup), "--key-file", str(key_file), "--yes")


def _restore_key_on_stdin(
    target: Target, backup: Path, secret: str
) -> subprocess.CompletedProcess[str]:
    """As an operator pasting the key: `--key-file -`, so it never touches the disk."""
    return _potluck(
        target.env, "restore", str(backup), "--key-file", "-", "--yes", stdin=f"{secret}\n"
    )


def _target_tables(target: Target) -> list[str]:
    return [name for name in target.snapshot() if not name.startswith("<")]


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_every_row_and_invariant(
    backup_keys: tuple[str, Path], empty_target: Target, member_factory: Any
) -> None:
    secret, _key_file = backup_keys
    seed_world(member_factory)
    assert Message.objects.exists()
    before = _source_snapshot()
    _assert_world_is_there(before)

    backup = services.backup_create()

    assert backup.parent == settings.POTLUCK_BACKUP_DIR
    assert backup.name.startswith(f"potluck-{empty_target.engine}-")
    assert backup.suffix == ".backup"
    assert backup.stat().st_mode & 0o777 == 0o600
    assert PHONE.encode() not in backup.read_bytes()
    assert b"ledger_entry" not in backup.read_bytes()  # sealed, not just field-encrypted
    result = _restore_key_on_stdin(empty_target, backup, secret)
    assert result.returncode == 0, result.stderr
    assert "Migrations: up to date." in result.stdout
    assert "Books: every balance and transaction adds up." in result.stdout

    after = empty_target.snapshot()
    assert sorted(after) == sorted(before)
    for table in before:
        assert after[table] == before[table], table
    _assert_encrypted_values_match(empty_target)
    _assert_ledger_invariants(empty_target)


def _assert_encrypted_values_match(target: Target) -> None:
    """Every encrypted column of every row opens, in the restored copy, to what it held."""
    opened = 0
    for label, table, column in encrypted_columns():
        query = f'SELECT id, "{column}" FROM "{table}" ORDER BY id'  # noqa: S608
        source = {pk: crypto.decrypt(v) if v else v for pk, v in _source_rows(query)}
        restored = {pk: crypto.decrypt(v) if v else v for pk, v in target.rows(query)}
        assert restored == source, label
        opened += sum(1 for value in restored.values() if value)
    assert opened > 10
    contacts = target.rows('SELECT contact_value FROM "needs_need"')
    assert PHONE in {crypto.decrypt(value) for (value,) in contacts}
    notes = target.rows('SELECT body FROM "needs_neednote"')
    assert {crypto.decrypt(value) for (value,) in notes} == {NOTE}
    donors = target.rows("SELECT donor_name FROM \"ledger_donation\" WHERE donor_name <> ''")
    assert {crypto.decrypt(value) for (value,) in donors} == {DONOR}


def _assert_ledger_invariants(target: Target) -> None:
    """In the restored database itself: every transaction sums to zero per unit, every
    balance is the sum of its entries, no fund is below zero."""
    unbalanced = target.rows(
        'SELECT e.transaction_id, a.unit, SUM(e.amount) FROM "ledger_entry" e '
        'JOIN "ledger_account" a ON a.id = e.account_id '
        "GROUP BY e.transaction_id, a.unit HAVING SUM(e.amount) <> 0"
    )
    assert unbalanced == []
    accounts = target.rows(
        'SELECT a.id, a.kind, a.balance, COALESCE((SELECT SUM(e.amount) FROM "ledger_entry" e '
        'WHERE e.account_id = a.id), 0) FROM "ledger_account" a'
    )
    assert accounts
    assert [row for row in accounts if row[2] != row[3]] == []
    assert [row for row in accounts if row[1] == "fund" and row[2] < 0] == []
    assert any(row[1] == "fund" and row[2] == 25_000 - 4_000 for row in accounts)
    transactions = target.rows('SELECT COUNT(*) FROM "ledger_ledgertransaction"')[0][0]
    assert transactions >= 4  # two donations, one reversal, one payment


@pytest.mark.django_db(transaction=True)
def test_restoring_into_a_database_with_potluck_in_it_is_refused(
    backup_keys: tuple[str, Path], empty_target: Target, member_factory: Any
) -> None:
    _secret, key_file = backup_keys
    seed_world(member_factory)
    backup = services.backup_create()
    before = _source_snapshot()

    with pytest.raises(CommandError, match="already has Potluck's tables"):
        call_command("restore", str(backup), key_file=key_file, yes=True)
    assert _source_snapshot() == before

    assert _restore(empty_target, backup, key_file).returncode == 0
    restored = empty_target.snapshot()
    again = _restore(empty_target, backup, key_file)
    assert again.returncode != 0
    assert "already has Potluck's tables" in again.stderr
    assert empty_target.snapshot() == restored


@pytest.mark.django_db(transaction=True)
def test_a_changed_cut_or_wrongly_keyed_backup_restores_nothing(
    backup_keys: tuple[str, Path], empty_target: Target, member_factory: Any, tmp_path: Path
) -> None:
    _secret, key_file = backup_keys
    seed_world(member_factory)
    blob = services.backup_create().read_bytes()
    altered = bytearray(blob)
    altered[len(blob) // 2] ^= 0x40  # one flipped bit in the middle of the data
    wrong_key = tmp_path / "other.key"
    wrong_key.write_text(sealing.new_key_pair()[0])
    cases = {
        "altered": (bytes(altered), key_file, "damaged or has been altered"),
        "cut": (blob[: len(blob) - 100], key_file, "incomplete"),
        "wrong key": (blob, wrong_key, "sealed for another key"),
    }
    for case, (content, key, message) in cases.items():
        path = tmp_path / f"{case}.backup"
        path.write_bytes(content)
        result = _restore(empty_target, path, key)
        assert result.returncode != 0, case
        assert message in result.stderr, (case, result.stderr)
        assert _target_tables(empty_target) == [], case


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_the_other_engine_is_refused(
    backup_keys: tuple[str, Path], tmp_path: Path
) -> None:
    """A PostgreSQL backup can't go into SQLite, nor the other way round."""
    _secret, key_file = backup_keys
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    path = tmp_path / "other.backup"
    path.write_bytes(_sealed(b"a dump", settings.POTLUCK_BACKUP_PUBLIC_KEY, engine=other))
    before = _source_snapshot()
    with pytest.raises(CommandError, match=f"This is a {other} backup"):
        call_command("restore", str(path), key_file=key_file, yes=True)
    assert _source_snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_restore_check_says_to_migrate_and_finds_books_that_dont_add_up(
    backup_keys: tuple[str, Path], empty_target: Target, member_factory: Any
) -> None:
    """Restored from an older version (a migration not applied) the check says to run
    migrate; with a balance changed behind the ledger's back, it names the account."""
    _secret, key_file = backup_keys
    seed_world(member_factory)
    backup = services.backup_create()
    assert _restore(empty_target, backup, key_file).returncode == 0
    with _writable(empty_target) as execute:
        execute("DELETE FROM django_migrations WHERE app = 'ops'")
    result = _potluck(empty_target.env, "restore", "--check")
    assert result.returncode != 0
    assert "run `potluck migrate`" in result.stderr
    with _writable(empty_target) as execute:
        execute("UPDATE ledger_account SET balance = balance + 1 WHERE kind = 'fund'")
    migrate = _potluck(empty_target.env, "migrate", "--fake", "ops")
    assert migrate.returncode == 0, migrate.stderr
    result = _potluck(empty_target.env, "restore", "--check")
    assert result.returncode != 0
    assert "Migrations: up to date." in result.stdout
    assert "the balance kept is" in result.stderr


@contextmanager
def _writable(target: Target) -> Iterator[Callable[[str], object]]:
    """Run a few statements on the restored target directly, each committed at once."""
    conn: Any
    if target.engine == "postgresql":
        conn = _pg_connect(target.env["DATABASE_URL"].rsplit("/", 1)[1])
    else:
        path = Path(target.env["POTLUCK_DATA_DIR"]) / "potluck.sqlite3"
        conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn.execute
    finally:
        conn.close()


@pytest.mark.django_db
def test_backup_without_a_public_key_is_refused(settings: Any) -> None:
    settings.POTLUCK_BACKUP_PUBLIC_KEY = ""
    with pytest.raises(CommandError, match="Set POTLUCK_BACKUP_PUBLIC_KEY"):
        call_command("backup")


@pytest.mark.django_db
def test_restore_without_a_private_key_is_refused(
    backup_keys: tuple[str, Path], settings: Any, tmp_path: Path
) -> None:
    settings.POTLUCK_BACKUP_PRIVATE_KEY = ""
    path = tmp_path / "some.backup"
    path.write_bytes(_sealed(b"a dump", settings.POTLUCK_BACKUP_PUBLIC_KEY))
    with pytest.raises(CommandError, match="needs the backup private key"):
        call_command("restore", str(path), yes=True)


@pytest.mark.django_db
def test_backup_never_overwrites_a_file(backup_keys: tuple[str, Path], tmp_path: Path) -> None:
    existing = tmp_path / "mine.backup"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=existing)
    assert existing.read_text() == "keep me"


@pytest.mark.django_db(transaction=True)
def test_old_backups_are_pruned_after_a_backup(backup_keys: tuple[str, Path]) -> None:
    folder = Path(settings.POTLUCK_BACKUP_DIR)
    folder.mkdir(parents=True)
    old = folder / "potluck-sqlite-20200101T000000Z.backup"
    old.write_text("old")
    os.utime(old, (0, 0))
    unrelated = folder / "notes.txt"
    unrelated.write_text("mine")
    os.utime(unrelated, (0, 0))
    out = io.StringIO()
    call_command("backup", keep_days=7, stdout=out, stderr=io.StringIO())
    made = Path(out.getvalue().strip())
    assert made.is_file()
    assert not old.exists()
    assert unrelated.exists()


def test_pg_tools_get_connection_details_from_the_environment() -> None:
    """The password never appears on a command line (visible to every local user)."""
    env = engines.pg_environment(
        {
            "NAME": "potluck",
            "USER": "potluck",
            "PASSWORD": "s3cret",
            "HOST": "db.internal",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "require"},
        }
    )
    assert env["PGPASSWORD"] == "s3cret"
    assert (env["PGHOST"], env["PGPORT"], env["PGSSLMODE"]) == ("db.internal", "5433", "require")


def test_pg_dump_is_installed_and_new_enough_for_the_server() -> None:
    major = engines.tool_major_version("pg_dump")
    assert major >= 15
    with pytest.raises(DomainError) as refused:
        engines.check_tool("pg_dump", server_major=major + 1)
    assert refused.value.code == "tool_too_old"
