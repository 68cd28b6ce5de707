"""Daily digests: coordinators' summary of the queue, and the held messages of people who chose
a daily digest folded into one message each. `potluck send_digests` runs both; run it hourly
or daily from cron. Each digest carries a dedupe key with the local date, so a second run the
same day (or two at once) writes nothing more.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from potluck.accounts.models import User
from potluck.needs.models import Claim, Need, Urgency
from potluck.networks.models import Membership, Network
from potluck.networks.permissions import COORDINATOR_ROLES
from potluck.notifications.models import Message
from potluck.notifications.services import DIGEST_KIND, notify
from potluck.notifications.tasks import deliver_message


@dataclass(frozen=True)
class DigestCounts:
    queue_digests: int
    digests: int


def digests_send(*, now: datetime | None = None) -> DigestCounts:
    """Both kinds of digest that are due at `now`."""
    now = now or timezone.now()
    return DigestCounts(queue_digests=queue_digests_send(now=now), digests=digests_fold(now=now))


def _local(now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(settings.TIME_ZONE))


# ---------------------------------------------------------------------------- coordinators


def queue_digests_send(*, now: datetime | None = None) -> int:
    """Tell each coordinator, once a day from the digest hour, how their network's queue
    stands; networks with nothing waiting send nothing. Returns how many people were told."""
    now = now or timezone.now()
    local = _local(now)
    if local.hour < settings.POTLUCK_DIGEST_HOUR:
        return 0
    told = 0
    for network in Network.objects.order_by("pk"):
        summary = queue_summary(network=network, now=now)
        if not summary["open_total"] and not summary["expiring"]:
            continue
        with transaction.atomic():
            for coordinator in _coordinators(network):
                told += bool(
                    notify(
                        recipient=coordinator,
                        kind="queue.digest",
                        context=summary,
                        network=network,
                        dedupe_key=f"queue-digest:{network.pk}:{local.date().isoformat()}",
                    )
                )
    return told


def queue_summary(*, network: Network, now: datetime) -> dict[str, object]:
    """Counts only (no one's details): open needs by urgency, the oldest wait, needs waiting
    long, and claims that run out within a day; in three queries."""
    stale_days = settings.POTLUCK_DIGEST_STALE_DAYS
    stale_before = now - timedelta(days=stale_days)
    open_needs = Need.objects.filter(network=network, status=Need.Status.OPEN)
    totals = open_needs.aggregate(
        open_total=Count("pk"),
        oldest=Min("created_at"),
        stale=Count("pk", filter=Q(created_at__lt=stale_before)),
        **{f"open_{code}": Count("pk", filter=Q(urgency=code)) for code in Urgency.values},
    )
    oldest = totals.pop("oldest")
    expiring = Claim.objects.filter(
        need__network=network,
        outcome=Claim.Outcome.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=1),
    ).count()
    return {
        **totals,
        "oldest_days": (now - oldest).days if oldest else None,
        "stale_days": stale_days,
        "expiring": expiring,
        "path": reverse("needs:triage", args=[network.slug]),
    }


def _coordinators(network: Network) -> list[User]:
    memberships = Membership.objects.active().filter(network=network, role__in=COORDINATOR_ROLES)
    return list(User.objects.filter(memberships__in=memberships).order_by("pk").distinct())


# ---------------------------------------------------------------------------- held messages


def digests_fold(*, now: datetime | None = None) -> int:
    """Fold each person's held messages that are due into one digest per channel, sent like
    any message; returns how many digests were written."""
    now = now or timezone.now()
    due = Message.objects.filter(status=Message.Status.HELD, next_attempt_at__lte=now)
    groups = due.values_list("recipient_id", "channel").distinct().order_by()
    return sum(_fold(recipient_id, channel, now) for recipient_id, channel in list(groups))


def _fold(recipient_id: int, channel: str, now: datetime) -> bool:
    with transaction.atomic():
        held = Message.objects.filter(
            recipient_id=recipient_id,
            channel=channel,
            status=Message.Status.HELD,
            next_attempt_at__lte=now,
        )
        networks = set(held.values_list("network_id", flat=True))
        recipient = User.objects.get(pk=recipient_id)
        digest = Message.objects.create(
            recipient=recipient,
            network_id=networks.pop() if len(networks) == 1 else None,
            channel=channel,
            kind=DIGEST_KIND,
            context={"settings_path": reverse("notifications:settings")},
            language=recipient.language,
        )
        # The conditional update claims the held rows: a racing run folds none of them twice,
        # and if it took them all first, this digest is empty and rolled back.
        folded = held.update(status=Message.Status.FOLDED, digest=digest, updated_at=timezone.now())
        if not folded:
            transaction.set_rollback(True)
            return False
        transaction.on_commit(lambda: deliver_message.enqueue(message_id=digest.pk), robust=True)
    return True
