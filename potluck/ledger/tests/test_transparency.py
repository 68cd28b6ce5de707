import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from potluck.accounts.models import User
from potluck.conftest import login
from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.ledger import services
from potluck.ledger.accounts import DONATIONS
from potluck.ledger.models import Account, Disbursement, Entry, Method
from potluck.ledger.tests.factories import fill_fund, general_fund, make_approved
from potluck.ledger.transparency import PRIVACY_THRESHOLD, transparency_summary
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Membership, Network, Role

pytestmark = pytest.mark.django_db

DONOR_NAME = "Canary Donor Oduya"
PLEDGE_HANDLE = "@canary-pledge-handle"
RECIPIENT_PREFIX = "Canary Recipient"


def _month_shift(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _content(response: Any) -> str:
    return response.getvalue().decode()


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_content(response))))


def _plain(cell: str) -> Decimal:
    """A CSV amount back to a number: negative ones carry the formula-escaping quote."""
    return Decimal(cell.removeprefix("'"))


@pytest.fixture
def recipients(network: Network, member_factory: Callable[..., Membership]) -> list[User]:
    """Members of the network who will ask for (and be paid) money, with canary names."""
    return [
        member_factory(
            network=network, role=Role.MEMBER, user__display_name=f"{RECIPIENT_PREFIX} {n}"
        ).user
        for n in range(PRIVACY_THRESHOLD + 2)
    ]


def _pay(network: Network, asker: User, treasurer: User, **kw: Any) -> Disbursement:
    disbursement = make_approved(network=network, asker=asker, treasurers=[treasurer], **kw)
    return services.disbursement_pay(disbursement=disbursement, treasurer=treasurer)


@pytest.fixture
def books(network: Network, treasurer: User, member: User, recipients: list[User]) -> date:
    """A year's books in miniature; returns today.

    Last month: donations of 500.00 and 30.00 (the 30.00 is reversed today).
    This month: a 200.00 donation; groceries for 5 people (10.00 each, one reversed), rides
    for 1 person (7.00) and meals for 1 (3.00); a pledge of 25.00 paid directly to the
    person behind a money need.
    """
    today = timezone.localdate()
    last_month = _month_shift(today, -1) + timedelta(days=9)
    fund = general_fund(network)
    record = services.donation_record
    record(
        network=network,
        actor=treasurer,
        fund=fund,
        amount=50_000,
        received_on=last_month,
        method=Method.BANK,
        donor_name=DONOR_NAME,
    )
    bounced = record(
        network=network,
        actor=treasurer,
        fund=fund,
        amount=3_000,
        received_on=last_month,
        method=Method.CASH,
        donor_name=DONOR_NAME,
    )
    services.donation_reverse(donation=bounced, actor=treasurer)
    record(
        network=network,
        actor=treasurer,
        fund=fund,
        amount=20_000,
        received_on=today,
        method=Method.VENMO,
        donor_name=DONOR_NAME,
    )
    groceries = [
        _pay(network, person, treasurer, amount=1_000, category="groceries")
        for person in recipients[:PRIVACY_THRESHOLD]
    ]
    services.disbursement_reverse(disbursement=groceries[0], treasurer=treasurer)
    _pay(network, recipients[PRIVACY_THRESHOLD], treasurer, amount=700, category="rides")
    _pay(network, recipients[PRIVACY_THRESHOLD + 1], treasurer, amount=300, category="meals")
    need = NeedFactory.create(network=network, category="money")
    pledge = services.pledge_make(need=need, donor=member, amount=2_500)
    services.pledge_handle_give(pledge=pledge, payout_handle=PLEDGE_HANDLE)
    services.pledge_confirm_paid(pledge=pledge, donor=member)
    services.pledge_confirm_received(pledge=pledge)
    return today


def _lines(lines: Any) -> dict[str, int]:
    return {line.code: line.amount for line in lines}


def test_the_summary_counts_money_in_by_source_and_reversals_in_their_own_month(
    network: Network, books: date
) -> None:
    summary = transparency_summary(network=network)
    this, last = summary.months[0], summary.months[1]
    assert (this.month, last.month) == (_month_shift(books, 0), _month_shift(books, -1))
    assert _lines(last.money_in) == {DONATIONS: 53_000}
    assert _lines(this.money_in) == {DONATIONS: 20_000 - 3_000, "direct-aid-donors": 2_500}
    assert [line.label for line in this.money_in] == ["Donations", "Donors paying directly"]
    assert summary.total_in == 53_000 + 17_000 + 2_500
    assert len(summary.months) == 12
    assert not any(month.has_money for month in summary.months[2:])


