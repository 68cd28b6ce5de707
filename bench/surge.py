"""Surge benchmark: a steady 200 requests per second of mixed traffic for 10 minutes, then an
audit that nothing was lost or doubled.

Run: .venv/bin/python bench/surge.py [--rate 200] [--minutes 10] [--scale 1.0]

It creates the database potluck_bench_surge, seeds it like bench/load.py (1,000,000 closed
and 100,000 open needs times --scale, over four networks) plus a small network for matching
(open needs and volunteers with profiles), and starts `potluck serve` and `potluck worker`.

The load is open-loop: requests are sent on a fixed schedule whatever the server does, and
each latency counts from the moment its request was due, so a slow server cannot slow the
load down and hide its own queueing. The mix:

    80% reads   board 30%, need pages 30%, API list 20%
    15% writes  ask-for-help POSTs 8% (each with a unique marker in its area), claims through
                the API 4% (each on a different open need), donations through the API 3%
                (with an Idempotency-Key; one in five sends an earlier key again)
     5% matching: a coordinator presses "suggest matches" on the matching network

Afterwards it checks that every acknowledged need is in the database exactly once, every
acknowledged claim holds, each donation key moved money once, every acknowledged matching
run was stored, and the books of every network balance (potluck.ledger.transparency's
reconciliation, built on the balance check in potluck/ledger/selectors.py). Targets: zero
errors, p99 under 250 ms. Exits 1 if anything fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import random
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `potluck`, `config` and `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    AREAS,
    CLIENT_ADDRESSES,
    Person,
    analyze,
    bench_env,
    collect_static,
    create_database,
    csrf_pairs,
    form_body,
    mark,
    needs_insert,
    network_make,
    person_make,
    serve,
    setup_django,
    worker,
)

CLOSED, OPEN = 1_000_000, 100_000
NETWORKS = 4
MIX = {
    "board": 30,
    "need": 30,
    "api": 20,
    "intake": 8,
    "claim": 4,
    "donation": 3,
    "match": 5,
}
CLAIMERS = 10
NEED_PAGES = 500
SENDERS = 64  # threads sending requests: enough that none waits for a free one at 200/s


# ---------------------------------------------------------------------------- seeding


@dataclass
class World:
    slugs: list[str]
    match_slug: str
    volunteer: Person
    claimers: list[Person]
    treasurer: Person
    coordinator: Person
    page_ids: list[int]
    claim_ids: list[int]


def seed(*, scale: float, match_needs: int, match_volunteers: int) -> World:
    from django.db import connection

    from potluck.needs.models import Need

    started = time.perf_counter()
    networks = [network_make(f"surge-{n + 1}") for n in range(NETWORKS)]
    ids = [network.pk for network in networks]
    needs_insert(networks=ids, count=round(CLOSED * scale), status="closed", label="closed")
    needs_insert(networks=ids, count=round(OPEN * scale), status="open", label="open")
    matching = network_make("surge-match")
    needs_insert(networks=[matching.pk], count=match_needs, status="open", label="match")
    _volunteer_profiles(matching, match_volunteers)
    analyze()
    open_ids = list(
        Need.objects.filter(network__in=networks, status="open").values_list("pk", flat=True)
    )
    random.Random(7).shuffle(open_ids)
    world = World(
        slugs=[network.slug for network in networks],
        match_slug=matching.slug,
        volunteer=person_make("surge-volunteer", networks=networks, role="volunteer"),
        claimers=[
            person_make(f"surge-claimer-{n}", networks=networks, role="volunteer")
            for n in range(CLAIMERS)
        ],
        treasurer=person_make("surge-treasurer", networks=networks[:1], role="treasurer"),
        coordinator=person_make("surge-coordinator", networks=[matching], role="coordinator"),
        page_ids=open_ids[:NEED_PAGES],
        claim_ids=open_ids[NEED_PAGES:],
    )
    print(
        f"Seeded {round(CLOSED * scale):,} closed and {round(OPEN * scale):,} open needs, and "
        f"a matching network of {match_needs} needs and {match_volunteers} volunteers, in "
        f"{time.perf_counter() - started:.0f} s."
    )
    connection.close()
    return world


def _volunteer_profiles(network: Any, count: int) -> None:
    """Volunteers who take anything in any area, a few a week each."""
    from potluck.accounts.models import User
    from potluck.networks.models import Membership
    from potluck.volunteers.models import VolunteerProfile

    users = User.objects.bulk_create(
        [User(display_name=f"Matcher {n}", email_hash=f"surge-matcher-{n}") for n in range(count)]
    )
    memberships = Membership.objects.bulk_create(
        [Membership(network=network, user=u, role="volunteer", status="active") for u in users]
    )
    VolunteerProfile.objects.bulk_create(
        [
            VolunteerProfile(
                membership=m,
                network=network,
                user=m.user,
                categories=list(network.categories),
                languages=["en"],
                areas=AREAS[n % len(AREAS) :][:3],
                weekly_cap=5,
            )
            for n, m in enumerate(memberships)
        ]
    )


# ---------------------------------------------------------------------------- the traffic


@dataclass
class Job:
    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    expect: int = 200
    note: Any = None  # what the audit needs: a marker, a need id, a key


@dataclass
class Done:
    kind: str
    due: float
    latency: float
    ok: bool
    status: int
    note: Any
    body: bytes = b""


@dataclass
class Traffic:
    """Makes the next request of each kind; remembers what was acknowledged."""

    world: World
    run: str
    form_pairs: list[tuple[str, str]]
    match_pairs: list[tuple[str, str]]
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    counter: int = 0
    claims_left: list[int] = field(default_factory=list)
    donations_done: list[tuple[str, bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.claims_left = list(self.world.claim_ids)

    def acknowledged(self, done: Done) -> None:
        """Keep acknowledged donations, to send some of their keys again."""
        if done.kind == "donation" and done.ok:
            with self.lock:
                self.donations_done.append(done.note)

    def next(self) -> Job:
        kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        self.counter += 1
        return getattr(self, f"_{kind}")()

    def _session(self, person: Person, csrf: str = "") -> dict[str, str]:
        cookie = f"sessionid={person.session}" + (f"; csrftoken={csrf}" if csrf else "")
        return {"Cookie": cookie}

    def _bearer(self, person: Person) -> dict[str, str]:
        return {"Authorization": f"Bearer {person.api_key}"}

    def _board(self) -> Job:
        slug = self.rng.choice(self.world.slugs)
        return Job("board", "GET", f"/n/{slug}/needs/", self._session(self.world.volunteer))

    def _need(self) -> Job:
        pk = self.rng.choice(self.world.page_ids)
        path = f"/n/{_SLUGS[pk]}/needs/{pk}/"
        return Job("need", "GET", path, self._session(self.world.volunteer))

    def _api(self) -> Job:
        slug = self.rng.choice(self.world.slugs)
        path = f"/api/v1/needs?network={slug}"
        return Job("api", "GET", path, self._bearer(self.world.volunteer))

    def _intake(self) -> Job:
        cookie, token = self.form_pairs[self.counter % len(self.form_pairs)]
        marker = f"surge-{self.run}-{self.counter}"
        body = form_body(
            {
                "category": "groceries",
                "description": "Groceries for two, please.",
                "area": marker,
                "urgency": "few_days",
                "contact_method": "phone",
                "contact_value": "+1 555 010 9999",
                "contact_times": "",
                "language": "en",
                "homepage": "",
                "csrfmiddlewaretoken": token,
            }
        ).encode()
        address = self.counter % CLIENT_ADDRESSES
        headers = {
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": f"10.{address >> 16 & 255}.{address >> 8 & 255}.{address & 255}",
        }
        slug = self.world.slugs[self.counter % len(self.world.slugs)]
        return Job("intake", "POST", f"/n/{slug}/ask/", headers, body, 302, marker)

    def _claim(self) -> Job:
        with self.lock:
            pk = self.claims_left.pop() if self.claims_left else None
        if pk is None:  # every open need is claimed: read instead
            return self._api()
        claimer = self.world.claimers[self.counter % len(self.world.claimers)]
        headers = {**self._bearer(claimer), "Content-Type": "application/json"}
        return Job("claim", "POST", f"/api/v1/needs/{pk}/claim", headers, b"{}", 201, pk)

    def _donation(self) -> Job:
        headers = {**self._bearer(self.world.treasurer), "Content-Type": "application/json"}
        with self.lock:
            replay = self.donations_done and self.rng.random() < 0.2
            key, body = self.rng.choice(self.donations_done) if replay else (None, b"")
        if key is None:
            key = f"surge-{self.run}-{uuid.uuid4().hex}"
            body = json.dumps(
                {
                    "network": self.world.slugs[0],
                    "amount": 500 + self.counter % 5000,
                    "received_on": date.today().isoformat(),
                    "method": "cash",
                }
            ).encode()
        headers["Idempotency-Key"] = key
        return Job("donation", "POST", "/api/v1/donations", headers, body, 201, (key, body))

    def _match(self) -> Job:
        cookie, token = self.match_pairs[self.counter % len(self.match_pairs)]
        headers = {
            **self._session(self.world.coordinator, cookie),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = form_body({"csrfmiddlewaretoken": token}).encode()
        path = f"/n/{self.world.match_slug}/matching/suggest/"
        return Job("match", "POST", path, headers, body, 302)


# Each need page's network, by need id (the seeded needs are spread over the networks).
_SLUGS: dict[int, str] = {}


def _remember_slugs(ids: Sequence[int]) -> None:
    from potluck.needs.models import Need

    rows = Need.objects.filter(pk__in=list(ids)).values_list("pk", "network__slug")
    _SLUGS.update(dict(rows))


# ---------------------------------------------------------------------------- sending


def send(connection: http.client.HTTPConnection, job: Job) -> tuple[int, bytes]:
    connection.request(job.method, job.path, body=job.body, headers=job.headers)
    response = connection.getresponse()
    return response.status, response.read()


def sender(
    port: int, jobs: queue.Queue[Any], results: list[Done], traffic: Traffic, timeout: float
) -> None:
    """Take (due time, job) off the queue and send it on this thread's kept-alive connection.

    A request still waiting `timeout` seconds after it was due is not sent: it counts as an
    error, as a browser giving up would (and the run ends soon after its schedule does)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    while (item := jobs.get()) is not None:
        due, job = item
        if time.perf_counter() - due > timeout:
            status, body = 0, b"not sent: waited longer than the timeout for a free sender"
        else:
            try:
                status, body = send(connection, job)
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                status, body = 0, repr(error).encode()
        done = Done(
            job.kind,
            due,
            time.perf_counter() - due,
            status == job.expect,
            status,
            job.note,
            body if job.kind == "donation" or status != job.expect else b"",
        )
        results.append(done)
        traffic.acknowledged(done)


