"""Reading bank and payment-app exports (CSV) into donations: parse, guess, check, hash.

The rules a treasurer sees on the preview page:

- Dates written year first (2024-03-31, 20240331) are always year-month-day. Other dates
  (03/31/2024, 31.03.2024, 31/03/24) are read in the order chosen on the page; it is guessed
  from the file: a first number above 12 means day first, a second number above 12 means month
  first, and otherwise files with dots or semicolons are read day first, others month first.
  A time of day after the date is ignored.
- Amounts: currency signs, codes, spaces and "+" are ignored. A comma or point followed by one
  or two digits at the end is the decimal mark ("40,00" and "40.00" are forty); any other
  comma or point separates thousands ("1,234" and "1.234" are one thousand two hundred and
  thirty-four). A "-", brackets "(12.00)" or "DR" mean money out.
- Only money in is a donation: rows with money out or nothing in are skipped, and so are rows
  whose status says failed, pending, cancelled, declined, denied, refunded, reversed,
  returned or voided.

A row is known by a keyed hash of its reference (a transaction ID) when it has one; else of
its date, amount and donor's name, counted within the file (the second identical $10 gift of
a day is "the same row, second time"). The same export imported again, or one that overlaps
an earlier one, matches on these hashes and brings nothing twice.
"""

import csv
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from potluck.core.crypto import keyed_hash
from potluck.core.errors import DomainError
from potluck.ledger import units
from potluck.ledger.models import Donation, DonationImport, Method
from potluck.ledger.permissions import can_manage_money
from potluck.ledger.services.donations import check_received_on
from potluck.networks.models import Network

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
PREVIEW_ROWS = 200
DELIMITERS = (",", ";", "\t")
HEADER_SEARCH_ROWS = 10  # Venmo puts a title and a blank-ish line above the header row.

FILE_EMPTY = _("This file is empty.")
FILE_TOO_BIG = _("The file is larger than 2 MB. Export a shorter period and try again.")
NOT_CSV = _(
    "This is not a CSV file. Export the statement as CSV (comma-separated values) and "
    "upload that file."
)
NO_HEADER = _("The first row of the file must name the columns (for example Date, Amount, Name).")
TOO_FEW_COLUMNS = _("The file needs at least two columns: a date and an amount.")
NO_ROWS = _("This file names its columns but has no rows under them.")
TOO_MANY_ROWS = _("This file has more than %(max)s rows. Export a shorter period and try again.")

NO_DATE = _("The date is missing.")
BAD_DATE = _("“%(value)s” can't be read as a date written %(format)s.")
BAD_AMOUNT = _("“%(value)s” can't be read as an amount.")
MONEY_OUT = _("Money out, not a donation.")
NOTHING_IN = _("No money came in on this row.")
NOT_COMPLETED = _("Not completed: the status is “%(status)s”.")
ALREADY_IMPORTED = _("Already imported.")
REPEATED_REFERENCE = _("The same reference is on row %(row)s of this file.")


# How each order looks, in the reader's language (Spanish writes AAAA for the year).
DATE_FORMAT_LABELS = {"ymd": _("YYYY-MM-DD"), "mdy": _("MM/DD/YYYY"), "dmy": _("DD/MM/YYYY")}


class DateFormat(StrEnum):
    YMD = "ymd"
    MDY = "mdy"
    DMY = "dmy"

    @property
    def label(self) -> str:
        return str(DATE_FORMAT_LABELS[self.value])


class Outcome(StrEnum):
    IMPORT = "import"
    DUPLICATE = "duplicate"
    SKIP = "skip"
    ERROR = "error"


OUTCOME_LABELS = {
    Outcome.IMPORT: _("Will be imported"),
    Outcome.DUPLICATE: _("Duplicate"),
    Outcome.SKIP: _("Skipped"),
    Outcome.ERROR: _("Can't be read"),
}

