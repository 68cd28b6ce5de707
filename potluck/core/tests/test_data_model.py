"""No means-testing: the data model has no place to record whether someone "deserves" help.

DESIGN.md, principle 1. Limits are policy, never eligibility; intake never asks for income, ID,
immigration status or a vulnerability score. This test fails the moment such a field appears.
"""

import re
from collections.abc import Iterable

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps
from django.utils import translation

# Matched at the start of a word (after "_" or a space) so "incoming" or "revisable" pass.
FORBIDDEN = re.compile(
    r"(?:^|_)("
    r"income|salary|salaries|wages?(?:_|$)|ssn(?:_|$)|social_security|passport|id_document"
    r"|id_number|national_id|driv(?:er|ing)_?s?_licen|immigration|citizenship|visas?(?:_|$)"
    r"|legal_status|residency|deserving|vulnerab|eligib|means_test|credit_score|birth"
    r"|dob(?:_|$)|legal_name|surname|last_name|first_name|family_name|given_name"
    r")"
)


def _normalise(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


def means_testing_fields(model_classes: Iterable[type[models.Model]]) -> list[str]:
    """The "app.Model.field" of every field whose name or label asks to qualify a person."""
    found = []
    with translation.override("en"):  # labels are checked in the source language
        for model in model_classes:
            for field in model._meta.get_fields(include_hidden=True):
                # Not help_text: "we never ask for your income" is exactly what it may say.
                labels = (field.name, getattr(field, "verbose_name", ""))
                if any(FORBIDDEN.search(_normalise(label)) for label in labels):
                    found.append(f"{model._meta.label}.{field.name}")
    return found


def potluck_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_config.name.startswith("potluck.")]


def test_data_model_has_no_place_for_means_testing():
    assert potluck_models(), "no potluck models found"
    assert means_testing_fields(potluck_models()) == []


@isolate_apps("potluck.core")
def test_guard_catches_a_means_testing_field():
    class Intake(models.Model):
        household_size = models.PositiveIntegerField()
        monthly_income = models.IntegerField()
        papers = models.CharField(verbose_name="Immigration status", max_length=20)
        born = models.DateField(verbose_name="Date of birth")
        dob = models.DateField()
        last_name = models.CharField(max_length=50)
        licence = models.CharField(verbose_name="Driver's licence", max_length=20)
        incoming_calls = models.IntegerField()  # not "income"
        improvisation = models.TextField()  # not "visa"

        class Meta:
            app_label = "core"

        def __str__(self) -> str:
            return "intake"

    assert means_testing_fields([Intake]) == [
        "core.Intake.monthly_income",
        "core.Intake.papers",
        "core.Intake.born",
        "core.Intake.dob",
        "core.Intake.last_name",
        "core.Intake.licence",
    ]
