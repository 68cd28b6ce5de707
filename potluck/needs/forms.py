from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from potluck.accounts.honeypot import HoneypotForm
from potluck.accounts.phones import normalize_phone
from potluck.needs.models import ContactMethod, Need, Offer, Urgency
from potluck.needs.services import CLOSE_OUTCOMES
from potluck.networks.models import Network

BAD_PHONE = _("Enter a phone number we can call or text, for example 555 010 2030.")
BAD_EMAIL = _("Enter an email address, for example name@example.org.")


class AskForm(HoneypotForm):
    """The one form a neighbour fills in to ask for help: nothing more than this (and a
    honeypot field that people never see)."""

    category = forms.ChoiceField(label=_("What kind of help do you need?"))
    description = forms.CharField(
        label=_("Tell us a little more"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: groceries for three people, no pork."),
    )
    area = forms.CharField(
        label=_("Roughly where?"),
        max_length=120,
        help_text=_("A neighbourhood or the nearest cross streets. Not your address."),
    )
    urgency = forms.ChoiceField(
        label=_("How soon?"),
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        initial=Urgency.FEW_DAYS,
    )
    contact_method = forms.ChoiceField(
        label=_("How should we reach you?"),
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        initial=ContactMethod.PHONE,
    )
    contact_value = forms.CharField(
        label=_("Phone number or email"),
        max_length=254,
        help_text=_("Only the volunteer who takes on your request and coordinators see this."),
    )
    contact_times = forms.CharField(
        label=_("When is a good time?"),
        max_length=120,
        required=False,
        help_text=_("For example: weekday evenings."),
    )
    language = forms.ChoiceField(label=_("Which language do you prefer?"))

    def __init__(self, *args: Any, network: Network, language: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = network.category_choices()  # type: ignore[attr-defined]
        self.fields["language"].choices = network.language_choices()  # type: ignore[attr-defined]
        if language in network.languages:
            self.fields["language"].initial = language
        if network.areas:
            self.fields["area"].widget.attrs["list"] = "network-areas"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        method, value = cleaned.get("contact_method"), cleaned.get("contact_value", "")
        if method == ContactMethod.EMAIL and value:
            try:
                cleaned["contact_value"] = forms.EmailField().clean(value)
            except forms.ValidationError:
                self.add_error("contact_value", BAD_EMAIL)
        elif method in (ContactMethod.PHONE, ContactMethod.SMS) and value:
            phone = normalize_phone(value)
            if phone is None:
                self.add_error("contact_value", BAD_PHONE)
            else:
                cleaned["contact_value"] = phone
        return cleaned


class BoardFilterForm(forms.Form):
    """Filters for the board; unknown values are ignored rather than refused."""

    STATUS_CHOICES = [
        ("open", _("Open")),
        ("active", _("Open, claimed or delivered")),
        ("", _("All")),
        *[(code, label) for code, label in Need.Status.choices if code != "open"],
    ]

    category = forms.ChoiceField(label=_("Kind of help"), required=False)
    area = forms.CharField(label=_("Area"), max_length=120, required=False)
    urgency = forms.ChoiceField(
        label=_("How soon"), required=False, choices=[("", _("Any time")), *Urgency.choices]
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, network: Network, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All kinds")), *network.category_choices()]  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("Any language")), *network.language_choices()]  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Add a note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Send a message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you giving it back? (optional)"), max_length=2000, required=False
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did it end?"),
        choices=[(code, label) for code, label in Need.Status.choices if code in CLOSE_OUTCOMES],
    )


class OfferForm(forms.Form):
    kind = forms.ChoiceField(label=_("What kind of offer?"), choices=Offer.Kind.choices)
    title = forms.CharField(label=_("What are you offering?"), max_length=120)
    description = forms.CharField(
        label=_("Details"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    area = forms.CharField(label=_("Roughly where?"), max_length=120, required=False)


class OfferFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of offer"),
        required=False,
        choices=[("", _("All kinds")), *Offer.Kind.choices],
    )
    area = forms.CharField(label=_("Area"), max_length=120, required=False)
