"""Forms for asking the treasurers for money: for oneself, for a need, or to be paid back.

Nothing here asks whether someone deserves it: how much, what for, and how to get it to them.
"""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from potluck.ledger.models import PayoutMethod
from potluck.ledger.receipts import CleanReceipt, receipt_clean
from potluck.ledger.selectors import fund_list
from potluck.ledger.units import parse_amount
from potluck.networks.models import Network

HANDLE_NEEDED = _("Say where to send the money, for example @name on Venmo.")
RECEIPT_ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"


class AskForm(forms.Form):
    """How much, what for, how to pay: the whole request."""

    amount = forms.CharField(label=_("How much?"), max_length=20)
    category = forms.ChoiceField(label=_("What is it for?"))
    payout_method = forms.ChoiceField(
        label=_("How should we pay?"), choices=PayoutMethod.choices, initial=PayoutMethod.CASH
    )
    payout_handle = forms.CharField(
        label=_("Where should we send it?"),
        max_length=120,
        required=False,
        help_text=_(
            "For example @name on Venmo, or a phone number for Zelle. Leave empty for cash. "
            "Only you and the treasurers see this."
        ),
    )
    purpose = forms.CharField(
        label=_("Anything the treasurers should know?"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. You don't have to explain why you need it."),
    )

    def __init__(self, *args: Any, network: Network, currency: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].help_text = _("In %(currency)s, for example 40 or 12.50.") % {
            "currency": currency
        }
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"
        self.fields["category"].choices = network.category_choices()  # type: ignore[attr-defined]
        funds = fund_list(network=network)
        # Most networks have one fund; only then is there nothing to choose.
        if funds.count() > 1:
            self.fields["fund"] = forms.ModelChoiceField(
                label=_("Which fund should it come from?"),
                queryset=funds,
                empty_label=None,
            )

    def clean_amount(self) -> int:
        return parse_amount(self.cleaned_data["amount"], self.currency)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        method = cleaned.get("payout_method")
        if method and method != PayoutMethod.CASH and not cleaned.get("payout_handle", "").strip():
            self.add_error("payout_handle", HANDLE_NEEDED)
        return cleaned


class ReimburseForm(AskForm):
    """Being paid back for something bought for the network: the same, with the receipt."""

    receipt = forms.FileField(
        label=_("Receipt"),
        help_text=_(
            "A photo or PDF of the receipt, up to 5 MB. We remove the location and other "
            "hidden details from photos."
        ),
        widget=forms.FileInput(attrs={"accept": RECEIPT_ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].label = _("What did you buy it for?")
        self.fields["purpose"].label = _("What did you buy?")
        self.fields["purpose"].help_text = _("Optional.")

    def clean_receipt(self) -> CleanReceipt:
        upload: UploadedFile = self.cleaned_data["receipt"]
        return receipt_clean(upload)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not?"),
        max_length=300,
        required=False,
        help_text=_("Optional. The person who asked will see this."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
