"""Forms for importing donations: the upload, and which column is which."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from potluck.ledger.imports import (
    DATE_FORMAT_LABELS,
    FILE_EMPTY,
    CsvFile,
    DateFormat,
    Mapping,
    csv_upload_read,
)
from potluck.ledger.models import Account, Method
from potluck.ledger.selectors import fund_list
from potluck.networks.models import Network

NO_COLUMN = ""
EXAMPLE_LENGTH = 24
SAME_COLUMN = _("Choose different columns for the date and the amount.")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "A CSV export of a bank statement, or of Venmo, Cash App or PayPal: "
            "up to 2 MB and 5,000 rows. You will check every row before anything is recorded."
        ),
        error_messages={"empty": FILE_EMPTY},
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    fund = forms.ModelChoiceField(
        label=_("Put the money in this fund"),
        queryset=Account.objects.none(),
        empty_label=None,
    )

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = fund_list(network=network)  # type: ignore[attr-defined]

    def clean_file(self) -> CsvFile:
        upload: UploadedFile = self.cleaned_data["file"]
        return csv_upload_read(upload)

    @property
    def filename(self) -> str:
        upload = self.files.get(self.add_prefix("file"))
        return str(getattr(upload, "name", "") or "")


def column_choices(csv_file: CsvFile) -> list[tuple[str, str]]:
    """Each column by its header and an example value; a blank or repeated header by number."""
    columns = csv_file.columns
    repeated = {column for column in columns if columns.count(column) > 1}
    choices = []
    for index, column in enumerate(columns):
        if not column:
            label = str(_("Column %(number)s") % {"number": index + 1})
        elif column in repeated:
            label = str(_("%(name)s (column %(number)s)") % {"name": column, "number": index + 1})
        else:
            label = column
        example = csv_file.example(index)
        if example:
            shown = example if len(example) <= EXAMPLE_LENGTH else example[:EXAMPLE_LENGTH] + "…"
            label = str(_("%(column)s, e.g. %(example)s") % {"column": label, "example": shown})
        choices.append((str(index), label))
    return choices


class ImportMappingForm(forms.Form):
    """Which column is which; the preview below shows what these choices do."""

    date = forms.TypedChoiceField(label=_("Date column"), coerce=int)
    date_format = forms.ChoiceField(
        label=_("Dates are written"),
        choices=list(DATE_FORMAT_LABELS.items()),
        help_text=_(
            "Dates that start with the year (2024-03-31) are always read as year, month, day. "
            "Other dates are read in the order you choose here; a time after the date is "
            "ignored."
        ),
    )
    amount = forms.TypedChoiceField(
        label=_("Amount column"),
        coerce=int,
        help_text=_(
            "Only money in is imported. A comma or point followed by one or two digits at the "
            "end is the decimal mark (40,00 and 40.00 are both forty); any other comma or "
            "point separates thousands. Currency signs are ignored; a minus sign or brackets "
            "mean money out."
        ),
    )
    name = forms.TypedChoiceField(
        label=_("Donor's name column (optional)"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Names are kept private: only treasurers see them."),
    )
    reference = forms.TypedChoiceField(
        label=_("Reference or transaction ID column (optional)"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "Choose one only if it gives every payment its own ID. Without one, a payment is "
            "known by its date, amount and name, so the same export never comes in twice."
        ),
    )
    status = forms.TypedChoiceField(
        label=_("Status column (optional)"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "Rows whose status says failed, pending, cancelled, declined, refunded or reversed "
            "are skipped."
        ),
    )
    method = forms.ChoiceField(label=_("How the money came"), choices=Method.choices)

    def __init__(self, *args: Any, csv_file: CsvFile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = column_choices(csv_file)
        none = [(NO_COLUMN, _("None in this file"))]
        for name in ("date", "amount"):
            self.fields[name].choices = choices  # type: ignore[attr-defined]
        for name in ("name", "reference", "status"):
            self.fields[name].choices = none + choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "date" in cleaned and cleaned.get("date") == cleaned.get("amount"):
            self.add_error("amount", SAME_COLUMN)
        return cleaned

    def mapping(self) -> Mapping:
        data = self.cleaned_data
        return Mapping(
            date=data["date"],
            amount=data["amount"],
            name=data["name"],
            reference=data["reference"],
            status=data["status"],
            date_format=DateFormat(data["date_format"]),
            method=data["method"],
        )

    @classmethod
    def initial_from(cls, mapping: Mapping) -> dict[str, Any]:
        return {
            key: ("" if value is None else str(value)) for key, value in mapping.as_json().items()
        }
