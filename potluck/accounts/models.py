import hashlib
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.crypto import keyed_hash
from potluck.core.fields import EncryptedTextField
from potluck.core.models import BaseModel


def email_hash(email: str) -> str:
    """The lookup key for an email address: case never matters for logins."""
    return keyed_hash("email:" + email.strip().lower())


def phone_hash(phone: str) -> str:
    return keyed_hash("phone:" + phone)


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email_hash=email_hash(username or ""))

    def with_email(self, email: str) -> models.QuerySet["User"]:
        return self.filter(email_hash=email_hash(email))

    def with_phone(self, phone: str) -> models.QuerySet["User"]:
        return self.filter(phone_hash=phone_hash(phone))

    def create_user(
        self,
        *,
        display_name: str,
        email: str | None = None,
        phone: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> "User":
        user = self.model(
            display_name=display_name,
            email=self.normalize_email(email) if email else None,
            phone=phone or None,
            **extra,
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **extra: Any) -> "User":
        extra.setdefault("display_name", email.split("@")[0])
        return self.create_user(
            email=email, password=password, is_staff=True, is_superuser=True, **extra
        )


class User(AbstractBaseUser, PermissionsMixin):
    """A pseudonymous person: a display name and a way to log in, nothing more."""

    display_name = models.CharField(_("display name"), max_length=60)
    # Contact details are encrypted; the keyed hashes beside them find an account at login.
    email = EncryptedTextField(_("email"), null=True, blank=True)
    # NULL, not "", for "none": many accounts have no phone, and NULLs don't clash in UNIQUE.
    email_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    phone = EncryptedTextField(_("phone number"), null=True, blank=True)
    phone_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # When the person proved they receive messages at their login (a link from signup, or a
    # password reset). Empty while a signup is unfinished: such an account is also inactive.
    verified_at = models.DateTimeField(
        _("login verified"), null=True, blank=True, default=timezone.now
    )

    objects = UserManager()

    # Django needs a unique login column; ours is the hash (see UserManager.get_by_natural_key).
    USERNAME_FIELD = "email_hash"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email_hash__isnull=False) | models.Q(phone_hash__isnull=False),
                name="user_has_login",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def signup_pending(self) -> bool:
        """Signed up but never opened the link: the account can't be used yet."""
        return self.verified_at is None

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the lookup hashes in step with the encrypted contact details."""
        self.email_hash = email_hash(self.email) if self.email else None
        self.phone_hash = phone_hash(self.phone) if self.phone else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            fields = set(update_fields)
            fields |= {"email_hash"} if "email" in fields else set()
            fields |= {"phone_hash"} if "phone" in fields else set()
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def matching(self, key: str) -> "ApiTokenQuerySet":
        return self.filter(key_hash=_hash_key(key), revoked_at__isnull=True)


class ApiToken(BaseModel):
    """A bearer token for /api/v1; only its hash is kept, the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> tuple[str, str]:
        key = "pl_" + secrets.token_urlsafe(32)
        return key, _hash_key(key)


class Attempt(models.Model):
    """One counted try at a rate-limited action (a failed login, a public form sent).

    `key_hash` is a keyed hash of a login or a client address, never the value itself, so the
    table can't tell anyone who tried or from where. Rows older than the longest window go.
    """

    scope = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key_hash", "created_at"], name="attempt_key_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key_hash[:8]}… {self.created_at:%Y-%m-%d %H:%M}"


class LoginVerification(BaseModel):
    """A link that proves someone receives messages at an email address or phone number.

    For a signup it activates the account; for a change of login it carries the new address
    (encrypted), which replaces the old one only when the link is opened. Only a keyed hash of
    the link's secret is stored. A link works once, and not after `expires_at`.
    """

    class Purpose(models.TextChoices):
        SIGNUP = "signup"
        CHANGE = "change"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_verifications")
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    email = EncryptedTextField(null=True, blank=True)
    phone = EncryptedTextField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"


class UserSession(AbstractBaseSession):
    """A database session that knows whose it is, so all of a person's sessions can be ended
    (log out everywhere, deactivation). See potluck.accounts.sessions."""

    user_id = models.BigIntegerField(null=True, db_index=True)

    @classmethod
    def get_session_store_class(cls) -> Any:
        from potluck.accounts.sessions import SessionStore

        return SessionStore
