"""Importing donations from bank and payment-app exports: reading, guessing, checking, importing.

The concurrency tests run on SQLite and on PostgreSQL (DATABASE_URL=postgres://…), as CI does.
"""

import html
from collections.abc import Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.translation import trans_real

from potluck.accounts.models import User
from potluck.conftest import login, run_together
from potluck.core.errors import DomainError
from potluck.core.tests.conftest import changes, fingerprint
from potluck.ledger import imports, services
from potluck.ledger.imports import (
    DateFormat,
    Mapping,
    Outcome,
    amount_read,
    csv_decode,
    csv_read,
    date_format_guess,
    date_read,
    mapping_guess,
    rows_check,
)
from potluck.ledger.models import Account, Donation, DonationImport, Method
from potluck.ledger.services.imports import (
    IMPORT_FINISHED,
    MAPPING_CHANGED,
    donation_import_discard,
    donation_import_map,
    donation_import_run,
    donation_import_start,
)
from potluck.ledger.tests.factories import general_fund
from potluck.networks.models import Network, Role

DATA = Path(__file__).parent / "data"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def upload(client: Client, network: Network, content: bytes, *, name: str = "export.csv",
           fund: Account | None = None) -> Any:  # fmt: skip
    return client.post(
        reverse("ledger:import_new", args=[network.slug]),
        {
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
            "fund": (fund or general_fund(network)).pk,
        },
    )


def start(network: Network, treasurer: User, name: str) -> DonationImport:
    """An import of one of the test files, as the upload page would make it."""
    return donation_import_start(
        network=network,
        actor=treasurer,
        fund=general_fund(network),
        csv_file=csv_read(csv_decode(data(name))),
        filename=name,
    )


def check(donation_import: DonationImport) -> imports.ImportCheck:
    donation_import.refresh_from_db()
    csv_file = imports.import_file(donation_import)
    mapping = imports.import_mapping(donation_import, csv_file)
    return imports.import_check(donation_import, csv_file, mapping)


def counts(result: imports.ImportCheck) -> dict[str, int]:
    return {outcome.value: count for outcome, count in result.counts.items()}


def run(donation_import: DonationImport, treasurer: User) -> DonationImport:
    return donation_import_run(donation_import=donation_import, actor=treasurer)


def preview_url(donation_import: DonationImport) -> str:
    return reverse("ledger:import_preview", args=[donation_import.network.slug, donation_import.pk])


def text_of(response: Any) -> str:
    """The page as a reader sees it: entities such as &#x27; turned back into characters."""
    return html.unescape(response.content.decode())


def page_messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Reading cells: pure rules, no database ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("40", 4000),
        ("40.00", 4000),
        ("$1,234.56", 123456),
        ("+ $40.00", 4000),
        ("- $12.00", -1200),
        ("-$12", -1200),
        ("40,00", 4000),
        ("40,5", 4050),
        ("1.234,56", 123456),
        ("1,234", 123400),
        ("1 234,56 €", 123456),
        ("USD 12.50", 1250),
        ("(5.00)", -500),
        ("12.50 DR", -1250),
        ("12.50 CR", 1250),
        ("12.50-", -1250),
        ("\u22127.25", -725),
        ("0.00", 0),
    ],
)
def test_amounts_are_read_by_the_documented_rule(text: str, cents: int) -> None:
    assert amount_read(text, "USD") == cents


@pytest.mark.parametrize("text", ["twenty", "N/A", "1-2", "1e5", "$", "--"])
def test_what_is_not_an_amount_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValidationError) as error:
        amount_read(text, "USD")
    assert error.value.messages == [f"“{text}” can't be read as an amount."]


def test_an_amount_finer_than_the_currency_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        amount_read("40,5", "JPY")
    assert error.value.code == "too_precise"