# Known headers, normalised (see _normal), best first. Bank statements, Venmo, Cash App,
# PayPal, and a few Spanish, German and French banks.
HEADERS: dict[str, tuple[str, ...]] = {
    "date": (
        "date", "datetime", "transaction date", "date time", "posting date", "posted date",
        "date posted", "booking date", "value date", "created", "fecha", "fecha valor",
        "datum", "buchungstag", "date operation",
    ),
    "amount": (
        "amount", "amount total", "net", "net amount", "gross", "credit", "credit amount",
        "deposit", "deposits", "money in", "paid in", "importe", "monto", "betrag", "montant",
    ),
    "name": (
        "name", "from", "payer", "payer name", "sender", "name of sender receiver", "donor",
        "counterparty", "ordenante", "nombre", "remitente", "auftraggeber", "description",
        "descripcion", "concepto",
    ),
    "reference": (
        "id", "transaction id", "reference", "reference number", "ref", "transaction number",
        "confirmation number", "receipt id", "referencia", "referenz",
    ),
    "status": ("status", "transaction status", "state", "estado"),
}  # fmt: skip
# What some exports write in a reference column when a row has none.
NO_REFERENCE = frozenset({"-", "--", "0", "n/a", "na", "none", "null"})
NOT_COMPLETED_WORDS = (
    "fail", "pend", "cancel", "declin", "denied", "deny", "refund", "revers", "return", "void",
    "reject", "expire", "fallid", "rechaz", "anulad", "devuelt",
)  # fmt: skip


@dataclass(frozen=True)
class CsvFile:
    """A readable export: its text (as Potluck keeps it), column names and data rows."""

    text: str
    columns: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells padded to columns)
    delimiter: str

    def example(self, column: int) -> str:
        """The column's first non-empty value, to help tell columns apart."""
        return next((cells[column] for _number, cells in self.rows if cells[column]), "")


# Reading the file --------------------------------------------------------------------------


def csv_upload_read(upload: UploadedFile) -> CsvFile:
    """The uploaded export, checked; ValidationError (translated) when it can't be used."""
    if upload.size is None or upload.size > MAX_IMPORT_BYTES:
        raise ValidationError(FILE_TOO_BIG, code="too_big")
    upload.seek(0)
    return csv_read(csv_decode(upload.read(MAX_IMPORT_BYTES + 1)))


def csv_decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(FILE_TOO_BIG, code="too_big")
    if not data.strip():
        raise ValidationError(FILE_EMPTY, code="empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    # Text files have no NULs and hardly any control characters; spreadsheets, PDFs and
    # images have plenty.
    controls = sum(1 for char in text[:65536] if ord(char) < 32 and char not in "\t\r\n\f")
    if "\x00" in text or controls > 2:
        raise ValidationError(NOT_CSV, code="not_csv")
    return text


def csv_read(text: str) -> CsvFile:
    """Find the delimiter and the header row, and read every row under it."""
    if not text.strip():
        raise ValidationError(FILE_EMPTY, code="empty")
    delimiter = _sniff(text)
    try:
        records = [
            (number, [cell.strip() for cell in cells])
            for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)
        ]
    except csv.Error as error:
        raise ValidationError(NOT_CSV, code="not_csv") from error
    records = [(number, cells) for number, cells in records if any(cells)]
    header_at = _header_index(records)
    columns = records[header_at][1]
    if len(columns) < 2:
        raise ValidationError(TOO_FEW_COLUMNS, code="too_few_columns")
    rows = [
        (number, (cells + [""] * len(columns))[: len(columns)])
        for number, cells in records[header_at + 1 :]
    ]
    if not rows:
        raise ValidationError(NO_ROWS, code="no_rows")
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(
            TOO_MANY_ROWS,
            code="too_many_rows",
            params={"max": number_format(MAX_IMPORT_ROWS, force_grouping=True)},
        )
    return CsvFile(text=text, columns=columns, rows=rows, delimiter=delimiter)


def _sniff(text: str) -> str:
    """The delimiter that splits the first rows into the most rows of one width (> 1)."""

    def score(delimiter: str) -> tuple[int, int]:
        try:
            sample = csv.reader(io.StringIO(text[:20000]), delimiter=delimiter)
            widths = Counter(len(cells) for cells in islice(sample, 50) if any(cells))
        except csv.Error:
            return (0, 0)
        width, rows = max(widths.items(), key=lambda item: (item[1], item[0]), default=(0, 0))
        return (rows, width) if width > 1 else (0, 0)

    return max(DELIMITERS, key=score)


