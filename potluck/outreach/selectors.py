"""Reads for broadcasts and chat groups: who a broadcast would reach, and the lists."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from potluck.accounts.models import User
from potluck.core import sms
from potluck.networks.models import Membership, Network
from potluck.networks.permissions import VOLUNTEER_ROLES
from potluck.notifications.models import (
    PERSON_CHANNELS,
    Channel,
    Message,
    Preference,
    default_channels,
)
from potluck.outreach.models import Broadcast, ChatHook
from potluck.volunteers.models import VolunteerProfile


@dataclass(frozen=True)
class Filters:
    """Which volunteers a broadcast is for; an empty list means "any"."""

    skills: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    include_paused: bool = False

    @property
    def narrows(self) -> bool:
        return bool(self.skills or self.areas or self.languages)

    def as_json(self) -> dict[str, Any]:
        return {
            "skills": list(self.skills),
            "areas": list(self.areas),
            "languages": list(self.languages),
            "include_paused": self.include_paused,
        }


@dataclass
class Audience:
    """Each person a broadcast reaches and the channels it reaches them on."""

    recipients: list[tuple[User, list[str]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.recipients)

    def on(self, channel: str) -> int:
        return sum(channel in channels for _person, channels in self.recipients)


def broadcast_audience(*, network: Network, filters: Filters, channels: list[str]) -> Audience:
    """Who gets a broadcast: active volunteers (any role that may volunteer) the filters pick,
    each on the channels they chose that the broadcast uses and that can reach them."""
    memberships = (
        Membership.objects.active()
        .filter(network=network, role__in=VOLUNTEER_ROLES)
        .select_related("user", "volunteer_profile")
        .order_by("pk")
    )
    picked = [m.user for m in memberships if _matches(_profile(m), filters)]
    saved = {p.user_id: p.channels for p in Preference.objects.filter(user__in=picked)}
    audience = Audience()
    for person in picked:
        chosen = saved[person.pk] if person.pk in saved else default_channels()
        reach = [
            channel
            for channel in dict.fromkeys(chosen)
            if channel in PERSON_CHANNELS and channel in channels and _reachable(person, channel)
        ]
        if reach:
            audience.recipients.append((person, reach))
    return audience


def _profile(membership: Membership) -> VolunteerProfile | None:
    try:
        return membership.volunteer_profile
    except VolunteerProfile.DoesNotExist:
        return None


def _matches(profile: VolunteerProfile | None, filters: Filters) -> bool:
    if profile is None:
        # Someone who has said nothing about what they do matches only "every volunteer".
        return not filters.narrows
    if profile.is_paused(timezone.now()) and not filters.include_paused:
        return False
    skills = {skill.casefold() for skill in profile.skills}
    places = {*profile.areas, profile.home_area} - {""}
    return (
        (not filters.skills or bool(skills & {s.casefold() for s in filters.skills}))
        and (not filters.areas or bool(places & set(filters.areas)))
        and (not filters.languages or bool(set(profile.languages) & set(filters.languages)))
    )


def _reachable(person: User, channel: str) -> bool:
    """Whether a message on `channel` would go anywhere (the outbox skips it otherwise)."""
    if channel == Channel.EMAIL:
        return bool(person.email)
    if channel == Channel.SMS:
        return bool(person.phone) and sms.can_send() and not _opted_out(person.phone or "")
    return True


def _opted_out(phone: str) -> bool:
    """Whether the number texted STOP: the outbox would skip the text (potluck.sms)."""
    from potluck.sms.selectors import sms_opted_out  # potluck.sms builds on the outbox

    return sms_opted_out(phone=phone, kind="broadcast")


def skill_choices(*, network: Network) -> list[str]:
    """Every skill the network's active volunteers list, once each (ignoring case), sorted."""
    profiles = (
        VolunteerProfile.objects.filter(
            network=network,
            membership__status=Membership.Status.ACTIVE,
            membership__role__in=VOLUNTEER_ROLES,
        )
        .order_by("pk")
        .values_list("skills", flat=True)
    )
    found: dict[str, str] = {}
    for skills in profiles:
        for skill in skills or []:
            found.setdefault(skill.casefold(), skill)
    return sorted(found.values(), key=str.casefold)


def broadcast_list(*, network: Network) -> QuerySet[Broadcast]:
    return Broadcast.objects.filter(network=network).select_related("sender")


def chat_hook_list(*, network: Network) -> QuerySet[ChatHook]:
    return ChatHook.objects.filter(network=network)


def access_chat_hook(*, network: Network, hook_id: Any) -> ChatHook:
    """One of the network's hooks; 404 for any other id (or none)."""
    try:
        pk = int(hook_id)
    except (TypeError, ValueError):
        pk = 0
    return get_object_or_404(ChatHook, network=network, pk=pk)


def hook_messages(*, hook: ChatHook) -> QuerySet[Message]:
    """What Potluck posted (or tried to post) to `hook`, newest first."""
    return Message.objects.filter(
        network_id=hook.network_id, channel=Channel.WEBHOOK, context__hook=hook.pk
    ).order_by("-created_at", "-pk")


def hook_last_message(*, hook: ChatHook) -> Message | None:
    return hook_messages(hook=hook).first()
