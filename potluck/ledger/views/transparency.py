"""The public money page and its CSV; the treasurers' full ledger and balance check."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from potluck.core.csvfile import csv_response
from potluck.core.http import AuthedRequest, Request
from potluck.ledger.permissions import MONEY_ROLES
from potluck.ledger.transparency import (
    LEDGER_HEADER,
    PRIVACY_THRESHOLD,
    TRANSPARENCY_HEADER,
    ledger_rows,
    reconciliation,
    transparency_rows,
    transparency_summary,
)
from potluck.networks import selectors as network_selectors
from potluck.networks.context import network_context


@require_safe
def transparency(request: Request, slug: str) -> HttpResponse:
    """Anyone may see what came in and went out, by month and category; never who."""
    network = network_selectors.access_public_network(slug=slug)
    context = network_context(user=request.user, network=network)
    context.update(
        summary=transparency_summary(network=network),
        threshold=PRIVACY_THRESHOLD,
        is_treasurer=context["role"] in MONEY_ROLES,
    )
    return render(request, "ledger/transparency.html", context)


@require_safe
def transparency_csv(request: Request, slug: str) -> StreamingHttpResponse:
    network = network_selectors.access_public_network(slug=slug)
    summary = transparency_summary(network=network)
    filename = f"{network.slug}-money-{summary.today.isoformat()}.csv"
    return csv_response(filename, TRANSPARENCY_HEADER, transparency_rows(summary))


@login_required
@require_safe
def ledger_csv(request: AuthedRequest, slug: str) -> StreamingHttpResponse:
    """Every entry of the ledger, streamed: the treasurers' record to check against the bank."""
    network = network_selectors.access_network(user=request.user, slug=slug, roles=MONEY_ROLES)
    filename = f"{network.slug}-ledger-{timezone.localdate().isoformat()}.csv"
    return csv_response(filename, LEDGER_HEADER, ledger_rows(network=network))


@login_required
@require_safe
def balance_check(request: AuthedRequest, slug: str) -> HttpResponse:
    """Does every account's balance match its entries, and every transaction add up to zero?"""
    network = network_selectors.access_network(user=request.user, slug=slug, roles=MONEY_ROLES)
    context = network_context(user=request.user, network=network)
    context.update(result=reconciliation(network=network))
    return render(request, "ledger/balance_check.html", context)
