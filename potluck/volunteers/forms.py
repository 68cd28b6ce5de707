"""Forms for the volunteer profile page and the rest switch."""

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from potluck.networks.models import Network
from potluck.volunteers.models import DAYS, TravelMode, VolunteerProfile
from potluck.volunteers.services import HOME_NEEDS_RADIUS, RADIUS_NEEDS_HOME, language_codes

HALVES = (("am", _("Morning")), ("pm", _("Afternoon")))
WHERE_AREAS, WHERE_HOME = "areas", "home"


class VolunteerProfileForm(forms.Form):
    """What a volunteer can do, where and when; the services check every choice again."""

    categories = forms.MultipleChoiceField(
        label=_("What can you help with?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=600,
        help_text=_("Separate them with commas, for example: first aid, cooking, sign language."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Which languages do you speak?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    where = forms.ChoiceField(
        label=_("Where can you help?"),
        choices=[
            (WHERE_AREAS, _("In the neighbourhoods I tick below")),
            (WHERE_HOME, _("Around my home neighbourhood, up to a distance")),
        ],
        widget=forms.RadioSelect,
        initial=WHERE_AREAS,
        help_text=_(
            "Then tick neighbourhoods, or choose your home neighbourhood and a distance. "
            "Tick none to help anywhere."
        ),
    )
    areas = forms.MultipleChoiceField(
        label=_("Neighbourhoods you cover"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    home_area = forms.ChoiceField(label=_("Your home neighbourhood"), required=False)
    radius_km = forms.IntegerField(
        label=_("How far you go, in km"), required=False, min_value=1, max_value=30
    )
    travel = forms.ChoiceField(
        label=_("How do you get around?"),
        choices=TravelMode.choices,
        widget=forms.RadioSelect,
        initial=TravelMode.FOOT,
    )
    slots = forms.MultipleChoiceField(
        label=_("When are you usually free?"),
        required=False,
        choices=[(f"{day}-{half}", f"{day}-{half}") for day in DAYS for half, _l in HALVES],
        widget=forms.CheckboxSelectMultiple,
    )
    weekly_cap = forms.IntegerField(
        label=_("Most tasks in a week"),
        min_value=1,
        max_value=21,
        initial=3,
        help_text=_("Matching never sends you more than this. Three is a good start."),
    )

    def __init__(
        self, *args: Any, network: Network, profile: VolunteerProfile, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", self.initial_from(profile))
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.network = network
        self.choices("categories", network.category_choices())
        self.choices("languages", [(c, names.get(c, c)) for c in language_codes(network)])
        self.choices("areas", [(area, area) for area in network.areas])
        self.choices("home_area", [("", _("Choose one")), *((a, a) for a in network.areas)])
        if not network.areas:  # nowhere to choose from: they help anywhere
            for name in ("where", "areas", "home_area", "radius_km"):
                del self.fields[name]

    def choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        self.fields[name].choices = choices  # type: ignore[attr-defined]

    @staticmethod
    def initial_from(profile: VolunteerProfile) -> dict[str, Any]:
        return {
            "categories": profile.categories,
            "skills": ", ".join(profile.skills),
            "languages": profile.languages,
            "where": WHERE_HOME if profile.home_area else WHERE_AREAS,
            "areas": profile.areas,
            "home_area": profile.home_area,
            "radius_km": profile.radius_km,
            "travel": profile.travel,
            "slots": profile.slots,
            "weekly_cap": profile.weekly_cap,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("where") == WHERE_HOME and self.network.areas:
            if not data.get("home_area"):
                self.add_error("home_area", RADIUS_NEEDS_HOME)
            if data.get("radius_km") is None and "radius_km" not in self.errors:
                self.add_error("radius_km", HOME_NEEDS_RADIUS)
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as volunteer_profile_save takes it: only one way of saying where."""
        data = dict(self.cleaned_data)
        if data.pop("where", WHERE_AREAS) == WHERE_HOME:
            data["areas"] = []
        else:
            data["home_area"], data["radius_km"] = "", None
            data.setdefault("areas", [])
        data["skills"] = data["skills"].split(",")
        return data

    def slot_rows(self) -> list[dict[str, Any]]:
        """The week grid: a row per day, a checkbox per half-day, ticked as the form says."""
        value = self["slots"].value() or []
        return [
            {
                "day": day,
                "label": WEEKDAYS[number],
                "cells": [
                    {
                        "slot": f"{day}-{half}",
                        "half": half,
                        "checked": f"{day}-{half}" in value,
                    }
                    for half, _label in HALVES
                ],
            }
            for number, day in enumerate(DAYS)
        ]

    @property
    def halves(self) -> tuple[tuple[str, Any], ...]:
        return HALVES


class PauseForm(forms.Form):
    until = forms.DateField(
        label=_("Pause me until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("You are back on this day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.fields["until"].widget.attrs["min"] = tomorrow.isoformat()

    def until_moment(self) -> datetime:
        """The start of the chosen day, in the install's time zone."""
        return timezone.make_aware(datetime.combine(self.cleaned_data["until"], time.min))
