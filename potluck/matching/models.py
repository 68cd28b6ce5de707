"""Matching runs, the suggestions they made, and needs dispatched to volunteers."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from potluck.core.models import BaseModel
from potluck.needs.models import Need
from potluck.networks.models import Network


class MatchRun(BaseModel):
    """One run of the matching engine over a network's open needs and its volunteers."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Asked for by a coordinator")
        AUTO = "auto", _("Automatic")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    # Empty for automatic runs, and once the coordinator's account is deleted.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MANUAL)
    needs_count = models.PositiveIntegerField(default=0)
    volunteers_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    objective = models.BigIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    # {need id: the engine's reason code} for needs it could not match.
    unmatched: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["network", "created_at"], name="matchrun_network_idx")]

    def __str__(self) -> str:
        return f"match run {self.pk} in {self.network_id}"


class Suggestion(BaseModel):
    """A volunteer the engine put forward for a need: rank 0 is its pick, then alternatives."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="suggestions")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(default=0)
    cost = models.IntegerField(default=0)
    distance_km = models.FloatField(null=True, blank=True)
    # The engine's reason codes, e.g. ["speaks_language", "near"]; shown translated.
    reasons: models.JSONField[Any, Any] = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["need_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "need", "volunteer"], name="suggestion_once_per_run"
            ),
        ]
        indexes = [models.Index(fields=["run", "volunteer"], name="suggestion_volunteer_idx")]

    def __str__(self) -> str:
        return f"suggestion of {self.volunteer_id} for need {self.need_id}"


class Dispatch(BaseModel):
    """A coordinator asking one volunteer to take on one need; they accept or decline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer in time")
        CANCELLED = "cancelled", _("Cancelled")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="dispatches")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dispatches"
    )
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A need waits for one volunteer's answer at a time.
            models.UniqueConstraint(
                fields=["need"], condition=Q(status="pending"), name="dispatch_one_pending_per_need"
            ),
        ]
        indexes = [
            models.Index(fields=["volunteer", "status"], name="dispatch_volunteer_idx"),
            models.Index(fields=["status", "expires_at"], name="dispatch_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"dispatch of need {self.need_id} to {self.volunteer_id}"
