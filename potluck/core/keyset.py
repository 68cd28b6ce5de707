"""Keyset pagination with opaque, signed cursors, for the pages and for the API.

A page is one query: the rows after the last one shown, in the list's order, plus one more to
know whether there is a next page. No page counts rows, so a list of a million needs costs the
same as a list of ten, and a page stays stable while new rows keep arriving. The order must
match an index (see the `indexes` of the models listed) for the page to read only what it shows.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import F, Model, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import HttpRequest, QueryDict
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError

INVALID_CURSOR = _("This cursor is not valid here; start again without one.")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
# Cursors are short; anything longer is not one of ours, and isn't worth checking.
MAX_CURSOR_LENGTH = 500

M = TypeVar("M", bound=Model)
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next: str | None


def paginate(rows: QuerySet[M], *, cursor: str | None, limit: int, salt: str) -> Page[M]:
    """Up to `limit` rows after `cursor`, in the queryset's order, and the cursor for more.

    `salt` names the listing, so a cursor from one listing is refused by another.
    Raises DomainError (code "invalid_cursor") for a cursor that isn't one of ours.
    """
    keys = _order_keys(rows)
    items = list(page_query(rows, cursor=cursor, salt=salt)[: limit + 1])
    if len(items) <= limit:
        return Page(items=items, next=None)
    items = items[:limit]
    last = [getattr(items[-1], name) for name, _descending in keys]
    return Page(items=items, next=_encode(last, salt=salt))


def page_query(rows: QuerySet[M], *, cursor: str | None, salt: str) -> QuerySet[M]:
    """`rows` from just after `cursor` on: the query a page runs (tests EXPLAIN it)."""
    if not cursor:
        return rows
    keys = _order_keys(rows)
    return rows.filter(_after(keys, _decode(cursor, salt=salt, size=len(keys))))


@dataclass(frozen=True)
class WebPage(Generic[T]):
    """One page of a list on an HTML page, with the links the pager component shows."""

    items: list[T]
    # Where the next page is ("?filters&cursor=…"); None on the last page.
    next_url: str | None
    # Where the first page is, with the same filters; None on the first page.
    first_url: str | None


def page_for_request(
    request: HttpRequest, rows: QuerySet[M], *, salt: str, limit: int, param: str = "cursor"
) -> WebPage[M]:
    """The page of `rows` that the request's `param` cursor points at, keeping its filters."""
    return page_at(
        rows,
        cursor=request.GET.get(param, ""),
        salt=salt,
        limit=limit,
        path=request.path,
        query=request.GET,
        param=param,
    )


def page_at(
    rows: QuerySet[M],
    *,
    cursor: str,
    salt: str,
    limit: int,
    path: str,
    query: QueryDict | None = None,
    param: str = "cursor",
) -> WebPage[M]:
    """The page of `rows` at `cursor`, its links leading to `path` with `query`'s filters.

    A cursor that is out of date, cut short or forged gives the first page, not an error:
    it is only ever a link we made, and the first page is always a sensible answer.
    """
    try:
        page = paginate(rows, cursor=cursor[:MAX_CURSOR_LENGTH] or None, limit=limit, salt=salt)
    except DomainError:
        cursor = ""
        page = paginate(rows, cursor=None, limit=limit, salt=salt)
    links = query.copy() if query is not None else QueryDict(mutable=True)
    links.pop(param, None)
    first = _url(path, links.urlencode())
    if page.next is not None:
        links[param] = page.next
    return WebPage(
        items=page.items,
        next_url=_url(path, links.urlencode()) if page.next else None,
        first_url=first if cursor else None,
    )


def _url(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def _order_keys(rows: QuerySet[Any]) -> list[tuple[str, bool]]:
    """(field, descending) pairs of the ordering, made total by ending on the primary key."""
    ordering = [str(field) for field in rows.query.order_by or rows.model._meta.ordering]
    keys = [(field.lstrip("-"), field.startswith("-")) for field in ordering]
    if not keys or keys[-1][0] not in ("pk", "id"):
        keys.append(("pk", keys[-1][1] if keys else False))
    return keys


def _after(keys: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows strictly after `values` in the order given by `keys`."""
    # Redundant, but it tells SQLite's planner where in the index to start, so it walks the
    # index in order instead of gathering the OR's branches and sorting them.
    first, descending = keys[0]
    start = Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]})
    directions = {descending for _name, descending in keys}
    if len(directions) == 1:
        # One direction: a row comparison, (a, b, id) > (x, y, z), which PostgreSQL reads as
        # the start of an index range (SQLite gets Django's equivalent OR form).
        lookup = TupleLessThan if directions.pop() else TupleGreaterThan
        columns = Tuple(*[F(name) for name, _descending in keys])
        return start & Q(lookup(columns, values))
    condition = Q()
    for index, (name, descending) in enumerate(keys):
        ties = {key: value for (key, _desc), value in zip(keys[:index], values, strict=False)}
        beyond = {f"{name}__{'lt' if descending else 'gt'}": values[index]}
        condition |= Q(**ties, **beyond)
    return start & condition


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
        values = [_typed(value) for value in plain]
    except (TypeError, ValueError) as error:
        raise DomainError(INVALID_CURSOR, code="invalid_cursor") from error
    if any(value is None for value in values):
        # Keys that can be empty (a claim's end, say) can't be compared; such lists order by
        # columns that are set for every row they show.
        raise DomainError(INVALID_CURSOR, code="invalid_cursor")
    return values