@pytest.mark.parametrize(
    ("text", "date_format", "expected"),
    [
        ("2024-03-31", DateFormat.MDY, date(2024, 3, 31)),
        ("2024-03-01T14:22:11", DateFormat.DMY, date(2024, 3, 1)),
        ("2024-03-01 14:22:11 EST", DateFormat.YMD, date(2024, 3, 1)),
        ("03/04/2024", DateFormat.MDY, date(2024, 3, 4)),
        ("03/04/2024", DateFormat.DMY, date(2024, 4, 3)),
        ("31.03.2024", DateFormat.DMY, date(2024, 3, 31)),
        ("3/4/24", DateFormat.MDY, date(2024, 3, 4)),
        ("20240304", DateFormat.DMY, date(2024, 3, 4)),
    ],
)
def test_dates_are_read_in_the_chosen_order(
    text: str, date_format: DateFormat, expected: date
) -> None:
    assert date_read(text, date_format) == expected


@pytest.mark.parametrize(
    ("text", "date_format"),
    [
        ("31/03/2024", DateFormat.MDY),
        ("02/30/2024", DateFormat.MDY),
        ("03/04/2024", DateFormat.YMD),
        ("March 4", DateFormat.MDY),
        ("3/4/202", DateFormat.MDY),
    ],
)
def test_an_unreadable_date_is_refused_with_the_format_named(
    text: str, date_format: DateFormat
) -> None:
    with pytest.raises(ValidationError) as error:
        date_read(text, date_format)
    assert error.value.messages == [
        f"“{text}” can't be read as a date written {date_format.label}."
    ]


@pytest.mark.parametrize(
    ("values", "delimiter", "guess"),
    [
        (["2024-03-01", "2024-03-13"], ",", DateFormat.YMD),
        (["03/01/2024", "03/13/2024"], ",", DateFormat.MDY),
        (["13/01/2024", "03/01/2024"], ",", DateFormat.DMY),
        (["03/01/2024", "04/02/2024"], ",", DateFormat.MDY),
        (["03/01/2024", "04/02/2024"], ";", DateFormat.DMY),
        (["03.01.2024"], ",", DateFormat.DMY),
        (["20240301", "20240313"], ",", DateFormat.YMD),
        ([], ",", DateFormat.YMD),
    ],
)
def test_the_date_format_is_guessed_from_the_data(
    values: list[str], delimiter: str, guess: DateFormat
) -> None:
    assert date_format_guess(values, delimiter=delimiter) == guess


def test_utf8_with_a_bom_and_windows_1252_are_both_read() -> None:
    assert csv_decode("\ufeffDate,Amount\n".encode()) == "Date,Amount\n"
    assert csv_decode("Fecha;Importe;Ordenante\n1.3.2024;5;Núñez\n".encode("cp1252")).endswith(
        "Núñez\n"
    )
    assert csv_decode("Date\tAmount\n".encode("utf-16")) == "Date\tAmount\n"


def test_commas_semicolons_and_tabs_are_all_found() -> None:
    for delimiter in (",", ";", "\t"):
        text = delimiter.join(["Date", "Amount", "Name"]) + "\n"
        text += delimiter.join(["2024-03-01", "40,00" if delimiter != "," else "40", "A"])
        assert csv_read(text).delimiter == delimiter
        assert csv_read(text).columns == ["Date", "Amount", "Name"]


def test_the_venmo_header_is_found_under_its_title_rows() -> None:
    csv_file = csv_read(csv_decode(data("venmo.csv")))
    assert csv_file.columns[1:4] == ["ID", "Datetime", "Type"]
    assert len(csv_file.rows) == 8
    assert csv_file.rows[0][0] == 4  # the row number as a spreadsheet shows it


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "venmo.csv",
            {"date": 2, "amount": 8, "name": 6, "reference": 1, "status": 4,
             "date_format": "ymd", "method": Method.VENMO},
        ),
        (
            "bank.csv",
            {"date": 0, "amount": 5, "name": 2, "reference": None, "status": None,
             "date_format": "mdy", "method": Method.BANK},
        ),
        (
            "european.csv",
            {"date": 0, "amount": 3, "name": 1, "reference": 4, "status": None,
             "date_format": "dmy", "method": Method.BANK},
        ),
    ],
)  # fmt: skip
def test_columns_are_guessed_from_common_headers(name: str, expected: dict[str, Any]) -> None:
    csv_file = csv_read(csv_decode(data(name)))
    assert mapping_guess(csv_file, filename=name).as_json() == expected


