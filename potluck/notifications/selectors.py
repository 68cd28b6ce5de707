from dataclasses import dataclass
from datetime import datetime

from potluck.accounts.models import User
from potluck.notifications.models import Channel, Message, Preference

INBOX_PAGE = 30


def preference_for(user: User) -> Preference:
    """The user's saved preference, or an unsaved default (reading never writes)."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


@dataclass(frozen=True)
class InboxEntry:
    pk: int
    subject: str
    body: str
    created_at: datetime


def inbox_for(
    *, user: User, language: str, before: int | None = None, limit: int = INBOX_PAGE
) -> tuple[list[InboxEntry], int | None]:
    """`user`'s in-Potluck messages, newest first and written in `language`, a page at a time
    (keyset: messages older than `before`); with the `before` of the next page, if any. One
    query, however many messages."""
    from potluck.notifications.services import message_render  # services imports this module

    messages = (
        Message.objects.filter(recipient=user, channel=Channel.WEB)
        .select_related("network")
        .order_by("-pk")
    )
    if before is not None:
        messages = messages.filter(pk__lt=before)
    page = list(messages[: limit + 1])
    entries = []
    for message in page[:limit]:
        message.language = language  # shown in the reader's language now, not when written
        subject, body = message_render(message)
        entries.append(InboxEntry(message.pk, subject, body, message.created_at))
    return entries, (page[limit - 1].pk if len(page) > limit else None)
