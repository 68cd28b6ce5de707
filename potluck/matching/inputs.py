"""Turning a network's rows into the matching engine's plain inputs, in a few queries.

Places: each neighbourhood of `Network.area_locations` ({name: [lat, lon]}) is projected on a
local kilometre grid around the network's mean point (equirectangular: exact enough across a
city). A need's free-text area is matched to a neighbourhood name, ignoring case: the whole
text, or else a neighbourhood named in it ("Eastgate, near the library" is Eastgate).
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef

from potluck.matching.engine import NeedIn, VolunteerIn
from potluck.matching.models import Dispatch
from potluck.needs.models import URGENCY_ORDER, Need
from potluck.networks.models import Membership, Network
from potluck.networks.permissions import VOLUNTEER_ROLES
from potluck.volunteers.models import VolunteerProfile
from potluck.volunteers.selectors import volunteer_week_loads

EARTH_RADIUS_KM = 6371.0
# 0 today … 3 whenever, as the engine counts urgency.
URGENCY_RANKS: dict[str, int] = {str(code): rank for code, rank in URGENCY_ORDER.items()}
Point = tuple[float, float]


@dataclass(frozen=True)
class Places:
    """A network's neighbourhoods: names by their lower-case key, and points on the grid."""

    names: dict[str, str]
    points: dict[str, Point]

    def key(self, text: str) -> str:
        """The neighbourhood `text` names (lower case), or the text itself in lower case."""
        folded = " ".join(text.split()).casefold()
        if folded in self.names:
            return folded
        for name in sorted(self.names, key=len, reverse=True):  # "Old Mill" before "Mill"
            if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
                return name
        return folded

    def point(self, text: str) -> Point | None:
        return self.points.get(self.key(text)) if text else None


def places_for(network: Network) -> Places:
    """The network's neighbourhoods and where they are on a local km grid."""
    located = _located(network.area_locations or {})
    names = {" ".join(str(name).split()).casefold(): str(name) for name in network.areas or []}
    names.update({key: name for key, (name, _lat, _lon) in located.items()})
    if not located:
        return Places(names=names, points={})
    lat0 = sum(lat for _n, lat, _l in located.values()) / len(located)
    lon0 = sum(lon for _n, _la, lon in located.values()) / len(located)
    scale = math.cos(math.radians(lat0))
    points = {
        key: (
            EARTH_RADIUS_KM * math.radians(lon - lon0) * scale,
            EARTH_RADIUS_KM * math.radians(lat - lat0),
        )
        for key, (_name, lat, lon) in located.items()
    }
    return Places(names=names, points=points)


def _located(raw: dict[str, Any]) -> dict[str, tuple[str, float, float]]:
    """Usable {key: (name, lat, lon)} entries; anything malformed is left out."""
    found = {}
    for name, where in raw.items():
        try:
            lat, lon = (float(value) for value in where)
        except (TypeError, ValueError):
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            found[" ".join(str(name).split()).casefold()] = (str(name), lat, lon)
    return found


# ---------------------------------------------------------------------------- needs

NEED_FIELDS = (
    "pk",
    "category",
    "urgency",
    "area",
    "language",
    "any_language",
    "slots",
    "needs_car",
    "created_at",
)


def need_in(row: Any, places: Places, now: datetime) -> NeedIn:
    """One need (a model, or a values() row with NEED_FIELDS) as the engine sees it."""
    values: dict[str, Any] = (
        row if isinstance(row, dict) else {name: getattr(row, name) for name in NEED_FIELDS}
    )
    return NeedIn(
        id=values["pk"],
        category=values["category"],
        urgency=URGENCY_RANKS.get(values["urgency"], len(URGENCY_RANKS) - 1),
        area=places.key(values["area"]),
        point=places.point(values["area"]),
        language=values["language"],
        any_language=bool(values["any_language"]),
        slots=frozenset(values["slots"] or ()),
        needs_car=bool(values["needs_car"]),
        waiting_hours=max(0.0, (now - values["created_at"]).total_seconds() / 3600),
    )


def pending_dispatch() -> Exists:
    return Exists(Dispatch.objects.filter(need=OuterRef("pk"), status=Dispatch.Status.PENDING))


def needs_to_match(network: Network, places: Places, now: datetime) -> list[NeedIn]:
    """Open needs nobody has been asked to take on yet, in one query."""
    rows = (
        Need.objects.filter(network=network, status=Need.Status.OPEN)
        .exclude(pending_dispatch())
        .order_by("pk")
        .values(*NEED_FIELDS)
    )
    return [need_in(row, places, now) for row in rows]


# ---------------------------------------------------------------------------- volunteers


def pending_counts(network: Network, volunteer_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Needs waiting for each volunteer's answer, per user id: they count against the cap."""
    pending = Dispatch.objects.filter(network=network, status=Dispatch.Status.PENDING)
    if volunteer_ids is not None:
        pending = pending.filter(volunteer_id__in=list(volunteer_ids))
    rows = pending.values("volunteer_id").annotate(n=Count("pk")).values_list("volunteer_id", "n")
    return dict(rows)


def volunteer_in(
    profile: VolunteerProfile, places: Places, *, tasks: int, now: datetime
) -> VolunteerIn:
    """One volunteer, with `tasks` taken on (or waiting for their answer) this week."""
    return VolunteerIn(
        id=profile.user_id,
        categories=frozenset(profile.categories or ()),
        languages=frozenset(profile.languages or ()),
        areas=frozenset(places.key(area) for area in profile.areas or ()),
        home=places.point(profile.home_area) if profile.home_area else None,
        radius_km=float(profile.radius_km) if profile.radius_km else None,
        travel=profile.travel,
        slots=frozenset(profile.slots or ()),
        capacity=max(0, profile.weekly_cap - tasks),
        load=tasks,
        paused=profile.is_paused(now),
    )


def volunteer_profiles(network: Network) -> Any:
    """Profiles of the network's active volunteers (and the roles above them)."""
    active = Membership.objects.active().filter(network=network, role__in=VOLUNTEER_ROLES)
    return VolunteerProfile.objects.filter(
        network=network, membership__in=active.values("pk")
    ).order_by("user_id")


def volunteers_to_match(
    network: Network, places: Places, now: datetime, *, only: Iterable[int] | None = None
) -> list[VolunteerIn]:
    """Every volunteer with a profile (or only those user ids), in three queries."""
    profiles = volunteer_profiles(network)
    if only is not None:
        profiles = profiles.filter(user_id__in=list(only))
    week = volunteer_week_loads(network=network, now=now)
    pending = pending_counts(network)
    return [
        volunteer_in(
            profile,
            places,
            tasks=week.get(profile.user_id, 0) + pending.get(profile.user_id, 0),
            now=now,
        )
        for profile in profiles
    ]
