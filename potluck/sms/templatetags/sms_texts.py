"""Template tags for the SMS messages in potluck/sms/templates/notifications/."""

from typing import Any

from django import template

from potluck.needs.models import NeedNote
from potluck.sms.replies import reply_text

register = template.Library()


@register.simple_tag(takes_context=True)
def sms_reply(context: template.Context) -> str:
    """The words of an "sms.reply" message (see potluck.sms.replies)."""
    return reply_text({str(key): value for key, value in context.flatten().items()})


@register.simple_tag
def need_note_text(note_id: Any) -> str:
    """A relayed message, read from the need's (encrypted) notes when the message is sent: the
    outbox context holds only its id. Empty if the note has been erased meanwhile."""
    note = NeedNote.objects.filter(pk=note_id).only("body").first() if note_id else None
    return note.body if note is not None else ""
