"""Writes for broadcasts and chat groups. Every message goes through the outbox
(potluck.notifications), so nothing is sent before the transaction commits."""

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.networks.models import Network
from potluck.notifications.models import PERSON_CHANNELS, Channel, Message
from potluck.notifications.services import notify, notify_address
from potluck.outreach import selectors
from potluck.outreach.models import BROADCAST_MAX_LENGTH, Broadcast, ChatHook
from potluck.outreach.selectors import Filters

EMPTY_MESSAGE = _("Write the message you want to send.")
MESSAGE_TOO_LONG = _("Keep the message under %(limit)s characters.")
NO_CHANNEL = _("Choose at least one way to send it.")
UNKNOWN_FILTER = _("Choose skills, neighbourhoods and languages from the lists.")
BAD_TOKEN = _("This form is out of date. Preview the broadcast again, then send it.")
ALREADY_SENT = _("This broadcast was already sent; it was not sent again.")
NOBODY = _("Nobody matches these choices, so nothing was sent.")
NO_NAME = _("Give the group a name, so you can tell your hooks apart.")
NOT_A_KIND = _("Choose Slack, Discord, Matrix or generic JSON.")
URL_INVALID = _("Enter the full web address of the incoming webhook, starting with https://.")
URL_SCHEME = _("Only http:// and https:// addresses can be used for a chat group.")
URL_TOO_LONG = _("That address is too long (at most 500 characters).")
HOOK_PAUSED = _("This chat group is paused. Turn it back on to send a test.")
URL_PRIVATE = _("That address points at this server or a private network, which isn't allowed.")

HOOK_URL_MAX_LENGTH = 500
HOOK_NAME_MAX_LENGTH = 80
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_URL = URLValidator(schemes=["http", "https"])


# ---------------------------------------------------------------------------- broadcasts


def broadcast_text_clean(body: str) -> str:
    """The message as it will be sent, or DomainError if it is empty or too long."""
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(EMPTY_MESSAGE, code="empty_message")
    if len(text) > BROADCAST_MAX_LENGTH:
        raise DomainError(MESSAGE_TOO_LONG % {"limit": BROADCAST_MAX_LENGTH}, code="too_long")
    return text


def _filters_check(network: Network, filters: Filters) -> None:
    skills = {skill.casefold() for skill in selectors.skill_choices(network=network)}
    if (
        any(skill.casefold() not in skills for skill in filters.skills)
        or not set(filters.areas) <= set(network.areas)
        or not set(filters.languages) <= set(network.languages)
    ):
        raise DomainError(UNKNOWN_FILTER, code="unknown_filter")


def _channels_clean(channels: list[str]) -> list[str]:
    chosen = [channel for channel in PERSON_CHANNELS if channel in channels]
    if not chosen or len(chosen) != len(set(channels)):
        raise DomainError(NO_CHANNEL, code="no_channel")
    return [str(channel) for channel in chosen]


@transaction.atomic
def broadcast_send(
    *,
    network: Network,
    sender: Any,
    body: str,
    filters: Filters,
    channels: list[str],
    token: str,
) -> Broadcast:
    """Send `body` to the volunteers `filters` pick, each on their own channels among
    `channels`. The token comes from the preview: the same one twice sends once."""
    text = broadcast_text_clean(body)
    chosen = _channels_clean(channels)
    _filters_check(network, filters)
    if not TOKEN.fullmatch(token or ""):
        raise DomainError(BAD_TOKEN, code="bad_token")
    audience = selectors.broadcast_audience(network=network, filters=filters, channels=chosen)
    if not audience.count:
        raise DomainError(NOBODY, code="nobody")
    broadcast = _broadcast_create(
        network=network,
        sender=sender,
        body=text,
        filters=filters.as_json(),
        channels=chosen,
        token=token,
        recipient_count=audience.count,
        email_count=audience.on(Channel.EMAIL),
        sms_count=audience.on(Channel.SMS),
        web_count=audience.on(Channel.WEB),
    )
    for person, reach in audience.recipients:
        # Only the id: the text is read from the broadcast when each message is rendered.
        notify(
            recipient=person,
            kind="broadcast",
            context={"broadcast": broadcast.pk},
            network=network,
            channels=reach,
            dedupe_key=f"broadcast:{broadcast.pk}",
        )
    audit_record(
        actor=sender, verb="broadcast.sent", target=broadcast, data={"total": audience.count}
    )
    return broadcast