def _header_index(records: list[tuple[int, list[str]]]) -> int:
    """Which record names the columns: the first with two known headers, else the first."""
    if not records:
        raise ValidationError(FILE_EMPTY, code="empty")
    known = {alias for aliases in HEADERS.values() for alias in aliases}
    for index, (_number, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
        if sum(_normal(cell) in known for cell in cells) >= 2:
            return index
    first = records[0][1]
    if any(_looks_like_data(cell) for cell in first):
        raise ValidationError(NO_HEADER, code="no_header")
    return 0


def _looks_like_data(cell: str) -> bool:
    return bool(_DATE.match(cell)) or bool(re.fullmatch(r"[-+(]?\s*[$€£]?\s*[\d.,]+\)?", cell))


def _normal(header: str) -> str:
    """'Amount (total)' -> 'amount total'; 'Descripción' stays close enough as 'descripcion'."""
    folded = header.casefold().translate(str.maketrans("áéíóúñü", "aeiouñu"))
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


# The mapping: which column is which ----------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """Column numbers (from 0) for each field; None when the file has no such column."""

    date: int
    amount: int
    name: int | None = None
    reference: int | None = None
    status: int | None = None
    date_format: DateFormat = DateFormat.YMD
    method: str = Method.BANK

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "amount": self.amount,
            "name": self.name,
            "reference": self.reference,
            "status": self.status,
            "date_format": self.date_format.value,
            "method": self.method,
        }

    @property
    def fingerprint(self) -> str:
        """A short token of these choices, so an import runs with the choices it showed."""
        encoded = json.dumps(self.as_json(), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]

    @classmethod
    def from_json(cls, data: dict[str, Any], width: int) -> "Mapping | None":
        """The saved mapping if it still fits a file `width` columns wide, else None."""

        def column(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and 0 <= value < width else None

        date_column, amount = column("date"), column("amount")
        if date_column is None or amount is None:
            return None
        try:
            date_format = DateFormat(data.get("date_format", DateFormat.YMD))
            method = Method(data.get("method", Method.BANK)).value
        except ValueError:
            return None
        return cls(
            date=date_column,
            amount=amount,
            name=column("name"),
            reference=column("reference"),
            status=column("status"),
            date_format=date_format,
            method=method,
        )


def mapping_guess(csv_file: CsvFile, *, filename: str = "") -> Mapping:
    """The columns a treasurer most likely means, from common headers of bank and app exports."""
    normal = [_normal(column) for column in csv_file.columns]

    def find(key: str, *, taken: Iterable[int | None] = ()) -> int | None:
        for alias in HEADERS[key]:
            for index, header in enumerate(normal):
                if header == alias and index not in taken:
                    return index
        return None

    date_column = find("date")
    date_column = 0 if date_column is None else date_column
    amount = find("amount", taken=[date_column])
    if amount is None:
        amount = 1 if date_column == 0 else 0
    date_values = [cells[date_column] for _n, cells in csv_file.rows]
    return Mapping(
        date=date_column,
        amount=amount,
        name=find("name", taken=[date_column, amount]),
        reference=find("reference", taken=[date_column, amount]),
        status=find("status", taken=[date_column, amount]),
        date_format=date_format_guess(date_values, delimiter=csv_file.delimiter),
        method=method_guess(normal, filename=filename),
    )


def method_guess(headers: list[str], *, filename: str = "") -> str:
    """Venmo, Cash App or PayPal when the file name or its telltale columns say so."""
    name = filename.casefold()
    if "venmo" in name or "funding source" in headers:
        return Method.VENMO
    if "cash" in name or "name of sender receiver" in headers:
        return Method.CASHAPP
    if "paypal" in name or "from email address" in headers:
        return Method.PAYPAL
    if "zelle" in name:
        return Method.ZELLE
    return Method.BANK


# Reading one cell --------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})(?!\d)|^(\d{4})(\d{2})(\d{2})(?!\d)")


def date_format_guess(values: Iterable[str], *, delimiter: str = ",") -> DateFormat:
    """See the module's docstring: year first if every date is; else what the numbers prove."""
    day_first = month_first = dots = other = False
    for value in values:
        match = _DATE.match(value)
        if match is None or match[1] is None or len(match[1]) == 4:
            continue
        other = True
        day_first |= int(match[1]) > 12
        month_first |= int(match[2]) > 12
        dots |= "." in match[0]
    if not other:
        return DateFormat.YMD
    if day_first != month_first:
        return DateFormat.DMY if day_first else DateFormat.MDY
    return DateFormat.DMY if dots or delimiter == ";" else DateFormat.MDY


def date_read(text: str, date_format: DateFormat) -> date:
    """The date at the start of `text`; ValidationError (translated) if there is none."""
    value = text.strip()
    if not value:
        raise ValidationError(NO_DATE, code="no_date")
    match = _DATE.match(value)
    problem = ValidationError(
        BAD_DATE, code="bad_date", params={"value": value[:40], "format": date_format.label}
    )
    if match is None:
        raise problem
    first, second, third = match.groups()[:3] if match[1] else match.groups()[3:]
    if len(first) == 4:
        year, month, day = int(first), int(second), int(third)
    elif len(third) in (2, 4) and date_format != DateFormat.YMD:
        year = int(third) + (2000 if len(third) == 2 else 0)
        month, day = (int(first), int(second))[:: 1 if date_format == DateFormat.MDY else -1]
    else:
        raise problem
    try:
        return date(year, month, day)
    except ValueError as error:
        raise problem from error


def amount_read(text: str, unit: str) -> int:
    """The signed amount in smallest units (money out is negative); see the module docstring."""
    value = text.strip().replace("\u2212", "-")
    problem = ValidationError(BAD_AMOUNT, code="bad_amount", params={"value": value[:40]})
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.upper().endswith(("DR", "CR")):
        negative, value = negative or value.upper().endswith("DR"), value[:-2]
    # Currency signs and spaces anywhere ("- $12.00"), currency codes only at either end.
    value = re.sub(r"[$€£¥\s']", "", value)
    value = re.sub(r"^[A-Za-z]{3}|[A-Za-z]{3}$", "", value)
    if value[:1] in "+-" or value.endswith("-"):
        negative = negative or "-" in (value[:1], value[-1:])
        value = value.strip("+-")
    if not re.fullmatch(r"[\d.,]*\d[\d.,]*", value):
        raise problem
    decimal_mark = re.search(r"[.,](\d{1,2})$", value)
    whole, fraction = (
        (value[: decimal_mark.start()], decimal_mark[1]) if decimal_mark else (value, "")
    )
    whole = re.sub(r"[.,]", "", whole) or "0"
    scaled = Decimal(f"{whole}.{fraction or '0'}").scaleb(units.decimals(unit))
    if scaled != scaled.to_integral_value():
        places = units.decimals(unit)
        raise ValidationError(
            units.AMOUNT_TOO_PRECISE, code="too_precise", params={"places": places}
        )
    return -int(scaled) if negative else int(scaled)


def status_refused(status: str) -> bool:
    folded = status.casefold()
    return any(word in folded for word in NOT_COMPLETED_WORDS)


# Checking every row -----------------------------------------------------------------------


@dataclass
class RowCheck:
    """One data row of the file, and what importing would do with it."""

    number: int
    # The cells as written in the file, to show when they can't be read.
    date_text: str = ""
    amount_text: str = ""
    outcome: Outcome = Outcome.IMPORT
    reason: str = ""
    received_on: date | None = None
    amount: int | None = None
    name: str = ""
    reference: str = ""
    row_hash: str | None = None

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])

    def refuse(self, outcome: Outcome, reason: str | Promise) -> "RowCheck":
        self.outcome, self.reason = outcome, str(reason)
        return self


