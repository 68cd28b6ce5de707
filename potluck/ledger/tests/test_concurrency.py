"""Racing treasurers: threads released together at a barrier, on real transactions.

No money is ever paid twice, no fund goes below zero, and every racing step either happens
once or is refused with a clear message. These run on SQLite and on PostgreSQL
(DATABASE_URL=postgres://…): SQLite serialises writers, PostgreSQL really races them.
"""

from collections import defaultdict
from datetime import date
from functools import partial
from typing import Any

import pytest
from django.db.models import Sum

from potluck.conftest import make_actor, run_together
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.ledger import services
from potluck.ledger.models import (
    Approval,
    Disbursement,
    Donation,
    Entry,
    LedgerTransaction,
    MoneyPolicy,
    Pledge,
)
from potluck.ledger.selectors import balance_check
from potluck.ledger.services import disbursements, pledges
from potluck.ledger.tests.factories import fill_fund, general_fund, make_approved, make_request
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Network
from potluck.networks.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db(transaction=True)


def copies(disbursement: Disbursement, count: int) -> list[Disbursement]:
    """Separate in-memory copies, as separate requests would each load."""
    rows = Disbursement.objects.select_related("network", "fund")
    return [rows.get(pk=disbursement.pk) for _ in range(count)]


def errors(results: list[Any]) -> list[DomainError]:
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert not unexpected, unexpected
    return [result for result in results if isinstance(result, DomainError)]


def assert_books_balance(network: Network) -> None:
    """Every transaction's entries add up to zero per unit; every balance is its entries' sum."""
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for txn, unit, amount in Entry.objects.filter(account__network=network).values_list(
        "transaction", "account__unit", "amount"
    ):
        totals[txn, unit] += amount
    assert not [key for key, total in totals.items() if total], totals
    assert all(check.ok for check in balance_check(network=network))


def no_limits(network: Network) -> None:
    MoneyPolicy.objects.filter(network=network).update(max_per_request=0, max_per_person_month=0)


@pytest.fixture
def money_network() -> Network:
    network = NetworkFactory.create()
    no_limits(network)
    return network


def test_twenty_payments_from_a_fund_holding_five_pay_exactly_five(
    money_network: Network,
) -> None:
    network = money_network
    treasurers = [make_actor("treasurer", network) for _ in range(2)]
    fund = fill_fund(network, 5000)
    requests = [
        make_approved(
            network=network,
            asker=make_actor("member", network),
            treasurers=treasurers,
            amount=1000,
        )
        for _ in range(20)
    ]
    assert {request.status for request in requests} == {Disbursement.Status.APPROVED}

    results = run_together(
        *[
            partial(services.disbursement_pay, disbursement=copy, treasurer=treasurers[i % 2])
            for i, (copy,) in enumerate(copies(request, 1) for request in requests)
        ]
    )

    paid = [result for result in results if isinstance(result, Disbursement)]
    refused = errors(results)
    assert (len(paid), len(refused)) == (5, 15), results
    assert {error.message for error in refused} == {services.NOT_ENOUGH_IN_FUND}
    fund.refresh_from_db()
    assert fund.balance == 0
    fund_entries = Entry.objects.filter(account=fund).exclude(
        transaction__kind=LedgerTransaction.Kind.DONATION
    )
    assert fund_entries.aggregate(total=Sum("amount"))["total"] == -5000
    statuses = Disbursement.objects.values_list("status", flat=True)
    assert sorted(statuses) == ["approved"] * 15 + ["paid"] * 5
    assert Disbursement.objects.filter(status="approved", transaction__isnull=False).count() == 0
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DISBURSEMENT).count() == 5
    assert AuditEvent.objects.filter(verb="disbursement.paid").count() == 5
    assert_books_balance(network)


