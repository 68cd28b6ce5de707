"""Load benchmark: Potluck's hot pages against a plain Django list view, on PostgreSQL.

Run: .venv/bin/python bench/load.py [--scale 1.0] [--seconds 15] [--connections 4,32]

It creates the database potluck_bench (dropping an old one), migrates it, seeds 1,000,000
closed needs and 100,000 open ones across four networks (times --scale) with INSERT … SELECT
generate_series, then starts the production server (`potluck serve`: Granian, one worker per
core, DEBUG off) and measures with wrk, at each connection count:

    baseline   a plain function view: the newest 25 rows of one network's needs
    board      the needs board, as a logged-in volunteer (first page, open needs)
    need       one need's page, rotating over 500 open needs
    intake     the ask-for-help form POSTed (each one creates a need; CSRF token and cookie
               from real GETs of the form; client addresses spread as behind a proxy)
    api        GET /api/v1/needs?network=… with a Bearer token

and prints requests per second, p50 and p99 latency, ratios to the baseline, and the targets
(board ≥ 0.5x baseline throughput and p99 < 100 ms at 4 connections; intake p99 < 50 ms at
4 connections). Exits 1 if a target is missed or any answer was not the expected one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `potluck`, `config` and `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Measured,
    Scenario,
    analyze,
    bench_env,
    collect_static,
    combine,
    create_database,
    csrf_pairs,
    fetch,
    form_body,
    mark,
    needs_insert,
    network_make,
    person_make,
    run_wrk,
    serve,
    setup_django,
)

CLOSED, OPEN = 1_000_000, 100_000
NETWORKS = 4
NEED_PAGES = 500
CSRF_PAIRS = 16


def seed(scale: float) -> dict[str, object]:
    """Networks, needs and a volunteer; what the scenarios need to know about them."""
    from django.db import connection

    from potluck.needs.models import Need

    started = time.perf_counter()
    networks = [network_make(f"bench-{n + 1}") for n in range(NETWORKS)]
    ids = [network.pk for network in networks]
    closed, open_ = round(CLOSED * scale), round(OPEN * scale)
    needs_insert(networks=ids, count=closed, status="closed", label="closed")
    needs_insert(networks=ids, count=open_, status="open", label="open")
    analyze()
    volunteer = person_make("bench-volunteer", networks=networks, role="volunteer")
    main = networks[0]
    need_ids = list(
        Need.objects.filter(network=main, status="open")
        .order_by("?")
        .values_list("pk", flat=True)[:NEED_PAGES]
    )
    print(
        f"Seeded {closed:,} closed and {open_:,} open needs over {NETWORKS} networks in "
        f"{time.perf_counter() - started:.0f} s."
    )
    connection.close()
    return {"network": main.slug, "volunteer": volunteer, "need_ids": need_ids}


def scenarios(base: str, seeded: dict[str, object]) -> list[Scenario]:
    slug = seeded["network"]
    volunteer = seeded["volunteer"]
    session = {"Cookie": f"sessionid={volunteer.session}"}  # type: ignore[attr-defined]
    pairs = csrf_pairs(f"{base}/n/{slug}/ask/", CSRF_PAIRS)
    ask = {
        "category": "groceries",
        "description": "Groceries for two, please.",
        "urgency": "few_days",
        "contact_method": "phone",
        "contact_value": "+1 555 010 9999",
        "contact_times": "",
        "language": "en",
        "homepage": "",
    }
    return [
        Scenario("baseline", [f"/bench/baseline/{slug}/"]),
        Scenario("board", [f"/n/{slug}/needs/"], headers=[session]),
        Scenario(
            "need",
            [f"/n/{slug}/needs/{pk}/" for pk in seeded["need_ids"]],  # type: ignore[attr-defined]
            headers=[session],
        ),
        Scenario(
            "intake",
            [f"/n/{slug}/ask/"],
            method="POST",
            expect=302,
            headers=[{"Cookie": f"csrftoken={cookie}"} for cookie, _token in pairs],
            bodies=[
                form_body({**ask, "area": "Riverside {n}", "csrfmiddlewaretoken": token})
                for _cookie, token in pairs
            ],
            spread_addresses=True,
        ),
        Scenario(
            "api",
            [f"/api/v1/needs?network={slug}"],
            headers=[{"Authorization": f"Bearer {volunteer.api_key}"}],  # type: ignore[attr-defined]
        ),
    ]


def check_once(base: str, scenario: Scenario) -> None:
    """One request of each scenario, by hand, so a broken setup fails loudly, not fast."""
    headers = dict(scenario.headers[0])
    data = None
    if scenario.bodies:
        data = scenario.bodies[0].replace("{n}", "check").encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["X-Forwarded-For"] = "10.255.255.1"
    status, _headers, body = fetch(base + scenario.paths[0], headers=headers, data=data)
    if status != scenario.expect:
        raise SystemExit(f"{scenario.name}: {status}, expected {scenario.expect}\n{body[:800]!r}")


def report(results: list[Measured], connections: Sequence[int]) -> bool:
    """Print the table and the targets; True if every target is met."""
    base = {m.connections: m for m in results if m.name == "baseline"}
    print(
        f"\n{'':10}{'conns':>6}{'req/s':>10}{'x base':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'p99 x base':>12}{'errors':>8}"
    )
    for measured in results:
        b = base[measured.connections]
        print(
            f"{measured.name:10}{measured.connections:>6}{measured.rps:>10.0f}"
            f"{measured.rps / b.rps if b.rps else 0:>9.2f}{measured.p50_ms:>9.1f}"
            f"{measured.p99_ms:>9.1f}{measured.p99_ms / b.p99_ms if b.p99_ms else 0:>12.2f}"
            f"{measured.errors:>8}"
        )
    by = {(m.name, m.connections): m for m in results}
    low = min(connections)
    board, intake, b = by[("board", low)], by[("intake", low)], base[low]
    verdicts = [
        (f"board ≥ 0.5x baseline req/s at {low} connections", board.rps >= 0.5 * b.rps),
        (f"board p99 < 100 ms at {low} connections", board.p99_ms < 100),
        (f"intake POST p99 < 50 ms at {low} connections", intake.p99_ms < 50),
        ("every answer as expected (no errors)", all(m.errors == 0 for m in results)),
    ]
    print()
    for label, passed in verdicts:
        print(f"{mark(passed)}  {label}")
    return all(passed for _label, passed in verdicts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 1.1M needs")
    parser.add_argument("--seconds", type=float, default=15, help="per measurement")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before each scenario")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds that share --seconds"
    )
    parser.add_argument("--connections", default="4,32")
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--database", default="potluck_bench")
    options = parser.parse_args(argv)
    connections = [int(c) for c in options.connections.split(",")]
    env = bench_env(database=options.database, port=options.port)
    setup_django(env)
    create_database(options.database)
    collect_static()
    seeded = seed(options.scale)
    base = f"http://127.0.0.1:{options.port}"
    print(
        f"Server: potluck serve (Granian WSGI, {os.cpu_count()} workers) on {base}; load: wrk "
        f"on the same {os.cpu_count()} cores; {options.seconds:.0f} s per measurement."
    )
    results = []
    with serve(env, port=options.port):
        plan = scenarios(base, seeded)
        for scenario in plan:
            check_once(base, scenario)
        for count in connections:
            for scenario in plan:
                if options.warmup:
                    run_wrk(base, scenario, connections=count, seconds=options.warmup)
            # Each scenario is measured in rounds taken in turn (baseline, board, …, baseline,
            # board, …), so a slow spell of the machine falls on all of them alike.
            rounds: dict[str, list[Measured]] = {scenario.name: [] for scenario in plan}
            for _round in range(options.rounds):
                for scenario in plan:
                    measured = run_wrk(
                        base, scenario, connections=count, seconds=options.seconds / options.rounds
                    )
                    rounds[scenario.name].append(measured)
            for scenario in plan:
                results.append(combine(rounds[scenario.name]))
                print(f"  measured {scenario.name} at {count} connections", flush=True)
    passed = report(results, connections)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
