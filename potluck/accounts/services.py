"""Writes for people and their API tokens."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import ApiToken, User
from potluck.accounts.phones import normalize_phone
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError

LOGIN_TAKEN = _("That email or phone number is already used by another account.")
LOGIN_MISSING = _("Enter an email address or a phone number.")
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
    # Stored the way the login backend looks them up, or the account could never log in.
    phone = normalize_phone(phone) if phone else None
    if not email and not phone:  # neither given, or the phone number isn't one
        raise DomainError(LOGIN_MISSING, code="login_missing")
    # Logins match email case-insensitively, so "Ana@x.org" must not sit beside "ana@x.org".
    if email and User.objects.filter(email__iexact=email.strip()).exists():
        raise DomainError(LOGIN_TAKEN, code="login_taken")
    try:
        with transaction.atomic():
            return User.objects.create_user(
                display_name=display_name.strip(),
                email=email.strip() if email else None,
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


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its key; the key is never stored, so show it now."""
    key, key_hash = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=key[3:9], key_hash=key_hash
    )
    audit_record(actor=user, verb="api_token.created", target=token)
    return token, key


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    """Stop a token working at once."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        raise DomainError(TOKEN_NOT_YOURS, code="not_found", status=404)
    audit_record(actor=user, verb="api_token.revoked", target=ApiToken(pk=token_id))