def drive(
    port: int, traffic: Traffic, *, rate: float, seconds: float, timeout: float
) -> list[Done]:
    """Send `rate` requests a second for `seconds`, on schedule (open loop)."""
    jobs: queue.Queue[Any] = queue.Queue()
    results: list[Done] = []
    threads = [
        threading.Thread(target=sender, args=(port, jobs, results, traffic, timeout), daemon=True)
        for _ in range(SENDERS)
    ]
    for thread in threads:
        thread.start()
    total = round(rate * seconds)
    start = time.perf_counter() + 0.5
    for n in range(total):
        due = start + n / rate
        job = traffic.next()  # made before its time, so making it adds no latency
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        jobs.put((due, job))
        if n and n % round(rate * 60) == 0:
            print(f"  {n / rate / 60:.0f} min: {len(results):,} answers so far", flush=True)
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join()
    return results


# ---------------------------------------------------------------------------- the audit


def audit(world: World, run: str, results: list[Done], since: datetime) -> list[tuple[str, bool]]:
    """Check the database against what the server acknowledged."""
    from django.db.models import Count

    from potluck.ledger.models import Account, Donation
    from potluck.ledger.transparency import reconciliation
    from potluck.matching.models import MatchRun
    from potluck.needs.models import Claim, Need
    from potluck.networks.models import Network

    acked = [r for r in results if r.ok]
    markers = {r.note for r in acked if r.kind == "intake"}
    rows = dict(
        Need.objects.filter(area__startswith=f"surge-{run}-")
        .values("area")
        .annotate(n=Count("pk"))
        .values_list("area", "n")
    )
    intakes_ok = all(rows.get(m) == 1 for m in markers) and all(n == 1 for n in rows.values())
    print(
        f"asked for help: {len(markers):,} acknowledged; {len(rows):,} in the database "
        f"({sum(1 for m in markers if rows.get(m) == 1):,} of them exactly once)"
    )
    claimed = [r.note for r in acked if r.kind == "claim"]
    held = Claim.objects.filter(need_id__in=claimed, outcome="active").values("need_id")
    claims_ok = len(set(held.values_list("need_id", flat=True))) == len(claimed) == held.count()
    print(f"claims: {len(claimed):,} acknowledged, {held.count():,} active claims on them")
    donation_ids: dict[str, set[int]] = defaultdict(set)
    for r in acked:
        if r.kind == "donation":
            donation_ids[r.note[0]].add(json.loads(r.body)["id"])
    stored = Donation.objects.filter(network__slug=world.slugs[0], created_at__gte=since).count()
    donations_ok = stored == len(donation_ids) and all(len(v) == 1 for v in donation_ids.values())
    sends = sum(1 for r in acked if r.kind == "donation")
    print(
        f"donations: {sends:,} acknowledged sends of {len(donation_ids):,} keys; "
        f"{stored:,} donations recorded"
    )
    runs = MatchRun.objects.filter(network__slug=world.match_slug, created_at__gte=since)
    matched = sum(1 for r in acked if r.kind == "match")
    runs_ok = runs.filter(kind="manual").count() == matched
    print(f"matching runs: {matched:,} acknowledged, {runs.filter(kind='manual').count():,} stored")
    books = [reconciliation(network=n) for n in Network.objects.all()]
    negative = Account.objects.filter(kind=Account.Kind.FUND, balance__lt=0).count()
    return [
        ("every acknowledged need present exactly once", intakes_ok),
        ("every acknowledged claim holds, once", claims_ok),
        ("each donation key recorded once, replays answered the same", donations_ok),
        ("every acknowledged matching run stored", runs_ok),
        ("every network's books balance (reconciliation)", all(b.ok for b in books)),
        ("no fund below zero", negative == 0),
    ]


