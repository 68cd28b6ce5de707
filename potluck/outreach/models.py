"""Reaching many people at once: coordinators' broadcasts to volunteers, and the chat groups
(Slack, Discord, Matrix, any JSON endpoint) a network posts its new needs to."""

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from potluck.core.fields import EncryptedTextField
from potluck.core.models import BaseModel
from potluck.networks.models import Network

BROADCAST_MAX_LENGTH = 1000


class Broadcast(BaseModel):
    """One message a coordinator sent to the volunteers a filter picked, and how many got it."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="broadcasts")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedTextField(_("message"), max_length=BROADCAST_MAX_LENGTH)
    # {"skills": [...], "areas": [...], "languages": [...], "include_paused": bool}
    filters: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    channels: models.JSONField[Any, Any] = models.JSONField(default=list)
    # Made when the preview is shown and sent back with the confirmation, so a form sent
    # twice (a double click, a retry after a lost answer) sends the broadcast once.
    token = models.CharField(max_length=64)
    recipient_count = models.PositiveIntegerField(default=0)
    email_count = models.PositiveIntegerField(default=0)
    sms_count = models.PositiveIntegerField(default=0)
    web_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["network", "token"], name="broadcast_once"),
        ]

    def __str__(self) -> str:
        return f"broadcast {self.pk} in {self.network_id}"


def new_hook_secret() -> str:
    return secrets.token_urlsafe(32)


class ChatHook(BaseModel):
    """An incoming-webhook address of one of the network's chat groups: new needs are posted
    there (category, area, urgency and a link; never anything about a person)."""

    class Kind(models.TextChoices):
        SLACK = "slack", _("Slack")
        DISCORD = "discord", _("Discord")
        MATRIX = "matrix", _("Matrix (hookshot)")
        JSON = "json", _("Other (generic JSON)")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="chat_hooks")
    name = models.CharField(_("name of the group"), max_length=80)
    kind = models.CharField(_("chat service"), max_length=8, choices=Kind.choices)
    # The address is a credential: whoever has it can post into the group.
    url = EncryptedTextField(_("incoming webhook address"), max_length=500)
    # Signs each post (X-Potluck-Signature), so the receiver can tell it came from Potluck.
    secret = EncryptedTextField(default=new_hook_secret)
    is_active = models.BooleanField(_("posting"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} hook {self.pk} of {self.network_id}"
