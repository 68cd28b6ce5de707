"""Writes for people: signing up, proving a login, changing it, sessions, API tokens."""

import secrets
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import ApiToken, LoginVerification, User, email_hash, phone_hash
from potluck.accounts.phones import normalize_phone
from potluck.accounts.sessions import session_end_all
from potluck.core.audit import audit_record
from potluck.core.crypto import keyed_hash
from potluck.core.errors import DomainError
from potluck.core.sms import send_sms

LOGIN_TAKEN = _("That email or phone number is already used by another account.")
LOGIN_MISSING = _("Enter an email address or a phone number.")
TOKEN_NOT_YOURS = _("That token does not exist.")
LINK_BROKEN = _(
    "This link doesn't work: it has expired, it was already used, or part of it is missing. "
    "Sign up again, or log in if you already finished."
)
SAME_LOGIN = _("You already log in with that.")

SUBJECT_SIGNUP = _("Finish signing up for Potluck")
SUBJECT_CHANGE = _("Confirm your new Potluck login")
SUBJECT_TAKEN = _("Someone tried to use your address on Potluck")

Purpose = LoginVerification.Purpose


# ---------------------------------------------------------------------------- signing up


def user_signup(
    *,
    display_name: str,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    language: str = "en",
) -> User | None:
    """Start an inactive account for a new login and send it a link to finish signing up.

    A login that already has an account gets a message saying someone tried to sign up with
    it, and None comes back: callers answer the same either way, so the form can't be used
    to find out who has an account.
    """
    # Stored the way the login backend looks them up, or the account could never log in.
    phone = normalize_phone(phone) if phone else None
    email = User.objects.normalize_email(email.strip()) if email else None
    if not email and not phone:  # neither given, or the phone number isn't one
        raise DomainError(LOGIN_MISSING, code="login_missing")
    # Hashed before the transaction (Argon2 is slow on purpose), and in both cases alike.
    password_hash = make_password(password)
    with transaction.atomic():
        _forget_stale_signups(email=email, phone=phone)
        user = User(
            display_name=display_name.strip(),
            email=email,
            phone=phone,
            password=password_hash,
            language=language,
            is_active=False,
            verified_at=None,
        )
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # The unique hashes ignore case, so "Ana@x.org" can't sit beside "ana@x.org" either.
            _send_login_taken(email=email, phone=phone)
            return None
        token = _link_create(user=user, purpose=Purpose.SIGNUP)
        _send_link(user=user, purpose=Purpose.SIGNUP, token=token, email=email, phone=phone)
    return user


def _forget_stale_signups(*, email: str | None, phone: str | None) -> None:
    """Delete unfinished signups for this login whose link has run out, so a login someone
    once typed by mistake (or on purpose) isn't blocked for good."""
    cutoff = timezone.now() - timedelta(hours=settings.POTLUCK_VERIFY_LINK_HOURS)
    same = Q(pk__in=[])
    same |= Q(email_hash=email_hash(email)) if email else Q()
    same |= Q(phone_hash=phone_hash(phone)) if phone else Q()
    User.objects.filter(same, verified_at__isnull=True, date_joined__lt=cutoff).delete()


def user_verify(*, user: User) -> bool:
    """The person proved they receive messages at their login (a signup link, a password
    reset): an unfinished signup becomes an active account. False if it already was one."""
    now = timezone.now()
    done = User.objects.filter(pk=user.pk, verified_at__isnull=True).update(
        verified_at=now, is_active=True
    )
    if done:
        user.verified_at, user.is_active = now, True
        audit_record(actor=user, verb="user.verified", target=user)
    return bool(done)


# ---------------------------------------------------------------------------- changing login


def login_change_request(*, user: User, email: str | None = None, phone: str | None = None) -> None:
    """Send a link to a new email address or phone number; it replaces the old one of the same
    kind only when the link is opened. If another account has it, that account's owner is
    told instead, and the person asking sees the same answer."""
    phone = normalize_phone(phone) if phone else None
    email = User.objects.normalize_email(email.strip()) if email else None
    if not email and not phone:
        raise DomainError(LOGIN_MISSING, code="login_missing")
    if (email and user.email_hash == email_hash(email)) or (
        phone and user.phone_hash == phone_hash(phone)
    ):
        raise DomainError(SAME_LOGIN, code="same_login")
    taken = User.objects.with_email(email) if email else User.objects.with_phone(phone or "")
    with transaction.atomic():
        if taken.exists():
            _send_login_taken(email=email, phone=phone)
            return
        LoginVerification.objects.filter(
            user=user, purpose=Purpose.CHANGE, used_at__isnull=True
        ).delete()
        token = _link_create(user=user, purpose=Purpose.CHANGE, email=email, phone=phone)
        _send_link(user=user, purpose=Purpose.CHANGE, token=token, email=email, phone=phone)
        audit_record(actor=user, verb="user.login_change_requested", target=user)


# ---------------------------------------------------------------------------- links


def _token_hash(token: str) -> str:
    return keyed_hash("login-link:" + token)


