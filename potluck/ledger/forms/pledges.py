"""Forms for direct aid: a member's pledge, and how the person would like to be paid."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from potluck.ledger.forms.treasury import money_field
from potluck.ledger.units import parse_amount

HANDLE_EMPTY = _("Say how you would like to be paid, for example @name on Venmo.")


class PledgeForm(forms.Form):
    amount = forms.CharField(label=_("How much will you send?"), max_length=20)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        money_field(self.fields["amount"], currency)

    def clean_amount(self) -> int:
        return parse_amount(self.cleaned_data["amount"], self.currency)


class PayoutHandleForm(forms.Form):
    payout_handle = forms.CharField(
        label=_("How would you like to be paid?"),
        max_length=120,
        error_messages={"required": HANDLE_EMPTY},
        help_text=_(
            "For example @name on Venmo, a phone number for Zelle, or where to meet for cash. "
            "Only this donor sees it."
        ),
    )

    def __init__(self, *args: Any, pledge_id: int | None = None, **kwargs: Any) -> None:
        # Several pledges can be on one page: each form's fields get their own ids.
        if pledge_id is not None:
            kwargs.setdefault("auto_id", f"id_pledge_{pledge_id}_%s")
        super().__init__(*args, **kwargs)