def test_categories_helping_fewer_than_five_people_are_shown_as_other(
    network: Network, books: date
) -> None:
    this = transparency_summary(network=network).months[0]
    # Groceries reached 5 people (one payment reversed: 4 x 10.00 net); rides, meals and the
    # direct-aid pledge (category money) reached one person each, so they fold into Other.
    assert _lines(this.money_out) == {"groceries": 4_000, "other": 700 + 300 + 2_500}
    assert [line.label for line in this.money_out] == ["Groceries", "Other"]
    assert this.total_out == 7_500


def test_a_reversal_in_a_later_month_counts_against_that_month(
    network: Network, books: date
) -> None:
    # Seen from last month, the bounced donation was still money in.
    last = transparency_summary(network=network, today=_month_shift(books, -1)).months[0]
    assert _lines(last.money_in) == {DONATIONS: 53_000}
    assert not last.money_out


def test_fund_balances_and_totals_come_from_the_ledger(
    network: Network, books: date, treasurer: User
) -> None:
    services.fund_create(network=network, actor=treasurer, name="Rent fund")
    summary = transparency_summary(network=network)
    balances = {fund.name: fund.balance for fund in summary.funds}
    assert balances == {"General fund": 50_000 + 20_000 - 4_000 - 700 - 300, "Rent fund": 0}
    assert summary.funds_total == 65_000


