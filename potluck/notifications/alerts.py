"""Alerts to volunteers about needs that suit them."""

from django.utils import timezone

from potluck.matching.inputs import Places, places_for
from potluck.matching.rules import distance_km
from potluck.needs.models import Need, Urgency
from potluck.networks.models import Membership
from potluck.networks.permissions import VOLUNTEER_ROLES
from potluck.notifications.services import notify
from potluck.volunteers.models import MAX_RADIUS_KM, TravelMode, VolunteerProfile


def need_alert_volunteers(need: Need) -> int:
    """Queue an alert to each volunteer whose categories, areas and languages suit `need`;
    returns how many people were alerted. Only what the needs board shows goes in it."""
    places = places_for(need.network)
    context = need_alert_context(need)
    alerted = 0
    for profile in _suited_profiles(need, places):
        notify(
            recipient=profile.user,
            kind="need.alert",
            context=context,
            network=need.network,
            dedupe_key=f"need:{need.pk}:alert",
        )
        alerted += 1
    return alerted


def need_alert_context(need: Need) -> dict[str, object]:
    """Codes and the rough area, as on the board: never the description or contact details."""
    return {
        "need_id": need.pk,
        "category": need.category,
        "area": need.area,
        "urgency": need.urgency,
        "urgent": need.urgency == Urgency.TODAY,
        "path": need.get_absolute_url(),
    }


def _suited_profiles(need: Need, places: Places) -> list[VolunteerProfile]:
    active = Membership.objects.active().filter(network=need.network, role__in=VOLUNTEER_ROLES)
    now = timezone.now()
    profiles = (
        VolunteerProfile.objects.filter(network=need.network, membership__in=active.values("pk"))
        .exclude(paused_until__gt=now)
        .exclude(user_id__in=[pk for pk in (need.requester_id, need.entered_by_id) if pk])
        .select_related("user")
        .order_by("user_id")
    )
    return [
        profile
        for profile in profiles
        if need.category in (profile.categories or ())
        and (need.any_language or need.language in (profile.languages or ()))
        and _covers(profile, need.area, places)
    ]


def _covers(profile: VolunteerProfile, area: str, places: Places) -> bool:
    """Whether the volunteer goes to `area`: one of their neighbourhoods, their home one or
    within their distance of it, or anywhere when they named none."""
    if profile.areas:
        return places.key(area) in {places.key(covered) for covered in profile.areas}
    if not profile.home_area:
        return True
    if places.key(profile.home_area) == places.key(area):
        return True
    distance = distance_km(places.point(area), places.point(profile.home_area))
    limit = MAX_RADIUS_KM[TravelMode(profile.travel)]
    radius = min(profile.radius_km, limit) if profile.radius_km else limit
    return distance is not None and distance <= radius
