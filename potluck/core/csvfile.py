"""Every CSV file Potluck writes goes through here, so none can carry a spreadsheet formula.

A cell that begins with = + - @ (or a tab or carriage return) is read by spreadsheet programs
as a formula, which can run commands or send the sheet's contents elsewhere when someone opens
the file ("CSV injection"). Names typed by people (a fund called "=cmd()") end up in cells, so
every cell is escaped the same way: a single quote in front, which spreadsheets show as text.
"""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """`value` as text a spreadsheet shows as-is: "=1+1" -> "'=1+1"; None -> "".

    Negative numbers begin with "-", so they are escaped too: -1200 written as "-12.00"
    becomes "'-12.00". That is the rule, not a slip: a spreadsheet can't tell "-12.00" from
    "-2+3" by its first character either, and one rule with no exceptions is the safe one.
    """
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object that hands back what is written, so csv.writer yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header and each row as escaped CSV lines, one at a time."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_response(
    filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """A download of `rows` under `header`, written as it is read (rows may be a lazy
    iterator over a big query), every cell escaped with safe_cell."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.") or "download.csv"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response
