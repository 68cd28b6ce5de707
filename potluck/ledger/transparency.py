"""What a network's money looks like from outside, and the treasurers' check that it adds up.

The public picture comes from the ledger itself: money in by month and source, money out by
month and need category, and what each fund holds. It never names, counts or points at a
person: within a month, a category that helped fewer than PRIVACY_THRESHOLD different people
is folded into "Other", so a small figure can't be traced to a neighbour.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from potluck.ledger.accounts import SYSTEM_ACCOUNTS
from potluck.ledger.models import Account, Disbursement, Entry, LedgerTransaction, Pledge
from potluck.ledger.selectors import BalanceCheck, balance_check, fund_list, ledger_entries
from potluck.ledger.services.funds import policy_for
from potluck.ledger.units import format_amount, plain_amount
from potluck.networks.categories import Category
from potluck.networks.models import Network

# A category that helped fewer people than this in a month is shown as "Other".
PRIVACY_THRESHOLD = 5

# Account kinds that face outside the network: what flows through them is money in or out.
OUTSIDE = [Account.Kind.INCOME, Account.Kind.EXPENSE]
MONEY_OUT_KINDS = [
    LedgerTransaction.Kind.DISBURSEMENT,
    LedgerTransaction.Kind.REIMBURSEMENT,
    LedgerTransaction.Kind.DIRECT_AID,
    LedgerTransaction.Kind.REVERSAL,
]
PAID = {Disbursement.Status.PAID, Disbursement.Status.REVERSED}
CATEGORY_ORDER = {code: index for index, code in enumerate(Category.values)}
SOURCE_ORDER = {slug: index for index, slug in enumerate(SYSTEM_ACCOUNTS)}


@dataclass(frozen=True)
class Line:
    """One figure of a month: a source of money in, or a category of money out."""

    code: str  # the income account's slug, or the need category's code
    label: str
    amount: int
    unit: str

    @property
    def shown(self) -> str:
        return format_amount(self.amount, self.unit)


@dataclass(frozen=True)
class MonthSummary:
    month: date  # its first day
    unit: str
    money_in: list[Line]
    money_out: list[Line]

    @property
    def total_in(self) -> int:
        return sum(line.amount for line in self.money_in)

    @property
    def total_out(self) -> int:
        return sum(line.amount for line in self.money_out)

    @property
    def total_in_shown(self) -> str:
        return format_amount(self.total_in, self.unit)

    @property
    def total_out_shown(self) -> str:
        return format_amount(self.total_out, self.unit)

    @property
    def has_money(self) -> bool:
        return bool(self.money_in or self.money_out)


@dataclass(frozen=True)
class FundBalance:
    name: str
    balance: int
    unit: str

    @property
    def shown(self) -> str:
        return format_amount(self.balance, self.unit)


@dataclass(frozen=True)
class TransparencySummary:
    unit: str
    today: date
    months: list[MonthSummary]  # newest first
    funds: list[FundBalance]

    @property
    def total_in(self) -> int:
        return sum(month.total_in for month in self.months)

    @property
    def total_out(self) -> int:
        return sum(month.total_out for month in self.months)

    @property
    def funds_total(self) -> int:
        return sum(fund.balance for fund in self.funds if fund.unit == self.unit)

    @property
    def total_in_shown(self) -> str:
        return format_amount(self.total_in, self.unit)

    @property
    def total_out_shown(self) -> str:
        return format_amount(self.total_out, self.unit)

    @property
    def funds_total_shown(self) -> str:
        return format_amount(self.funds_total, self.unit)


def transparency_summary(
    *, network: Network, months: int = 12, today: date | None = None
) -> TransparencySummary:
    """Money in by source and out by category, for each of the last `months` calendar months
    (this one included), with what each fund holds now. Four queries, however much data."""
    today = today or timezone.localdate()
    first, end = _month_shift(today, -(max(months, 1) - 1)), _month_shift(today, 1)
    unit = policy_for(network).currency
    money_in, money_out = _flows(network, unit=unit, first=first, end=end)
    people = _recipients(network, first=first, end=end)
    month_list = [_month_shift(today, -back) for back in range(max(months, 1))]
    summaries = [
        MonthSummary(
            month=month,
            unit=unit,
            money_in=_in_lines(money_in[month], unit),
            money_out=_out_lines(money_out[month], people[month], unit),
        )
        for month in month_list
    ]
    return TransparencySummary(unit=unit, today=today, months=summaries, funds=_funds(network))


def _month_shift(day: date, months: int) -> date:
    """The first day of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _as_month(value: Any) -> date:
    # TruncMonth gives a date; a backend that hands back a datetime gets the same key.
    return date(value.year, value.month, 1)


