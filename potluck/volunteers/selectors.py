"""Reads for volunteers: one person's profile and load, and the coordinators' workload view.

A week is the ISO week (Monday to Sunday) in the install's time zone. A task is a claim a
volunteer made in the network, whatever became of it; so is a need sent to them by dispatch,
which claims it when they accept.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from potluck.needs.models import Claim
from potluck.networks.models import Membership, Network
from potluck.networks.permissions import VOLUNTEER_ROLES
from potluck.volunteers.models import DEFAULT_WEEKLY_CAP, CheckIn, VolunteerProfile

# Someone who claimed or delivered something on this many days in a row, up to today or
# yesterday, has gone without a day off for a while: the workload view points them out.
NO_REST_DAYS = 6


def week_start(now: datetime | None = None) -> datetime:
    """Monday 00:00 of the week `now` falls in, in the install's time zone."""
    local = timezone.localtime(now or timezone.now())
    monday = local.date() - timedelta(days=local.weekday())
    return timezone.make_aware(datetime.combine(monday, time.min))


def profile_for(*, user: Any, network: Network) -> VolunteerProfile:
    """The volunteer's profile in `network`, or an unsaved default one: reading never writes."""
    profile = VolunteerProfile.objects.filter(network=network, user_id=user.pk).first()
    if profile is not None:
        return profile
    language = getattr(user, "language", "")
    languages = [language] if language in network.languages else []
    return VolunteerProfile(network=network, user_id=user.pk, languages=languages)


def volunteer_week_load(profile: VolunteerProfile, *, now: datetime | None = None) -> int:
    """Tasks the volunteer took on in this network since Monday."""
    return Claim.objects.filter(
        volunteer_id=profile.user_id,
        need__network_id=profile.network_id,
        created_at__gte=week_start(now),
    ).count()


def volunteer_week_loads(*, network: Network, now: datetime | None = None) -> dict[int, int]:
    """Tasks taken on since Monday, per volunteer (user id) of `network`, in one query."""
    rows = (
        Claim.objects.filter(need__network_id=network.pk, created_at__gte=week_start(now))
        .exclude(volunteer_id=None)
        .values("volunteer_id")
        .annotate(tasks=Count("pk"))
        .values_list("volunteer_id", "tasks")
    )
    return dict(rows)


def remaining_capacity(profile: VolunteerProfile, *, now: datetime | None = None) -> int:
    """Tasks the volunteer may still take on this week: none while they rest."""
    if profile.is_paused(now):
        return 0
    return max(0, profile.weekly_cap - volunteer_week_load(profile, now=now))


def checkin_pending_for(*, user: Any, network: Network) -> CheckIn | None:
    """The "how are you doing?" question waiting for `user` in `network`, if any."""
    if not user.is_authenticated:
        return None
    return CheckIn.objects.filter(
        network=network, profile__user_id=user.pk, answer=CheckIn.Answer.PENDING
    ).first()


@dataclass(frozen=True)
class WorkloadRow:
    """One volunteer as the coordinators' workload view shows them."""

    membership: Membership
    week_tasks: int
    weekly_cap: int
    last_active: datetime | None
    paused_until: datetime | None
    asked_break_at: datetime | None
    days_in_a_row: int

    @property
    def near_cap(self) -> bool:
        """Over 80% of their weekly cap."""
        return self.week_tasks * 5 > self.weekly_cap * 4

    @property
    def no_rest(self) -> bool:
        return self.days_in_a_row >= NO_REST_DAYS

    @property
    def needs_attention(self) -> bool:
        return self.near_cap or self.no_rest


def workload_for_network(*, network: Network, now: datetime | None = None) -> list[WorkloadRow]:
    """Every volunteer of `network` with this week's load, last activity, rest and whether
    they asked for a break; those who need looking after first. Two queries in all."""
    now = now or timezone.now()
    memberships = list(_volunteers_annotated(network, now))
    streaks = _days_in_a_row(network, now)
    # A break asked for longer ago than the check-in period is old news.
    since = now - timedelta(days=network.checkin_period_days)
    rows = [_row(m, streaks.get(m.user_id, 0), now, since) for m in memberships]
    return sorted(rows, key=lambda row: not row.needs_attention)


def _volunteers_annotated(network: Network, now: datetime) -> Any:
    claims = Claim.objects.filter(
        volunteer_id=OuterRef("user_id"), need__network_id=OuterRef("network_id")
    ).order_by()
    delivered = claims.filter(outcome=Claim.Outcome.DELIVERED)
    answered = CheckIn.objects.filter(profile__membership_id=OuterRef("pk")).exclude(
        answer=CheckIn.Answer.PENDING
    )
    latest_answer = answered.order_by("-answered_at", "-pk")
    return (
        Membership.objects.active()
        .filter(network=network, role__in=VOLUNTEER_ROLES)
        .select_related("user", "volunteer_profile")
        .annotate(
            week_tasks=Coalesce(
                Subquery(
                    claims.filter(created_at__gte=week_start(now))
                    .values("volunteer_id")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            last_claimed=Subquery(
                claims.values("volunteer_id").annotate(at=Max("created_at")).values("at")
            ),
            last_delivered=Subquery(
                delivered.values("volunteer_id").annotate(at=Max("ended_at")).values("at")
            ),
            last_answer=Subquery(latest_answer.values("answer")[:1]),
            last_answered_at=Subquery(latest_answer.values("answered_at")[:1]),
        )
        .order_by("user__display_name", "pk")
    )


def _row(membership: Any, days_in_a_row: int, now: datetime, since: datetime) -> WorkloadRow:
    profile = getattr(membership, "volunteer_profile", None)
    moments = [m for m in (membership.last_claimed, membership.last_delivered) if m is not None]
    answered_at = membership.last_answered_at
    asked_break = membership.last_answer == CheckIn.Answer.BREAK and answered_at >= since
    return WorkloadRow(
        membership=membership,
        week_tasks=membership.week_tasks,
        weekly_cap=profile.weekly_cap if profile else DEFAULT_WEEKLY_CAP,
        last_active=max(moments) if moments else None,
        paused_until=profile.paused_until if profile and profile.is_paused(now) else None,
        asked_break_at=answered_at if asked_break else None,
        days_in_a_row=days_in_a_row,
    )


def _days_in_a_row(network: Network, now: datetime) -> dict[int, int]:
    """Per volunteer, the days in a row with a claim or a delivery, up to today or yesterday
    (so a morning not yet busy doesn't hide a long run)."""
    today = timezone.localdate(now)
    since = timezone.make_aware(datetime.combine(today - timedelta(days=NO_REST_DAYS), time.min))
    recent = (
        Claim.objects.filter(need__network_id=network.pk)
        .filter(Q(created_at__gte=since) | Q(outcome=Claim.Outcome.DELIVERED, ended_at__gte=since))
        .exclude(volunteer_id=None)
        .values_list("volunteer_id", "created_at", "outcome", "ended_at")
    )
    days: dict[int, set[date]] = {}
    for volunteer_id, created_at, outcome, ended_at in recent:
        active = days.setdefault(volunteer_id, set())
        active.add(timezone.localdate(created_at))
        if outcome == Claim.Outcome.DELIVERED and ended_at is not None:
            active.add(timezone.localdate(ended_at))
    return {volunteer_id: _run_up_to(today, active) for volunteer_id, active in days.items()}


def _run_up_to(today: date, active: set[date]) -> int:
    day = today if today in active else today - timedelta(days=1)
    run = 0
    while day in active:
        run += 1
        day -= timedelta(days=1)
    return run
