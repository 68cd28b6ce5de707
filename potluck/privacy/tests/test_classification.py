"""The classification registry covers every stored field, and the data model stays honest.

Models come from django.apps.apps.get_models(), so a model added to any installed app (ours or
a library's) fails here until each of its fields is classified in
potluck/privacy/classification.py.
"""

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from django.db import models
from django.test.utils import isolate_apps
from django.utils import translation

from potluck.core.fields import EncryptedTextField
from potluck.privacy import classification
from potluck.privacy.classification import REGISTRY, Keep, Level, Rule
from potluck.privacy.services import AUDIT_DATA_KEPT, AUDIT_DATA_PEOPLE

POTLUCK_DIR = Path(__file__).resolve().parents[2]


def test_every_stored_field_is_classified():
    assert classification.unclassified() == [], (
        "Classify these fields in potluck/privacy/classification.py (level, retention, note), "
        "then run `potluck privacy_inventory` and paste its table into docs/threat-model.md."
    )


def test_registry_names_only_fields_that_exist():
    assert classification.stale() == [], "Remove these from potluck/privacy/classification.py."


# Sensitive text is encrypted at rest -----------------------------------------------------------

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def plaintext_sensitive_fields(
    model_classes: Iterable[type[models.Model]], registry: dict[str, dict[str, Rule]]
) -> list[str]:
    """Sensitive text fields stored as plain text: neither encrypted nor a keyed-hash column."""
    found = []
    for model in model_classes:
        rules = registry.get(model._meta.label, {})
        for field in classification.model_fields(model):
            rule = rules.get(field.name)
            if rule is None or rule.level != Level.SENSITIVE:
                continue
            if isinstance(field, TEXT_FIELDS) and not _encrypted_or_keyed_hash(model, field):
                found.append(f"{model._meta.label}.{field.name}")
    return found


def _encrypted_or_keyed_hash(model: type[models.Model], field: models.Field) -> bool:
    if isinstance(field, EncryptedTextField):
        return True
    # A lookup column like User.email_hash is a keyed hash of the encrypted field beside it.
    source = field.name.removesuffix("_hash")
    return field.name.endswith("_hash") and any(
        other.name == source and isinstance(other, EncryptedTextField)
        for other in model._meta.concrete_fields
    )


def test_every_sensitive_text_field_is_encrypted_at_rest():
    assert plaintext_sensitive_fields(classification.stored_models(), REGISTRY) == []


def test_every_encrypted_field_is_classified_sensitive():
    mislabelled = [
        f"{model._meta.label}.{field.name}"
        for model in classification.stored_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
        and classification.rule_for(model, field.name).level != Level.SENSITIVE
    ]
    assert mislabelled == []


@isolate_apps("potluck.privacy")
def test_guard_catches_a_sensitive_field_stored_in_plain_text():
    class Visit(models.Model):
        address = models.CharField(max_length=200)
        notes = EncryptedTextField()
        notes_hash = models.CharField(max_length=64)
        phone_hash = models.CharField(max_length=64)  # no encrypted `phone` beside it
        household_size = models.PositiveIntegerField()

        class Meta:
            app_label = "privacy"

        def __str__(self) -> str:
            return "test model"

    sensitive = Rule(Level.SENSITIVE, Keep.NEED)
    registry = {
        "privacy.Visit": dict.fromkeys(("address", "notes", "notes_hash", "phone_hash"), sensitive)
    }
    registry["privacy.Visit"]["household_size"] = sensitive
    assert plaintext_sensitive_fields([Visit], registry) == [
        "privacy.Visit.address",
        "privacy.Visit.phone_hash",
    ]


# No means-testing: DESIGN.md, principle 1 ------------------------------------------------------
# Intake never asks for income, ID, immigration status or a vulnerability score; the data model
# has no place for them, in any app. Limits are policy, never eligibility.

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


def test_data_model_has_no_place_for_means_testing():
    assert classification.stored_models(), "no models found"
    assert means_testing_fields(classification.stored_models()) == []


@isolate_apps("potluck.privacy")
def test_guard_catches_a_means_testing_field():
    class Intake(models.Model):
        household_size = models.PositiveIntegerField()
        monthly_income = models.IntegerField()
        papers = models.CharField(verbose_name="Immigration status", max_length=20)
        born = models.DateField(verbose_name="Date of birth")
        dob = models.DateField()
        last_name = models.CharField(max_length=50)
        licence = models.CharField(verbose_name="Driver's licence", max_length=20)
        score = models.IntegerField(verbose_name="Vulnerability score")
        id_document = models.CharField(max_length=20)
        incoming_calls = models.IntegerField()  # not "income"
        improvisation = models.TextField()  # not "visa"

        class Meta:
            app_label = "privacy"

        def __str__(self) -> str:
            return "test model"

    assert means_testing_fields([Intake]) == [
        "privacy.Intake.monthly_income",
        "privacy.Intake.papers",
        "privacy.Intake.born",
        "privacy.Intake.dob",
        "privacy.Intake.last_name",
        "privacy.Intake.licence",
        "privacy.Intake.score",
        "privacy.Intake.id_document",
    ]


# Audit event data ------------------------------------------------------------------------------


def recorded_audit_keys() -> dict[str, set[str]]:
    """Every key any non-test module passes in audit_record(data={...}), by file."""
    found: dict[str, set[str]] = {}
    for path in POTLUCK_DIR.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and _called_name(node) == "audit_record"):
                continue
            for keyword in node.keywords:
                if keyword.arg == "data":
                    found.setdefault(str(path.relative_to(POTLUCK_DIR)), set()).update(
                        _literal_keys(keyword.value)
                    )
    return found


def _called_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _literal_keys(value: ast.expr) -> set[str]:
    if isinstance(value, ast.Constant) and value.value is None:
        return set()
    assert isinstance(value, ast.Dict), (
        f"line {value.lineno}: pass audit data as a dict literal, so its keys can be classified"
    )
    return {str(key.value) for key in value.keys if isinstance(key, ast.Constant)}


def test_every_audit_data_key_is_classified_as_kept_or_personal():
    classified = AUDIT_DATA_KEPT | AUDIT_DATA_PEOPLE
    unknown = {
        path: keys - classified for path, keys in recorded_audit_keys().items() if keys - classified
    }
    assert unknown == {}, (
        "Add these keys to AUDIT_DATA_KEPT (nothing about a person) or AUDIT_DATA_PEOPLE "
        "(an id of a person: removed after retention_days) in potluck/privacy/services.py."
    )
    assert recorded_audit_keys(), "found no audit_record calls with data"
