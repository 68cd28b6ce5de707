"""Lists stay fast however long they get: each list page and API list runs the same number of
queries for N rows as for 5N, pages on with a signed cursor (no page numbers, no COUNT), and
its query walks an index of needs rather than the whole table."""

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from potluck.accounts.models import User
from potluck.accounts.services import api_token_create
from potluck.conftest import login
from potluck.core import keyset
from potluck.ledger import services as ledger_services
from potluck.needs import selectors
from potluck.needs.models import Need, NeedNote, Offer
from potluck.needs.tests.factories import MatchFactory, NeedFactory, OfferFactory
from potluck.networks.models import Network
from potluck.networks.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db

N = 3


# ---------------------------------------------------------------------------- seeding


def seed_needs(network: Network, volunteer: User, count: int) -> None:
    """`count` needs in each state the lists show, with claimants and notes attached."""
    now = timezone.now()
    for index in range(count):
        urgency = ("today", "few_days", "this_week", "flexible")[index % 4]
        fresh = NeedFactory.create(network=network, urgency=urgency, created_at=now)
        NeedFactory.create(network=network, urgency=urgency, created_at=now - timedelta(days=5))
        NeedFactory.create(
            network=network,
            status="claimed",
            claimant=volunteer,
            claim_expires_at=now + timedelta(hours=2, minutes=index),
        )
        NeedFactory.create(
            network=network, status="delivered", claimant=volunteer, delivered_at=now
        )
        NeedFactory.create(network=network, status="closed", closed_at=now)
        NeedNote.objects.create(need=fresh, author=volunteer, kind="note", body="Called, no answer")
    NeedFactory.create(network=NetworkFactory.create())  # someone else's: never listed


def seed_offers(network: Network, volunteer: User, count: int) -> None:
    for _index in range(count):
        offer = OfferFactory.create(network=network)
        MatchFactory.create(offer=offer, responder=volunteer)
        OfferFactory.create(network=network, author=volunteer)
        OfferFactory.create(network=network, status="closed")


def seed_donations(network: Network, treasurer: User, count: int) -> None:
    fund = network.accounts.get(is_general=True)
    for index in range(count):
        ledger_services.donation_record(
            network=network,
            actor=treasurer,
            fund=fund,
            amount=100 + index,
            received_on=timezone.localdate() - timedelta(days=index % 3),
            method="cash",
            donor_name="A neighbour",
        )


def seed_requests(network: Network, member: User, count: int) -> None:
    fund = network.accounts.get(is_general=True)
    for _index in range(count):
        ledger_services.disbursement_request(
            network=network,
            requested_by=member,
            amount=500,
            category="groceries",
            payout_method="cash",
            payout_handle="",
            purpose="",
            fund=fund,
        )


# ---------------------------------------------------------------------------- clients


def api(user: User) -> Client:
    _token, key = api_token_create(user=user, name="list tests")
    return Client(headers={"Authorization": f"Bearer {key}"})