@dataclass
class ImportCheck:
    rows: list[RowCheck]
    counts: dict[Outcome, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counted = Counter(row.outcome for row in self.rows)
        self.counts = {outcome: counted.get(outcome, 0) for outcome in Outcome}

    @property
    def good(self) -> list[RowCheck]:
        return [row for row in self.rows if row.outcome == Outcome.IMPORT]

    @property
    def shown(self) -> list[RowCheck]:
        return self.rows[:PREVIEW_ROWS]

    @property
    def total(self) -> int:
        return sum(row.amount or 0 for row in self.good)

    @property
    def not_imported(self) -> int:
        return len(self.rows) - self.counts[Outcome.IMPORT]


def rows_check(
    csv_file: CsvFile,
    mapping: Mapping,
    *,
    unit: str,
    network_id: int,
    known: Callable[[list[str]], set[str]],
) -> ImportCheck:
    """What importing would do with each row; `known(hashes)` says which are in the books."""
    rows = [_row_read(number, cells, mapping, unit) for number, cells in csv_file.rows]
    seen: Counter[str] = Counter()
    first_with_reference: dict[str, int] = {}
    for row in rows:
        if row.outcome != Outcome.IMPORT:
            continue
        if row.reference:
            earlier = first_with_reference.setdefault(row.reference, row.number)
            if earlier != row.number:
                row.refuse(Outcome.DUPLICATE, REPEATED_REFERENCE % {"row": earlier})
                continue
        canonical = _canonical(row)
        seen[canonical] += 1
        row.row_hash = row_hash(
            network_id=network_id, canonical=canonical, occurrence=seen[canonical]
        )
    hashes = [row.row_hash for row in rows if row.row_hash and row.outcome == Outcome.IMPORT]
    in_books = known(hashes) if hashes else set()
    for row in rows:
        if row.outcome == Outcome.IMPORT and row.row_hash in in_books:
            row.refuse(Outcome.DUPLICATE, ALREADY_IMPORTED)
    return ImportCheck(rows)


def _row_read(number: int, cells: list[str], mapping: Mapping, unit: str) -> RowCheck:
    row = RowCheck(number=number, date_text=cells[mapping.date], amount_text=cells[mapping.amount])
    row.name = cells[mapping.name] if mapping.name is not None else ""
    reference = cells[mapping.reference] if mapping.reference is not None else ""
    row.reference = "" if reference.casefold() in NO_REFERENCE else reference
    status = cells[mapping.status] if mapping.status is not None else ""
    if status and status_refused(status):
        return row.refuse(Outcome.SKIP, NOT_COMPLETED % {"status": status[:40]})
    try:
        if not cells[mapping.amount]:
            return row.refuse(Outcome.SKIP, NOTHING_IN)
        row.amount = amount_read(cells[mapping.amount], unit)
        if row.amount <= 0:
            return row.refuse(Outcome.SKIP, MONEY_OUT if row.amount < 0 else NOTHING_IN)
        units.check_amount(row.amount)
        row.received_on = check_received_on(date_read(cells[mapping.date], mapping.date_format))
    except ValidationError as error:
        return row.refuse(Outcome.ERROR, error.messages[0])
    except DomainError as error:
        return row.refuse(Outcome.ERROR, error.message)
    return row


def _canonical(row: RowCheck) -> str:
    """The row as its one identity: the reference, or the date, amount and name."""
    if row.reference:
        return f"ref\x1f{row.reference}"
    name = " ".join(row.name.casefold().split())
    return f"row\x1f{row.received_on}\x1f{row.amount}\x1f{name}"


def row_hash(*, network_id: int, canonical: str, occurrence: int) -> str:
    """A keyed hash: equal rows match within a network, and the hash reveals nothing."""
    return keyed_hash(f"donation-import\x1f{network_id}\x1f{canonical}\x1f{occurrence}")


# Reads the pages and the services use ------------------------------------------------------


def access_import(*, user: Any, network: Network, import_id: int) -> DonationImport:
    """One of the network's imports, for its treasurers; otherwise 404."""
    if not can_manage_money(user, network.pk):
        raise Http404
    return get_object_or_404(
        DonationImport.objects.select_related("fund", "uploaded_by"), pk=import_id, network=network
    )


def import_list_waiting(*, network: Network) -> QuerySet[DonationImport]:
    """Uploaded files nobody has imported or discarded yet, newest first."""
    return DonationImport.objects.filter(
        network=network, status=DonationImport.Status.PREVIEW
    ).select_related("fund", "uploaded_by")


def import_file(donation_import: DonationImport) -> CsvFile:
    return csv_read(donation_import.content)


def import_mapping(donation_import: DonationImport, csv_file: CsvFile) -> Mapping:
    """The saved mapping, or a fresh guess if it no longer fits the file."""
    saved = Mapping.from_json(donation_import.mapping or {}, len(csv_file.columns))
    return saved or mapping_guess(csv_file, filename=donation_import.filename)


def hashes_known(*, network: Network, hashes: list[str]) -> set[str]:
    """Which of `hashes` the network's donations already carry (reversed ones too)."""
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        chunk = Donation.objects.filter(network=network, row_hash__in=hashes[start : start + 500])
        found.update(value for value in chunk.values_list("row_hash", flat=True) if value)
    return found


def import_check(
    donation_import: DonationImport, csv_file: CsvFile, mapping: Mapping
) -> ImportCheck:
    """Every row of the import as it would go in now, against the network's books."""
    network = donation_import.network
    return rows_check(
        csv_file,
        mapping,
        unit=donation_import.fund.unit,
        network_id=network.pk,
        known=lambda hashes: hashes_known(network=network, hashes=hashes),
    )
