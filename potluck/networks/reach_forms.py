"""The form coordinators set the network's phone line, text number and keyword with."""

from collections.abc import Callable

from django import forms
from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError
from potluck.networks.reach import reach_keyword_clean, reach_number_clean

# Which field each refusal of networks.reach belongs beside.
ERROR_FIELDS = {
    "bad_phone_number": "phone_number",
    "bad_sms_number": "sms_number",
    "bad_keyword": "sms_keyword",
    "reserved_keyword": "sms_keyword",
    "keyword_taken": "sms_keyword",
    "keyword_without_number": "sms_keyword",
}


def _number_input() -> forms.TextInput:
    # A text input that brings up the phone keypad; type="tel" would also offer to fill in
    # the coordinator's own number, which is not what goes here.
    return forms.TextInput(attrs={"inputmode": "tel"})


class ReachForm(forms.Form):
    phone_number = forms.CharField(
        label=_("Phone line for help"),
        max_length=32,
        required=False,
        widget=_number_input(),
        help_text=_("A number people can call to ask for help, with its country code."),
    )
    sms_number = forms.CharField(
        label=_("Number people text"),
        max_length=32,
        required=False,
        widget=_number_input(),
        help_text=_("The number your text message provider gave the network."),
    )
    sms_keyword = forms.CharField(
        label=_("Word people text to start"),
        max_length=20,
        required=False,
        help_text=_(
            "2 to 20 letters or digits, for example RIVERSIDE. Networks sharing one number "
            "each need their own word."
        ),
    )

    def clean_phone_number(self) -> str:
        return self._clean("phone_number", lambda raw: reach_number_clean(raw, code="phone"))

    def clean_sms_number(self) -> str:
        return self._clean("sms_number", lambda raw: reach_number_clean(raw, code="sms"))

    def clean_sms_keyword(self) -> str:
        return self._clean("sms_keyword", reach_keyword_clean)

    def _clean(self, field: str, check: Callable[[str], str]) -> str:
        """The service's own rule for one field, so every mistake shows at once."""
        try:
            return check(self.cleaned_data.get(field, ""))
        except DomainError as error:
            raise forms.ValidationError(str(error), code=error.code) from error
