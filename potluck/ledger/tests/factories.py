"""Test helpers for the money side: funds with money in them, requests in any state."""

from datetime import date
from typing import Any

from potluck.ledger import services
from potluck.ledger.accounts import DONATIONS
from potluck.ledger.models import Account, Disbursement, LedgerTransaction
from potluck.networks.models import Network


def general_fund(network: Network) -> Account:
    return network.accounts.get(is_general=True)


def fill_fund(network: Network, amount: int, *, fund: Account | None = None) -> Account:
    """Put `amount` into `fund` (the general fund by default) as a donation would, without a
    treasurer: straight through the ledger kernel."""
    fund = fund or general_fund(network)
    services.transaction_post(
        network=network,
        kind=LedgerTransaction.Kind.DONATION,
        lines=[(fund, amount), (services.system_account(network, DONATIONS), -amount)],
        occurred_on=date.today(),
    )
    fund.refresh_from_db()
    return fund


def make_request(
    *, network: Network, asker: Any, amount: int = 4000, category: str = "groceries", **kw: Any
) -> Disbursement:
    """A member's request for money, waiting for approval."""
    return services.disbursement_request(
        network=network,
        requested_by=asker,
        amount=amount,
        category=category,
        payout_method=kw.pop("payout_method", "venmo"),
        payout_handle=kw.pop("payout_handle", "@canary-handle"),
        **kw,
    )


def make_approved(
    *, network: Network, asker: Any, treasurers: list[Any], **kw: Any
) -> Disbursement:
    """A request approved by as many of `treasurers` as it needs."""
    disbursement = make_request(network=network, asker=asker, **kw)
    for treasurer in treasurers[: disbursement.approvals_needed]:
        services.disbursement_approve(disbursement=disbursement, treasurer=treasurer)
    disbursement.refresh_from_db()
    return disbursement