def test_rows_are_checked_with_a_reason_for_each_bad_one() -> None:
    csv_file = csv_read(csv_decode(data("bank.csv")))
    mapping = mapping_guess(csv_file)
    result = rows_check(csv_file, mapping, unit="USD", network_id=1, known=lambda hashes: set())
    outcomes = [(row.number, row.outcome, row.reason) for row in result.rows]
    assert outcomes == [
        (2, Outcome.IMPORT, ""),
        (3, Outcome.SKIP, "Money out, not a donation."),
        (4, Outcome.IMPORT, ""),
        (5, Outcome.IMPORT, ""),
        (6, Outcome.IMPORT, ""),
        (7, Outcome.ERROR, "“twenty” can't be read as an amount."),
        (8, Outcome.ERROR, "“02/30/2024” can't be read as a date written MM/DD/YYYY."),
    ]
    assert result.total == 4000 + 120000 + 4000 + 4000


def test_a_date_in_the_future_is_a_bad_row() -> None:
    csv_file = csv_read("Date,Amount\n2999-01-01,5\n")
    result = rows_check(
        csv_file, mapping_guess(csv_file), unit="USD", network_id=1, known=lambda h: set()
    )
    assert result.rows[0].reason == "A donation can't be received in the future."


def test_identical_rows_in_one_file_are_told_apart_by_their_count() -> None:
    csv_file = csv_read("Date,Amount,Name\n2024-03-01,10,Ana\n2024-03-01,10,ana \n")
    result = rows_check(
        csv_file, mapping_guess(csv_file), unit="USD", network_id=1, known=lambda h: set()
    )
    first, second = result.rows
    assert first.outcome == second.outcome == Outcome.IMPORT
    assert first.row_hash != second.row_hash


def test_a_placeholder_reference_counts_as_none() -> None:
    csv_file = csv_read("Date,Amount,Reference\n2024-03-01,10,N/A\n2024-03-02,10,N/A\n")
    result = rows_check(
        csv_file, mapping_guess(csv_file), unit="USD", network_id=1, known=lambda h: set()
    )
    assert [row.outcome for row in result.rows] == [Outcome.IMPORT, Outcome.IMPORT]


def test_the_same_row_hashes_differently_in_another_network() -> None:
    csv_file = csv_read("Date,Amount\n2024-03-01,10\n")
    mapping = mapping_guess(csv_file)
    hashes = [
        rows_check(csv_file, mapping, unit="USD", network_id=pk, known=lambda h: set())
        .rows[0]
        .row_hash
        for pk in (1, 2)
    ]
    assert hashes[0] != hashes[1]


# Uploading -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_treasurer_uploads_a_venmo_export_and_sees_the_preview(
    client: Client, network: Network, treasurer: User
) -> None:
    login(client, treasurer)
    response = upload(client, network, data("venmo.csv"), name="venmo_statement.csv")
    donation_import = DonationImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == preview_url(donation_import)
    assert donation_import.status == DonationImport.Status.PREVIEW
    assert donation_import.uploaded_by == treasurer
    assert donation_import.filename == "venmo_statement.csv"
    assert donation_import.mapping["method"] == Method.VENMO

    page = client.get(preview_url(donation_import))

    assert page.status_code == 200
    assert counts(page.context["check"]) == {"import": 3, "duplicate": 0, "skip": 5, "error": 0}
    text = text_of(page)
    assert "3 donations will be imported ($1,300.06)." in text
    assert "Not completed: the status is “Pending”." in text
    assert "Not completed: the status is “Failed”." in text
    assert "Money out, not a donation." in text
    assert "Import 3 donations" in text


