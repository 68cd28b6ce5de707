"""What the load, surge and page-weight benchmarks share: a throwaway PostgreSQL database with
production settings, fast seeding, the production server and worker as child processes, and
`wrk` driven by a generated Lua script.

Nothing here touches the real database: every benchmark makes its own (`potluck_bench*`),
with keys generated for the run, and drops nothing it did not create.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `potluck`, `config` and `bench` importable
    sys.path.insert(0, str(ROOT))

DATA_DIR = Path(os.environ.get("POTLUCK_BENCH_DATA_DIR", "/tmp/data-bench"))  # noqa: S108
PG_SERVER = os.environ.get("POTLUCK_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
POTLUCK = str(Path(sys.executable).with_name("potluck"))
# The intake form's throttle counts per client address. Every request here comes from
# 127.0.0.1, so the server trusts X-Forwarded-For (as behind Caddy or nginx) and wrk spreads
# its POSTs over this many addresses, like a crowd of neighbours rather than one abuser.
CLIENT_ADDRESSES = 10_007


# ---------------------------------------------------------------------------- settings


def bench_env(*, database: str, port: int, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Production settings (DEBUG off, fresh keys) for loopback http on `port`."""
    from cryptography.fernet import Fernet

    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "POTLUCK_DEBUG": "0",
        "POTLUCK_TESTING": "0",
        "POTLUCK_SECRET_KEY": secrets.token_urlsafe(50),
        "POTLUCK_FIELD_KEYS": Fernet.generate_key().decode(),
        "POTLUCK_HASH_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"{PG_SERVER}/{database}",
        "POTLUCK_DATA_DIR": str(data_dir),
        "POTLUCK_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "POTLUCK_SITE_URL": f"http://127.0.0.1:{port}",
        "POTLUCK_PORT": str(port),
        # Loopback http: no redirect to https, no __Host- cookies, no HSTS.
        "POTLUCK_SSL_REDIRECT": "0",
        "POTLUCK_SECURE_COOKIES": "0",
        "POTLUCK_HSTS_SECONDS": "0",
        "POTLUCK_CLIENT_IP_HEADER": "X-Forwarded-For",
        "POTLUCK_PUBLIC_FORM_LIMIT": str(10**9),
        "POTLUCK_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "POTLUCK_LOG_LEVEL": "WARNING",
        "POTLUCK_METRICS_TOKEN": secrets.token_urlsafe(24),
    }


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process with `env` (call once, before touching models)."""
    os.environ.update(env)
    import django

    django.setup()


def create_database(name: str) -> None:
    """Drop and create the database `name` (a benchmark's own), then migrate it."""
    if not name.startswith("potluck_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: benchmark databases are potluck_bench*")
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def collect_static() -> None:
    """The production static files storage needs its manifest (and gzip copies)."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


# ---------------------------------------------------------------------------- seeding

AREAS = ["Old Mill", "Riverside", "Hillside", "Station", "Market", "Northgate", "Docks", "Elms"]
DESCRIPTIONS = [
    "Groceries for a family of four, no pork please.",
    "A ride to the clinic on Thursday morning.",
    "Prescription pick-up at the pharmacy on Main Street.",
    "Help moving a bed up two flights of stairs.",
    "A hot meal for two on Friday evening.",
    "Someone to call my mum every couple of days.",
    "Help filling in a benefits form, in Spanish.",
    "Nappies and baby formula, size 3.",
]
CONTACTS = [f"+1555010{n:04d}" for n in range(16)]
URGENCIES = ["today", "few_days", "this_week", "flexible"]


def network_make(slug: str, *, name: str = "") -> Any:
    from potluck.networks.models import Network

    return Network.objects.create(
        name=name or slug.replace("-", " ").title(),
        slug=slug,
        areas=AREAS,
        languages=["en", "es"],
        join_policy="approval",
    )


def needs_insert(*, networks: Sequence[int], count: int, status: str, label: str) -> None:
    """Insert `count` needs in `status`, spread over `networks`, in one INSERT … SELECT.

    Encrypted columns hold real ciphertext: a few values sealed once with the run's key and
    reused; each row gets a unique status token hash (md5 of its label and number).
    """
    if count <= 0:
        return
    from django.db import connection, transaction

    from potluck.core.crypto import encrypt
    from potluck.networks.categories import Category

    final = status != "open"
    # Closed needs spread over the last two years, open ones over the last two months.
    span = (730 if final else 60) * 86400
    params: dict[str, Any] = {
        "networks": list(networks),
        "categories": [c for c in Category.values if c != "money"],
        "areas": AREAS,
        "urgencies": URGENCIES,
        "descriptions": [encrypt(text) for text in DESCRIPTIONS],
        "contacts": [encrypt(phone) for phone in CONTACTS],
        "status": status,
        "label": f"bench-{label}-",
        "step": span / count,
        "final": final,
    }
    sql = """
        INSERT INTO needs_need (
            created_at, updated_at, network_id, category, description, area, urgency, language,
            contact_method, contact_value, contact_times, contact_hash, needs_car, any_language,
            slots, status, status_token_hash, delivered_at, closed_at
        )
        SELECT ts, ts, net, cat, descr, area, urg, 'en', 'phone', contact, '', '', false,
            (i %% 3 = 0), '[]'::jsonb, %(status)s, md5(%(label)s || i::text),
            CASE WHEN %(final)s THEN ts + interval '2 days' END,
            CASE WHEN %(final)s THEN ts + interval '3 days' END
        FROM (
            SELECT i,
                now() - make_interval(secs => i * %(step)s) AS ts,
                (%(networks)s::bigint[])[1 + i %% cardinality(%(networks)s::bigint[])] AS net,
                (%(categories)s::text[])[1 + i %% cardinality(%(categories)s::text[])] AS cat,
                (%(descriptions)s::text[])[1 + i %% cardinality(%(descriptions)s::text[])]
                    AS descr,
                (%(areas)s::text[])[1 + (i / 7) %% cardinality(%(areas)s::text[])] AS area,
                (%(urgencies)s::text[])[1 + (i / 3) %% 4] AS urg,
                (%(contacts)s::text[])[1 + i %% cardinality(%(contacts)s::text[])] AS contact
            FROM generate_series(%(start)s, %(stop)s) AS i
        ) AS rows
    """
    chunk = 200_000
    for start in range(1, count + 1, chunk):
        stop = min(start + chunk - 1, count)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {**params, "start": start, "stop": stop})


def analyze() -> None:
    """Let the freshly seeded database settle before anything is measured: vacuum (so the
    visibility map is set and autovacuum has nothing left to do), fresh statistics, and a
    checkpoint, so no background writer competes with the measurement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")


@dataclass
class Person:
    """A seeded account, with a live session cookie and an API key."""

    user: Any
    session: str
    api_key: str


def person_make(
    name: str, *, networks: Sequence[Any], role: str, cookie_name: str = "sessionid"
) -> Person:
    """An active member of `networks` in `role`, logged in (two-factor verified if elevated)."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from potluck.accounts.models import User
    from potluck.accounts.services import api_token_create
    from potluck.networks.models import Membership
    from potluck.networks.selectors import ELEVATED_ROLES

    user = User.objects.create_user(display_name=name, email=f"{name}@bench.example.org")
    for network in networks:
        Membership.objects.create(network=network, user=user, role=role, status="active")
    client = Client()
    client.force_login(user)
    if role in ELEVATED_ROLES:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    _token, key = api_token_create(user=user, name="bench")
    return Person(user, client.cookies[settings.SESSION_COOKIE_NAME].value, key)


# ---------------------------------------------------------------------------- processes


@contextmanager
def running(
    argv: Sequence[str], env: dict[str, str], *, ready_url: str | None, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `argv` (in its own process group) until the block ends; wait for `ready_url`."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv),
            # `bench` is no installed package: the server finds bench.settings through this.
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            if ready_url:
                _wait_for(ready_url, process, log)
            yield process
        finally:
            _stop(process)


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # the group we started: granian and its workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def serve(env: dict[str, str], *, port: int, workers: int = 0) -> Any:
    """`potluck serve` on 127.0.0.1:`port` (one worker per core unless told otherwise)."""
    argv = [POTLUCK, "serve", "--port", str(port)]
    if workers:
        argv += ["--workers", str(workers)]
    return running(
        argv,
        env,
        ready_url=f"http://127.0.0.1:{port}/health/live",
        log=DATA_DIR / f"serve-{port}.log",
    )


def worker(env: dict[str, str]) -> Any:
    return running([POTLUCK, "worker"], env, ready_url=None, log=DATA_DIR / "worker.log")


# ---------------------------------------------------------------------------- HTTP helpers


def fetch(
    url: str, *, headers: dict[str, str] | None = None, data: bytes | None = None
) -> tuple[int, Any, bytes]:
    """One request without following redirects: status, headers (an email.message.Message:
    `.get_all("Set-Cookie")`), body."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def csrf_pairs(url: str, count: int, *, cookie: str = "") -> list[tuple[str, str]]:
    """(csrftoken cookie, form token) pairs, each from a real GET of the form at `url`."""
    import re

    pairs = []
    for _ in range(count):
        status, headers, body = fetch(url, headers={"Cookie": cookie} if cookie else {})
        if status != 200:
            raise SystemExit(f"GET {url} answered {status}; expected the form")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        set_cookie = "\n".join(headers.get_all("Set-Cookie") or [])
        found = re.search(r"csrftoken=([^;]+)", set_cookie)
        if token is None or found is None:
            raise SystemExit(f"no CSRF token or cookie from {url}")
        pairs.append((found.group(1), token.group(1).decode()))
    return pairs


def form_body(fields: dict[str, Any]) -> str:
    return urlencode(fields, doseq=True)


# ---------------------------------------------------------------------------- wrk


@dataclass(frozen=True)
class Scenario:
    """One kind of request for wrk: rotating paths, header sets and bodies.

    In a body, "{n}" becomes a number unique to the request (thread and count), so each POST
    can carry its own marker.
    """

    name: str
    paths: Sequence[str]
    expect: int = 200
    method: str = "GET"
    headers: Sequence[dict[str, str]] = field(default_factory=lambda: [{}])
    bodies: Sequence[str] = ()
    spread_addresses: bool = False


@dataclass(frozen=True)
class Measured:
    name: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    unexpected: int  # answers other than the expected status
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.unexpected + self.socket_errors


def combine(rounds: Sequence[Measured]) -> Measured:
    """Rounds of one measurement as one: requests/s over all of them, the median of the
    rounds' p50 and of their p99, every error."""
    return Measured(
        name=rounds[0].name,
        connections=rounds[0].connections,
        requests=sum(m.requests for m in rounds),
        seconds=sum(m.seconds for m in rounds),
        p50_ms=sorted(m.p50_ms for m in rounds)[len(rounds) // 2],
        p99_ms=sorted(m.p99_ms for m in rounds)[len(rounds) // 2],
        unexpected=sum(m.unexpected for m in rounds),
        socket_errors=sum(m.socket_errors for m in rounds),
    )


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal for our ASCII data


def _lua_list(values: Sequence[str]) -> str:
    return "{" + ", ".join(_lua_string(v) for v in values) + "}"


def _lua_headers(headers: Sequence[dict[str, str]]) -> str:
    tables = [
        "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in h.items()) + "}"
        for h in headers
    ]
    return "{" + ", ".join(tables) + "}"


LUA = """
local paths = %(paths)s
local header_sets = %(headers)s
local bodies = %(bodies)s
local method = %(method)s
local expect = %(expect)d
local spread = %(spread)s
local addresses = %(addresses)d
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
  unexpected = 0
end

function request()
  counter = counter + 1
  local headers = {}
  for k, v in pairs(header_sets[(counter %% #header_sets) + 1]) do headers[k] = v end
  if spread then
    local a = counter %% addresses
    headers["X-Forwarded-For"] = string.format("10.%%d.%%d.%%d", math.floor(a / 65536) %% 256,
      math.floor(a / 256) %% 256, a %% 256)
  end
  local body = nil
  if #bodies > 0 then
    body = string.gsub(bodies[(counter %% #bodies) + 1], "{n}", id .. "-" .. counter)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  return wrk.format(method, paths[(counter %% #paths) + 1], headers, body)
end

function response(status, headers, body)
  if status ~= expect then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("unexpected") end
  local e = summary.errors
  io.write(string.format(
    "WRK-JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50_us\\": %%d, " ..
    "\\"p99_us\\": %%d, \\"unexpected\\": %%d, \\"socket\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    bad, e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(
    base_url: str, scenario: Scenario, *, connections: int, seconds: float, threads: int = 2
) -> Measured:
    """Run wrk with `connections` for `seconds` on `scenario`; its figures."""
    script = LUA % {
        "paths": _lua_list(scenario.paths),
        "headers": _lua_headers(scenario.headers),
        "bodies": _lua_list(scenario.bodies),
        "method": _lua_string(scenario.method),
        "expect": scenario.expect,
        "spread": "true" if scenario.spread_addresses else "false",
        "addresses": CLIENT_ADDRESSES,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=DATA_DIR, delete=False) as lua:
        lua.write(script)
    try:
        argv = [
            "wrk",
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            lua.name,
            base_url + scenario.paths[0],
        ]
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    finally:
        Path(lua.name).unlink()
    line = next((x for x in out.splitlines() if x.startswith("WRK-JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk said nothing we could read:\n{out}")
    raw = json.loads(line.removeprefix("WRK-JSON "))
    return Measured(
        name=scenario.name,
        connections=connections,
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        unexpected=raw["unexpected"],
        socket_errors=raw["socket"],
    )


def mark(passed: bool | None) -> str:
    return "" if passed is None else ("PASS" if passed else "FAIL")
