import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.fields import EncryptedTextField
from potluck.core.models import BaseModel
from potluck.networks.categories import Category, default_categories


def default_languages() -> list[str]:
    return [settings.LANGUAGE_CODE]


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    VOLUNTEER = "volunteer", _("Volunteer")
    COORDINATOR = "coordinator", _("Coordinator")
    TREASURER = "treasurer", _("Treasurer")
    ADMIN = "admin", _("Admin")


class Network(BaseModel):
    """One mutual aid network; every domain row belongs to exactly one."""

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Anyone may join")
        APPROVAL = "approval", _("Joining needs a coordinator's approval")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    area_served = models.CharField(_("area served"), max_length=200, blank=True)
    areas: models.JSONField[Any, Any] = models.JSONField(
        _("neighbourhoods"), default=list, blank=True
    )
    languages: models.JSONField[Any, Any] = models.JSONField(
        _("languages"), default=default_languages
    )
    join_policy = models.CharField(
        _("joining"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.APPROVAL
    )
    categories: models.JSONField[Any, Any] = models.JSONField(
        _("need categories"), default=default_categories
    )
    claim_hours = models.PositiveSmallIntegerField(
        _("claim length in hours"), default=settings.POTLUCK_DEFAULT_CLAIM_HOURS
    )
    is_listed = models.BooleanField(_("listed on the home page"), default=True)
    retention_days = models.PositiveSmallIntegerField(
        _("days to keep personal details after a need closes"),
        default=settings.POTLUCK_DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    # Matching and volunteer care (potluck/matching, potluck/volunteers).
    # {"Riverside": [51.5072, -0.1276], ...}: a point per neighbourhood, for travel distances.
    area_locations: models.JSONField[Any, Any] = models.JSONField(
        _("where each neighbourhood is"), default=dict, blank=True
    )
    dispatch_answer_hours = models.PositiveSmallIntegerField(
        _("hours a volunteer has to accept a need sent to them"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )
    auto_match_minutes = models.PositiveSmallIntegerField(
        _("suggest matches automatically every so many minutes (0: never)"),
        default=0,
        validators=[MaxValueValidator(24 * 60)],
    )
    claim_reminder_hours = models.PositiveSmallIntegerField(
        _("remind a volunteer this many hours before their claim runs out"),
        default=6,
        validators=[MaxValueValidator(72)],
    )
    still_needed_days = models.PositiveSmallIntegerField(
        _("ask the person who asked whether they still need help after so many days"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    checkin_after_deliveries = models.PositiveSmallIntegerField(
        _("ask volunteers how they are after so many deliveries (0: never)"),
        default=5,
        validators=[MaxValueValidator(100)],
    )
    # Reaching people without the internet (potluck/sms, the flyer): all public.
    phone_number = models.CharField(_("phone line for help"), max_length=32, blank=True)
    sms_number = models.CharField(_("number people text"), max_length=32, blank=True)
    sms_keyword = models.CharField(_("word people text to start"), max_length=20, blank=True)
    checkin_period_days = models.PositiveSmallIntegerField(
        _("counting deliveries over so many days"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            # Networks sharing a text number tell texts apart by the word (networks/reach.py).
            models.UniqueConstraint(
                fields=["sms_number", "sms_keyword"],
                condition=~models.Q(sms_keyword=""),
                name="network_sms_keyword_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("networks:home", args=[self.slug])

    def category_choices(self) -> list[tuple[str, Any]]:
        labels = dict(Category.choices)
        return [(code, labels[code]) for code in self.categories if code in labels]

    def language_choices(self) -> list[tuple[str, str]]:
        names = dict(settings.LANGUAGES)
        return [(code, str(names.get(code, code))) for code in self.languages]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.ACTIVE)

    def pending(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.PENDING)


class Membership(BaseModel):
    """A person's place in a network: a role, and whether they are in yet."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    note = EncryptedTextField(_("note to coordinators"), max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["network", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["network", "user"], name="membership_once"),
        ]
        indexes = [models.Index(fields=["user", "status"], name="membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.network} ({self.role})"


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


def default_invitation_expiry() -> Any:
    return timezone.now() + timedelta(days=14)


class Invitation(BaseModel):
    """A link that lets whoever holds it join a network with a given role."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=40, unique=True, default=new_invitation_token)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"), default=default_invitation_expiry)
    max_uses = models.PositiveIntegerField(_("how many people may use it"), default=1)
    use_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation to {self.network} as {self.role}"

    def get_absolute_url(self) -> str:
        return reverse("networks:invitation", args=[self.token])

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.use_count < self.max_uses
            and self.expires_at > timezone.now()
        )
