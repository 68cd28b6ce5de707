"""Paper and phone: the reach settings, the printable flyer and the offers noticeboard."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest, Request
from potluck.needs import selectors as need_selectors
from potluck.networks import paper, reach, selectors
from potluck.networks.context import network_context
from potluck.networks.models import Network
from potluck.networks.permissions import COORDINATOR_ROLES
from potluck.networks.reach_forms import ERROR_FIELDS, ReachForm

# The newest offers a printed board has room for on one sheet: seven rows of three.
NOTICEBOARD_SIZE = 21
FLYER_CACHE_SECONDS = 600


@login_required
def reach_settings(request: AuthedRequest, slug: str) -> HttpResponse:
    """Coordinators set the phone line, the number people text and its keyword."""
    network = selectors.access_network(user=request.user, slug=slug, roles=COORDINATOR_ROLES)
    initial = {field: getattr(network, field) for field in reach.REACH_FIELDS}
    form = ReachForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reach.network_reach_update(network=network, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(ERROR_FIELDS.get(error.code), str(error))
        else:
            messages.success(request, _("Saved. The flyer now shows these numbers."))
            return redirect("networks:reach", network.slug)
    context = network_context(user=request.user, network=network)
    context["form"] = form
    return render(request, "networks/reach_settings.html", context)


@require_GET
def flyer(request: Request, slug: str) -> HttpResponse:
    """The printable flyer, a PDF anyone may print: one page per language of the network."""
    network = selectors.access_public_network(slug=slug)
    languages = paper.flyer_languages(network=network, wanted=request.GET.get("language", ""))
    size = "letter" if request.GET.get("paper") == "letter" else "a4"
    try:
        pdf = _flyer_cached(network=network, languages=languages, size=size)
    except DomainError as error:
        context = {"network": network, "problem": str(error)}
        return render(request, "networks/flyer_unavailable.html", context, status=error.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{network.slug}-flyer.pdf"'
    return response


def _flyer_cached(*, network: Network, languages: list[str], size: str) -> bytes:
    """Drawing a flyer takes a tenth of a second a page, and anyone may ask: keep it a while.
    A change to the network (its numbers, its kinds of help) changes updated_at, so the key."""
    key = ":".join(["flyer", str(network.pk), network.updated_at.isoformat(), size, *languages])
    pdf: bytes | None = cache.get(key)
    if pdf is None:
        pdf = paper.flyer_pdf(network=network, languages=languages, paper=size)
        cache.set(key, pdf, FLYER_CACHE_SECONDS)
    return pdf


@login_required
@require_GET
def noticeboard(request: AuthedRequest, slug: str) -> HttpResponse:
    """A printable board of open offers for a community noticeboard: what each offer is and
    roughly where, and how to answer; never who made it or how to reach them."""
    network = selectors.access_network(user=request.user, slug=slug)
    offers = need_selectors.offer_list_for_board(network=network)[:NOTICEBOARD_SIZE]
    offers_url = settings.SITE_URL + reverse("needs:offers", args=[network.slug])
    context = network_context(user=request.user, network=network)
    context.update(
        offers=offers,
        offers_url=offers_url,
        # segno's SVG: only paths and a <title> it escapes itself; no script, no style.
        qr=mark_safe(  # noqa: S308
            paper.qr_svg(offers_url, title=_("QR code for the offers page"))
        ),
    )
    return render(request, "networks/noticeboard.html", context)