def _broadcast_create(**fields: Any) -> Broadcast:
    try:
        with transaction.atomic():  # a savepoint: the loser of a double submit sends nothing
            return Broadcast.objects.create(**fields)
    except IntegrityError:
        raise DomainError(ALREADY_SENT, code="already_sent", status=409) from None


# ---------------------------------------------------------------------------- chat groups


def hook_url_clean(url: str) -> str:
    """A hook address Potluck may post to: http(s), well formed, not too long, and (unless
    settings allow it) not this machine or a private network. DomainError otherwise."""
    address = (url or "").strip()
    if len(address) > HOOK_URL_MAX_LENGTH:
        raise DomainError(URL_TOO_LONG, code="url_too_long")
    scheme = urlsplit(address).scheme.lower() if ":" in address else ""
    if scheme and scheme not in ("http", "https"):
        raise DomainError(URL_SCHEME, code="url_scheme")
    try:
        _URL(address)
    except ValidationError:
        raise DomainError(URL_INVALID, code="url_invalid") from None
    if not settings.POTLUCK_WEBHOOK_ALLOW_PRIVATE and host_is_private(urlsplit(address).hostname):
        raise DomainError(URL_PRIVATE, code="url_private")
    return address


def host_is_private(host: str | None) -> bool:
    """Whether `host` (a name or an address) is this machine or a private network."""
    name = (host or "").strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return not address.is_global


@transaction.atomic
def hook_create(*, network: Network, actor: Any, name: str, kind: str, url: str) -> ChatHook:
    """Add a chat group; its signing secret is made here and shown once, to the caller."""
    label = " ".join((name or "").split())
    if not label or len(label) > HOOK_NAME_MAX_LENGTH:
        raise DomainError(NO_NAME, code="no_name")
    if kind not in ChatHook.Kind.values:
        raise DomainError(NOT_A_KIND, code="not_a_kind")
    hook = ChatHook.objects.create(
        network=network, name=label, kind=kind, url=hook_url_clean(url), created_by=actor
    )
    audit_record(actor=actor, verb="chat_hook.created", target=hook, data={"kind": kind})
    return hook


def _skip_waiting_posts(hook: ChatHook) -> None:
    """Posts still waiting for a hook that is paused or gone are dropped, not retried."""
    Message.objects.filter(
        network_id=hook.network_id,
        channel=Channel.WEBHOOK,
        context__hook=hook.pk,
        status=Message.Status.PENDING,
    ).update(status=Message.Status.SKIPPED, last_error="HookOff", updated_at=timezone.now())


@transaction.atomic
def hook_set_active(*, hook: ChatHook, actor: Any, active: bool) -> ChatHook:
    """Start or stop posting new needs to a chat group."""
    ChatHook.objects.filter(pk=hook.pk).update(is_active=active, updated_at=timezone.now())
    hook.is_active = active
    if not active:
        _skip_waiting_posts(hook)
    verb = "chat_hook.resumed" if active else "chat_hook.paused"
    audit_record(actor=actor, verb=verb, target=hook, data={"kind": hook.kind})
    return hook


@transaction.atomic
def hook_delete(*, hook: ChatHook, actor: Any) -> None:
    """Forget a chat group: its address and secret are deleted with it."""
    _skip_waiting_posts(hook)
    audit_record(actor=actor, verb="chat_hook.deleted", target=hook, data={"kind": hook.kind})
    hook.delete()


@transaction.atomic
def hook_test(*, hook: ChatHook, actor: Any) -> Message | None:
    """Queue a test post to a chat group, so coordinators see the hook works."""
    if not hook.is_active:
        raise DomainError(HOOK_PAUSED, code="hook_paused")
    return notify_address(
        channel=Channel.WEBHOOK,
        address=hook.url,
        language=hook_language(hook.network),
        kind="chat.test",
        context={"hook": hook.pk},
        network=hook.network,
    )


def hook_language(network: Network) -> str:
    """Chat groups are written to in the network's first language."""
    return (network.languages or [settings.LANGUAGE_CODE])[0]
