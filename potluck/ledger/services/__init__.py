"""Writes to the money side. Import from here: `from potluck.ledger import services`."""

from potluck.ledger.services.books import (
    NOT_ENOUGH_IN_FUND,
    network_ledger_open,
    require_amount,
    system_account,
    transaction_post,
    transaction_reverse,
)
from potluck.ledger.services.disbursements import (
    disbursement_approve,
    disbursement_cancel,
    disbursement_pay,
    disbursement_refuse,
    disbursement_request,
    disbursement_reverse,
)
from potluck.ledger.services.donations import donation_record, donation_reverse
from potluck.ledger.services.funds import (
    campaign_close,
    campaign_create,
    fund_create,
    policy_for,
    policy_update,
)
from potluck.ledger.services.pledges import (
    pledge_cancel,
    pledge_confirm_paid,
    pledge_confirm_received,
    pledge_handle_give,
    pledge_make,
    pledges_expire,
)

__all__ = [
    "NOT_ENOUGH_IN_FUND",
    "campaign_close",
    "campaign_create",
    "disbursement_approve",
    "disbursement_cancel",
    "disbursement_pay",
    "disbursement_refuse",
    "disbursement_request",
    "disbursement_reverse",
    "donation_record",
    "donation_reverse",
    "fund_create",
    "network_ledger_open",
    "pledge_cancel",
    "pledge_confirm_paid",
    "pledge_confirm_received",
    "pledge_handle_give",
    "pledge_make",
    "pledges_expire",
    "policy_for",
    "policy_update",
    "require_amount",
    "system_account",
    "transaction_post",
    "transaction_reverse",
]
