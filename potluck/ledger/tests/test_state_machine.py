"""The ledger under any sequence of steps: Hypothesis drives donations and requests through
every service in random orders, and after each step the books must still be right.

Each example gets a fresh network inside a savepoint of the test's transaction, rolled back
when the example ends, so two hundred examples take seconds rather than a database each.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from potluck.accounts.models import User
from potluck.accounts.tests.factories import UserFactory
from potluck.conftest import with_two_factor
from potluck.core.errors import DomainError
from potluck.ledger import services
from potluck.ledger.models import (
    Disbursement,
    Donation,
    Entry,
    LedgerTransaction,
    MoneyPolicy,
)
from potluck.ledger.receipts import CleanReceipt
from potluck.networks.models import Network, Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

pytestmark = pytest.mark.django_db

RECEIPT = CleanReceipt(b"%PDF-1.4 receipt", "application/pdf")
# Most money goes through the general fund; some through a second one.
FUNDS = st.sampled_from([0, 0, 1])
# Hypothesis favours small numbers; donations are often round and large enough to spend.
DONATED = st.integers(1, 30_000) | st.integers(1, 30).map(lambda thousands: thousands * 1000)
# Indexes into the machine's deciders (three treasurers, then a member) and askers.
DECIDERS = st.integers(0, 3)
ASKERS = st.integers(0, 3)
# Every step that went through, over all examples: the machine must really move money.
DONE: Counter[str] = Counter()


class LedgerMachine(RuleBasedStateMachine):
    """One network with two members, a volunteer and three treasurers, and two funds."""

    donations = Bundle("donations")
    requests = Bundle("requests")
    paid = Bundle("paid")
    # The same people join each example's new network (making accounts is the slow part).
    people: ClassVar[dict[str, list[User]]] = {}

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.network = NetworkFactory.create()
        MoneyPolicy.objects.filter(network=self.network).update(
            max_per_request=5000, max_per_person_month=12_000, second_approval_above=3000
        )
        for role, users in self.people.items():
            for user in users:
                MembershipFactory.create(network=self.network, user=user, role=role)
        self.treasurers = self.people[Role.TREASURER]
        # A treasurer may ask too, and must never decide their own request.
        self.askers = [*self.people[Role.MEMBER], *self.people[Role.VOLUNTEER], self.treasurers[0]]
        # Who acts on a request: the treasurers, and a member who may not.
        self.deciders = [*self.treasurers, self.askers[0]]
        general = self.network.accounts.get(is_general=True)
        rent = services.fund_create(network=self.network, actor=self.treasurers[0], name="Rent")
        self.funds = [general, rent]
        self.seen: dict[int, tuple[int, int, int]] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def attempt(self, step: str, call: Callable[..., Any], **kwargs: Any) -> Any:
        """`call(**kwargs)`; a DomainError (a step the rules refuse) is fine, anything else
        fails the test."""
        try:
            result = call(**kwargs)
        except DomainError as error:
            DONE[f"{step}:{error.code}"] += 1
            return None
        DONE[step] += 1
        return result

    def request(self, pk: int) -> Disbursement:
        return Disbursement.objects.select_related("network", "fund").get(pk=pk)

    # ------------------------------------------------------------------------ steps

    @initialize(amount=st.integers(5000, 50_000))
    def open_with_money_in_the_general_fund(self, amount: int) -> None:
        """Every example starts with money to spend, as most networks do (a donation that
        stays: the ones in the bundle may be reversed)."""
        self.donate(0, amount, 0)

    @rule(target=donations, fund=FUNDS, amount=DONATED, actor=DECIDERS)
    def donate(self, fund: int, amount: int, actor: int) -> Any:
        donation = self.attempt(
            "donate",
            services.donation_record,
            network=self.network,
            actor=self.deciders[actor],
            fund=self.funds[fund],
            amount=amount,
            received_on=date.today(),
            method="cash",
        )
        return multiple() if donation is None else donation.pk

    @rule(
        target=requests,
        asker=ASKERS,
        amount=st.integers(1, 6000),
        fund=FUNDS,
        reimbursement=st.booleans(),
    )
    def ask(self, asker: int, amount: int, fund: int, reimbursement: bool) -> Any:
        kind = Disbursement.Kind.REIMBURSEMENT if reimbursement else Disbursement.Kind.AID
        request = self.attempt(
            "ask",
            services.disbursement_request,
            network=self.network,
            requested_by=self.askers[asker],
            amount=amount,
            category="groceries",
            payout_method="cash",
            fund=self.funds[fund],
            kind=kind,
            receipt=RECEIPT if reimbursement else None,
        )
        return multiple() if request is None else request.pk

    @rule(request=requests, actor=DECIDERS)
    def approve(self, request: int, actor: int) -> None:
        self.attempt(
            "approve",
            services.disbursement_approve,
            disbursement=self.request(request),
            treasurer=self.deciders[actor],
        )

    @rule(request=requests, actor=DECIDERS)
    def refuse(self, request: int, actor: int) -> None:
        self.attempt(
            "refuse",
            services.disbursement_refuse,
            disbursement=self.request(request),
            treasurer=self.deciders[actor],
            reason="Not this month",
        )

    @rule(target=paid, request=requests, actor=DECIDERS)
    def pay(self, request: int, actor: int) -> Any:
        done = self.attempt(
            "pay",
            services.disbursement_pay,
            disbursement=self.request(request),
            treasurer=self.deciders[actor],
        )
        return multiple() if done is None else request

    @rule(target=paid, request=requests, payer=st.integers(0, 2))
    def approve_all_round_then_pay(self, request: int, payer: int) -> Any:
        """The usual way through: each treasurer says yes in turn, then one of them pays."""
        for treasurer in self.treasurers:
            self.attempt(
                "approve",
                services.disbursement_approve,
                disbursement=self.request(request),
                treasurer=treasurer,
            )
        return self.pay(request, payer)

    @rule(request=paid, actor=st.integers(0, 2))
    def reverse(self, request: int, actor: int) -> None:
        self.attempt(
            "reverse",
            services.disbursement_reverse,
            disbursement=self.request(request),
            treasurer=self.deciders[actor],
        )

    @rule(request=requests, by_asker=st.booleans(), other=ASKERS)
    def cancel(self, request: int, by_asker: bool, other: int) -> None:
        disbursement = self.request(request)
        self.attempt(
            "cancel",
            services.disbursement_cancel,
            disbursement=disbursement,
            user=disbursement.requested_by if by_asker else self.askers[other],
        )

    @rule(donation=donations, actor=DECIDERS)
    def reverse_donation(self, donation: int, actor: int) -> None:
        self.attempt(
            "reverse_donation",
            services.donation_reverse,
            donation=Donation.objects.select_related("network", "transaction").get(pk=donation),
            actor=self.deciders[actor],
        )

    # ------------------------------------------------------------------------ invariants

    @invariant()
    def the_books_are_right(self) -> None:
        """Read the network's books once, then check each rule against them."""
        books = Books.read(self.network)
        books.every_transaction_adds_up_to_zero_in_each_unit()
        books.every_balance_is_the_sum_of_its_entries()
        books.no_fund_is_below_zero()
        books.approvals_counted_are_approvals_given()
        books.money_out_is_exactly_the_requests_paid()
        books.money_in_is_exactly_the_donations_kept()
        self.seen = books.entries_once_written_never_change(self.seen)


