"""Nothing lost: a process writing needs and money is killed with SIGKILL fifty times mid-write.

The writer (crash_writer.py) runs against a scratch database of the suite's kind (SQLite file
in WAL mode, or PostgreSQL), each run continuing on the same database. Afterwards the
database checks clean (potluck.ops.checks), every acknowledged write is there exactly once,
and no half-written transaction shows. The checks themselves are proven to catch damage in
the tests below the crash test.
"""

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from potluck.ledger.models import Account, Entry, LedgerTransaction
from potluck.needs import services as need_services
from potluck.needs.models import Claim, Need
from potluck.ops.checks import (
    database_problems,
    foreign_key_problems,
    ledger_problems,
    need_problems,
    storage_problems,
)
from potluck.ops.tests.scratch import run, scratch_database

WRITER = "potluck.ops.tests.crash_writer"
KILLS = 50
# How long a writer lives before its SIGKILL: long enough to commit some writes, short
# enough that most kills land inside a transaction.
KILL_AFTER_MS = (20, 300)


class ForkServer:
    """crash_writer's `serve` mode: forks writers on request; we read their lines here."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", WRITER, "serve"],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._errors, args=(self.process.stderr,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("")  # the server is gone

    def _errors(self, stream: IO[str]) -> None:
        self.errors.extend(stream)

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n")
        self.process.stdin.flush()

    def until(self, prefix: str, seen: list[str]) -> str:
        """Read lines into `seen` up to the one starting with `prefix`, which is returned."""
        while True:
            try:
                line = self.lines.get(timeout=60)
            except queue.Empty:
                pytest.fail(f"no {prefix!r} from the fork server:\n{''.join(self.errors)}")
            if not line:
                pytest.fail(f"the fork server ended:\n{''.join(self.errors)}")
            if line.startswith(prefix):
                return line
            seen.append(line)

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def kill_writers(server: ForkServer, chance: random.Random) -> tuple[list[list[str]], int]:
    """Start and SIGKILL a writer KILLS times; the acknowledgements, and how many writers
    were inside a transaction (their last word was `begin`) when they died."""
    acks: list[list[str]] = []
    inside = 0
    for _run in range(KILLS):
        seen: list[str] = []
        server.send("go")
        pid = int(server.until("pid ", seen).split()[1])
        # The clock starts when the writer is writing, not while it connects.
        seen.append(server.until("begin ", seen))
        time.sleep(chance.uniform(*KILL_AFTER_MS) / 1000)
        os.kill(pid, signal.SIGKILL)
        server.send(f"reap {pid}")
        reaped = server.until(f"reaped {pid} ", seen)
        assert reaped.split()[2] == str(int(signal.SIGKILL)), (
            f"writer {pid} ended before it was killed ({reaped}):\n{''.join(server.errors)}"
        )
        acks += [line.split() for line in seen if not line.startswith("begin ")]
        inside += bool(seen) and seen[-1].startswith("begin ")
    return acks, inside


def test_sigkill_mid_write_loses_no_acknowledged_write(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    chance = random.Random(seed)
    begun = time.monotonic()
    with scratch_database(tmp_path, "crash") as env:
        run(env, "manage.py", "migrate", "--noinput", "--verbosity", "0")
        migrated = time.monotonic() - begun
        if env["DATABASE_URL"]:
            # Let the checks walk every index with amcheck too (PostgreSQL's contrib module).
            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as admin:
                admin.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        run(env, "-m", WRITER, "setup")
        server = ForkServer(env)
        try:
            started = time.monotonic()
            acks, inside = kill_writers(server, chance)
            killing = time.monotonic() - started
        finally:
            server.close()
        result = json.loads(run(env, "-m", WRITER, "check", stdin=json.dumps(acks)))
    print(f"seed {seed}: migrated in {migrated:.1f}s; {KILLS} kills in {killing:.1f}s, ", end="")
    print(f"{inside} inside a transaction; all in {time.monotonic() - begun:.1f}s;")
    print(f"{len(acks)} acknowledgements, in the database: {result['counts']}")
    assert result["problems"] == [], f"seed {seed}"
    kinds = {ack[0] for ack in acks}
    assert kinds == {"need", "claim", "donation", "requested", "approved", "paid"}, kinds
    # Most writers die with a transaction open; some luck is allowed, none is needed.
    assert inside >= KILLS // 3, f"only {inside} of {KILLS} kills landed inside a transaction"
    # Writes that committed just before the kill, unacknowledged, may be there too.
    assert result["counts"]["needs"] >= len([ack for ack in acks if ack[0] == "need"])


# ---------------------------------------------------------------------------- the checks


@pytest.mark.django_db
def test_checks_pass_on_books_kept_by_the_services(
    network: Any, need: Need, volunteer: Any
) -> None:
    need_services.need_claim(need=need, volunteer=volunteer)
    assert database_problems() == []


@pytest.mark.django_db
def test_checks_find_an_unbalanced_transaction_and_a_drifted_balance(network: Any) -> None:
    fund = network.accounts.get(is_general=True)
    txn = LedgerTransaction.objects.create(
        network=network, kind="donation", occurred_on="2026-01-01"
    )
    Entry.objects.create(transaction=txn, account=fund, amount=700)
    LedgerTransaction.objects.create(network=network, kind="donation", occurred_on="2026-01-01")
    problems = ledger_problems()
    assert any(p.startswith("ledger transactions that don't add up to zero") for p in problems)
    assert any(p.startswith("ledger transactions without entries") for p in problems)
    assert any(p.startswith("accounts whose balance isn't the sum") for p in problems)
    assert f"[{fund.pk}]" in " ".join(problems)


@pytest.mark.django_db
def test_checks_find_a_fund_below_zero(network: Any) -> None:
    fund = network.accounts.get(is_general=True)
    income = network.accounts.get(slug="donations")
    with connection.cursor() as cursor:
        # The constraint would refuse this, so take it away first, as a damaged copy might.
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER with checks pending
            cursor.execute("ALTER TABLE ledger_account DROP CONSTRAINT fund_never_negative")
        else:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        Account.objects.filter(pk=fund.pk).update(balance=-5)
        Account.objects.filter(pk=income.pk).update(balance=5)
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
    assert f"funds below zero: [{fund.pk}]" in ledger_problems()


@pytest.mark.django_db
def test_checks_find_doubled_missing_and_stray_claims(
    need_factory: Any, network: Any, volunteer: Any
) -> None:
    twice, unclaimed, stray = (need_factory(network=network) for _ in range(3))
    Need.objects.filter(pk__in=[twice.pk, unclaimed.pk]).update(
        status="claimed", claimant=volunteer
    )
    with connection.cursor() as cursor:  # as a damaged copy might have lost it
        cursor.execute("DROP INDEX claim_one_active_per_need")
    for claimed in (twice, twice, stray):
        Claim.objects.create(need=claimed, volunteer=volunteer, expires_at="2030-01-01T00:00Z")
    problems = need_problems()
    assert problems == [
        f"needs with more than one active claim: [{twice.pk}]",
        f"claimed needs without their claimant's active claim: [{unclaimed.pk}]",
        f"needs that aren't claimed but keep an active claim: [{stray.pk}]",
    ]
    assert database_problems() == problems


@pytest.mark.django_db
def test_checks_find_a_row_pointing_at_nothing(need: Need) -> None:
    # Foreign keys are checked at commit (Django makes them deferred), and this test's
    # transaction never commits: inside it, the row may point at nothing for a while.
    move = "UPDATE needs_need SET network_id = %s WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.execute(move, [need.network_id + 1000, need.pk])
        problems, storage = foreign_key_problems(), storage_problems()
        cursor.execute(move, [need.network_id, need.pk])  # Django checks again at the end
    assert problems == [f"needs.Need.network points at nothing: [{need.pk}]"]
    if connection.vendor == "sqlite":
        assert storage == [
            f"foreign_key_check: needs_need row {need.pk} points at a missing networks_network"
        ]
    assert foreign_key_problems() == []
