"""Writes for volunteers: their profile, resting, and check-ins after a run of deliveries."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import User
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.needs.models import Claim
from potluck.networks.models import Membership, Network
from potluck.networks.permissions import VOLUNTEER_ROLES, is_volunteer
from potluck.volunteers.models import SLOTS, CheckIn, TravelMode, VolunteerProfile

NOT_ALLOWED = _("You are not allowed to do that.")
UNKNOWN_CATEGORY = _("This network does not use that category.")
UNKNOWN_LANGUAGE = _("Choose one of the languages offered.")
UNKNOWN_AREA = _("Choose neighbourhoods from the network's list.")
UNKNOWN_SLOT = _("Choose times from the week grid.")
BAD_TRAVEL = _("Choose how you get around: on foot, by bike or by car.")
BOTH_WHERE = _(
    "Choose either the neighbourhoods you cover or a home neighbourhood and a distance, not both."
)
HOME_NEEDS_RADIUS = _("Say how far from your home neighbourhood you can go.")
RADIUS_NEEDS_HOME = _("Choose the home neighbourhood the distance is counted from.")
BAD_RADIUS = _("The distance must be between 1 and 30 km.")
BAD_CAP = _("The weekly limit must be between 1 and 21 tasks.")
TOO_MANY_SKILLS = _("List at most 20 skills.")
SKILL_TOO_LONG = _("Keep each skill under 40 characters.")
PAUSE_IN_PAST = _("Choose a day after today.")
PAUSE_TOO_LONG = _("You can pause for up to a year at a time.")
NOT_PAUSED = _("You are not paused.")
NO_CHECKIN = _("There is no question waiting for an answer.")
BAD_ANSWER = _("Choose one of the answers offered.")

MAX_SKILLS = 20
MAX_SKILL_LENGTH = 40
MAX_RADIUS = 30
MAX_CAP = 21
PAUSE_WEEK = timedelta(days=7)
MAX_PAUSE = timedelta(days=366)


def language_codes(network: Network) -> list[str]:
    """Languages a volunteer may say they speak: Potluck's own and the network's."""
    codes = [code for code, _name in settings.LANGUAGES]
    return codes + [code for code in network.languages if code not in codes]


def skills_clean(skills: Iterable[str]) -> list[str]:
    """Skill tags with spaces tidied and repeats (ignoring case) dropped, in the given order."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in skills:
        tag = " ".join(raw.split()).strip(" ,;")
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > MAX_SKILL_LENGTH:
            raise DomainError(SKILL_TOO_LONG, code="skill_too_long")
        seen.add(tag.casefold())
        cleaned.append(tag)
    if len(cleaned) > MAX_SKILLS:
        raise DomainError(TOO_MANY_SKILLS, code="too_many_skills")
    return cleaned


def _membership(user: Any, network: Network) -> Membership:
    """The volunteer's active membership; DomainError if they may not volunteer here."""
    membership = (
        Membership.objects.active()
        .filter(network=network, user_id=user.pk, role__in=VOLUNTEER_ROLES)
        .first()
    )
    if membership is None or not is_volunteer(user, network.pk):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    return membership


def _profile_get_or_create(membership: Membership) -> VolunteerProfile:
    profile, _created = VolunteerProfile.objects.get_or_create(
        membership=membership,
        defaults={"network_id": membership.network_id, "user_id": membership.user_id},
    )
    return profile


def _check_choices(
    network: Network, *, categories: list[str], languages: list[str], slots: list[str]
) -> None:
    if not set(categories) <= set(network.categories):
        raise DomainError(UNKNOWN_CATEGORY, code="unknown_category")
    if not set(languages) <= set(language_codes(network)):
        raise DomainError(UNKNOWN_LANGUAGE, code="unknown_language")
    if not set(slots) <= set(SLOTS):
        raise DomainError(UNKNOWN_SLOT, code="unknown_slot")


def _check_where(
    network: Network, *, areas: list[str], home_area: str, radius_km: int | None
) -> None:
    if not set(areas) <= set(network.areas) or (home_area and home_area not in network.areas):
        raise DomainError(UNKNOWN_AREA, code="unknown_area")
    if areas and home_area:
        raise DomainError(BOTH_WHERE, code="both_where")
    if home_area and radius_km is None:
        raise DomainError(HOME_NEEDS_RADIUS, code="radius_needed")
    if radius_km is not None and not home_area:
        raise DomainError(RADIUS_NEEDS_HOME, code="home_needed")
    if radius_km is not None and not 1 <= radius_km <= MAX_RADIUS:
        raise DomainError(BAD_RADIUS, code="bad_radius")


EDITABLE_FIELDS = (
    "categories",
    "skills",
    "languages",
    "areas",
    "home_area",
    "radius_km",
    "travel",
    "slots",
    "weekly_cap",
)


