"""docs/threat-model.md agrees with the classification registry, field by field."""

import re

from django.apps import apps

from potluck.core.fields import EncryptedTextField
from potluck.privacy.classification import REGISTRY, Keep, inventory_markdown, stored_models
from potluck.privacy.tests.threat_model import (
    block,
    doc_text,
    listed_fields,
    remaining_after_retention,
)

# Erasure can't blank this one (it must stay unique): it becomes the hash of a random token.
REPLACED_ON_ERASURE = {"needs.Need.status_token_hash"}


def test_field_inventory_is_the_registry():
    assert block("inventory") == inventory_markdown(), (
        "Run `potluck privacy_inventory` and paste its output between the inventory markers "
        "of docs/threat-model.md."
    )


def test_every_field_the_document_names_exists():
    named = set(re.findall(r"`([a-z_]+\.[A-Z]\w*\.\w+)`", doc_text()))
    known = {f"{label}.{name}" for label, rules in REGISTRY.items() for name in rules}
    assert named, "the document names no fields?"
    assert named - known == set()


def test_encrypted_field_list_is_every_encrypted_field():
    encrypted = {
        f"{model._meta.label}.{field.name}"
        for model in stored_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    }
    assert listed_fields("encrypted") == encrypted


def test_what_remains_after_retention_matches_the_registry():
    remaining = remaining_after_retention()
    for label in ("needs.Need", "needs.Claim"):
        kept = {
            name
            for name, rule in REGISTRY[label].items()
            if rule.keep == Keep.NEED_FACT or f"{label}.{name}" in REPLACED_ON_ERASURE
        }
        assert remaining[label] == kept, label
    audit = set(REGISTRY["core.AuditEvent"]) - {"actor"}
    assert remaining["core.AuditEvent"] == audit
    for label, names in remaining.items():
        model = apps.get_model(label)
        assert names <= {field.name for field in model._meta.concrete_fields}, label
