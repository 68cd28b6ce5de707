from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every domain row knows when it was made and last changed."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:  # type: ignore[type-arg]
        """What `get_<field>_display()` shows, translating only the label shown.

        Django's own version builds a dict of the field's choices on every call, translating
        each label: a board of 25 needs with three labelled fields a row made 750 gettext
        lookups. Here the dict of (lazy) labels is built once per field.
        """
        value = getattr(self, field.attname)
        label = _choice_labels(field).get(make_hashable(value), value)
        return force_str(label, strings_only=True)


@cache
def _choice_labels(field: models.Field) -> dict[Any, Any]:  # type: ignore[type-arg]
    return dict(make_hashable(field.flatchoices))


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_object(self, obj: models.Model) -> "AuditEventQuerySet":
        ctype = ContentType.objects.get_for_model(obj)
        return self.filter(target_type=ctype, target_id=obj.pk)


class AuditEvent(models.Model):
    """Who did what to which object, and when: one row per state change, never edited."""

    network = models.ForeignKey(
        "networks.Network", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    data: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "created_at"], name="audit_target_idx"
            ),
            models.Index(fields=["network", "created_at"], name="audit_network_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_type_id}:{self.target_id}"
