from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from potluck.accounts import services
from potluck.accounts.honeypot import HoneypotForm
from potluck.accounts.models import User
from potluck.accounts.phones import normalize_phone
from potluck.core import sms

NO_SMS = _(
    "This Potluck can't send text messages yet, so it can't send a link to a phone number. "
    "Please use an email address."
)
INVALID_LOGIN = _("Enter an email address or a phone number.")


def _login_choice(raw: str) -> dict[str, str]:
    """An email address or a phone number, as {"email": ...} or {"phone": ...}."""
    raw = raw.strip()
    if "@" in raw:
        try:
            forms.EmailField().clean(raw)
        except forms.ValidationError as error:
            raise forms.ValidationError(INVALID_LOGIN) from error
        return {"email": raw}
    phone = normalize_phone(raw)
    if phone is None:
        raise forms.ValidationError(INVALID_LOGIN)
    if not sms.can_send():
        raise forms.ValidationError(NO_SMS)
    return {"phone": phone}


class SignupForm(HoneypotForm):
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
        return _login_choice(self.cleaned_data["login"])

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
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
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


class PasswordResetForm(DjangoPasswordResetForm):
    def get_users(self, email: str) -> Iterator[User]:
        """Accounts with this address, found through its keyed hash (it's encrypted): active
        ones, and unfinished signups, which the reset link then activates."""
        usable = Q(is_active=True) | Q(verified_at__isnull=True)
        for user in User.objects.with_email(email).filter(usable):
            if user.has_usable_password():
                yield user


class ResetPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Choosing a password from an emailed link also proves the address is theirs."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            services.user_verify(user=user)
        return user


def _code_field(*, autofocus: bool) -> forms.CharField:
    attrs: dict[str, Any] = {"autocomplete": "one-time-code"}
    if autofocus:
        attrs["autofocus"] = True
    return forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(attrs=attrs),
    )


class CodeForm(forms.Form):
    code = _code_field(autofocus=True)


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        help_text=_("The 6-digit code your authenticator app shows for Potluck."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    code = _code_field(autofocus=False)

    def __init__(self, *args: Any, with_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["code"]


class LoginChangeForm(forms.Form):
    login = forms.CharField(
        label=_("New email or phone number"),
        max_length=254,
        help_text=_(
            "We send a link there. Your login changes only when you open it. A new email "
            "replaces your email; a new phone number replaces your phone number."
        ),
    )

    def clean_login(self) -> dict[str, str]:
        return _login_choice(self.cleaned_data["login"])
