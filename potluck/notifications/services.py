"""The outbox. `notify` writes messages inside the caller's transaction; delivery starts only
after that commits, and the sweep (`messages_deliver_due`) retries whatever is still due."""

import smtplib
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from potluck.accounts.models import User
from potluck.core import sms
from potluck.networks.models import Network
from potluck.notifications.models import PERSON_CHANNELS, Channel, Message, Preference
from potluck.notifications.selectors import preference_for

__all__ = [
    "message_deliver",
    "message_render",
    "messages_deliver_due",
    "next_digest_at",
    "notify",
    "notify_address",
    "preference_for",
]

# What a failed send raises: SMTP refusals, network trouble, and the SMS backends' errors.
SEND_ERRORS = (smtplib.SMTPException, OSError, RuntimeError)
# The wait after each failed attempt; the fifth failure is final.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = 5
# A worker that claimed a message and didn't finish within this time is presumed dead.
LEASE = timedelta(minutes=15)
SMS_MAX_LENGTH = 320
SMTP_TIMEOUT = 60
# The kind of a person's daily digest (potluck.notifications.digests); its items are the
# messages folded into it.
DIGEST_KIND = "digest"
# Kinds that lose their point if they wait for a digest: they go out right away. A message
# from the person a volunteer is helping is part of a conversation, never digest material.
UNHELD_KINDS = frozenset(
    {DIGEST_KIND, "claim.reminder", "dispatch.asked", "queue.digest", "sms.requester_message"}
)


@transaction.atomic
def notify(
    *,
    recipient: User,
    kind: str,
    context: dict[str, Any],
    network: Network | None = None,
    channels: list[str] | None = None,
    dedupe_key: str | None = None,
) -> list[Message]:
    """Queue `kind` for `recipient` on each channel they chose; it is sent after commit."""
    preference = preference_for(recipient)
    chosen = [
        channel
        for channel in dict.fromkeys(preference.channels)
        if channel in PERSON_CHANNELS and (channels is None or channel in channels)
    ]
    messages = []
    for channel in chosen:
        held_until = _held_until(preference, channel=channel, kind=kind, context=context)
        message = _message_create(
            recipient=recipient,
            network=network,
            channel=channel,
            kind=kind,
            context=context,
            language=recipient.language,
            dedupe_key=dedupe_key,
            **(
                {"status": Message.Status.HELD, "next_attempt_at": held_until} if held_until else {}
            ),
        )
        if message is not None:
            messages.append(message)
            if held_until is None:
                # robust: a queue that is down must not undo the caller's work; the sweep
                # sends it.
                transaction.on_commit(partial(_enqueue, message.pk), robust=True)
    return messages


def _held_until(
    preference: Preference, *, channel: str, kind: str, context: dict[str, Any]
) -> datetime | None:
    """When the daily digest takes this message, if its recipient chose a digest and it can
    wait: urgent ones, time-bound kinds and the in-Potluck inbox never wait."""
    if (
        preference.mode != Preference.Mode.DIGEST
        or channel == Channel.WEB
        or kind in UNHELD_KINDS
        or context.get("urgent") is True
    ):
        return None
    return next_digest_at(timezone.now())


