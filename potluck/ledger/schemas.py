"""Input and output schemas for the money API. Amounts are whole numbers of the network's
currency's smallest unit (cents for dollars), as everywhere in the ledger."""

from datetime import date, datetime
from typing import Annotated, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from ninja.params import P, PathEx
from pydantic import BeforeValidator, Strict, ValidationInfo, field_validator

from potluck.api.fields import MAX_ID, Slug, Text
from potluck.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from potluck.ledger.accounts import SYSTEM_ACCOUNTS
from potluck.ledger.models import Account, Disbursement, Donation, Method, PayoutMethod
from potluck.ledger.permissions import can_manage_money, is_party_to
from potluck.ledger.transparency import Line, MonthSummary
from potluck.ledger.units import MAX_AMOUNT
from potluck.networks.categories import Category

BAD_DATE = _("Enter a valid date.")  # Django's wording, so already translated
NOT_TRUE_OR_FALSE = _("Send true or false.")
BAD_STATUS_FILTER = _("Choose a request status, or “waiting” for those not decided or paid yet.")
# The same words as the page's form (potluck.ledger.forms.asking).
HANDLE_NEEDED = _("Say where to send the money, for example @name on Venmo.")

WAITING = "waiting"
STATUS_FILTERS = frozenset({*Disbursement.Status.values, WAITING})

DisbursementId = PathEx[int, P(ge=1, le=MAX_ID)]
AMOUNT_HELP = "In the network's currency's smallest unit: 1250 is $12.50."


def _a_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(str(BAD_DATE)) from None


