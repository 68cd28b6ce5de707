"""Keyset pagination with opaque, signed cursors: stable while new rows keep arriving."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError

INVALID_CURSOR = _("This cursor is not valid here; start again without one.")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next: str | None


def paginate(rows: QuerySet[M], *, cursor: str | None, limit: int, salt: str) -> Page[M]:
    """Up to `limit` rows after `cursor`, in the queryset's order, and the cursor for more.

    `salt` names the listing, so a cursor from one listing is refused by another.
    """
    keys = _order_keys(rows)
    if cursor:
        rows = rows.filter(_after(keys, _decode(cursor, salt=salt, size=len(keys))))
    items = list(rows[: limit + 1])
    if len(items) <= limit:
        return Page(items=items, next=None)
    items = items[:limit]
    last = [getattr(items[-1], name) for name, _descending in keys]
    return Page(items=items, next=_encode(last, salt=salt))


def _order_keys(rows: QuerySet[Any]) -> list[tuple[str, bool]]:
    """(field, descending) pairs of the ordering, made total by ending on the primary key."""
    ordering = [str(field) for field in rows.query.order_by or rows.model._meta.ordering]
    keys = [(field.lstrip("-"), field.startswith("-")) for field in ordering]
    if not keys or keys[-1][0] not in ("pk", "id"):
        keys.append(("pk", keys[-1][1] if keys else False))
    return keys


def _after(keys: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows strictly after `values` in the order given by `keys`."""
    condition = Q()
    for index, (name, descending) in enumerate(keys):
        ties = {key: value for (key, _desc), value in zip(keys[:index], values, strict=False)}
        beyond = {f"{name}__{'lt' if descending else 'gt'}": values[index]}
        condition |= Q(**ties, **beyond)
    return condition


def _encode(values: list[Any], *, salt: str) -> str:
    return signing.dumps([_plain(value) for value in values], salt=salt, compress=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return parse_datetime(value["dt"])
    if isinstance(value, dict) and "d" in value:
        return parse_date(value["d"])
    return value


def _decode(cursor: str, *, salt: str, size: int) -> list[Any]:
    try:
        plain = signing.loads(cursor, salt=salt)
    except signing.BadSignature as error:
        raise DomainError(INVALID_CURSOR, code="invalid_cursor") from error
    if not isinstance(plain, list) or len(plain) != size:
        raise DomainError(INVALID_CURSOR, code="invalid_cursor")
    try:
        return [_typed(value) for value in plain]
    except (TypeError, ValueError) as error:
        raise DomainError(INVALID_CURSOR, code="invalid_cursor") from error