@transaction.atomic
def volunteer_profile_save(
    *,
    user: User,
    network: Network,
    categories: list[str],
    languages: list[str],
    travel: str,
    weekly_cap: int,
    skills: Iterable[str] = (),
    areas: list[str] | None = None,
    home_area: str = "",
    radius_km: int | None = None,
    slots: list[str] | None = None,
) -> VolunteerProfile:
    """Say what you can do, where and when, and how much: made on first save."""
    membership = _membership(user, network)
    areas, slots, home_area = list(areas or []), list(slots or []), home_area.strip()
    _check_choices(network, categories=categories, languages=languages, slots=slots)
    _check_where(network, areas=areas, home_area=home_area, radius_km=radius_km)
    if travel not in TravelMode.values:
        raise DomainError(BAD_TRAVEL, code="bad_travel")
    if not 1 <= weekly_cap <= MAX_CAP:
        raise DomainError(BAD_CAP, code="bad_cap")
    profile = _profile_get_or_create(membership)
    # Stored in the network's own order, whatever order the form sent.
    profile.categories = [code for code in network.categories if code in categories]
    profile.languages = [code for code in language_codes(network) if code in languages]
    profile.areas = [area for area in network.areas if area in areas]
    profile.slots = [slot for slot in SLOTS if slot in slots]
    profile.skills = skills_clean(skills)
    profile.home_area, profile.radius_km = home_area, radius_km
    profile.travel, profile.weekly_cap = travel, weekly_cap
    profile.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
    audit_record(actor=user, verb="volunteer.profile_saved", target=profile)
    return profile


def _set_pause(profile: VolunteerProfile, until: datetime | None) -> None:
    profile.paused_until = until
    profile.save(update_fields=["paused_until", "updated_at"])


@transaction.atomic
def volunteer_pause(*, user: User, network: Network, until: datetime) -> VolunteerProfile:
    """Rest until `until`: matching leaves you out and nothing is sent your way meanwhile."""
    now = timezone.now()
    if until <= now:
        raise DomainError(PAUSE_IN_PAST, code="pause_in_past")
    if until > now + MAX_PAUSE:
        raise DomainError(PAUSE_TOO_LONG, code="pause_too_long")
    profile = _profile_get_or_create(_membership(user, network))
    _set_pause(profile, until)
    # No reason is asked for or kept; the date stays on the profile only.
    audit_record(actor=user, verb="volunteer.paused", target=profile)
    return profile


def volunteer_pause_week(*, user: User, network: Network) -> VolunteerProfile:
    """One click: rest for the next seven days."""
    return volunteer_pause(user=user, network=network, until=timezone.now() + PAUSE_WEEK)


@transaction.atomic
def volunteer_resume(*, user: User, network: Network) -> VolunteerProfile:
    """Back from a rest before its end."""
    membership = _membership(user, network)
    now = timezone.now()
    won = VolunteerProfile.objects.filter(membership=membership, paused_until__gt=now).update(
        paused_until=None, updated_at=now
    )
    if not won:
        raise DomainError(NOT_PAUSED, code="not_paused", status=409)
    profile = VolunteerProfile.objects.get(membership=membership)
    audit_record(actor=user, verb="volunteer.resumed", target=profile)
    return profile


def checkin_after_delivery(*, network_id: int, volunteer_id: int) -> CheckIn | None:
    """After a delivery, ask the volunteer how they are once they have made the network's
    number of deliveries within its period (counted since they were last asked). At most one
    question waits at a time: the partial unique constraint settles a race."""
    network = Network.objects.get(pk=network_id)
    if network.checkin_after_deliveries == 0:
        return None
    membership = (
        Membership.objects.active()
        .filter(network_id=network_id, user_id=volunteer_id, role__in=VOLUNTEER_ROLES)
        .first()
    )
    if membership is None:  # left the network, or no longer volunteers
        return None
    with transaction.atomic():
        profile = _profile_get_or_create(membership)
        if profile.checkins.filter(answer=CheckIn.Answer.PENDING).exists():
            return None
        count = _deliveries_since_last_asked(profile, network)
        if count < network.checkin_after_deliveries:
            return None
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(
                    profile=profile, network=network, deliveries=min(count, 32767)
                )
        except IntegrityError:  # a racing delivery asked first
            return None
        audit_record(actor=None, verb="volunteer.checkin_asked", target=checkin)
    return checkin


def _deliveries_since_last_asked(profile: VolunteerProfile, network: Network) -> int:
    since = timezone.now() - timedelta(days=network.checkin_period_days)
    last_asked = profile.checkins.order_by("-created_at").values_list("created_at", flat=True)
    last = last_asked.first()
    if last is not None and last > since:
        since = last
    return Claim.objects.filter(
        volunteer_id=profile.user_id,
        need__network_id=network.pk,
        outcome=Claim.Outcome.DELIVERED,
        ended_at__gte=since,
    ).count()


@transaction.atomic
def checkin_answer(*, user: User, network: Network, answer: str) -> CheckIn:
    """Answer "how are you doing?": fine, or a week's break (the reason is never asked)."""
    if answer not in (CheckIn.Answer.FINE, CheckIn.Answer.BREAK):
        raise DomainError(BAD_ANSWER, code="bad_answer")
    membership = _membership(user, network)
    checkin = CheckIn.objects.filter(
        profile__membership=membership, answer=CheckIn.Answer.PENDING
    ).first()
    now = timezone.now()
    won = checkin is not None and CheckIn.objects.filter(
        pk=checkin.pk, answer=CheckIn.Answer.PENDING
    ).update(answer=answer, answered_at=now, updated_at=now)
    if checkin is None or not won:
        raise DomainError(NO_CHECKIN, code="no_checkin", status=409)
    checkin.answer, checkin.answered_at = answer, now
    audit_record(
        actor=user, verb="volunteer.checkin_answered", target=checkin, data={"outcome": answer}
    )
    if answer == CheckIn.Answer.BREAK:
        volunteer_pause(user=user, network=network, until=now + PAUSE_WEEK)
    return checkin
