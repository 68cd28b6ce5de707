"""The baseline of bench/load.py: a plain Django list view of the needs table, beside
Potluck's own URLs.

It is what a first Django tutorial would write: one function view, the newest 25 rows of one
network's needs (newest by primary key, so the primary key index serves it: a fast baseline),
a minimal template; no login, no filters, no pagination links. Potluck's
pages are measured against it on the same server, database and middleware.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path

from config.urls import urlpatterns as potluck_urlpatterns
from potluck.needs.models import Need
from potluck.networks.models import Network

PAGE = 25


def baseline_list(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_object_or_404(Network, slug=slug)
    needs = (
        Need.objects.filter(network=network)
        .only("id", "category", "area", "urgency", "status", "created_at")
        .order_by("-pk")[:PAGE]
    )
    return render(request, "bench/baseline.html", {"network": network, "needs": needs})


urlpatterns = [
    path("bench/baseline/<slug:slug>/", baseline_list, name="bench_baseline"),
    *potluck_urlpatterns,
]
