from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from potluck.accounts.models import User
from potluck.accounts.phones import normalize_phone


def user_for_login(login: str) -> User | None:
    """The account a login name (email or phone number) belongs to, if any."""
    login = login.strip()
    if "@" in login:
        return User.objects.with_email(login).first()
    phone = normalize_phone(login)
    return User.objects.with_phone(phone).first() if phone else None


class EmailOrPhoneBackend(ModelBackend):
    """Log in with either an email address or a phone number."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = user_for_login(username)
        if user is None:
            # Hash anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
