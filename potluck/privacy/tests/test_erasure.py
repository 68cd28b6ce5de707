"""After retention a need keeps exactly what docs/threat-model.md lists, read raw from the DB.

Rows are found generically: the need's own row, every row of every table with a foreign key
to it (and to those rows, recursively), and every audit event about any of them. Values are
read with plain SQL, so no model code can hide a leftover.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models

from potluck.core.models import AuditEvent
from potluck.needs.models import Need
from potluck.privacy.services import retention_enforce
from potluck.privacy.tests.builders import lived_need
from potluck.privacy.tests.threat_model import remaining_after_retention

pytestmark = pytest.mark.django_db

Rows = list[tuple[str, dict[str, Any]]]


def raw_rows(model: type[models.Model], column: str, values: list[Any]) -> list[dict[str, Any]]:
    if not values:
        return []
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {quote(model._meta.db_table)} WHERE {quote(column)} IN ({marks})",  # noqa: S608
            values,
        )
        names = [description[0] for description in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def dump(model: type[models.Model], pks: list[Any]) -> Rows:
    """Raw rows of `model` with these keys, of everything pointing at them, and their events."""
    rows: Rows = [(model._meta.label, row) for row in raw_rows(model, model._meta.pk.column, pks)]
    if model is not AuditEvent:
        events = AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(model), target_id__in=pks
        )
        rows += dump(AuditEvent, list(events.values_list("pk", flat=True)))
    for relation in model._meta.related_objects:
        if relation.many_to_many or relation.related_model is AuditEvent:
            continue
        related = relation.related_model
        assert isinstance(related, type)
        column = relation.field.column
        found = raw_rows(related, column, pks)
        rows += dump(related, [row[related._meta.pk.column] for row in found])
    return rows


def filled_columns(row: dict[str, Any]) -> set[str]:
    return {column for column, value in row.items() if value not in (None, "", "{}", "[]")}


def column_names(label: str, fields: set[str]) -> set[str]:
    model = apps.get_model(label)
    return {model._meta.get_field(name).column for name in fields}


def test_erased_need_keeps_only_what_the_threat_model_lists(network):
    need = lived_need(network).need
    before = dump(Need, [need.pk])
    labels_before = {label for label, _row in before}
    assert {"needs.Need", "needs.Claim", "needs.NeedNote", "core.AuditEvent"} <= labels_before
    (need_row,) = [row for label, row in before if label == "needs.Need"]
    assert {"description", "contact_value", "requester_id"} <= filled_columns(need_row)

    assert need.closed_at is not None
    retention_enforce(now=need.closed_at + timedelta(days=network.retention_days, seconds=1))

    remaining = remaining_after_retention()
    after = dump(Need, [need.pk])
    assert after, "the need's anonymous row should remain"
    unexpected = []
    for label, row in after:
        allowed = column_names(label, remaining.get(label, set()))
        extra = filled_columns(row) - allowed
        if label not in remaining or extra:
            unexpected.append((label, row["id"], sorted(extra) or "row should be gone"))
    assert unexpected == []
    for label, row in after:
        if label == "core.AuditEvent":
            data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
            assert set(data) <= {"outcome", "intake", "actor"}, data