def _link_create(
    *, user: User, purpose: str, email: str | None = None, phone: str | None = None
) -> str:
    """A new one-use link secret; only its keyed hash is stored."""
    token = secrets.token_urlsafe(32)
    LoginVerification.objects.create(
        user=user,
        purpose=purpose,
        email=email,
        phone=phone,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + timedelta(hours=settings.POTLUCK_VERIFY_LINK_HOURS),
    )
    return token


def login_link_find(*, token: str) -> LoginVerification | None:
    """The unused, unexpired link with this secret, if there is one."""
    return (
        LoginVerification.objects.select_related("user")
        .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def login_link_use(*, token: str) -> LoginVerification:
    """Open a link: finish a signup (the account becomes active) or switch to the new login.
    Each link works once; a second use, even a concurrent one, gets LINK_BROKEN."""
    now = timezone.now()
    used = LoginVerification.objects.filter(
        token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, updated_at=now)
    if not used:
        raise DomainError(LINK_BROKEN, code="link_broken", status=404)
    link = LoginVerification.objects.select_related("user").get(token_hash=_token_hash(token))
    if link.purpose == Purpose.SIGNUP:
        if not user_verify(user=link.user):
            raise DomainError(LINK_BROKEN, code="link_broken", status=404)
    else:
        _login_change_apply(link)
    return link


def _login_change_apply(link: LoginVerification) -> None:
    user = link.user
    field = "email" if link.email else "phone"
    setattr(user, field, link.email or link.phone)
    try:
        with transaction.atomic():
            user.save(update_fields=[field])
    except IntegrityError as error:  # someone else took it after the link was sent
        raise DomainError(LOGIN_TAKEN, code="login_taken") from error
    audit_record(actor=user, verb="user.login_changed", target=user, data={"field": field})


# ---------------------------------------------------------------------------- messages


def _link_url(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:verify", args=[token])


def _send_link(
    *, user: User, purpose: str, token: str, email: str | None, phone: str | None
) -> None:
    """Email or text the link, in the person's language, once the transaction commits."""
    subject = SUBJECT_SIGNUP if purpose == Purpose.SIGNUP else SUBJECT_CHANGE
    context = {"link": _link_url(token), "hours": settings.POTLUCK_VERIFY_LINK_HOURS}
    _send(
        f"accounts/messages/link_{purpose}",
        subject,
        context,
        email=email,
        phone=phone,
        language=user.language,
    )


def _send_login_taken(*, email: str | None, phone: str | None) -> None:
    owner = (
        User.objects.with_email(email) if email else User.objects.with_phone(phone or "")
    ).first()
    context = {
        "login_url": settings.SITE_URL + reverse("accounts:login"),
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
    }
    language = owner.language if owner else settings.LANGUAGE_CODE
    _send(
        "accounts/messages/login_taken",
        SUBJECT_TAKEN,
        context,
        email=email,
        phone=None if email else phone,
        language=language,
    )


def _send(
    template: str,
    subject: str | Promise,
    context: Mapping[str, object],
    *,
    email: str | None,
    phone: str | None,
    language: str,
) -> None:
    with translation.override(language):
        if email:
            address, title = email, str(subject)
            body = render_to_string(f"{template}_email.txt", context)
            transaction.on_commit(
                lambda: send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [address])
            )
        elif phone:
            number = phone
            text = render_to_string(f"{template}_sms.txt", context).strip()
            transaction.on_commit(lambda: send_sms(to=number, body=text))


# ---------------------------------------------------------------------------- sessions


@transaction.atomic
def user_deactivate(*, user: User, by: User | None = None) -> None:
    """Stop an account working: it can't log in, and every session it has ends now."""
    # An unfinished signup is closed too, so neither its link nor a password reset revives it.
    User.objects.filter(pk=user.pk).update(
        is_active=False, verified_at=Coalesce("verified_at", timezone.now())
    )
    user.refresh_from_db(fields=["is_active", "verified_at"])
    LoginVerification.objects.filter(user=user, used_at__isnull=True).delete()
    session_end_all(user_id=user.pk)
    audit_record(actor=by, verb="user.deactivated", target=user)


def user_log_out_everywhere(*, user: User) -> int:
    """End every session of `user`, on every device; returns how many there were."""
    ended = session_end_all(user_id=user.pk)
    audit_record(actor=user, verb="user.logged_out_everywhere", target=user, data={"ended": ended})
    return ended


# ---------------------------------------------------------------------------- profile


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


def user_rehash_logins() -> int:
    """Recompute every account's lookup hashes (after POTLUCK_HASH_KEY changed); rows changed."""
    changed = 0
    for user in User.objects.only("pk", "email", "phone", "email_hash", "phone_hash").iterator():
        new = {
            "email_hash": email_hash(user.email) if user.email else None,
            "phone_hash": phone_hash(user.phone) if user.phone else None,
        }
        if new != {"email_hash": user.email_hash, "phone_hash": user.phone_hash}:
            # Only if nobody changed the account meanwhile; their save() hashed it already.
            changed += User.objects.filter(
                pk=user.pk, email_hash=user.email_hash, phone_hash=user.phone_hash
            ).update(**new)
    return changed
