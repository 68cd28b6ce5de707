"""Tags for the outbox template of broadcasts: it reads the text from the database when a
message is rendered, so the outbox's context holds only ids. (Codes become words through
potluck/notifications/templatetags/notification_text.py.)"""

from typing import Any

from django import template

from potluck.outreach.models import Broadcast

register = template.Library()


@register.simple_tag
def broadcast_text(broadcast_id: Any) -> str:
    """The text of a broadcast, or "" if it is gone."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id).only("body").first()
    return broadcast.body if broadcast else ""
