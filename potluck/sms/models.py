"""Conversations by text message: where each texter is in the questions, who opted out, and
which of Twilio's webhook calls were already handled."""

from django.db import models
from django.utils import timezone

from potluck.accounts.models import phone_hash
from potluck.core.fields import EncryptedTextField
from potluck.core.models import BaseModel
from potluck.needs.models import Need
from potluck.networks.models import Network


class Step(models.TextChoices):
    """The question the texter was asked last: their next text answers it."""

    NETWORK = "network"
    LANGUAGE = "language"
    WHAT = "what"
    CATEGORY = "category"
    AREA = "area"
    URGENCY = "urgency"
    # The need exists: texts go to whoever took it on, DONE closes it.
    ASKED = "asked"


class Conversation(BaseModel):
    """One phone number texting one of Potluck's numbers, from the first text to its need."""

    # The Potluck number they text (a network's public sms_number), as Twilio gives it.
    number = models.CharField(max_length=32)
    phone = EncryptedTextField()
    # Keyed hash of `phone`: finds the conversation when the next text comes.
    phone_hash = models.CharField(max_length=64, editable=False)
    # Empty until chosen, when several networks share the number.
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(max_length=8, blank=True)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.WHAT)
    # The answers so far; moved into the need when it is made, then blanked.
    description = EncryptedTextField(max_length=2000, blank=True)
    category = models.CharField(max_length=20, blank=True)
    area = models.CharField(max_length=120, blank=True)
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["number", "phone_hash"], name="sms_conversation_once"),
        ]

    def __str__(self) -> str:
        return f"SMS conversation {self.pk} ({self.step})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.phone_hash = phone_hash(self.phone)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class OptOut(models.Model):
    """A number that texted STOP: nothing more is sent to it until it texts START. Only a keyed
    hash of the number is kept: the outbox needs to recognise it, never to read it."""

    phone_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"opt-out {self.phone_hash[:8]}…"


class ReceivedMessage(models.Model):
    """A text Twilio told us about, by its MessageSid: Twilio retries a webhook call it
    thinks failed, and the unique sid makes sure each text is handled once."""

    sid = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.sid