@pytest.mark.django_db
def test_the_preview_page_never_writes(client: Client, network: Network, treasurer: User) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    login(client, treasurer)
    client.get(reverse("ledger:import_new", args=[network.slug]))
    before = fingerprint()
    client.get(preview_url(donation_import))
    client.get(reverse("ledger:import_new", args=[network.slug]))
    assert changes(before, fingerprint()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "This file is empty."),
        (b"   \r\n", "This file is empty."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
            "This is not a CSV file. Export the statement as CSV (comma-separated values) "
            "and upload that file.",
        ),
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
            "This is not a CSV file. Export the statement as CSV (comma-separated values) "
            "and upload that file.",
        ),
        (
            b"2024-03-01,40.00,Ana\n2024-03-02,5,Ben\n",
            "The first row of the file must name the columns (for example Date, Amount, Name).",
        ),
        (b"Date,Amount\n", "This file names its columns but has no rows under them."),
        (b"Just one column\nhello\n", "The file needs at least two columns: a date and an amount."),
        (
            b"Date,Amount\n" + b"2024-03-01,5\n" * 5001,
            "This file has more than 5,000 rows. Export a shorter period and try again.",
        ),
        (
            b"Date,Amount\n" + b"2024-03-01," + b"1" * (2 * 1024 * 1024) + b"\n",
            "The file is larger than 2 MB. Export a shorter period and try again.",
        ),
    ],
    ids=["empty", "blank", "png", "xlsx", "no-header", "no-rows", "one-column", "rows", "size"],
)
def test_a_file_that_cant_be_used_is_refused_with_a_clear_error(
    client: Client, network: Network, treasurer: User, content: bytes, message: str
) -> None:
    login(client, treasurer)
    response = upload(client, network, content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]
    assert not DonationImport.objects.exists()


@pytest.fixture
def spanish() -> Iterator[dict[str, str]]:
    """Spanish for the upload errors, whether or not the catalogue has them yet."""
    words = {
        str(imports.NOT_CSV): "Este archivo no es un CSV.",
        str(imports.FILE_TOO_BIG): "El archivo pesa más de 2 MB.",
    }
    catalog = trans_real.translation("es")._catalog  # type: ignore[attr-defined]
    saved = {msgid: catalog.get(msgid) for msgid in words}
    for msgid, text in words.items():
        catalog[msgid] = text
    yield words
    for msgid, text in saved.items():
        for one in catalog._catalogs:  # a TranslationCatalog can't delete
            one.pop(msgid, None)
        if text is not None:
            catalog[msgid] = text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "spanish_text"),
    [(b"\x00\x01\x02 binary", "Este archivo no es un CSV."),
     (b"Date,Amount\n" + b"9" * (2 * 1024 * 1024 + 1), "El archivo pesa más de 2 MB.")],
    ids=["not-csv", "too-big"],
)  # fmt: skip
def test_upload_errors_are_shown_in_the_readers_language(
    client: Client,
    network: Network,
    treasurer: User,
    spanish: dict[str, str],
    content: bytes,
    spanish_text: str,
) -> None:
    treasurer.language = "es"
    treasurer.save(update_fields=["language"])
    login(client, treasurer)
    response = client.post(
        reverse("ledger:import_new", args=[network.slug]),
        {"file": SimpleUploadedFile("x.csv", content), "fund": general_fund(network).pk},
    )
    assert spanish_text in text_of(response)
    assert not DonationImport.objects.exists()


@pytest.mark.django_db
def test_only_the_networks_funds_can_be_chosen(
    client: Client, network: Network, treasurer: User, network_factory: Any
) -> None:
    elsewhere = general_fund(network_factory.create())
    login(client, treasurer)
    response = upload(client, network, data("bank.csv"), fund=elsewhere)
    assert "fund" in response.context["form"].errors
    assert not DonationImport.objects.exists()