def _a_flag(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError(str(NOT_TRUE_OR_FALSE))
    return value


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


# A calendar day, "2025-03-31"; a flag, JSON true or false; an amount, a whole number (never a
# string or a float, which could lose a cent); an id the database can hold.
Day = Annotated[date, BeforeValidator(_a_date)]
Flag = Annotated[bool, BeforeValidator(_a_flag)]
Amount = Annotated[int, Strict(), Field(ge=1, le=MAX_AMOUNT, description=AMOUNT_HELP)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _account_name(account: Account) -> str:
    # System accounts are named in English in the database; say them in the reader's language.
    return gettext(account.name) if account.slug in SYSTEM_ACCOUNTS else account.name


# ---------------------------------------------------------------------------- summary


class SummaryQuery(Schema):
    network: Slug
    months: int = Field(12, ge=1, le=36, description="How many calendar months, this one included.")


class FundOut(Schema):
    id: int
    name: str
    description: str
    balance: int
    unit: str
    is_general: bool

    @staticmethod
    def resolve_name(fund: Account) -> str:
        return _account_name(fund)


class LineOut(Schema):
    code: str = Field(description="The income account's short name, or the need category.")
    label: str
    amount: int

    @staticmethod
    def resolve_label(line: Line) -> str:
        return str(line.label)


class MonthOut(Schema):
    month: date = Field(description="The month's first day.")
    total_in: int
    total_out: int
    money_in: list[LineOut] = Field(description="Money in, by where it came from.")
    money_out: list[LineOut] = Field(
        description="Money out, by need category; a category that helped few people in the "
        "month is counted under “other”, so nobody can be picked out."
    )

    @staticmethod
    def resolve_total_in(month: MonthSummary) -> int:
        return month.total_in

    @staticmethod
    def resolve_total_out(month: MonthSummary) -> int:
        return month.total_out


class MoneySummaryOut(Schema):
    network: str
    currency: str
    funds: list[FundOut] = Field(description="What each fund holds now.")
    funds_total: int
    total_in: int = Field(description="Money in over the months below.")
    total_out: int = Field(description="Money out over the months below.")
    months: list[MonthOut] = Field(description="Newest first.")


# ---------------------------------------------------------------------------- donations


class DonationIn(Schema):
    network: Slug
    fund: Id | None = Field(
        None, description="One of the network's funds; the general fund if empty."
    )
    amount: Amount
    received_on: Day
    method: Method
    donor_name: Text = Field(
        "", max_length=120, description="Kept private, for thanking; never sent back."
    )
    anonymous: Flag = Field(False, description="The donor asked to stay anonymous: no name kept.")
    campaign: Id | None = None

    @field_validator("fund", "campaign", mode="before")
    @classmethod
    def blank_is_none(cls, value: Any) -> Any:
        return _blank_is_none(value)


class DonationOut(Schema):
    """A donation, without the donor."""

    id: int
    network: str
    fund: int
    fund_name: str
    campaign: int | None
    amount: int
    currency: str
    received_on: date
    method: str
    method_label: str
    anonymous: bool
    status: str
    status_label: str
    source: str
    created_at: datetime

    @staticmethod
    def resolve_network(donation: Donation) -> str:
        return donation.network.slug

    @staticmethod
    def resolve_fund(donation: Donation) -> int:
        return donation.fund_id

    @staticmethod
    def resolve_fund_name(donation: Donation) -> str:
        return _account_name(donation.fund)

    @staticmethod
    def resolve_campaign(donation: Donation) -> int | None:
        return donation.campaign_id

    @staticmethod
    def resolve_currency(donation: Donation) -> str:
        return donation.fund.unit

    @staticmethod
    def resolve_method_label(donation: Donation) -> str:
        return str(donation.get_method_display())

    @staticmethod
    def resolve_status_label(donation: Donation) -> str:
        return str(donation.get_status_display())


class DonationFilters(Schema):
    network: Slug
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)

    @field_validator("cursor", mode="before")
    @classmethod
    def blank_is_none(cls, value: Any) -> Any:
        return _blank_is_none(value)


class DonationPage(Schema):
    items: list[DonationOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")


# ---------------------------------------------------------------------------- disbursements


class DisbursementIn(Schema):
    """Ask the treasurers for money for yourself: how much, what for, how to pay. Nobody is
    asked why."""

    network: Slug
    amount: Amount
    category: Category
    payout_method: PayoutMethod = PayoutMethod.CASH
    payout_handle: Text = Field(
        "",
        max_length=120,
        validate_default=True,
        description="Where to send it, e.g. @name on Venmo; needed unless paid in cash.",
    )
    purpose: Text = Field("", max_length=300, description="Anything the treasurers should know.")
    fund: Id | None = Field(
        None, description="One of the network's funds; the general fund if empty."
    )

    @field_validator("fund", mode="before")
    @classmethod
    def blank_is_none(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("payout_handle")
    @classmethod
    def handle_unless_cash(cls, value: str, info: ValidationInfo) -> str:
        method = info.data.get("payout_method")
        if method is not None and method != PayoutMethod.CASH and not value:
            raise ValueError(str(HANDLE_NEEDED))
        return value


class RefuseIn(Schema):
    reason: Text = Field("", max_length=300, description="Say why, kindly: the person sees it.")


class PayoutOut(Schema):
    method: str
    method_label: str
    handle: str


class DisbursementOut(Schema):
    """A request for money out. `payout` is for the person and the treasurers who decide."""

    id: int
    network: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    amount: int
    currency: str
    fund: int
    fund_name: str
    category: str
    category_label: str
    purpose: str
    need: int | None = Field(description="The need it is for, if asked on its person's behalf.")
    requested_by: str | None = Field(description="Who asked; null if they left.")
    payout: PayoutOut | None = Field(description="How and where to pay; null if not yours to see.")
    approvals_needed: int
    approval_count: int
    refusal_reason: str
    created_at: datetime
    decided_at: datetime | None
    paid_at: datetime | None

    @staticmethod
    def resolve_network(disbursement: Disbursement) -> str:
        return disbursement.network.slug

    @staticmethod
    def resolve_kind_label(disbursement: Disbursement) -> str:
        return str(disbursement.get_kind_display())

    @staticmethod
    def resolve_status_label(disbursement: Disbursement) -> str:
        return str(disbursement.get_status_display())

    @staticmethod
    def resolve_currency(disbursement: Disbursement) -> str:
        return disbursement.fund.unit

    @staticmethod
    def resolve_fund(disbursement: Disbursement) -> int:
        return disbursement.fund_id

    @staticmethod
    def resolve_fund_name(disbursement: Disbursement) -> str:
        return _account_name(disbursement.fund)

    @staticmethod
    def resolve_category_label(disbursement: Disbursement) -> str:
        return str(dict(Category.choices).get(disbursement.category, disbursement.category))

    @staticmethod
    def resolve_need(disbursement: Disbursement) -> int | None:
        return disbursement.need_id

    @staticmethod
    def resolve_requested_by(disbursement: Disbursement) -> str | None:
        asker = disbursement.requested_by
        return asker.display_name if asker is not None else None

    @staticmethod
    def resolve_payout(disbursement: Disbursement, context: Any) -> dict[str, str] | None:
        viewer = context["request"].auth
        party = is_party_to(
            viewer,
            requested_by_id=disbursement.requested_by_id,
            recipient_id=disbursement.recipient_id,
        )
        # permissions.can_decide_disbursement, with the role looked up once per answer.
        managers = context.setdefault("ledger.manages_money", {})
        network_id = disbursement.network_id
        if network_id not in managers:
            managers[network_id] = can_manage_money(viewer, network_id)
        if not (party or managers[network_id]):
            return None
        return {
            "method": disbursement.payout_method,
            "method_label": str(disbursement.get_payout_method_display()),
            "handle": disbursement.payout_handle,
        }

    @staticmethod
    def resolve_refusal_reason(disbursement: Disbursement) -> str:
        refused = disbursement.status == Disbursement.Status.REFUSED
        return disbursement.refusal_reason if refused else ""


class DisbursementFilters(Schema):
    network: Slug
    status: str | None = Field(
        None, description="A request status, or “waiting” (not decided or not paid yet)."
    )
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)

    @field_validator("status", "cursor", mode="before")
    @classmethod
    def blank_is_none(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("status")
    @classmethod
    def known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in STATUS_FILTERS:
            raise ValueError(str(BAD_STATUS_FILTER))
        return value


class DisbursementPage(Schema):
    items: list[DisbursementOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")
