"""Keyset pagination for the API: the one implementation in potluck.core.keyset, re-exported."""

from potluck.core.keyset import DEFAULT_LIMIT, INVALID_CURSOR, MAX_LIMIT, Page, paginate

__all__ = ["DEFAULT_LIMIT", "INVALID_CURSOR", "MAX_LIMIT", "Page", "paginate"]
