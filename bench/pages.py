"""Page weight: every page of Potluck, with everything it loads, must stay under 100 KB.

Run: .venv/bin/python bench/pages.py [--limit-kb 100] [--top 5]

On a fresh SQLite database (under /tmp/data-bench/pages) with production settings (DEBUG
off, the compressed manifest static files storage, `collectstatic` run), it loads the demo
data (`potluck demo --force`) and the access tests' world (potluck/core/tests/routes.py),
then opens every GET page of the route catalogue through the whole middleware stack (Django's
test client, whitenoise included), as the first of these people who may see it: an admin,
coordinator, treasurer, volunteer or member of the world's network, someone anonymous, a
signed-in stranger. The network pages are opened again for each demo network by its admin.

Each page is measured as a first visit with an empty cache: its HTML plus every stylesheet,
script, image and font it references (and what the stylesheets reference), each counted once.

    raw         the bytes without any compression
    compressed  static files as whitenoise serves them to a browser that accepts gzip (and
                brotli, if the Brotli package is installed); the HTML gzipped, as the proxy in
                front compresses it (Django itself sends it as is)

A page passes if its raw weight is under the limit (the stricter of the two: it holds even
with no compression at all). Prints the heaviest five; exits 1 if any page is over.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

if __package__ in (None, ""):  # run as a script: make `potluck`, `config` and `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATA_DIR, bench_env, collect_static, setup_django

PAGES_DIR = DATA_DIR / "pages"
ACCEPT = "br, gzip"


@dataclass(frozen=True)
class Weight:
    name: str
    url: str
    who: str
    html_raw: int
    html_gzip: int
    assets_raw: int
    assets_served: int
    assets: int

    @property
    def raw(self) -> int:
        return self.html_raw + self.assets_raw

    @property
    def compressed(self) -> int:
        return self.html_gzip + self.assets_served


class References(HTMLParser):
    """The same-site files a page makes a browser fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("href"):
            rel = (values.get("rel") or "").lower()
            if any(kind in rel for kind in ("stylesheet", "icon", "preload", "manifest")):
                self.found.append(values["href"] or "")
        elif tag in ("script", "img", "source") and values.get("src"):
            self.found.append(values["src"] or "")


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def fetch_asset(client: Any, url: str) -> tuple[int, int, bytes]:
    """(raw size, size as served to a browser accepting compression, raw bytes) of `url`."""
    raw_response = client.get(url)
    raw = body_of(raw_response)
    if raw_response.status_code != 200:
        raise SystemExit(f"{url}: {raw_response.status_code}")
    served = body_of(client.get(url, HTTP_ACCEPT_ENCODING=ACCEPT))
    return len(raw), len(served), raw


def assets_of(client: Any, page_url: str, html: str) -> Iterator[tuple[str, int, int]]:
    """Each referenced file once: (url, raw size, served size), following stylesheets."""
    parser = References()
    parser.feed(html)
    pending = [urljoin(page_url, ref) for ref in parser.found]
    seen: set[str] = set()
    while pending:
        url = pending.pop(0)
        parts = urlsplit(url)
        if parts.netloc or parts.scheme == "data" or url in seen:
            continue  # another site (none should be referenced) or inline data
        seen.add(url)
        raw, served, content = fetch_asset(client, parts.path)
        if parts.path.endswith(".css"):
            text = content.decode("utf-8", "replace")
            pending += [
                urljoin(url, ref) for ref in CSS_URL.findall(text) if not ref.startswith("data:")
            ]
        yield url, raw, served


def weigh(client: Any, name: str, url: str, who: str) -> Weight | None:
    """The page's weight, or None if it is not an HTML page this person can open."""
    response = client.get(url, HTTP_ACCEPT_ENCODING=ACCEPT)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return None
    html = body_of(response)
    if response.get("Content-Encoding"):
        raise SystemExit(f"{url}: HTML came compressed; this benchmark expects Django's plain")
    files = list(assets_of(client, url, html.decode("utf-8", "replace")))
    return Weight(
        name=name,
        url=url,
        who=who,
        html_raw=len(html),
        html_gzip=len(gzip.compress(html, compresslevel=6)),
        assets_raw=sum(raw for _url, raw, _served in files),
        assets_served=sum(served for _url, _raw, served in files),
        assets=len(files),
    )


# ---------------------------------------------------------------------------- the walk