# ---------------------------------------------------------------------------- report


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(results: list[Done], seconds: float) -> tuple[int, float]:
    by_kind: dict[str, list[Done]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    print(f"\n{'':10}{'sent':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for kind in [*MIX, *sorted(set(by_kind) - set(MIX))]:
        rows = by_kind.get(kind, [])
        latencies = [r.latency * 1000 for r in rows]
        failed = sum(1 for r in rows if not r.ok)
        print(
            f"{kind:10}{len(rows):>8}{percentile(latencies, 0.5):>9.1f}"
            f"{percentile(latencies, 0.99):>9.1f}{max(latencies, default=0):>9.1f}{failed:>8}"
        )
    latencies = [r.latency * 1000 for r in results]
    errors = [r for r in results if not r.ok]
    p99 = percentile(latencies, 0.99)
    print(
        f"{'all':10}{len(results):>8}{percentile(latencies, 0.5):>9.1f}{p99:>9.1f}"
        f"{max(latencies, default=0):>9.1f}{len(errors):>8}"
        f"   ({len(results) / seconds:.1f} requests/s, mean "
        f"{statistics.fmean(latencies) if latencies else 0:.1f} ms)"
    )
    for r in errors[:10]:
        print(f"  error: {r.kind} answered {r.status}: {r.body[:200]!r}")
    return len(errors), p99


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200, help="requests per second")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 1.1M needs")
    parser.add_argument("--match-needs", type=int, default=150)
    parser.add_argument("--match-volunteers", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=10, help="seconds before giving up")
    parser.add_argument("--port", type=int, default=8079)
    parser.add_argument("--database", default="potluck_bench_surge")
    options = parser.parse_args(argv)
    env = bench_env(database=options.database, port=options.port)
    setup_django(env)
    create_database(options.database)
    collect_static()
    world = seed(
        scale=options.scale,
        match_needs=options.match_needs,
        match_volunteers=options.match_volunteers,
    )
    _remember_slugs(world.page_ids)
    run = uuid.uuid4().hex[:8]
    base = f"http://127.0.0.1:{options.port}"
    seconds = options.minutes * 60
    from django.db import connection
    from django.utils import timezone

    with serve(env, port=options.port), worker(env):
        coordinator = f"sessionid={world.coordinator.session}"
        traffic = Traffic(
            world=world,
            run=run,
            form_pairs=csrf_pairs(f"{base}/n/{world.slugs[0]}/ask/", 16),
            match_pairs=csrf_pairs(f"{base}/n/{world.match_slug}/matching/", 4, cookie=coordinator),
        )
        since = timezone.now() - timedelta(seconds=1)
        print(
            f"Sending {options.rate:.0f} requests/s for {options.minutes:g} min to potluck serve "
            f"+ potluck worker (run {run}).",
            flush=True,
        )
        results = drive(
            options.port, traffic, rate=options.rate, seconds=seconds, timeout=options.timeout
        )
        connection.close()
        error_count, p99 = report(results, seconds)
        verdicts = [
            ("zero errors", error_count == 0),
            ("p99 < 250 ms", p99 < 250),
            *audit(world, run, results, since),
        ]
    print()
    for label, passed in verdicts:
        print(f"{mark(passed)}  {label}")
    return 0 if all(passed for _label, passed in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