class Books:
    """A snapshot of one network's ledger, requests and donations, and the rules they keep."""

    def __init__(self, **rows: list[tuple[Any, ...]]) -> None:
        self.entries = rows["entries"]
        self.accounts = rows["accounts"]
        self.requests = rows["requests"]
        self.donations = rows["donations"]
        self.reversed = {txn for (txn,) in rows["reversals"]}

    @classmethod
    def read(cls, network: Network) -> "Books":
        entries = Entry.objects.filter(account__network=network)
        requests = Disbursement.objects.filter(network=network).annotate(given=Count("approvals"))
        return cls(
            entries=list(
                entries.values_list(
                    "pk", "transaction", "account", "account__unit", "amount", "transaction__kind"
                )
            ),
            accounts=list(network.accounts.values_list("pk", "kind", "balance")),
            requests=list(
                requests.values_list(
                    "status", "approval_count", "given", "approvals_needed", "amount", "transaction"
                )
            ),
            donations=list(
                Donation.objects.filter(network=network).values_list("status", "amount")
            ),
            reversals=list(
                LedgerTransaction.objects.filter(
                    network=network, reverses__isnull=False
                ).values_list("reverses")
            ),
        )

    def every_transaction_adds_up_to_zero_in_each_unit(self) -> None:
        totals: dict[tuple[int, str], int] = defaultdict(int)
        for _pk, txn, _account, unit, amount, _kind in self.entries:
            totals[txn, unit] += amount
        assert not [key for key, total in totals.items() if total], totals

    def every_balance_is_the_sum_of_its_entries(self) -> None:
        sums: dict[int, int] = defaultdict(int)
        for _pk, _txn, account, _unit, amount, _kind in self.entries:
            sums[account] += amount
        assert {pk: balance for pk, _kind, balance in self.accounts} == {
            pk: sums[pk] for pk, _kind, _balance in self.accounts
        }

    def no_fund_is_below_zero(self) -> None:
        assert all(balance >= 0 for _pk, kind, balance in self.accounts if kind == "fund")

    def approvals_counted_are_approvals_given(self) -> None:
        for status, count, given, needed, _amount, _txn in self.requests:
            assert count == given <= needed
            assert status != Disbursement.Status.APPROVED or count == needed
            assert status != Disbursement.Status.REQUESTED or count < needed

    def money_out_is_exactly_the_requests_paid(self) -> None:
        paid = 0
        for status, _count, _given, _needed, amount, txn in self.requests:
            assert (txn is not None) == (status in {"paid", "reversed"}), status
            assert (txn in self.reversed) == (status == "reversed"), status
            paid += amount if status == "paid" else 0
        out = {LedgerTransaction.Kind.DISBURSEMENT, LedgerTransaction.Kind.REIMBURSEMENT}
        spent = sum(
            amount
            for _pk, txn, _account, _unit, amount, kind in self.entries
            if kind in out and txn not in self.reversed and amount > 0
        )
        assert spent == paid

    def money_in_is_exactly_the_donations_kept(self) -> None:
        kept = sum(amount for status, amount in self.donations if status == "recorded")
        paid = sum(amount for status, *_rest, amount, _txn in self.requests if status == "paid")
        funds = sum(balance for _pk, kind, balance in self.accounts if kind == "fund")
        assert funds == kept - paid

    def entries_once_written_never_change(
        self, seen: dict[int, tuple[int, int, int]]
    ) -> dict[int, tuple[int, int, int]]:
        now = {pk: (txn, account, amount) for pk, txn, account, _u, amount, _k in self.entries}
        assert {pk: now.get(pk) for pk in seen} == seen
        return now


def test_the_books_stay_right_whatever_treasurers_and_members_do() -> None:
    LedgerMachine.people = {
        Role.TREASURER: [with_two_factor(UserFactory.create()).user for _ in range(3)],
        Role.MEMBER: [UserFactory.create() for _ in range(2)],
        Role.VOLUNTEER: [UserFactory.create()],
    }
    DONE.clear()
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=15,
            # The same examples every run: the check below, that every kind of step went
            # through somewhere, must not depend on luck (a random run once never reversed).
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    # Not vacuous: every kind of step went through somewhere.
    steps = {"donate", "ask", "approve", "refuse", "pay", "reverse", "cancel", "reverse_donation"}
    assert steps <= set(DONE), DONE