def test_two_treasurers_approving_one_request_at_once_approve_it_once(
    money_network: Network,
) -> None:
    network = money_network
    first, second = (make_actor("treasurer", network) for _ in range(2))
    request = make_request(network=network, asker=make_actor("member", network), amount=1000)
    assert request.approvals_needed == 1

    results = run_together(
        *[
            partial(services.disbursement_approve, disbursement=copy, treasurer=treasurer)
            for copy, treasurer in zip(copies(request, 2), (first, second), strict=True)
        ]
    )

    (loser,) = errors(results)
    assert (loser.message, loser.status) == (disbursements.NOT_WAITING, 409)
    request.refresh_from_db()
    assert (request.status, request.approval_count) == (Disbursement.Status.APPROVED, 1)
    assert Approval.objects.filter(disbursement=request).count() == 1
    assert AuditEvent.objects.filter(verb="disbursement.approved").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_treasurers_giving_both_approvals_at_once_are_both_counted(
    money_network: Network, attempt: int
) -> None:
    network = money_network
    first, second = (make_actor("treasurer", network) for _ in range(2))
    request = make_request(network=network, asker=make_actor("member", network), amount=9000)
    assert request.approvals_needed == 2

    results = run_together(
        *[
            partial(services.disbursement_approve, disbursement=copy, treasurer=treasurer)
            for copy, treasurer in zip(copies(request, 2), (first, second), strict=True)
        ]
    )

    request.refresh_from_db()
    rows = Approval.objects.filter(disbursement=request).count()
    assert request.approval_count == rows <= 2
    refused = errors(results)
    # The retry loop should count both; if one still lost, it was told clearly.
    assert {error.message for error in refused} <= {disbursements.NOT_WAITING}
    assert rows == 2 - len(refused)
    if not refused:
        assert request.status == Disbursement.Status.APPROVED
        assert set(request.approvals.values_list("treasurer", flat=True)) == {first.pk, second.pk}
    assert AuditEvent.objects.filter(verb="disbursement.approved").count() == rows


@pytest.mark.parametrize(("amount", "message"), [(1000, "not_waiting"), (9000, "already")])
def test_one_treasurer_approving_twice_at_once_approves_once(
    money_network: Network, amount: int, message: str
) -> None:
    network = money_network
    treasurer = make_actor("treasurer", network)
    request = make_request(network=network, asker=make_actor("member", network), amount=amount)

    results = run_together(
        *[
            partial(services.disbursement_approve, disbursement=copy, treasurer=treasurer)
            for copy in copies(request, 2)
        ]
    )

    (loser,) = errors(results)
    expected = {
        "not_waiting": disbursements.NOT_WAITING,
        "already": disbursements.ALREADY_APPROVED_BY_YOU,
    }
    assert loser.message == expected[message]
    request.refresh_from_db()
    assert request.approval_count == 1
    assert Approval.objects.filter(disbursement=request).count() == 1
    expected_status = "approved" if request.approvals_needed == 1 else "requested"
    assert request.status == expected_status


def test_paying_one_request_twice_at_once_pays_it_once(money_network: Network) -> None:
    network = money_network
    first, second = (make_actor("treasurer", network) for _ in range(2))
    fund = fill_fund(network, 10_000)
    request = make_approved(
        network=network, asker=make_actor("member", network), treasurers=[first], amount=4000
    )

    results = run_together(
        *[
            partial(services.disbursement_pay, disbursement=copy, treasurer=treasurer)
            for copy, treasurer in zip(copies(request, 2), (first, second), strict=True)
        ]
    )

    (loser,) = errors(results)
    assert (loser.message, loser.status) == (disbursements.NOT_APPROVED, 409)
    fund.refresh_from_db()
    assert fund.balance == 6000
    request.refresh_from_db()
    assert request.status == Disbursement.Status.PAID
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DISBURSEMENT).count() == 1
    assert AuditEvent.objects.filter(verb="disbursement.paid").count() == 1
    assert_books_balance(network)


def test_reversing_one_payment_twice_at_once_reverses_it_once(money_network: Network) -> None:
    network = money_network
    first, second = (make_actor("treasurer", network) for _ in range(2))
    fund = fill_fund(network, 10_000)
    request = make_approved(
        network=network, asker=make_actor("member", network), treasurers=[first], amount=4000
    )
    services.disbursement_pay(disbursement=request, treasurer=first)

    results = run_together(
        *[
            partial(services.disbursement_reverse, disbursement=copy, treasurer=treasurer)
            for copy, treasurer in zip(copies(request, 2), (first, second), strict=True)
        ]
    )

    (loser,) = errors(results)
    assert (loser.message, loser.status) == (disbursements.NOT_PAID, 409)
    fund.refresh_from_db()
    assert fund.balance == 10_000
    request.refresh_from_db()
    assert request.status == Disbursement.Status.REVERSED
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL).count() == 1
    assert AuditEvent.objects.filter(verb="disbursement.reversed").count() == 1
    assert_books_balance(network)


