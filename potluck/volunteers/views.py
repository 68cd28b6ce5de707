"""Pages for volunteers (their profile, resting, check-ins) and the coordinators' workload view."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.accounts.decorators import next_url
from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest
from potluck.networks import selectors as network_selectors
from potluck.networks.context import network_context
from potluck.networks.models import Network
from potluck.networks.permissions import COORDINATOR_ROLES, VOLUNTEER_ROLES
from potluck.volunteers import selectors, services
from potluck.volunteers.forms import PauseForm, VolunteerProfileForm
from potluck.volunteers.models import CheckIn


def _volunteer_network(request: AuthedRequest, slug: str) -> Network:
    return network_selectors.access_network(user=request.user, slug=slug, roles=VOLUNTEER_ROLES)


@login_required
def volunteer_profile(request: AuthedRequest, slug: str) -> HttpResponse:
    """What I can do, where and when, how much; and resting."""
    network = _volunteer_network(request, slug)
    profile = selectors.profile_for(user=request.user, network=network)
    form = VolunteerProfileForm(request.POST or None, network=network, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_profile_save(
                user=request.user, network=network, **form.service_arguments()
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your volunteering profile is saved."))
            return redirect("volunteers:profile", network.slug)
    context = network_context(user=request.user, network=network)
    context.update(
        form=form,
        profile=profile,
        pause_form=PauseForm(),
        week_load=selectors.volunteer_week_load(profile),
    )
    return render(request, "volunteers/profile.html", context)


def _act(
    request: AuthedRequest, network: Network, action: Callable[[], Any], done: str
) -> HttpResponse:
    """Run one rest or check-in action, say how it went, and go back where the person was."""
    try:
        action()
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(next_url(request) or reverse("volunteers:profile", args=[network.slug]))


@login_required
@require_POST
def volunteer_pause(request: AuthedRequest, slug: str) -> HttpResponse:
    """Pause for a week (one click), or until a chosen day."""
    network = _volunteer_network(request, slug)
    user = request.user
    if request.POST.get("week"):
        return _act(
            request,
            network,
            lambda: services.volunteer_pause_week(user=user, network=network),
            _("You are paused for a week. Rest well."),
        )
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the day you will be back."))
        return redirect("volunteers:profile", network.slug)
    return _act(
        request,
        network,
        lambda: services.volunteer_pause(user=user, network=network, until=form.until_moment()),
        _("You are paused. Rest well."),
    )


@login_required
@require_POST
def volunteer_resume(request: AuthedRequest, slug: str) -> HttpResponse:
    network = _volunteer_network(request, slug)
    return _act(
        request,
        network,
        lambda: services.volunteer_resume(user=request.user, network=network),
        _("Welcome back! Matching can include you again."),
    )


@login_required
@require_POST
def checkin_answer(request: AuthedRequest, slug: str) -> HttpResponse:
    """ "How are you doing?": I'm fine, or pause me for a week."""
    network = _volunteer_network(request, slug)
    answer = request.POST.get("answer", "")
    done = (
        _("You are paused for a week. Rest well.")
        if answer == CheckIn.Answer.BREAK
        else _("Thank you for letting us know.")
    )
    return _act(
        request,
        network,
        lambda: services.checkin_answer(user=request.user, network=network, answer=answer),
        done,
    )


@login_required
def workload(request: AuthedRequest, slug: str) -> HttpResponse:
    """For coordinators: who carries how much this week, and who needs a rest."""
    network = network_selectors.access_network(
        user=request.user, slug=slug, roles=COORDINATOR_ROLES
    )
    context = network_context(user=request.user, network=network)
    context.update(
        rows=selectors.workload_for_network(network=network), no_rest_days=selectors.NO_REST_DAYS
    )
    return render(request, "volunteers/workload.html", context)
