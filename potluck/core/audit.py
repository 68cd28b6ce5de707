"""Recording state changes in the audit log."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from potluck.core.models import AuditEvent


def audit_record(
    *, actor: Any, verb: str, target: models.Model, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event; the network is taken from the target when it has one."""
    network_id = getattr(target, "network_id", None)
    if network_id is None and target._meta.label == "networks.Network":
        network_id = target.pk
    return AuditEvent.objects.create(
        network_id=network_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        data=data or {},
    )