def count_queries(client: Client, url: str, query: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200, response.content[:500]
    return len(captured)


def shown(client: Client, url: str, query: dict[str, Any] | None = None) -> int:
    """How many rows the page or API answer shows."""
    response = client.get(url, query or {})
    if response["Content-Type"].startswith("application/json"):
        return len(response.json()["items"])
    return response.content.decode().count('class="card') + response.content.decode().count(
        '<th scope="row" id="donation-'
    )


def assert_constant(
    client: Client,
    url: str,
    seed: Callable[[int], None],
    query: dict[str, Any] | None = None,
    *,
    rows: Callable[[Client, str, dict[str, Any] | None], int] = shown,
) -> None:
    """Same queries with N rows as with 5N, and the longer list really shows more (`rows`
    counts what the page shows)."""
    seed(N)
    client.get(url, query or {})  # warm sessions, two-factor checks and caches
    few, few_rows = count_queries(client, url, query), rows(client, url, query)
    seed(4 * N)
    many, many_rows = count_queries(client, url, query), rows(client, url, query)
    assert many_rows > few_rows > 0
    assert many == few, f"{url}: {few} queries for {few_rows} rows, {many} for {many_rows}"


# ---------------------------------------------------------------------------- pages


@pytest.mark.parametrize("status", ["open", "active", "", "claimed"])
def test_the_board_runs_the_same_queries_for_many_needs(
    client: Client, network: Network, member: User, volunteer: User, status: str
) -> None:
    client.force_login(member)
    url = reverse("needs:board", args=[network.slug])
    assert_constant(client, url, lambda n: seed_needs(network, volunteer, n), {"status": status})


def test_the_triage_queue_runs_the_same_queries_for_many_needs(
    client: Client, network: Network, coordinator: User, volunteer: User
) -> None:
    login(client, coordinator)
    url = reverse("needs:triage", args=[network.slug])
    assert_constant(client, url, lambda n: seed_needs(network, volunteer, n))


def test_my_claims_runs_the_same_queries_for_many_claims(
    client: Client, network: Network, volunteer: User
) -> None:
    client.force_login(volunteer)
    url = reverse("needs:my_claims", args=[network.slug])
    assert_constant(client, url, lambda n: seed_needs(network, volunteer, n))


def test_the_offers_board_runs_the_same_queries_for_many_offers(
    client: Client, network: Network, volunteer: User
) -> None:
    client.force_login(volunteer)
    url = reverse("needs:offers", args=[network.slug])
    assert_constant(client, url, lambda n: seed_offers(network, volunteer, n))


def test_the_donations_list_runs_the_same_queries_for_many_donations(
    client: Client, network: Network, treasurer: User
) -> None:
    login(client, treasurer)
    url = reverse("ledger:donations", args=[network.slug])
    assert_constant(client, url, lambda n: seed_donations(network, treasurer, n))


def rows_shown(client: Client, url: str, query: dict[str, Any] | None = None) -> int:
    """Table rows (headings too) and list items in the page's main part."""
    main = client.get(url, query or {}).content.decode().split('<main id="main"', 1)[1]
    return main.count("<tr") + main.count("<li")


def seed_members(network: Network, count: int) -> None:
    from potluck.networks.tests.factories import InvitationFactory, MembershipFactory
    from potluck.volunteers.tests.factories import profile_of

    for _index in range(count):
        profile_of(MembershipFactory.create(network=network, role="volunteer"))
        MembershipFactory.create(network=network, role="member", status="pending")
        InvitationFactory.create(network=network)


@pytest.mark.parametrize("page", ["networks:members", "volunteers:workload"])
def test_the_members_and_volunteers_pages_run_the_same_queries_for_many_people(
    client: Client, network: Network, coordinator: User, page: str
) -> None:
    login(client, coordinator)
    url = reverse(page, args=[network.slug])
    assert_constant(client, url, lambda n: seed_members(network, n), rows=rows_shown)


def test_the_broadcasts_page_runs_the_same_queries_for_many_broadcasts(
    client: Client, network: Network, coordinator: User
) -> None:
    from potluck.outreach.models import Broadcast

    def seed(count: int) -> None:
        for _index in range(count):
            Broadcast.objects.create(
                network=network,
                sender=coordinator,
                body="Sandbags at the school at six",
                channels=["email"],
                token=uuid.uuid4().hex,
                recipient_count=3,
                email_count=3,
            )

    login(client, coordinator)
    url = reverse("outreach:broadcasts", args=[network.slug])
    assert_constant(client, url, seed, rows=rows_shown)


# ---------------------------------------------------------------------------- API lists


@pytest.mark.parametrize("query", [{}, {"status": "all"}, {"status": "active", "urgency": "today"}])
def test_the_api_needs_list_runs_the_same_queries_for_many_needs(
    network: Network, member: User, volunteer: User, query: dict[str, str]
) -> None:
    seed = lambda n: seed_needs(network, volunteer, n)  # noqa: E731
    assert_constant(api(member), "/api/v1/needs", seed, query)


def test_the_api_offers_list_runs_the_same_queries_for_many_offers(
    network: Network, member: User, volunteer: User
) -> None:
    seed = lambda n: seed_offers(network, volunteer, n)  # noqa: E731
    assert_constant(api(member), "/api/v1/offers", seed, {"network": network.slug})


def test_the_api_donations_list_runs_the_same_queries_for_many_donations(
    network: Network, treasurer: User
) -> None:
    seed = lambda n: seed_donations(network, treasurer, n)  # noqa: E731
    assert_constant(api(treasurer), "/api/v1/donations", seed, {"network": network.slug})


@pytest.mark.parametrize("who", ["treasurer", "member"])
def test_the_api_requests_list_runs_the_same_queries_for_many_requests(
    network: Network, member: User, treasurer: User, who: str
) -> None:
    seed = lambda n: seed_requests(network, member, n)  # noqa: E731
    reader = treasurer if who == "treasurer" else member
    assert_constant(api(reader), "/api/v1/disbursements", seed, {"network": network.slug})


# ---------------------------------------------------------------------------- paging on


def walk(client: Client, url: str, pick: Callable[[Any], Any]) -> Iterator[tuple[Any, int]]:
    """Each page's pager and its query count, following "Next page" to the end."""
    next_url: str | None = url
    while next_url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(next_url)
        assert response.status_code == 200
        pager = pick(response.context)
        yield pager, len(captured)
        assert "page=" not in (pager.next_url or "")
        next_url = pager.next_url


@pytest.mark.parametrize(
    ("name", "query", "expected"),
    [
        ("board", "", lambda net: selectors.by_priority(Need.objects.open())),
        ("board", "?status=open", lambda net: selectors.by_priority(Need.objects.open())),
        (
            "board",
            "?status=active&category=groceries",
            lambda net: selectors.by_priority(Need.objects.active()),
        ),
        ("my_claims", "", None),
    ],
)
def test_pages_follow_the_cursor_through_every_row_once_in_order(
    client: Client,
    network: Network,
    volunteer: User,
    settings: Any,
    name: str,
    query: str,
    expected: Callable[[Network], QuerySet[Need]] | None,
) -> None:
    settings.POTLUCK_PAGE_SIZE = 4
    seed_needs(network, volunteer, 5)
    client.force_login(volunteer)
    url = reverse(f"needs:{name}", args=[network.slug]) + query
    pages = list(walk(client, url, lambda context: context["pager"]))
    seen = [need.pk for pager, _queries in pages for need in pager.items]
    if expected is None:
        wanted = list(
            selectors.need_list_for_volunteer(user=volunteer, network=network).values_list(
                "pk", flat=True
            )
        )
    else:
        wanted = list(expected(network).filter(network=network).values_list("pk", flat=True))
    assert len(pages) > 2
    assert seen == wanted
    assert len({queries for _pager, queries in pages[1:]}) == 1  # page 2 on: all the same
    assert pages[0][0].first_url is None
    assert all(pager.first_url for pager, _queries in pages[1:])


def test_each_triage_list_pages_on_its_own(
    client: Client, network: Network, coordinator: User, volunteer: User, settings: Any
) -> None:
    settings.POTLUCK_PAGE_SIZE = 2
    seed_needs(network, volunteer, 5)
    login(client, coordinator)
    url = reverse("needs:triage", args=[network.slug])
    first = client.get(url).context
    stale = list(walk(client, url, lambda context: context["stale_page"]))
    queue = selectors.need_list_for_triage(network=network)
    assert [n.pk for pager, _q in stale for n in pager.items] == [n.pk for n in queue.stale]
    # Paging one list leaves the others on their first page.
    second = client.get(first["stale_page"].next_url).context
    assert second["new_page"].items == first["new_page"].items
    assert second["stale_page"].items != first["stale_page"].items
    page = client.get(first["stale_page"].next_url).content.decode()
    assert 'href="/n/' in page
    assert "#q-stale" in page


def test_offers_page_on_newest_first(
    client: Client, network: Network, volunteer: User, settings: Any
) -> None:
    settings.POTLUCK_PAGE_SIZE = 2
    seed_offers(network, volunteer, 3)
    client.force_login(volunteer)
    url = reverse("needs:offers", args=[network.slug]) + "?kind=rides"
    pages = list(walk(client, url, lambda context: context["pager"]))
    seen = [offer.pk for pager, _queries in pages for offer in pager.items]
    wanted = selectors.offer_list_for_board(network=network, kind="rides")
    assert seen == [offer.pk for offer in wanted]
    assert len(pages) == 3


@pytest.mark.parametrize(
    "cursor",
    ["forged", "x" * 2000, "", keyset._encode([1, 2], salt="needs.offers")],
    # The signed cursor carries a timestamp; fixed ids keep the test names the same
    # in every pytest-xdist worker.
    ids=["forged", "too-long", "empty", "another-page"],
)
def test_a_bad_cursor_on_a_page_gives_the_first_page(
    client: Client, network: Network, volunteer: User, settings: Any, cursor: str
) -> None:
    settings.POTLUCK_PAGE_SIZE = 2
    seed_needs(network, volunteer, 2)
    client.force_login(volunteer)
    url = reverse("needs:board", args=[network.slug])
    first = client.get(url).context["pager"]
    response = client.get(url, {"cursor": cursor})
    assert response.status_code == 200
    assert response.context["pager"].items == first.items
    assert response.context["pager"].first_url is None


def test_a_cursor_from_one_page_is_refused_by_the_api_and_another_page(
    client: Client, network: Network, volunteer: User, settings: Any
) -> None:
    settings.POTLUCK_PAGE_SIZE = 2
    seed_needs(network, volunteer, 2)
    client.force_login(volunteer)
    board = reverse("needs:board", args=[network.slug])
    next_url = client.get(board).context["pager"].next_url
    cursor = next_url.split("cursor=")[1]
    response = api(volunteer).get("/api/v1/needs", {"cursor": cursor})
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["code"] == "invalid_cursor"
    claims = client.get(reverse("needs:my_claims", args=[network.slug]), {"cursor": cursor})
    assert claims.context["pager"].first_url is None


def test_the_pages_never_count_their_rows(
    client: Client, network: Network, coordinator: User, volunteer: User
) -> None:
    seed_needs(network, volunteer, 2)
    login(client, coordinator)
    for name in ("board", "triage", "my_claims", "offers"):
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse(f"needs:{name}", args=[network.slug]))
        assert not [q for q in captured if "COUNT(" in q["sql"].upper()], name


