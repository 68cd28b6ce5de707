"""Forms for the treasurers' pages: donations, funds, the money policy and campaigns.

Amounts are typed as money ("40", "12.50") and leave the form as whole smallest units.
"""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError
from potluck.ledger.models import Campaign, Method, MoneyPolicy
from potluck.ledger.selectors import access_fund, campaign_list, fund_list, money_needs
from potluck.ledger.services.funds import NOT_A_FUND
from potluck.ledger.units import parse_amount, plain_amount
from potluck.needs.models import Need
from potluck.networks.models import Network

NOT_A_CAMPAIGN = _("Choose one of this network's open campaigns.")
NOT_A_CURRENCY = _("Enter a three-letter currency code, such as USD or EUR.")
AMOUNT_HELP = _("In %(currency)s, for example 40 or 12.50.")
# An empty box, "0", "0.00" or "$0": no limit.
ZERO = re.compile(r"([^\d.,-]*0+([.,]0*)?)?")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Which field a service's refusal is about, by its code; the rest go above the form.
ERROR_FIELDS = {
    "date_in_future": "received_on",
    "date_too_old": "received_on",
    "not_a_fund": "fund",
    "campaign_elsewhere": "campaign",
    "not_positive": "amount",
    "too_large": "amount",
    "fund_name_taken": "name",
    "currency_in_use": "currency",
    "ends_in_past": "ends_on",
}


def add_domain_error(form: forms.Form, error: DomainError, *, amount_field: str = "amount") -> None:
    """Show a service's refusal next to the field it is about, or above the form."""
    field = ERROR_FIELDS.get(error.code)
    if field == "amount":
        field = amount_field
    form.add_error(field if field in form.fields else None, str(error))


def money_field(field: forms.Field, currency: str) -> None:
    """Say which currency an amount field is in, and ask phones for a number keypad."""
    field.help_text = AMOUNT_HELP % {"currency": currency}
    field.widget.attrs["inputmode"] = "decimal"


NOT_A_MONEY_NEED = _("Choose one of this network's open needs for money.")


def need_choices(network: Network) -> list[tuple[str, str]]:
    """Open money needs by number, area and day: enough to tell them apart, nothing personal."""
    return [
        (
            str(need.pk),
            _("Need %(number)s · %(area)s · %(day)s")
            % {"number": need.pk, "area": need.area, "day": date_format(need.created_at)},
        )
        for need in money_needs(network=network)
    ]


def fund_choices(network: Network) -> list[tuple[str, str]]:
    # The general fund's name is stored in English and translated when shown.
    return [(str(fund.pk), gettext(fund.name)) for fund in fund_list(network=network)]


class FundChoiceMixin:
    """A `fund` field: one of the network's funds, chosen by id, cleaned to the Account."""

    network: Network
    cleaned_data: dict[str, Any]

    def clean_fund(self) -> Any:
        fund = access_fund(network=self.network, fund_id=self.cleaned_data.get("fund"))
        if fund is None:
            raise ValidationError(NOT_A_FUND, code="not_a_fund")
        return fund


class DonationForm(FundChoiceMixin, forms.Form):
    """One donation as it arrived: how much, when, how, into which fund, from whom."""

    amount = forms.CharField(label=_("Amount"), max_length=20)
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("How it came"), choices=Method.choices)
    fund = forms.ChoiceField(label=_("Fund"), error_messages={"invalid_choice": NOT_A_FUND})
    campaign = forms.ChoiceField(
        label=_("Campaign (optional)"),
        required=False,
        error_messages={"invalid_choice": NOT_A_CAMPAIGN},
    )
    donor_name = forms.CharField(
        label=_("Donor's name (optional)"),
        max_length=120,
        required=False,
        help_text=_("Kept private: only treasurers see it. It is never published."),
    )
    anonymous = forms.BooleanField(
        label=_("The donor asked to stay anonymous"),
        required=False,
        help_text=_("Then we don't keep their name at all."),
    )

    def __init__(self, *args: Any, network: Network, currency: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.network = network
        self.currency = currency
        money_field(self.fields["amount"], currency)
        self.fields["fund"].choices = fund_choices(network)  # type: ignore[attr-defined]
        self.campaigns = {str(c.pk): c for c in campaign_list(network=network, open_only=True)}
        self.fields["campaign"].choices = [  # type: ignore[attr-defined]
            ("", _("None")),
            *((pk, c.title) for pk, c in self.campaigns.items()),
        ]
        if not self.campaigns:
            del self.fields["campaign"]

    def clean_amount(self) -> int:
        return parse_amount(self.cleaned_data["amount"], self.currency)

    def clean_campaign(self) -> Campaign | None:
        return self.campaigns.get(self.cleaned_data.get("campaign") or "")


class FundForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("For example: Rent, Groceries, Bail.")
    )
    description = forms.CharField(
        label=_("What it is for (optional)"), max_length=300, required=False
    )


