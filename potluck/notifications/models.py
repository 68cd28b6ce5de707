from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.fields import EncryptedTextField
from potluck.core.models import BaseModel


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")
    WEB = "web", _("In Potluck")
    # A network's chat group (potluck.notifications.webhooks): never a person's channel.
    WEBHOOK = "webhook", _("Chat group")


# What a person may choose; WEBHOOK is not a person's channel.
PERSON_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WEB)


def default_channels() -> list[str]:
    return [Channel.EMAIL.value, Channel.WEB.value]


class Preference(BaseModel):
    """How one person wants to hear from Potluck."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("Right away")
        DIGEST = "digest", _("In a daily digest")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels: models.JSONField[Any, Any] = models.JSONField(
        _("channels"), default=default_channels, blank=True
    )
    mode = models.CharField(_("when"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    # Hours (in settings.TIME_ZONE) when only urgent messages go out; the window may wrap
    # past midnight (22 → 7).
    quiet_start = models.PositiveSmallIntegerField(
        _("quiet from"), null=True, blank=True, validators=[MaxValueValidator(23)]
    )
    quiet_end = models.PositiveSmallIntegerField(
        _("quiet until"), null=True, blank=True, validators=[MaxValueValidator(23)]
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_start__lte=23) & models.Q(quiet_end__lte=23)
                | models.Q(quiet_start__isnull=True)
                | models.Q(quiet_end__isnull=True),
                name="notifications_quiet_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return f"preference of user {self.user_id}"

    def is_quiet_at(self, hour: int) -> bool:
        """Whether `hour` (local, 0 to 23) falls inside the quiet window."""
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None or start == end:
            return False
        if start < end:
            return start <= hour < end
        return hour >= start or hour < end


class MessageQuerySet(models.QuerySet["Message"]):
    def due(self, now: Any) -> "MessageQuerySet":
        """Pending messages whose time has come, and "sending" ones whose worker's lease ran
        out (it crashed mid-send): both are delivered (again)."""
        return self.filter(
            status__in=[Message.Status.PENDING, Message.Status.SENDING], next_attempt_at__lte=now
        )


class Message(BaseModel):
    """One message to one person on one channel: the outbox row that delivery works from."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        # For someone who chose a daily digest: kept until the digest, then folded into it.
        HELD = "held", _("Waiting for the daily digest")
        FOLDED = "folded", _("Sent in a daily digest")

    # A person with an account, or none: then `address` is set when the message is written
    # (someone who asked for help without an account, a chat group's hook).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_messages",
    )
    network = models.ForeignKey(
        "networks.Network", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=64)  # names the template: notifications/<kind>.txt
    # Ids and short non-personal values only: it is stored in the clear.
    context: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)
    # Copied and rendered at send time, so a changed address or template reaches the message.
    address = EncryptedTextField(blank=True)
    subject = EncryptedTextField(blank=True)
    body = EncryptedTextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # An exception class and SMTP code, never an address or a body.
    last_error = models.CharField(max_length=100, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    # The daily digest a held message went out in (see potluck.notifications.digests).
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="folded"
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel", "dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="notifications_message_dedupe",
            ),
            models.UniqueConstraint(
                fields=["network", "channel", "dedupe_key"],
                condition=models.Q(recipient__isnull=True, dedupe_key__isnull=False),
                name="notifications_message_dedupe_address",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notifications_due_idx"),
            models.Index(
                fields=["recipient", "channel", "created_at"], name="notifications_inbox_idx"
            ),
        ]

    def __str__(self) -> str:
        to = f"user {self.recipient_id}" if self.recipient_id else "an address"
        return f"{self.kind} to {to} by {self.channel} ({self.status})"
