"""Posting new needs to a network's chat groups (Slack, Discord, Matrix, generic JSON).

`need_post` queues one outbox message per active hook of the need's network; the outbox then
calls `webhook_send`, which posts JSON to the hook and raises on any failure so the outbox
retries. A post carries the need's category, area, urgency, reference and a link: never a
description, a name or contact details. Every request is signed (docs/outreach.md):

    X-Potluck-Timestamp: <unix seconds>
    X-Potluck-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
"""

import hashlib
import hmac
import html
import json
import socket
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from potluck.needs.models import Need
from potluck.notifications.models import Channel, Message
from potluck.notifications.services import message_render, notify_address
from potluck.outreach.models import ChatHook
from potluck.outreach.services import hook_language, host_is_private

USER_AGENT = "Potluck-Webhook/1"


class HookGone(RuntimeError):
    """The hook was deleted or paused after the post was queued."""


class PrivateAddress(OSError):
    """The hook's host name now leads to this machine or a private network."""


def need_post(need: Need) -> None:
    """Queue a post about a new need (category, area, urgency only) to each active hook."""
    network = need.network
    for hook in ChatHook.objects.filter(network=network, is_active=True):
        notify_address(
            channel=Channel.WEBHOOK,
            address=hook.url,
            language=hook_language(network),
            kind="need.posted",
            context={
                "hook": hook.pk,
                "need": need.pk,
                "category": need.category,
                "area": need.area,
                "urgency": need.urgency,
                "path": reverse("needs:detail", args=[network.slug, need.pk]),
            },
            network=network,
            dedupe_key=f"need-post:{need.pk}:{hook.pk}",
        )


def webhook_send(message: Message) -> None:
    """Post one queued chat-group message; raise one of services.SEND_ERRORS on failure."""
    hook = ChatHook.objects.filter(
        pk=message.context.get("hook"), network=message.network, is_active=True
    ).first()
    if hook is None:
        raise HookGone("the chat group was removed or paused")
    body = json.dumps(payload(message, hook), ensure_ascii=False, separators=(",", ":")).encode()
    _post(message.address or hook.url, body=body, secret=hook.secret, event=message.kind)


def payload(message: Message, hook: ChatHook) -> dict[str, Any]:
    """What is posted to `hook`, in the shape its chat service expects."""
    subject, text = message_render(message)
    text = f"{subject}\n{text}".strip()
    match hook.kind:
        case ChatHook.Kind.SLACK:
            return {"text": _slack_escape(text)}
        case ChatHook.Kind.DISCORD:
            # No @everyone or role pings, whatever an area's text says.
            return {"content": text, "allowed_mentions": {"parse": []}}
        case ChatHook.Kind.MATRIX:
            # matrix-hookshot's generic webhooks: plain `text`, and `html` for rich clients.
            return {"text": text, "html": html.escape(text).replace("\n", "<br>")}
    return _generic(message, text)


def _generic(message: Message, text: str) -> dict[str, Any]:
    context = message.context
    slug = message.network.slug if message.network else ""
    if message.kind != "need.posted":
        return {"event": "test", "network": slug, "text": text}
    need_id = context["need"]
    return {
        "event": "need.created",
        "need": {
            "reference": f"#{need_id}",
            "category": context.get("category", ""),
            "area": context.get("area", ""),
            "urgency": context.get("urgency", ""),
            "url": settings.SITE_URL + context.get("path", ""),
        },
        "network": slug,
        "text": text,
    }


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions (<!channel>); these three must be escaped.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The X-Potluck-Signature value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A hook that answers with a redirect has failed: following it could lead anywhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, *, body: bytes, secret: str, event: str) -> None:
    """POST `body`; any answer but 2xx, and any network trouble, raises OSError."""
    _check_host(url)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (the hook's scheme was checked: http/https)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Potluck-Event": event,
            "X-Potluck-Timestamp": timestamp,
            "X-Potluck-Signature": sign(secret=secret, timestamp=timestamp, body=body),
        },
    )
    # HTTPError (any 3xx, 4xx or 5xx) and URLError are OSErrors: the outbox retries them.
    with _opener.open(request, timeout=settings.POTLUCK_WEBHOOK_TIMEOUT) as response:
        response.read(1024)


def _check_host(url: str) -> None:
    """Refuse a host name that resolves to this machine or a private network (unless allowed)."""
    if settings.POTLUCK_WEBHOOK_ALLOW_PRIVATE:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PrivateAddress("not an http(s) address")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = socket.getaddrinfo(parts.hostname or "", port, proto=socket.IPPROTO_TCP)
    if host_is_private(parts.hostname) or any(
        host_is_private(str(info[4][0])) for info in addresses
    ):
        raise PrivateAddress("the hook's address is private")