# ---------------------------------------------------------------------------- indexes


def hot_lists(network: Network, volunteer: User) -> dict[str, QuerySet[Any]]:
    """Each hot list's query, as its first page runs it."""
    board = selectors.need_list_for_board
    queue = selectors.need_list_for_triage(network=network)
    return {
        "board open": board(network=network, filters=selectors.BoardFilters()),
        "board active": board(network=network, filters=selectors.BoardFilters(status="active")),
        "board all": board(network=network, filters=selectors.BoardFilters(status="")),
        "board today": board(network=network, filters=selectors.BoardFilters(urgency="today")),
        "triage new": queue.new,
        "triage stale": queue.stale,
        "triage expiring": queue.expiring,
        "triage delivered": queue.delivered,
        "my claims": selectors.need_list_for_volunteer(user=volunteer, network=network),
        "offers": selectors.offer_list_for_board(network=network),
    }


@pytest.fixture
def crowded(network: Network, volunteer: User) -> None:
    """5,000 needs in two networks, most of them closed, as after months of use."""
    other = NetworkFactory.create()
    now = timezone.now()
    statuses = ["closed"] * 14 + ["open", "open", "claimed", "delivered"]
    rows = []
    for index in range(5000):
        status = statuses[index % len(statuses)]
        rows.append(
            NeedFactory.build(
                network=network if index % 3 else other,
                status=status,
                urgency=("today", "few_days", "this_week", "flexible")[index % 4],
                created_at=now - timedelta(minutes=index * 7),
                claimant=volunteer if status in ("claimed", "delivered") else None,
                claim_expires_at=now + timedelta(minutes=index) if status == "claimed" else None,
                delivered_at=now - timedelta(minutes=index) if status == "delivered" else None,
            )
        )
    Need.objects.bulk_create(rows, batch_size=500)
    offers = [OfferFactory.build(network=network, author=volunteer) for _index in range(2000)]
    for number, offer in enumerate(offers):
        offer.status = "open" if number % 5 == 0 else "closed"
    Offer.objects.bulk_create(offers, batch_size=500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


SORTED_LISTS = {"my claims", "triage new"}


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def second_page(rows: QuerySet[Any], salt: str) -> QuerySet[Any]:
    """The query of the page after the first, cursor and all."""
    first = keyset.paginate(rows, cursor=None, limit=3, salt=salt)
    assert first.next, "the list is too short to have a second page"
    return keyset.page_query(rows, cursor=first.next, salt=salt)[:26]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.usefixtures("crowded")
def test_postgresql_walks_an_index_for_every_hot_list(network: Network, volunteer: User) -> None:
    for name, rows in hot_lists(network, volunteer).items():
        for query in (rows[:26], second_page(rows, salt=name)):
            sql, params = query.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                raw = cursor.fetchone()[0]
            plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
            nodes = list(plan_nodes(plan))
            scans = [(node["Node Type"], node.get("Relation Name")) for node in nodes]
            # Joined tables (a handful of people here) may be read whole; the list's may not.
            table = "needs_offer" if name == "offers" else "needs_need"
            assert ("Seq Scan", table) not in scans, (name, scans)
            assert {"Index Scan", "Index Only Scan", "Bitmap Index Scan"} & {s[0] for s in scans}
            # A volunteer's few claims, and the last day's asks (a range of need_board_idx),
            # are few enough to sort; every other list is read in its index's order.
            if name not in SORTED_LISTS:
                assert "Sort" not in {node["Node Type"] for node in nodes}, (name, scans)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite plans")
@pytest.mark.usefixtures("crowded")
def test_sqlite_searches_an_index_for_every_hot_list(network: Network, volunteer: User) -> None:
    for name, rows in hot_lists(network, volunteer).items():
        for query in (rows[:26], second_page(rows, salt=name)):
            sql, params = query.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                steps = [row[-1] for row in cursor.fetchall()]
            table = "needs_offer" if name == "offers" else "needs_need"
            on_table = [step for step in steps if f" {table} " in f"{step} "]
            assert on_table, (name, steps)
            assert all("USING" in step and "INDEX" in step for step in on_table), (name, steps)
            if name not in SORTED_LISTS:
                assert not [s for s in steps if "TEMP B-TREE" in s], (name, steps)
