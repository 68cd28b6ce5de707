import csv
import io
from collections.abc import Iterator

import pytest

from potluck.core.csvfile import csv_response, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=cmd()", "'=cmd()"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.00", "'-12.00"),
        (-5, "'-5"),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_escaped(value: object, written: str) -> None:
    assert safe_cell(value) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [("General fund", "General fund"), ("12.00", "12.00"), (42, "42"), (None, ""), ("", "")],
    ids=["text", "amount", "number", "none", "empty"],
)
def test_an_ordinary_cell_is_written_as_it_is(value: object, written: str) -> None:
    assert safe_cell(value) == written


def test_a_formula_inside_a_cell_is_left_alone() -> None:
    assert safe_cell("Rent = 1200") == "Rent = 1200"


def test_a_csv_response_escapes_every_cell_and_names_the_file() -> None:
    response = csv_response(
        "riverside-money.csv", ["=header", "amount"], [["=cmd()", "-1.00"], ["Rent, fund", "2"]]
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="riverside-money.csv"'
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows == [["'=header", "amount"], ["'=cmd()", "'-1.00"], ["Rent, fund", "2"]]


def test_a_csv_response_reads_its_rows_only_as_it_is_sent() -> None:
    read: list[int] = []

    def rows() -> Iterator[list[int]]:
        for n in range(3):
            read.append(n)
            yield [n]

    response = csv_response("big.csv", ["n"], rows())
    assert response.streaming
    assert read == []
    assert response.getvalue() == b"n\r\n0\r\n1\r\n2\r\n"
    assert read == [0, 1, 2]


def test_a_filename_can_not_break_out_of_its_header() -> None:
    response = csv_response('evil";\r\nSet-Cookie: x=1.csv', ["a"], [])
    assert response["Content-Disposition"] == 'attachment; filename="evilSet-Cookiex1.csv"'
