"""Writes for people and their API tokens."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import ApiToken, User
from potluck.core.errors import DomainError

LOGIN_TAKEN = _("That email or phone number is already used by another account.")
TOKEN_NOT_YOURS = _("That token does not exist.")


def user_signup(
    *,
    display_name: str,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    language: str = "en",
) -> User:
    """Create a pseudonymous account that logs in with `email` or `phone`."""
    try:
        with transaction.atomic():
            return User.objects.create_user(
                display_name=display_name.strip(),
                email=email,
                phone=phone,
                password=password,
                language=language,
            )
    except IntegrityError as error:
        raise DomainError(LOGIN_TAKEN, code="login_taken") from error


def user_update(*, user: User, display_name: str, language: str) -> User:
    """Change what others see and the language Potluck speaks to `user`."""
    user.display_name = display_name.strip()
    user.language = language
    user.save(update_fields=["display_name", "language"])
    return user


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language `user` chose in the switcher."""
    user.language = language
    user.save(update_fields=["language"])


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its key; the key is never stored, so show it now."""
    key, key_hash = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name.strip(), prefix=key[3:9], key_hash=key_hash)
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Stop a token working at once."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        raise DomainError(TOKEN_NOT_YOURS, code="not_found", status=404)