def test_paying_and_refusing_at_once_does_exactly_one(money_network: Network) -> None:
    network = money_network
    first, second = (make_actor("treasurer", network) for _ in range(2))
    fund = fill_fund(network, 10_000)
    request = make_approved(
        network=network, asker=make_actor("member", network), treasurers=[first], amount=4000
    )
    pay_copy, refuse_copy = copies(request, 2)

    paid, refused = run_together(
        partial(services.disbursement_pay, disbursement=pay_copy, treasurer=first),
        partial(services.disbursement_refuse, disbursement=refuse_copy, treasurer=second),
    )

    assert len(errors([paid, refused])) == 1, (paid, refused)
    request.refresh_from_db()
    fund.refresh_from_db()
    if isinstance(paid, Disbursement):
        assert refused.message == disbursements.NOT_WAITING
        assert (request.status, fund.balance) == (Disbursement.Status.PAID, 6000)
    else:
        assert paid.message == disbursements.NOT_APPROVED
        assert (request.status, fund.balance, request.transaction) == ("refused", 10_000, None)
    assert_books_balance(network)


def test_two_requests_racing_past_the_monthly_limit_are_never_both_paid(
    money_network: Network,
) -> None:
    network = money_network
    MoneyPolicy.objects.filter(network=network).update(max_per_person_month=5000)
    treasurer = make_actor("treasurer", network)
    fill_fund(network, 20_000)
    member = make_actor("member", network)

    asked = run_together(
        *[partial(make_request, network=network, asker=member, amount=4000) for _ in range(2)]
    )
    # SQLite serialises the two and refuses the second; PostgreSQL may accept both...
    accepted = [result for result in asked if isinstance(result, Disbursement)]
    assert {error.code for error in errors(asked)} <= {"over_month_limit"}
    for request in accepted:
        services.disbursement_approve(disbursement=request, treasurer=treasurer)

    paid = run_together(
        *[
            partial(services.disbursement_pay, disbursement=copy, treasurer=treasurer)
            for (copy,) in (copies(request, 1) for request in accepted)
        ]
    )

    # ...but paying checks again, with the fund locked: never more than the limit is paid.
    assert len([result for result in paid if isinstance(result, Disbursement)]) == 1
    assert {error.code for error in errors(paid)} <= {"over_month_limit"}
    total = Disbursement.objects.filter(status="paid").aggregate(total=Sum("amount"))["total"]
    assert total == 4000
    assert_books_balance(network)


def test_reversing_one_donation_twice_at_once_reverses_it_once(money_network: Network) -> None:
    network = money_network
    first, second = (make_actor("treasurer", network) for _ in range(2))
    donation = services.donation_record(
        network=network,
        actor=first,
        fund=general_fund(network),
        amount=2500,
        received_on=date.today(),
        method="cash",
    )
    rows = Donation.objects.select_related("network", "transaction")

    results = run_together(
        *[
            partial(services.donation_reverse, donation=rows.get(pk=donation.pk), actor=actor)
            for actor in (first, second)
        ]
    )

    (loser,) = errors(results)
    assert loser.message == services.donations.NOT_RECORDED
    assert general_fund(network).balance == 0
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL).count() == 1
    assert_books_balance(network)


@pytest.mark.parametrize("attempt", range(3))
def test_donor_and_person_confirming_a_pledge_at_once_record_it_once(
    money_network: Network, attempt: int
) -> None:
    network = money_network
    donor = make_actor("member", network)
    coordinator = make_actor("coordinator", network)
    need = NeedFactory.create(network=network, category="money")
    pledge = services.pledge_make(need=need, donor=donor, amount=2500)
    rows = Pledge.objects.select_related("network", "need")
    by_donor, by_person = rows.get(pk=pledge.pk), rows.get(pk=pledge.pk)

    results = run_together(
        partial(services.pledge_confirm_paid, pledge=by_donor, donor=donor),
        partial(services.pledge_confirm_received, pledge=by_person, actor=coordinator),
    )

    assert not errors(results), results
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    assert pledge.donor_confirmed_at is not None
    assert pledge.recipient_confirmed_at is not None
    txn = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.DIRECT_AID)
    assert pledge.transaction == txn
    assert AuditEvent.objects.filter(verb="pledge.confirmed").count() == 1
    assert_books_balance(network)


def test_the_person_confirming_twice_at_once_confirms_once(money_network: Network) -> None:
    network = money_network
    need = NeedFactory.create(network=network, category="money")
    pledge = services.pledge_make(need=need, donor=make_actor("member", network), amount=2500)
    rows = Pledge.objects.select_related("network", "need")

    results = run_together(
        *[
            partial(services.pledge_confirm_received, pledge=rows.get(pk=pledge.pk))
            for _ in range(2)
        ]
    )

    (loser,) = errors(results)
    assert loser.message == pledges.NOT_PLEDGED
    assert AuditEvent.objects.filter(verb="pledge.received").count() == 1
