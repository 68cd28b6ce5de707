"""Importing donations from a bank or payment-app export: upload, map the columns, import.

The file waits (encrypted) in a DonationImport while a treasurer checks the preview; importing
records every good row as a donation in one database transaction and empties the file.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.ledger.imports import (
    CsvFile,
    Mapping,
    RowCheck,
    import_check,
    import_file,
    import_mapping,
    mapping_guess,
)
from potluck.ledger.models import Account, DonationImport
from potluck.ledger.services.donations import DonationLine, donations_record_many
from potluck.ledger.services.funds import check_fund, require_money_role
from potluck.networks.models import Network

IMPORT_FINISHED = _("This file was already imported or discarded.")
MAPPING_CHANGED = _(
    "The columns were changed since this page was shown. Check the preview again, then import."
)
NAME_LENGTH = 120  # Donation.donor_name


@transaction.atomic
def donation_import_start(
    *, network: Network, actor: Any, fund: Account, csv_file: CsvFile, filename: str = ""
) -> DonationImport:
    """Keep an uploaded export for its preview, with the columns guessed."""
    require_money_role(actor, network)
    check_fund(network, fund)
    donation_import = DonationImport.objects.create(
        network=network,
        uploaded_by=actor,
        fund=fund,
        filename=filename[:200],
        content=csv_file.text,
        mapping=mapping_guess(csv_file, filename=filename).as_json(),
    )
    audit_record(
        actor=actor,
        verb="donation_import.uploaded",
        target=donation_import,
        data={"rows": len(csv_file.rows), "fund": fund.pk},
    )
    return donation_import


@transaction.atomic
def donation_import_map(
    *, donation_import: DonationImport, actor: Any, mapping: Mapping
) -> DonationImport:
    """Save which column is the date, the amount, the name...; only while in preview."""
    require_money_role(actor, donation_import.network)
    data = mapping.as_json()
    if not DonationImport.objects.filter(
        pk=donation_import.pk, status=DonationImport.Status.PREVIEW
    ).update(mapping=data, updated_at=timezone.now()):
        raise DomainError(IMPORT_FINISHED, code="import_finished", status=409)
    donation_import.mapping = data
    return donation_import


@transaction.atomic
def donation_import_run(
    *, donation_import: DonationImport, actor: Any, fingerprint: str | None = None
) -> DonationImport:
    """Record every good row as a donation, at most once however often this is called.

    `fingerprint` is the mapping the treasurer saw (Mapping.fingerprint); if the columns were
    changed since, nothing is imported.
    """
    network = donation_import.network
    require_money_role(actor, network)
    # Compare-and-set: of two imports of the same file at once, one wins; the other waits for
    # it (PostgreSQL locks the row, SQLite the database) and then finds it imported.
    if not DonationImport.objects.filter(
        pk=donation_import.pk, status=DonationImport.Status.PREVIEW
    ).update(status=DonationImport.Status.IMPORTED, updated_at=timezone.now()):
        raise DomainError(IMPORT_FINISHED, code="import_finished", status=409)
    fresh = DonationImport.objects.select_related("network", "fund").get(pk=donation_import.pk)
    check_fund(network, fresh.fund)
    csv_file = import_file(fresh)
    mapping = import_mapping(fresh, csv_file)
    if fingerprint is not None and fingerprint != mapping.fingerprint:
        raise DomainError(MAPPING_CHANGED, code="mapping_changed", status=409)
    check = import_check(fresh, csv_file, mapping)
    recorded = donations_record_many(
        network=network,
        actor=actor,
        fund=fresh.fund,
        method=mapping.method,
        lines=[_line(row) for row in check.good],
    )
    imported = len(recorded)
    fresh.imported, fresh.skipped, fresh.content = imported, len(check.rows) - imported, ""
    fresh.save(update_fields=["imported", "skipped", "content", "updated_at"])
    audit_record(
        actor=actor,
        verb="donation_import.imported",
        target=fresh,
        data={"imported": imported, "skipped": fresh.skipped, "total": check.total},
    )
    return fresh


def _line(row: RowCheck) -> DonationLine:
    # A good row has both.
    assert row.amount is not None
    assert row.received_on is not None
    return DonationLine(
        amount=row.amount,
        received_on=row.received_on,
        donor_name=row.name[:NAME_LENGTH],
        row_hash=row.row_hash,
    )


@transaction.atomic
def donation_import_discard(*, donation_import: DonationImport, actor: Any) -> DonationImport:
    """Throw the uploaded file away without importing anything."""
    require_money_role(actor, donation_import.network)
    if not DonationImport.objects.filter(
        pk=donation_import.pk, status=DonationImport.Status.PREVIEW
    ).update(status=DonationImport.Status.DISCARDED, content="", updated_at=timezone.now()):
        raise DomainError(IMPORT_FINISHED, code="import_finished", status=409)
    donation_import.status, donation_import.content = DonationImport.Status.DISCARDED, ""
    audit_record(actor=actor, verb="donation_import.discarded", target=donation_import)
    return donation_import
