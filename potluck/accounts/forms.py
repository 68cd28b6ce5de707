from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from potluck.accounts.phones import normalize_phone

INVALID_LOGIN = _("Enter an email address or a phone number.")


class SignupForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("What other people see. It does not need to be your real name."),
    )
    login = forms.CharField(
        label=_("Email or phone number"),
        max_length=254,
        help_text=_("You log in with this. We never show it to other members."),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        min_length=8,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. A few words together work well."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean_login(self) -> dict[str, str]:
        raw = self.cleaned_data["login"].strip()
        if "@" in raw:
            try:
                forms.EmailField().clean(raw)
            except forms.ValidationError as error:
                raise forms.ValidationError(INVALID_LOGIN) from error
            return {"email": raw}
        phone = normalize_phone(raw)
        if phone is None:
            raise forms.ValidationError(INVALID_LOGIN)
        return {"phone": phone}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password"):
            try:
                password_validation.validate_password(cleaned["password"])
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Email or phone number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("That login and password don't match an account. Please try again."),
        "inactive": _("This account is not active."),
    }


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=60, help_text=_("For example: our phone-line script.")
    )