class PolicyForm(forms.Form):
    """The network's limits for money out. Limits, never eligibility."""

    AMOUNTS = ("max_per_request", "max_per_person_month", "second_approval_above")

    currency = forms.CharField(
        label=_("Currency"),
        min_length=3,
        max_length=3,
        validators=[RegexValidator(r"^[A-Za-z]{3}$", NOT_A_CURRENCY)],
        help_text=_("A three-letter code such as USD. It can't change once money is recorded."),
    )
    max_per_request = forms.CharField(label=_("Most per request"), max_length=20, required=False)
    max_per_person_month = forms.CharField(
        label=_("Most per person per month"), max_length=20, required=False
    )
    second_approval_above = forms.CharField(
        label=_("Two treasurers approve requests above"), max_length=20, required=False
    )
    pledge_days = forms.IntegerField(
        label=_("Days a pledge waits to be confirmed"),
        min_value=1,
        max_value=90,
        help_text=_("A donor's promise to pay someone directly runs out after this many days."),
    )

    def __init__(self, *args: Any, policy: MoneyPolicy, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_from(policy))
        super().__init__(*args, **kwargs)
        self.policy = policy
        no_limit = _("0 or empty means no limit.")
        self.fields["max_per_request"].help_text = no_limit
        self.fields["max_per_person_month"].help_text = no_limit
        self.fields["second_approval_above"].help_text = _(
            "0 means two treasurers approve every request."
        )
        for name in self.AMOUNTS:
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    @classmethod
    def initial_from(cls, policy: MoneyPolicy) -> dict[str, Any]:
        initial: dict[str, Any] = {"currency": policy.currency, "pledge_days": policy.pledge_days}
        for name in cls.AMOUNTS:
            initial[name] = plain_amount(getattr(policy, name), policy.currency)
        return initial

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Amounts are read in the currency being saved, which sets their decimal places.
        currency = cleaned.get("currency") or self.policy.currency
        for name in self.AMOUNTS:
            if name in self.errors:
                continue
            text = str(cleaned.get(name) or "").strip()
            try:
                cleaned[name] = 0 if ZERO.fullmatch(text) else parse_amount(text, currency)
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned


class CampaignForm(FundChoiceMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("What it is for"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown to everyone on the campaign's public page. Name nobody."),
    )
    goal = forms.CharField(label=_("Goal"), max_length=20)
    fund = forms.ChoiceField(
        label=_("Fund the money goes to"), error_messages={"invalid_choice": NOT_A_FUND}
    )
    ends_on = forms.DateField(label=_("Ends on (optional)"), required=False, widget=DATE_INPUT)
    need = forms.ChoiceField(
        label=_("For one need (optional)"),
        required=False,
        help_text=_(
            "Members see the campaign on that need's page. The public page never shows the need."
        ),
        error_messages={"invalid_choice": NOT_A_MONEY_NEED},
    )

    def __init__(self, *args: Any, network: Network, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network = network
        self.currency = currency
        money_field(self.fields["goal"], currency)
        self.fields["fund"].choices = fund_choices(network)  # type: ignore[attr-defined]
        self.fields["need"].choices = [("", _("None")), *need_choices(network)]  # type: ignore[attr-defined]

    def clean_need(self) -> Need | None:
        chosen = self.cleaned_data.get("need")
        if not chosen:
            return None
        need = money_needs(network=self.network).filter(pk=chosen).first()
        if need is None:
            raise ValidationError(NOT_A_MONEY_NEED, code="not_a_money_need")
        return need

    def clean_goal(self) -> int:
        return parse_amount(self.cleaned_data["goal"], self.currency)
