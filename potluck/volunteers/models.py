"""What a volunteer can do, where and when, how much, and how they are doing."""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.models import BaseModel
from potluck.networks.models import Membership, Network

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Weekly half-day slots, e.g. "mon-am", "mon-pm": when a volunteer is usually free.
SLOTS = [f"{day}-{half}" for day in DAYS for half in ("am", "pm")]


class TravelMode(models.TextChoices):
    FOOT = "foot", _("On foot")
    BIKE = "bike", _("By bike")
    CAR = "car", _("By car")


# How far each mode reaches at most, whatever radius someone gives (see matching/engine.py).
MAX_RADIUS_KM = {TravelMode.FOOT: 3, TravelMode.BIKE: 8, TravelMode.CAR: 30}
DEFAULT_WEEKLY_CAP = 3


class VolunteerProfile(BaseModel):
    """One volunteer's offer of help in one network: skills, places, times, limits."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profiles"
    )
    # Need categories (potluck.networks.categories codes) they can take on.
    categories: models.JSONField[Any, Any] = models.JSONField(
        _("what you can help with"), default=list, blank=True
    )
    skills: models.JSONField[Any, Any] = models.JSONField(_("skills"), default=list, blank=True)
    languages: models.JSONField[Any, Any] = models.JSONField(
        _("languages you speak"), default=list, blank=True
    )
    # Either neighbourhoods of the network, or a home neighbourhood and a radius.
    areas: models.JSONField[Any, Any] = models.JSONField(
        _("neighbourhoods you cover"), default=list, blank=True
    )
    home_area = models.CharField(_("your home neighbourhood"), max_length=120, blank=True)
    radius_km = models.PositiveSmallIntegerField(
        _("how far you go, in km"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    travel = models.CharField(
        _("how you get around"), max_length=4, choices=TravelMode.choices, default=TravelMode.FOOT
    )
    slots: models.JSONField[Any, Any] = models.JSONField(
        _("when you are usually free"), default=list, blank=True
    )
    weekly_cap = models.PositiveSmallIntegerField(
        _("most tasks in a week"),
        default=DEFAULT_WEEKLY_CAP,
        validators=[MinValueValidator(1), MaxValueValidator(21)],
    )
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "user"], name="volunteer_profile_once"),
        ]
        indexes = [models.Index(fields=["network", "paused_until"], name="volunteer_network_idx")]

    def __str__(self) -> str:
        return f"volunteer profile of {self.user_id} in {self.network_id}"

    def is_paused(self, now: Any = None) -> bool:
        return self.paused_until is not None and self.paused_until > (now or timezone.now())


class CheckIn(BaseModel):
    """Potluck asking a volunteer how they are, after a run of deliveries; and their answer."""

    class Answer(models.TextChoices):
        PENDING = "pending", _("Not answered yet")
        FINE = "fine", _("Doing fine")
        BREAK = "break", _("Asked for a break")

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="checkins")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    deliveries = models.PositiveSmallIntegerField(default=0)
    answer = models.CharField(max_length=8, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile"], condition=models.Q(answer="pending"), name="checkin_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"check-in {self.pk} for {self.profile_id}"