# Who may import ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MEMBER, Role.VOLUNTEER, Role.COORDINATOR])
def test_people_who_are_not_treasurers_get_404(
    client: Client, network: Network, treasurer: User, member_factory: Any, role: str
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    login(client, member_factory(network=network, role=role).user)
    new = reverse("ledger:import_new", args=[network.slug])
    assert client.get(new).status_code == 404
    assert upload(client, network, data("bank.csv")).status_code == 404
    assert client.get(preview_url(donation_import)).status_code == 404
    assert client.post(preview_url(donation_import), {"import": "1"}).status_code == 404
    assert client.post(preview_url(donation_import), {"discard": "1"}).status_code == 404
    assert DonationImport.objects.count() == 1
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_a_treasurer_of_another_network_gets_404(
    client: Client, network: Network, treasurer: User, member_factory: Any
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    other = member_factory(role=Role.TREASURER)
    login(client, other.user)
    assert client.get(preview_url(donation_import)).status_code == 404
    # Nor under their own network's address.
    theirs = reverse("ledger:import_preview", args=[other.network.slug, donation_import.pk])
    assert client.get(theirs).status_code == 404
    assert client.post(theirs, {"import": "1"}).status_code == 404
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_an_admin_may_import_too(client: Client, network: Network, admin: User) -> None:
    login(client, admin)
    assert upload(client, network, data("bank.csv")).status_code == 302


@pytest.mark.django_db
def test_the_services_refuse_someone_who_is_not_a_treasurer(
    network: Network, treasurer: User, coordinator: User
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    for call in (donation_import_run, donation_import_discard):
        with pytest.raises(DomainError) as error:
            call(donation_import=donation_import, actor=coordinator)
        assert error.value.code == "not_a_treasurer"
    donation_import.refresh_from_db()
    assert donation_import.status == DonationImport.Status.PREVIEW


# Changing the columns ---------------------------------------------------------------------


@pytest.mark.django_db
def test_changing_the_columns_saves_them_and_changes_the_preview(
    client: Client, network: Network, treasurer: User
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    login(client, treasurer)
    response = client.post(
        preview_url(donation_import),
        {"update": "1", "date": "1", "date_format": "dmy", "amount": "5", "name": "",
         "reference": "", "status": "", "method": Method.ZELLE},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == preview_url(donation_import)
    donation_import.refresh_from_db()
    assert donation_import.mapping == {
        "date": 1, "amount": 5, "name": None, "reference": None, "status": None,
        "date_format": "dmy", "method": Method.ZELLE,
    }  # fmt: skip
    page = client.get(preview_url(donation_import))
    # Posting dates read day first: 03/13/2024 and 03/14/2024 are no dates at all now.
    assert counts(page.context["check"]) == {"import": 3, "duplicate": 0, "skip": 1, "error": 3}
    assert "“03/14/2024” can't be read as a date written DD/MM/YYYY." in text_of(page)


@pytest.mark.django_db
def test_the_date_and_amount_must_be_different_columns(
    client: Client, network: Network, treasurer: User
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    saved = dict(donation_import.mapping)
    login(client, treasurer)
    response = client.post(
        preview_url(donation_import),
        {"update": "1", "date": "5", "date_format": "mdy", "amount": "5", "method": "bank"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        "Choose different columns for the date and the amount."
    ]
    donation_import.refresh_from_db()
    assert donation_import.mapping == saved


@pytest.mark.django_db
def test_a_column_that_is_not_in_the_file_is_refused(
    client: Client, network: Network, treasurer: User
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    login(client, treasurer)
    response = client.post(
        preview_url(donation_import),
        {"update": "1", "date": "99", "date_format": "mdy", "amount": "5", "method": "bank"},
    )
    assert "date" in response.context["form"].errors


# Importing -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_records_every_good_row_and_empties_the_file(
    client: Client, network: Network, treasurer: User, audit_verbs: Any
) -> None:
    donation_import = start(network, treasurer, "venmo.csv")
    login(client, treasurer)
    page = client.get(preview_url(donation_import))

    response = client.post(
        preview_url(donation_import), {"import": "1", "fingerprint": page.context["fingerprint"]}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:donations", args=[network.slug])
    assert page_messages(response) == ["Imported 3 donations; 5 skipped."]
    donation_import.refresh_from_db()
    assert donation_import.status == DonationImport.Status.IMPORTED
    assert (donation_import.imported, donation_import.skipped) == (3, 5)
    assert donation_import.content == ""
    donations = Donation.objects.order_by("received_on")
    assert [(d.received_on, d.amount, d.donor_name) for d in donations] == [
        (date(2024, 3, 1), 4000, "Ana Flores"),
        (date(2024, 3, 2), 2550, '=HYPERLINK("https://evil.example/","click me")'),
        (date(2024, 3, 5), 123456, "Chris Lee"),
    ]
    assert {(d.source, d.method, d.recorded_by) for d in donations} == {
        (Donation.Source.IMPORT, Method.VENMO, treasurer)
    }
    assert all(d.row_hash and len(d.row_hash) == 64 for d in donations)
    fund = general_fund(network)
    assert fund.balance == 4000 + 2550 + 123456
    assert audit_verbs(donation_import) == ["donation_import.uploaded", "donation_import.imported"]
    # Nothing of the file is left in the database, not even encrypted.
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM ledger_donationimport")
        assert cursor.fetchall() == [("",)]


@pytest.mark.django_db
def test_a_formula_in_a_name_is_shown_and_kept_as_plain_text(
    client: Client, network: Network, treasurer: User
) -> None:
    donation_import = start(network, treasurer, "venmo.csv")
    login(client, treasurer)
    text = client.get(preview_url(donation_import)).content.decode()
    assert "=HYPERLINK(&quot;https://evil.example/&quot;,&quot;click me&quot;)" in text
    assert 'href="https://evil.example/"' not in text


@pytest.mark.django_db
def test_the_same_file_imported_twice_brings_nothing_new(
    client: Client, network: Network, treasurer: User
) -> None:
    run(start(network, treasurer, "bank.csv"), treasurer)
    assert Donation.objects.count() == 4

    again = start(network, treasurer, "bank.csv")
    login(client, treasurer)
    page = client.get(preview_url(again))
    assert counts(page.context["check"]) == {"import": 0, "duplicate": 4, "skip": 1, "error": 2}
    assert "Already imported." in text_of(page)
    assert 'name="import"' not in text_of(page)  # nothing to import: no button for it
    response = client.post(
        preview_url(again), {"import": "1", "fingerprint": page.context["fingerprint"]}
    )

    assert page_messages(response) == ["Imported 0 donations; 7 skipped."]
    assert Donation.objects.count() == 4
    assert general_fund(network).balance == 4000 + 120000 + 4000 + 4000


@pytest.mark.django_db
def test_two_overlapping_exports_import_only_the_new_rows(
    network: Network, treasurer: User
) -> None:
    run(start(network, treasurer, "bank.csv"), treasurer)
    later = start(network, treasurer, "bank_later.csv")

    result = check(later)
    assert counts(result) == {"import": 2, "duplicate": 2, "skip": 1, "error": 0}
    done = run(later, treasurer)

    assert (done.imported, done.skipped) == (2, 3)
    new = Donation.objects.filter(received_on__gte=date(2024, 3, 20)).order_by("received_on")
    assert [(d.received_on, d.amount) for d in new] == [
        (date(2024, 3, 20), 2500),
        (date(2024, 3, 22), 4000),
    ]
    # Both genuine $40 gifts of March 13th, once each.
    assert Donation.objects.filter(received_on=date(2024, 3, 13)).count() == 2


@pytest.mark.django_db
def test_a_european_file_with_a_repeated_reference_imports_it_once(
    network: Network, treasurer: User
) -> None:
    donation_import = start(network, treasurer, "european.csv")
    result = check(donation_import)
    assert counts(result) == {"import": 3, "duplicate": 1, "skip": 1, "error": 0}
    assert result.rows[3].reason == "The same reference is on row 2 of this file."

    run(donation_import, treasurer)

    donations = Donation.objects.order_by("received_on")
    assert [(d.received_on, d.amount, d.donor_name) for d in donations] == [
        (date(2024, 3, 1), 4000, "José Núñez"),
        (date(2024, 3, 2), 123456, "Müller GmbH"),
        (date(2024, 3, 20), 500, "Ana"),
    ]


@pytest.mark.django_db
def test_a_reversed_donation_is_still_already_imported(network: Network, treasurer: User) -> None:
    run(start(network, treasurer, "bank.csv"), treasurer)
    donation = Donation.objects.get(amount=120000)
    services.donation_reverse(donation=donation, actor=treasurer)
    assert counts(check(start(network, treasurer, "bank.csv")))["import"] == 0


@pytest.mark.django_db
def test_importing_twice_in_a_row_imports_once(
    client: Client, network: Network, treasurer: User
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    login(client, treasurer)
    token = client.get(preview_url(donation_import)).context["fingerprint"]
    first = client.post(preview_url(donation_import), {"import": "1", "fingerprint": token})
    assert page_messages(first) == ["Imported 4 donations; 3 skipped."]
    client.get(preview_url(donation_import))  # shows, and so uses up, that message

    second = client.post(preview_url(donation_import), {"import": "1", "fingerprint": token})

    assert second["Location"] == preview_url(donation_import)
    assert page_messages(second) == [str(IMPORT_FINISHED)]
    assert Donation.objects.count() == 4
    page = client.get(preview_url(donation_import))
    assert "This file was imported: 4 donations recorded; 3 skipped." in text_of(page)


@pytest.mark.django_db
def test_columns_changed_since_the_page_was_shown_stop_the_import(
    client: Client, network: Network, treasurer: User
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    login(client, treasurer)
    token = client.get(preview_url(donation_import)).context["fingerprint"]
    donation_import_map(
        donation_import=donation_import,
        actor=treasurer,
        mapping=Mapping(date=1, amount=5, date_format=DateFormat.MDY),
    )

    response = client.post(preview_url(donation_import), {"import": "1", "fingerprint": token})

    assert page_messages(response) == [str(MAPPING_CHANGED)]
    donation_import.refresh_from_db()
    assert donation_import.status == DonationImport.Status.PREVIEW
    assert donation_import.content
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_discarding_empties_the_file_and_imports_nothing(
    client: Client, network: Network, treasurer: User
) -> None:
    donation_import = start(network, treasurer, "bank.csv")
    login(client, treasurer)

    response = client.post(preview_url(donation_import), {"discard": "1"})

    assert response["Location"] == reverse("ledger:import_new", args=[network.slug])
    assert page_messages(response) == ["This file was discarded; nothing was imported."]
    donation_import.refresh_from_db()
    assert donation_import.status == DonationImport.Status.DISCARDED
    assert donation_import.content == ""
    assert not Donation.objects.exists()
    with pytest.raises(DomainError) as error:
        run(donation_import, treasurer)
    assert error.value.message == IMPORT_FINISHED
    client.get(reverse("ledger:import_new", args=[network.slug]))  # uses up the message
    page = client.get(preview_url(donation_import))
    assert "This file was discarded; nothing was imported." in text_of(page)
    assert 'name="import"' not in text_of(page)


@pytest.mark.django_db
def test_files_waiting_to_be_checked_are_listed(
    client: Client, network: Network, treasurer: User
) -> None:
    waiting = start(network, treasurer, "bank.csv")
    run(start(network, treasurer, "venmo.csv"), treasurer)
    login(client, treasurer)
    page = client.get(reverse("ledger:import_new", args=[network.slug]))
    assert list(page.context["waiting"]) == [waiting]


# Racing imports: real transactions, threads released together ----------------------------


def fresh(donation_import: DonationImport) -> DonationImport:
    """A separate in-memory copy, as a separate request would load."""
    return DonationImport.objects.select_related("network", "fund").get(pk=donation_import.pk)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_treasurers_importing_one_file_at_once_record_it_once(
    network: Network, treasurer: User, member_factory: Any, attempt: int
) -> None:
    other = member_factory(network=network, role=Role.TREASURER).user
    donation_import = start(network, treasurer, "bank.csv")

    results = run_together(
        partial(run, fresh(donation_import), treasurer),
        partial(run, fresh(donation_import), other),
    )

    done = [result for result in results if isinstance(result, DonationImport)]
    refused = [result for result in results if isinstance(result, DomainError)]
    assert (len(done), len(refused)) == (1, 1), results
    assert refused[0].message == IMPORT_FINISHED
    assert Donation.objects.count() == 4
    assert general_fund(network).balance == 132000


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_uploads_of_one_export_imported_at_once_record_it_once(
    network: Network, treasurer: User, member_factory: Any, attempt: int
) -> None:
    other = member_factory(network=network, role=Role.TREASURER).user
    first, second = start(network, treasurer, "bank.csv"), start(network, other, "bank.csv")

    results = run_together(
        partial(run, fresh(first), treasurer), partial(run, fresh(second), other)
    )

    assert all(isinstance(result, DonationImport) for result in results), results
    assert sorted(result.imported for result in results) == [0, 4]
    assert Donation.objects.count() == 4
    assert general_fund(network).balance == 132000
