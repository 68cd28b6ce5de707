"""The engine's codes and reasons, said in words a coordinator or volunteer reads.

The engine (engine.py) is plain Python and speaks in short machine-readable strings; these
turn them into translated text at the moment a page is drawn.
"""

import re
from collections.abc import Mapping

from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from potluck.volunteers.models import DAYS

# Why a volunteer can't take a need (engine.explain's failure codes).
FAILURES: dict[str, Promise] = {
    "category": gettext_lazy("They don't help with this kind of need."),
    "language": gettext_lazy("They don't speak the language of the person who asked."),
    "area": gettext_lazy("They don't cover this neighbourhood."),
    "location_unknown": gettext_lazy(
        "We don't know where this need is, and they only go a set distance from home."
    ),
    "too_far": gettext_lazy("It is further away than they go."),
    "needs_car": gettext_lazy("It needs a car, and they don't travel by car."),
    "slots": gettext_lazy("They are not free when it can be done."),
    "no_capacity": gettext_lazy("They have reached their weekly limit."),
    "paused": gettext_lazy("They are taking a break."),
}

# Why a need was left without a suggestion (engine.Result.unmatched).
UNMATCHED: dict[str, Promise] = {
    "no_feasible_volunteer": gettext_lazy(
        "No volunteer can take this need now: check what volunteers help with, their "
        "languages, places and times, and whether they are at their weekly limit or resting."
    ),
    "outranked": gettext_lazy(
        "Everyone who fits has their week full with more urgent or longer-waiting needs."
    ),
}


def failure_label(code: str) -> str:
    return str(FAILURES.get(code, code))


def unmatched_label(code: str) -> str:
    return str(UNMATCHED.get(code, code))


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _slot_name(slot: str) -> str:
    day, _sep, half = slot.partition("-")
    if day not in DAYS:
        return slot
    name = WEEKDAYS[DAYS.index(day)]
    if half == "am":
        return _("%(day)s morning") % {"day": name}
    return _("%(day)s afternoon") % {"day": name}


def reason_label(reason: str, areas: Mapping[str, str] | None = None) -> str:
    """One of engine.reasons()'s strings ("speaks es", "2.1 km", "load 1/3"…) in words."""
    if reason == "any language":
        return _("any language is fine")
    if reason == "distance unknown":
        return _("distance not known")
    if reason == "has a car":
        return _("has a car")
    if match := re.fullmatch(r"speaks (\S+)", reason):
        return _("speaks %(language)s") % {"language": _language_name(match[1])}
    if match := re.fullmatch(r"serves (.+)", reason):
        return _("covers %(area)s") % {"area": (areas or {}).get(match[1], match[1])}
    if match := re.fullmatch(r"(\d+(?:\.\d+)?) km", reason):
        return _("%(km)s km away") % {"km": match[1]}
    if match := re.fullmatch(r"free (\S+)", reason):
        return _("free on %(when)s") % {"when": _slot_name(match[1])}
    if match := re.fullmatch(r"load (\d+)/(\d+)", reason):
        return _("%(done)s of %(cap)s tasks this week") % {"done": match[1], "cap": match[2]}
    return reason


# What matching and follow-through did to a need, as its history says it.
NEED_EVENT_LABELS = {
    "need.dispatched": gettext_lazy("asked a volunteer to take it on"),
    "need.dispatch_accepted": gettext_lazy("accepted it when asked"),
    "need.dispatch_declined": gettext_lazy("declined it when asked"),
    "need.dispatch_expired": gettext_lazy("the volunteer asked did not answer in time"),
    "need.dispatch_cancelled": gettext_lazy("the request to a volunteer was cancelled"),
    "need.still_needed_asked": gettext_lazy(
        "asked the person who asked whether they still need help"
    ),
    "need.still_needed_confirmed": gettext_lazy("the person who asked still needs help"),
}