def test_anyone_can_see_the_money_page(client: Client, network: Network, books: date) -> None:
    response = client.get(reverse("ledger:transparency", args=[network.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Groceries" in page
    assert "Other" in page
    assert "$40.00" in page  # groceries, net of the reversal
    assert "$35.00" in page  # rides, meals and the pledge, as Other
    assert "fewer than 5 people" in page
    assert reverse("ledger:transparency_csv", args=[network.slug]) in page
    # Treasurers' links are for treasurers.
    assert reverse("ledger:ledger_csv", args=[network.slug]) not in page


def test_anyone_can_download_the_figures(client: Client, network: Network, books: date) -> None:
    response = client.get(reverse("ledger:transparency_csv", args=[network.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{network.slug}-money-' in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["month", "direction", "category", "amount", "currency"]
    this = books.strftime("%Y-%m")
    assert [this, "out", "Groceries", "40.00", "USD"] in rows
    assert [this, "out", "Other", "35.00", "USD"] in rows
    assert [this, "in", "Donations", "170.00", "USD"] in rows
    assert [_month_shift(books, -1).strftime("%Y-%m"), "in", "Donations", "530.00", "USD"] in rows
    assert [this, "balance", "General fund", "650.00", "USD"] in rows


def test_nobody_is_named_in_the_page_or_the_csv(
    client: Client, network: Network, books: date, member: User, recipients: list[User]
) -> None:
    pages = [
        client.get(reverse("ledger:transparency", args=[network.slug])).content.decode(),
        _content(client.get(reverse("ledger:transparency_csv", args=[network.slug]))),
    ]
    canaries = [DONOR_NAME, PLEDGE_HANDLE, "@canary-handle", "Canary", member.display_name]
    canaries += [person.display_name for person in recipients]
    for text in pages:
        for canary in canaries:
            assert canary not in text
        assert "Rides" not in text
        assert "Meals" not in text


def test_fund_names_that_look_like_formulas_are_escaped_in_the_csv(
    client: Client, network: Network, treasurer: User
) -> None:
    for name in ("=cmd()", "@SUM(A1)", "+Bail", "-Rent"):
        services.fund_create(network=network, actor=treasurer, name=name)
    content = _content(client.get(reverse("ledger:transparency_csv", args=[network.slug])))
    names = [row[2] for row in csv.reader(io.StringIO(content)) if row[1] == "balance"]
    assert set(names) == {"General fund", "'=cmd()", "'@SUM(A1)", "'+Bail", "'-Rent"}
    assert "\n=cmd()" not in content
    assert ",=cmd()" not in content


def test_the_page_takes_the_same_queries_however_much_money_moved(
    client: Client,
    network: Network,
    treasurer: User,
    recipients: list[User],
    django_assert_max_num_queries: Any,
) -> None:
    url = reverse("ledger:transparency", args=[network.slug])
    fill_fund(network, 1_000)
    with django_assert_max_num_queries(6) as few:
        assert client.get(url).status_code == 200
    fill_fund(network, 100_000)
    for n, person in enumerate(recipients):
        _pay(network, person, treasurer, amount=500, category=["groceries", "rides"][n % 2])
    services.fund_create(network=network, actor=treasurer, name="Bail fund")
    with django_assert_max_num_queries(6) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    with django_assert_max_num_queries(6):
        assert client.get(url + "transparency.csv").getvalue()


def test_an_unknown_network_has_no_money_page(client: Client, db: Any) -> None:
    assert client.get(reverse("ledger:transparency", args=["nowhere"])).status_code == 404
    assert client.get(reverse("ledger:transparency_csv", args=["nowhere"])).status_code == 404


# ---------------------------------------------------------------------------- treasurers


def test_a_treasurer_downloads_the_full_ledger_and_it_sums_to_zero(
    client: Client, network: Network, books: date, treasurer: User
) -> None:
    login(client, treasurer)
    response = client.get(reverse("ledger:ledger_csv", args=[network.slug]))
    assert response.status_code == 200
    assert response.streaming
    assert f'filename="{network.slug}-ledger-' in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[0] == "transaction"
    assert header[-1] == "recorded by"
    assert len(rows) == Entry.objects.filter(account__network=network).count()
    assert sum(_plain(row[6]) for row in rows) == 0
    reversal = next(row for row in rows if row[2] == "Reversal")
    assert reversal[9]  # names the transaction it reverses
    assert treasurer.display_name in {row[10] for row in rows}
    assert any(row[6].startswith("'-") for row in rows)  # negative amounts, escaped


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VOLUNTEER, Role.COORDINATOR])
def test_only_treasurers_get_the_ledger_and_the_check(
    client: Client, network: Network, member_factory: Callable[..., Membership], role: str
) -> None:
    login(client, member_factory(network=network, role=role).user)
    assert client.get(reverse("ledger:ledger_csv", args=[network.slug])).status_code == 404
    assert client.get(reverse("ledger:balance_check", args=[network.slug])).status_code == 404


def test_a_stranger_gets_404_and_anonymous_is_asked_to_sign_in(
    client: Client, network: Network, stranger: User
) -> None:
    for name in ("ledger:ledger_csv", "ledger:balance_check"):
        response = client.get(reverse(name, args=[network.slug]))
        assert response.status_code == 302
        assert "login" in response["Location"]
    login(client, stranger)
    for name in ("ledger:ledger_csv", "ledger:balance_check"):
        assert client.get(reverse(name, args=[network.slug])).status_code == 404


def test_an_admin_may_check_the_books(client: Client, network: Network, admin: User) -> None:
    login(client, admin)
    assert client.get(reverse("ledger:balance_check", args=[network.slug])).status_code == 200


def test_the_balance_check_says_everything_adds_up(
    client: Client, network: Network, books: date, treasurer: User
) -> None:
    login(client, treasurer)
    response = client.get(reverse("ledger:balance_check", args=[network.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Everything adds up." in page
    assert "Something doesn&#x27;t add up" not in page


def test_the_balance_check_names_an_account_whose_balance_is_wrong(
    client: Client, network: Network, books: date, treasurer: User
) -> None:
    rent = services.fund_create(network=network, actor=treasurer, name="Rent fund")
    Account.objects.filter(pk=rent.pk).update(balance=F("balance") + 1_234)
    login(client, treasurer)
    page = client.get(reverse("ledger:balance_check", args=[network.slug])).content.decode()
    assert "Everything adds up." not in page
    assert "Rent fund: the balance kept is $12.34, but its entries add up to $0.00." in page
    assert "General fund: the balance kept" not in page


def test_the_balance_check_names_a_transaction_that_does_not_add_up(
    client: Client, network: Network, books: date, treasurer: User
) -> None:
    txn = services.system_account(network, DONATIONS).entries.earliest("pk").transaction
    Entry.objects.create(transaction=txn, account=general_fund(network), amount=99)
    login(client, treasurer)
    page = client.get(reverse("ledger:balance_check", args=[network.slug])).content.decode()
    assert "Everything adds up." not in page
    assert f"Transaction {txn.pk} of " in page
    assert "its entries add up to $0.99 instead of zero." in page
    assert "General fund: the balance kept is" in page  # its balance missed the stray entry


def test_the_balance_check_writes_nothing(
    client: Client, network: Network, books: date, treasurer: User
) -> None:
    login(client, treasurer)
    before = list(
        Account.objects.filter(network=network).values_list("pk", "balance", "updated_at")
    )
    entries = Entry.objects.count()
    client.get(reverse("ledger:balance_check", args=[network.slug]))
    after = list(Account.objects.filter(network=network).values_list("pk", "balance", "updated_at"))
    assert (before, entries) == (after, Entry.objects.count())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_money_pages_pass_axe_without_javascript(
    page: Any, live_server: Any, network: Network, treasurer: User, recipients: list[User]
) -> None:
    page.context.route("**/*.js", lambda route: route.abort())  # works without JavaScript
    fill_fund(network, 50_000)
    for person in recipients:
        _pay(network, person, treasurer, amount=1_000, category="groceries")
    page.goto(f"/n/{network.slug}/money/")
    assert page.locator("main section h3").count() == 12
    assert page.locator("main table caption").count() == 2  # the funds, and this month
    axe_check(page)
    log_in(page, treasurer, live_server.url)
    page.goto(f"/n/{network.slug}/money/")
    submit(page, f"main a[href='/n/{network.slug}/money/check/']")
    assert page.locator("main [role=status]").inner_text() == "Everything adds up."
    axe_check(page)