def next_digest_at(now: datetime) -> datetime:
    """The next daily digest time (settings.POTLUCK_DIGEST_HOUR, local) after `now`."""
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    at = local.replace(hour=settings.POTLUCK_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


@transaction.atomic
def notify_address(
    *,
    channel: str,
    address: str,
    language: str,
    kind: str,
    context: dict[str, Any],
    network: Network | None = None,
    dedupe_key: str | None = None,
) -> Message | None:
    """Queue `kind` to an address rather than an account: the phone or email of someone who
    asked without signing up, or a chat group's hook. Sent after commit; None for a duplicate."""
    if channel not in Channel.values or channel == Channel.WEB or not address:
        raise ValueError(f"cannot send {kind} by {channel!r} to an empty or web address")
    message = _message_create(
        recipient=None,
        network=network,
        channel=channel,
        kind=kind,
        context=context,
        language=language or settings.LANGUAGE_CODE,
        address=address,
        dedupe_key=dedupe_key,
    )
    if message is not None:
        transaction.on_commit(partial(_enqueue, message.pk), robust=True)
    return message


def _message_create(**fields: Any) -> Message | None:
    """The new row, or None when its dedupe_key shows this event already has one."""
    if fields["dedupe_key"] is None:
        return Message.objects.create(**fields)
    try:
        with transaction.atomic():  # a savepoint, so a duplicate leaves the caller's work intact
            return Message.objects.create(**fields)
    except IntegrityError:
        return None


def _enqueue(message_id: int) -> None:
    from potluck.notifications.tasks import deliver_message  # tasks imports this module

    deliver_message.enqueue(message_id=message_id)


def message_deliver(*, message_id: int, now: datetime | None = None) -> Message:
    """Send one due message; a compare-and-set claim means two workers never both send it."""
    now = now or timezone.now()
    message = Message.objects.select_related("recipient", "network").get(pk=message_id)
    quiet_until = _quiet_until(message, now)
    if quiet_until is not None:
        Message.objects.due(now).filter(pk=message_id).update(
            status=Message.Status.PENDING, next_attempt_at=quiet_until, updated_at=timezone.now()
        )
    elif _claim(message_id=message_id, now=now):
        message.refresh_from_db(fields=["status", "attempts", "next_attempt_at"])
        try:
            _send(message, now=now)
        except SEND_ERRORS as error:
            _record_failure(message, error=error, now=now)
    message.refresh_from_db()
    return message


def _claim(*, message_id: int, now: datetime) -> bool:
    claimed = (
        Message.objects.due(now)
        .filter(pk=message_id, attempts__lt=MAX_ATTEMPTS)
        .update(
            status=Message.Status.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + LEASE,
            updated_at=timezone.now(),
        )
    )
    return claimed == 1


def _quiet_until(message: Message, now: datetime) -> datetime | None:
    """When the recipient's quiet hours end, if `now` is inside them and this must wait."""
    if (
        message.channel in (Channel.WEB, Channel.WEBHOOK)
        or message.recipient is None
        or message.context.get("urgent") is True
    ):
        return None
    preference = preference_for(message.recipient)
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    if preference.quiet_end is None or not preference.is_quiet_at(local.hour):
        return None
    end = local.replace(hour=preference.quiet_end, minute=0, second=0, microsecond=0)
    return end if end > local else end + timedelta(days=1)


def message_render(message: Message) -> tuple[str, str]:
    """(subject, body) of `message` in its language: the template's first line is the subject.
    Templates see `channel`, so one template per kind can vary a line for SMS."""
    extra: dict[str, Any] = {}
    if message.kind == DIGEST_KIND:
        folded = message.folded.select_related("network").order_by("created_at", "pk")
        extra["items"] = [
            _render(item, language=message.language, channel=message.channel) for item in folded
        ]
    return _render(message, language=message.language, channel=message.channel, **extra)


def _render(message: Message, *, language: str, channel: str, **extra: Any) -> tuple[str, str]:
    context = {
        **message.context,
        **extra,
        "channel": channel,
        "network_name": message.network.name if message.network else "",
        "site_url": settings.SITE_URL,
    }
    with translation.override(language):
        text = render_to_string(f"notifications/{message.kind}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def _send(message: Message, *, now: datetime) -> None:
    subject, body = message_render(message)
    if message.channel == Channel.WEB:
        _finish(message, status=Message.Status.SENT, subject=subject, body=body, now=now)
        return
    if message.channel == Channel.WEBHOOK:
        from potluck.notifications.webhooks import webhook_send  # it imports this module

        webhook_send(message)
        _finish(message, status=Message.Status.SENT, address=message.address, now=now)
        return
    address = _address(message)
    if not address:
        _finish(message, status=Message.Status.SKIPPED, error="NoAddress", now=now)
    elif message.channel == Channel.EMAIL:
        connection = mail.get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT)
        mail.EmailMessage(subject, body, to=[address], connection=connection).send()
        _finish(
            message,
            status=Message.Status.SENT,
            address=address,
            subject=subject,
            body=body,
            now=now,
        )
    elif not sms.can_send():
        _finish(message, status=Message.Status.SKIPPED, error="SmsDisabled", now=now)
    elif _sms_opted_out(phone=address, kind=message.kind):
        _finish(message, status=Message.Status.SKIPPED, error="OptedOut", now=now)
    else:
        text = body if len(body) <= SMS_MAX_LENGTH else body[: SMS_MAX_LENGTH - 1] + "…"
        sender = message.network.sms_number if message.network else ""
        sms.send_sms(to=address, body=text, sender=sender)
        _finish(message, status=Message.Status.SENT, address=address, body=text, now=now)


def _sms_opted_out(*, phone: str, kind: str) -> bool:
    """Whether the number texted STOP (potluck.sms, which imports this module)."""
    from potluck.sms.selectors import sms_opted_out

    return sms_opted_out(phone=phone, kind=kind)


def _address(message: Message) -> str:
    """Where it goes: the address it was written with, or the recipient's current one."""
    recipient = message.recipient
    if recipient is None:
        return message.address
    return (recipient.email if message.channel == Channel.EMAIL else recipient.phone) or ""


def _finish(
    message: Message,
    *,
    status: str,
    now: datetime,
    address: str = "",
    subject: str = "",
    body: str = "",
    error: str = "",
) -> None:
    message.status = status
    message.sent_at = now if status == Message.Status.SENT else None
    message.address, message.subject, message.body = address, subject, body
    message.last_error = error
    message.save(
        update_fields=[
            "status",
            "sent_at",
            "address",
            "subject",
            "body",
            "last_error",
            "updated_at",
        ]
    )


def _record_failure(message: Message, *, error: Exception, now: datetime) -> None:
    """Back to pending after a backoff, or failed for good after the last attempt."""
    code = getattr(error, "smtp_code", None)
    # The class name and code only: messages of SMTP errors can quote addresses.
    message.last_error = f"{type(error).__name__} {code}" if code else type(error).__name__
    if message.attempts >= MAX_ATTEMPTS:
        message.status = Message.Status.FAILED
    else:
        message.status = Message.Status.PENDING
        message.next_attempt_at = now + BACKOFF[message.attempts - 1]
    message.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])


def messages_deliver_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Deliver every due message, retries and interrupted sends included; return how many went."""
    now = now or timezone.now()
    # Claimed for the last time by a worker that died: there is no attempt left to give.
    Message.objects.due(now).filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Message.Status.FAILED, last_error="Interrupted", updated_at=timezone.now()
    )
    due = Message.objects.due(now).order_by("next_attempt_at", "pk")
    ids = list(due.values_list("pk", flat=True)[:limit])
    delivered = [message_deliver(message_id=pk, now=now) for pk in ids]
    return sum(message.status == Message.Status.SENT for message in delivered)
