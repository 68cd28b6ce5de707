"""What the API itself stores: the Idempotency-Keys of requests that move money."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from potluck.core.fields import EncryptedTextField


class IdempotencyKey(models.Model):
    """One client's key for one money-moving request, and the answer it got (see idempotency.py).

    The row is written in flight, in its own short transaction, before the operation runs; it
    becomes done in the same transaction as the money it moved, so a crash leaves it in flight
    (and the money unmoved), never done without its money.
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        DONE = "done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # Keyed SHA-256 of method, path and body: the same key must come with the same request.
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=9, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The JSON answer as sent; encrypted, as it may hold a payout handle.
    response_body = EncryptedTextField(blank=True)
    # When the key was taken (or taken over): expiry, and the compare-and-set token of its owner.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_age_idx")]

    def __str__(self) -> str:
        return f"idempotency key {self.pk} ({self.state})"