def prepare() -> None:
    if PAGES_DIR.exists():
        shutil.rmtree(PAGES_DIR)
    env = bench_env(database="unused", port=8000, data_dir=PAGES_DIR)
    env["DATABASE_URL"] = ""  # embedded SQLite, in PAGES_DIR
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"  # the product's pages only
    env["POTLUCK_LOG_LEVEL"] = "ERROR"  # the walk meets many deliberate 404s
    setup_django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    collect_static()
    call_command("demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


def targets(world: Any) -> dict[str, Any]:
    """The object each kind of URL points at, from the world's network A."""
    from potluck.core.tests.routes import Target, invalid_reset_link, make_money_need

    side = world.a
    return {
        Target.SITE: None,
        Target.NETWORK: side.network,
        Target.NEED: side.need("open"),
        Target.OFFER: side.offer,
        Target.MATCH: side.match,
        Target.MEMBERSHIP: side.waiting,
        Target.INVITATION: side.invitation,
        Target.INVITE_LINK: side.invitation,
        Target.STATUS_LINK: side.links["open"],
        Target.LOGIN_LINK: world.signup,
        Target.RESET_LINK: invalid_reset_link(side.people["helper"]),
        Target.DISPATCH: side.dispatch,
        Target.CAMPAIGN: side.money["campaign"],
        Target.DISBURSEMENT: side.money["request"],
        Target.DONATION: side.money["donation"],
        Target.IMPORT: side.money["import"],
        Target.PLEDGE: side.money["pledge"],
        Target.PLEDGE_LINK: side.money["pledge_link"],
        "money_need": make_money_need(network=side.network).need,
    }


def walk() -> tuple[list[Weight], list[str]]:
    """Weigh every GET page; also say which could not be opened by anyone."""
    from django.test import Client

    from potluck.conftest import login
    from potluck.core.tests.routes import CATALOGUE, Target, build_world, url_of
    from potluck.networks.models import Membership, Network

    world = build_world()
    objects = targets(world)
    order = ["admin", "coordinator", "treasurer", "helper", "volunteer", "member", "neighbour"]
    people: list[tuple[str, Any]] = [(who, world.a.people[who]) for who in order]
    people += [("anonymous", None), ("stranger", world.stranger)]
    clients = {who: Client() for who, _user in people}
    for who, user in people:
        if user is not None:
            login(clients[who], user)
    # The two-factor code page: an admin past the password, not yet past the code.
    people.append(("admin, before code", world.a.people["admin"]))
    clients["admin, before code"] = Client()
    clients["admin, before code"].force_login(world.a.people["admin"])
    weights, unopened = [], []
    pages = [r for r in CATALOGUE if "GET" in r.methods and not r.is_api]
    for route in pages:
        if route.target == Target.API_TOKEN:
            continue
        key = "money_need" if route.name == "ledger:need_request" else route.target
        obj = objects[key]
        if route.name == "ledger:receipt":
            obj = world.a.money["reimbursement"]
        url = url_of(route, obj)
        found = next(
            (w for who, _u in people if (w := weigh(clients[who], route.name, url, who))), None
        )
        if found is None:
            unopened.append(f"{route.name} ({url})")
        else:
            weights.append(found)
    world_networks = {world.a.network.pk, world.b.network.pk}
    for network in Network.objects.exclude(pk__in=world_networks).order_by("slug"):
        admin = Membership.objects.filter(network=network, role="admin", status="active").first()
        if admin is None:
            continue
        client = login(Client(), admin.user)
        for route in pages:
            if route.target == Target.NETWORK:
                url = url_of(route, network)
                if (w := weigh(client, route.name, url, f"{network.slug} admin")) is not None:
                    weights.append(w)
    return weights, unopened


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-kb", type=float, default=100)
    parser.add_argument("--top", type=int, default=5)
    options = parser.parse_args(argv)
    prepare()
    weights, unopened = walk()
    limit = options.limit_kb * 1000
    heaviest = sorted(weights, key=lambda w: w.raw, reverse=True)
    print(f"{len(weights)} pages weighed (HTML and every file it loads, first visit).")
    print(
        f"\n{'page':34}{'as':>18}{'HTML':>9}{'files':>7}{'raw KB':>9}{'compr. KB':>11}"
        f"   (limit {options.limit_kb:g} KB raw)"
    )
    for w in heaviest[: options.top]:
        print(
            f"{w.name:34}{w.who:>18}{w.html_raw / 1000:>9.1f}{w.assets:>7}"
            f"{w.raw / 1000:>9.1f}{w.compressed / 1000:>11.1f}"
        )
    lightest = heaviest[-1] if heaviest else None
    if lightest is not None:
        print(f"lightest: {lightest.name} {lightest.raw / 1000:.1f} KB raw")
    over = [w for w in weights if w.raw >= limit]
    for w in over:
        print(f"FAIL  {w.name} ({w.url}, as {w.who}): {w.raw / 1000:.1f} KB")
    if unopened:
        print("Not HTML pages, or nobody could open them here: " + ", ".join(unopened))
    print(f"\n{'FAIL' if over else 'PASS'}  every page under {options.limit_kb:g} KB")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
