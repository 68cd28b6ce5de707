"""Importing donations from bank and payment-app exports: upload, check the preview, import.

Treasurers only; anyone else gets 404. GET pages only read: the preview is worked out afresh
from the kept file each time it is shown.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest
from potluck.ledger.forms.imports import ImportMappingForm, ImportUploadForm
from potluck.ledger.imports import (
    PREVIEW_ROWS,
    access_import,
    import_check,
    import_file,
    import_list_waiting,
    import_mapping,
)
from potluck.ledger.models import DonationImport
from potluck.ledger.permissions import MONEY_ROLES
from potluck.ledger.services.imports import (
    IMPORT_FINISHED,
    donation_import_discard,
    donation_import_map,
    donation_import_run,
    donation_import_start,
)
from potluck.networks.context import network_context
from potluck.networks.models import Network
from potluck.networks.selectors import access_network


def _treasury_network(request: AuthedRequest, slug: str) -> Network:
    return access_network(user=request.user, slug=slug, roles=MONEY_ROLES)


@login_required
def import_new(request: AuthedRequest, slug: str) -> HttpResponse:
    """Upload a CSV export and choose the fund; the next page shows every row before import."""
    network = _treasury_network(request, slug)
    posted = request.method == "POST"
    form = ImportUploadForm(
        request.POST if posted else None, request.FILES if posted else None, network=network
    )
    if posted and form.is_valid():
        try:
            donation_import = donation_import_start(
                network=network,
                actor=request.user,
                fund=form.cleaned_data["fund"],
                csv_file=form.cleaned_data["file"],
                filename=form.filename,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("ledger:import_preview", network.slug, donation_import.pk)
    context = network_context(user=request.user, network=network)
    context.update(form=form, waiting=import_list_waiting(network=network))
    return render(request, "ledger/import_new.html", context)


@login_required
def import_preview(request: AuthedRequest, slug: str, import_id: int) -> HttpResponse:
    """The column choices and every row's fate; POST: update the choices, import or discard."""
    network = _treasury_network(request, slug)
    donation_import = access_import(user=request.user, network=network, import_id=import_id)
    if request.method == "POST" and "discard" in request.POST:
        return _discard(request, network, donation_import)
    if request.method == "POST" and "import" in request.POST:
        return _import(request, network, donation_import)
    context = network_context(user=request.user, network=network)
    context.update(donation_import=donation_import, preview_rows=PREVIEW_ROWS)
    if donation_import.status != DonationImport.Status.PREVIEW:
        if request.method == "POST":
            messages.error(request, str(IMPORT_FINISHED))
            return redirect("ledger:import_preview", network.slug, donation_import.pk)
        return render(request, "ledger/import_preview.html", context)
    csv_file = import_file(donation_import)
    mapping = import_mapping(donation_import, csv_file)
    if request.method == "POST":
        form = ImportMappingForm(request.POST, csv_file=csv_file)
        if form.is_valid():
            try:
                donation_import_map(
                    donation_import=donation_import, actor=request.user, mapping=form.mapping()
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Saved. The preview below follows your choices."))
            return redirect("ledger:import_preview", network.slug, donation_import.pk)
    else:
        initial = ImportMappingForm.initial_from(mapping)
        form = ImportMappingForm(initial=initial, csv_file=csv_file)
    check = import_check(donation_import, csv_file, mapping)
    context.update(
        form=form,
        check=check,
        counts={outcome.value: count for outcome, count in check.counts.items()},
        fingerprint=mapping.fingerprint,
        unit=donation_import.fund.unit,
    )
    return render(request, "ledger/import_preview.html", context)


def _import(
    request: AuthedRequest, network: Network, donation_import: DonationImport
) -> HttpResponse:
    try:
        done = donation_import_run(
            donation_import=donation_import,
            actor=request.user,
            fingerprint=request.POST.get("fingerprint", ""),
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("ledger:import_preview", network.slug, donation_import.pk)
    message = ngettext(
        "Imported %(count)s donation; %(skipped)s skipped.",
        "Imported %(count)s donations; %(skipped)s skipped.",
        done.imported,
    ) % {"count": done.imported, "skipped": done.skipped}
    messages.success(request, message)
    return redirect("ledger:donations", network.slug)


def _discard(
    request: AuthedRequest, network: Network, donation_import: DonationImport
) -> HttpResponse:
    try:
        donation_import_discard(donation_import=donation_import, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("ledger:import_preview", network.slug, donation_import.pk)
    messages.success(request, _("This file was discarded; nothing was imported."))
    return redirect("ledger:import_new", network.slug)