def _category(code: str) -> str:
    return code if code in CATEGORY_ORDER else Category.OTHER


def _account_label(slug: str, name: str) -> str:
    """System accounts are named in English in the database; say them in the reader's language."""
    return gettext(name) if slug in SYSTEM_ACCOUNTS else name


def _flows(
    network: Network, *, unit: str, first: date, end: date
) -> tuple[dict[date, dict[tuple[str, str], int]], dict[date, dict[str, int]]]:
    """Sums of entries on income and expense accounts, by month: money in per income account
    (its entries negated: money arriving leaves "outside"), money out per category.
    A reversal's entries are opposite, so it counts against its own month."""
    rows = (
        Entry.objects.filter(
            transaction__network=network,
            transaction__occurred_on__gte=first,
            transaction__occurred_on__lt=end,
            account__kind__in=OUTSIDE,
            account__unit=unit,
        )
        .values(
            "account__kind",
            "account__slug",
            "account__name",
            "transaction__category",
            month=TruncMonth("transaction__occurred_on"),
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )
    money_in: dict[date, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    money_out: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        month = _as_month(row["month"])
        if row["account__kind"] == Account.Kind.INCOME:
            money_in[month][(row["account__slug"], row["account__name"])] -= row["total"]
        else:
            money_out[month][_category(row["transaction__category"])] += row["total"]
    return money_in, money_out


def _recipients(network: Network, *, first: date, end: date) -> dict[date, dict[str, set[str]]]:
    """Who money out reached, per month and category, as opaque keys ("user:3", "need:8"):
    only ever counted, never shown. A paid or reversed request's person (and a reversal
    counts for the person of the request it undoes), or a confirmed pledge's need."""
    rows = (
        LedgerTransaction.objects.filter(
            network=network, occurred_on__gte=first, occurred_on__lt=end, kind__in=MONEY_OUT_KINDS
        )
        .values_list(
            TruncMonth("occurred_on"),
            "category",
            "disbursement__status",
            "disbursement__recipient_id",
            "disbursement__need_id",
            "reverses__disbursement__status",
            "reverses__disbursement__recipient_id",
            "reverses__disbursement__need_id",
            "pledge__status",
            "pledge__need_id",
            "reverses__pledge__status",
            "reverses__pledge__need_id",
        )
        .order_by()
        .distinct()
    )
    people: dict[date, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for month, category, *links in rows:
        keys = {
            _disbursement_key(*links[0:3]),
            _disbursement_key(*links[3:6]),
            _pledge_key(*links[6:8]),
            _pledge_key(*links[8:10]),
        }
        people[_as_month(month)][_category(category)].update(key for key in keys if key)
    return people


def _disbursement_key(status: str | None, recipient_id: int | None, need_id: int | None) -> str:
    """Disbursement.recipient_key, from columns; "" when there is no paid request here."""
    if status not in PAID:
        return ""
    if recipient_id:
        return f"user:{recipient_id}"
    return f"need:{need_id}" if need_id else ""


def _pledge_key(status: str | None, need_id: int | None) -> str:
    return f"need:{need_id}" if status == Pledge.Status.CONFIRMED and need_id else ""


def _in_lines(sources: dict[tuple[str, str], int], unit: str) -> list[Line]:
    ordered = sorted(sources.items(), key=lambda item: (SOURCE_ORDER.get(item[0][0], 99), item[0]))
    return [
        Line(code=slug, label=_account_label(slug, name), amount=amount, unit=unit)
        for (slug, name), amount in ordered
        if amount
    ]


def _out_lines(by_category: dict[str, int], people: dict[str, set[str]], unit: str) -> list[Line]:
    """Money out per category, a category that helped too few people folded into Other."""
    shown: dict[str, int] = defaultdict(int)
    for code, amount in by_category.items():
        few = len(people.get(code, ())) < PRIVACY_THRESHOLD
        shown[Category.OTHER if few else code] += amount
    labels = dict(Category.choices)
    return [
        Line(code=code, label=str(labels[code]), amount=amount, unit=unit)
        for code, amount in sorted(shown.items(), key=lambda item: CATEGORY_ORDER[item[0]])
        if amount
    ]


def _funds(network: Network) -> list[FundBalance]:
    return [
        FundBalance(name=_account_label(fund.slug, fund.name), balance=fund.balance, unit=fund.unit)
        for fund in fund_list(network=network)
    ]


def transparency_rows(summary: TransparencySummary) -> Iterator[tuple[str, ...]]:
    """The summary as CSV rows (month, direction, category, amount, currency): every month's
    money in and out, then each fund's balance today under direction "balance"."""
    unit = summary.unit
    for month in reversed(summary.months):
        label = month.month.strftime("%Y-%m")
        for direction, lines in (("in", month.money_in), ("out", month.money_out)):
            for line in lines:
                yield label, direction, line.label, plain_amount(line.amount, unit), unit
    today = summary.today.strftime("%Y-%m")
    for fund in summary.funds:
        yield today, "balance", fund.name, plain_amount(fund.balance, fund.unit), fund.unit


TRANSPARENCY_HEADER = ("month", "direction", "category", "amount", "currency")


# ---------------------------------------------------------------------------- treasurers

LEDGER_HEADER = (
    "transaction",
    "date",
    "kind",
    "category",
    "account",
    "account kind",
    "amount",
    "unit",
    "memo",
    "reverses",
    "recorded by",
)


def ledger_rows(*, network: Network) -> Iterator[tuple[Any, ...]]:
    """One row per entry of the whole ledger, read from the database in chunks as it is written
    out. Labels are translated now, before the rows are streamed."""
    kinds = {code: str(label) for code, label in LedgerTransaction.Kind.choices}
    account_kinds = {code: str(label) for code, label in Account.Kind.choices}
    categories = {code: str(label) for code, label in Category.choices}
    names = {slug: gettext(name) for slug, (_kind, name) in SYSTEM_ACCOUNTS.items()}
    entries = ledger_entries(network=network).iterator(chunk_size=1000)
    return _ledger_rows(entries, kinds, account_kinds, categories, names)


def _ledger_rows(
    entries: Iterable[Entry],
    kinds: dict[str, str],
    account_kinds: dict[str, str],
    categories: dict[str, str],
    names: dict[str, str],
) -> Iterator[tuple[Any, ...]]:
    for entry in entries:
        txn, account = entry.transaction, entry.account
        yield (
            txn.pk,
            txn.occurred_on.isoformat(),
            kinds.get(txn.kind, txn.kind),
            categories.get(txn.category, txn.category),
            names.get(account.slug, account.name),
            account_kinds.get(account.kind, account.kind),
            plain_amount(entry.amount, account.unit),
            account.unit,
            txn.memo,
            txn.reverses_id or "",
            txn.created_by.display_name if txn.created_by else "",
        )


@dataclass(frozen=True)
class Unbalanced:
    """A transaction whose entries don't add up to zero in some unit."""

    transaction_id: int
    occurred_on: date
    unit: str
    total: int

    @property
    def shown(self) -> str:
        return format_amount(self.total, self.unit)


@dataclass(frozen=True)
class AccountCheck:
    """An account's kept balance beside the sum of its entries."""

    label: str
    check: BalanceCheck

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def balance_shown(self) -> str:
        return format_amount(self.check.account.balance, self.check.account.unit)

    @property
    def sum_shown(self) -> str:
        return format_amount(self.check.sum_of_entries, self.check.account.unit)


@dataclass(frozen=True)
class Reconciliation:
    accounts: list[AccountCheck]
    unbalanced: list[Unbalanced]

    @property
    def wrong_accounts(self) -> list[AccountCheck]:
        return [account for account in self.accounts if not account.ok]

    @property
    def ok(self) -> bool:
        return not self.unbalanced and not self.wrong_accounts


def reconciliation(*, network: Network) -> Reconciliation:
    """Every account's kept balance beside the sum of its entries, and every transaction whose
    entries don't sum to zero per unit (one grouped query). Reads only."""
    unbalanced = (
        Entry.objects.filter(transaction__network=network)
        .values("transaction_id", "transaction__occurred_on", "account__unit")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transaction_id", "account__unit")
    )
    return Reconciliation(
        accounts=[
            AccountCheck(label=_account_label(check.account.slug, check.account.name), check=check)
            for check in balance_check(network=network)
        ],
        unbalanced=[
            Unbalanced(
                transaction_id=row["transaction_id"],
                occurred_on=row["transaction__occurred_on"],
                unit=row["account__unit"],
                total=row["total"],
            )
            for row in unbalanced
        ],
    )
