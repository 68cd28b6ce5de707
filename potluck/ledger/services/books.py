"""The double-entry kernel: post a balanced transaction, reverse one, open a network's books."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError
from potluck.ledger.accounts import GENERAL_FUND, SYSTEM_ACCOUNTS
from potluck.ledger.models import Account, Entry, LedgerTransaction, MoneyPolicy
from potluck.ledger.units import check_amount
from potluck.networks.models import Network

NOT_ENOUGH_IN_FUND = _("There isn't enough money in this fund for that right now.")
ALREADY_REVERSED = _("This has already been reversed.")
UNBALANCED = "entries of a transaction must add up to zero in each unit"


def network_ledger_open(*, network: Network) -> None:
    """Give `network` its general fund, income and expense accounts and a money policy."""
    policy, _created = MoneyPolicy.objects.get_or_create(network=network)
    for slug, (kind, name) in SYSTEM_ACCOUNTS.items():
        Account.objects.get_or_create(
            network=network,
            slug=slug,
            defaults={
                "kind": kind,
                "name": name,
                "unit": policy.currency,
                "is_general": slug == GENERAL_FUND,
            },
        )


def require_amount(amount: int) -> int:
    """`amount` if it is a believable positive amount; otherwise a DomainError saying why."""
    try:
        return check_amount(amount)
    except ValidationError as error:
        raise DomainError(error.message, code=error.code or "invalid_amount") from error


def system_account(network: Network, slug: str) -> Account:
    return Account.objects.get(network=network, slug=slug)


@transaction.atomic
def transaction_post(
    *,
    network: Network,
    kind: str,
    lines: list[tuple[Account, int]],
    occurred_on: date | None = None,
    category: str = "",
    memo: str = "",
    actor: Any = None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction and move each account's balance by its entries.

    A fund that would go below zero refuses the whole transaction (NOT_ENOUGH_IN_FUND); the
    check and the move are one conditional UPDATE, so racing payments can't both pass it.
    """
    _check_balanced(network, lines)
    txn = LedgerTransaction.objects.create(
        network=network,
        kind=kind,
        category=category,
        occurred_on=occurred_on or timezone.localdate(),
        memo=memo,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        reverses=reverses,
    )
    Entry.objects.bulk_create(
        [Entry(transaction=txn, account=account, amount=amount) for account, amount in lines]
    )
    # Always in the same order, so two transactions touching the same accounts can't deadlock.
    for account, amount in sorted(lines, key=lambda line: line[0].pk):
        _balance_move(account, amount)
    return txn


@dataclass(frozen=True)
class Posting:
    """One transaction to write among many (see transactions_post_many)."""

    lines: list[tuple[Account, int]]
    occurred_on: date
    category: str = ""
    memo: str = ""


@transaction.atomic
def transactions_post_many(
    *, network: Network, kind: str, postings: list[Posting], actor: Any = None
) -> list[LedgerTransaction]:
    """transaction_post for a batch (an import): each posting balanced, written in a few
    queries, every account's balance moved once by its total; all or nothing."""
    for posting in postings:
        _check_balanced(network, posting.lines)
    txns = LedgerTransaction.objects.bulk_create(
        [
            LedgerTransaction(
                network=network,
                kind=kind,
                category=posting.category,
                occurred_on=posting.occurred_on,
                memo=posting.memo,
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
            for posting in postings
        ]
    )
    Entry.objects.bulk_create(
        [
            Entry(transaction=txn, account=account, amount=amount)
            for txn, posting in zip(txns, postings, strict=True)
            for account, amount in posting.lines
        ]
    )
    totals: dict[int, tuple[Account, int]] = {}
    for posting in postings:
        for account, amount in posting.lines:
            known = totals.get(account.pk, (account, 0))
            totals[account.pk] = (account, known[1] + amount)
    for pk in sorted(totals):
        account, amount = totals[pk]
        if amount:
            _balance_move(account, amount)
    return txns


def _check_balanced(network: Network, lines: list[tuple[Account, int]]) -> None:
    if not lines:
        raise ValueError(UNBALANCED)
    totals: dict[str, int] = defaultdict(int)
    for account, amount in lines:
        if account.network_id != network.pk:
            raise ValueError("every account of a transaction must be in its network")
        if amount == 0:
            raise ValueError("an entry moves some amount")
        totals[account.unit] += amount
    if any(totals.values()):
        raise ValueError(UNBALANCED)


def _balance_move(account: Account, amount: int) -> None:
    rows = Account.objects.filter(pk=account.pk)
    if amount < 0:
        rows = rows.filter(~Q(kind=Account.Kind.FUND) | Q(balance__gte=-amount))
    if not rows.update(balance=F("balance") + amount, updated_at=timezone.now()):
        raise DomainError(NOT_ENOUGH_IN_FUND, code="not_enough_in_fund", status=409)


@transaction.atomic
def transaction_reverse(
    *, txn: LedgerTransaction, actor: Any = None, memo: str = ""
) -> LedgerTransaction:
    """Undo `txn` with a transaction of opposite entries; only once."""
    if LedgerTransaction.objects.filter(reverses=txn).exists():
        raise DomainError(ALREADY_REVERSED, code="already_reversed", status=409)
    lines = [(entry.account, -entry.amount) for entry in txn.entries.select_related("account")]
    try:
        with transaction.atomic():
            return transaction_post(
                network=txn.network,
                kind=LedgerTransaction.Kind.REVERSAL,
                lines=lines,
                category=txn.category,
                memo=memo or f"reverses {txn.pk}",
                actor=actor,
                reverses=txn,
            )
    except IntegrityError as error:  # a racing reversal of the same transaction won
        raise DomainError(ALREADY_REVERSED, code="already_reversed", status=409) from error
