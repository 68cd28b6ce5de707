"""Coordinators' pages: broadcasts to volunteers (write, preview, send) and chat groups."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest
from potluck.networks import selectors as network_selectors
from potluck.networks.context import network_context
from potluck.networks.models import Network
from potluck.notifications.models import Channel
from potluck.outreach import selectors, services
from potluck.outreach.forms import BroadcastForm, ChatHookForm, add_domain_error
from potluck.outreach.models import ChatHook
from potluck.outreach.permissions import OUTREACH_ROLES

RECENT_BROADCASTS = 50


def _outreach_network(request: AuthedRequest, slug: str) -> Network:
    """The network if the person runs it (two-factor verified); otherwise 404."""
    return network_selectors.access_network(user=request.user, slug=slug, roles=OUTREACH_ROLES)


@login_required
def broadcasts(request: AuthedRequest, slug: str) -> HttpResponse:
    """Write a broadcast; "preview" shows who it reaches, "confirm" sends it, "edit" goes back."""
    network = _outreach_network(request, slug)
    form = BroadcastForm(request.POST or None, network=network)
    if request.method == "POST" and "edit" not in request.POST and form.is_valid():
        if "confirm" not in request.POST:
            return _preview(request, network, form)
        try:
            services.broadcast_send(
                network=network,
                sender=request.user,
                body=form.cleaned_data["message"],
                filters=form.filters(),
                channels=form.cleaned_data["channels"],
                token=form.cleaned_data["token"],
            )
        except DomainError as error:
            if error.code != "already_sent":
                add_domain_error(form, error)
            else:
                messages.info(request, str(error))
                return redirect("outreach:broadcasts", network.slug)
        else:
            messages.success(request, _("Your broadcast is on its way."))
            return redirect("outreach:broadcasts", network.slug)
    context = network_context(user=request.user, network=network)
    context.update(
        form=form, broadcasts=selectors.broadcast_list(network=network)[:RECENT_BROADCASTS]
    )
    return render(request, "outreach/broadcasts.html", context)


def _preview(request: AuthedRequest, network: Network, form: BroadcastForm) -> HttpResponse:
    audience = selectors.broadcast_audience(
        network=network, filters=form.filters(), channels=form.cleaned_data["channels"]
    )
    context = network_context(user=request.user, network=network)
    context.update(
        form=form,
        message=form.cleaned_data["message"],
        hidden=form.hidden_fields_for_confirm(),
        token=secrets.token_urlsafe(24),
        total=audience.count,
        by_email=audience.on(Channel.EMAIL),
        by_sms=audience.on(Channel.SMS),
        by_web=audience.on(Channel.WEB),
    )
    return render(request, "outreach/broadcast_preview.html", context)


@login_required
def chat_groups(request: AuthedRequest, slug: str) -> HttpResponse:
    """The network's chat groups; a new one's secret is shown once, on the answer to adding it."""
    network = _outreach_network(request, slug)
    form = ChatHookForm(request.POST or None)
    created: ChatHook | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.hook_create(network=network, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            form = ChatHookForm()
    context = network_context(user=request.user, network=network)
    hooks = list(selectors.chat_hook_list(network=network))
    context.update(
        form=form,
        created=created,
        hooks=[(hook, selectors.hook_last_message(hook=hook)) for hook in hooks],
    )
    return render(request, "outreach/chat_groups.html", context)


def _hook_action(request: AuthedRequest, slug: str, action: str) -> HttpResponse:
    network = _outreach_network(request, slug)
    hook = selectors.access_chat_hook(network=network, hook_id=request.POST.get("hook"))
    try:
        if action == "toggle":
            services.hook_set_active(hook=hook, actor=request.user, active=not hook.is_active)
            done = (
                _("Posting to “%(name)s” is on.")
                if hook.is_active
                else _("Posting to “%(name)s” is paused.")
            )
        elif action == "delete":
            services.hook_delete(hook=hook, actor=request.user)
            done = _("“%(name)s” was removed; Potluck no longer posts there.")
        else:
            services.hook_test(hook=hook, actor=request.user)
            done = _("A test message is on its way to “%(name)s”.")
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done % {"name": hook.name})
    return redirect("outreach:chat_groups", network.slug)


@login_required
@require_POST
def chat_group_toggle(request: AuthedRequest, slug: str) -> HttpResponse:
    return _hook_action(request, slug, "toggle")


@login_required
@require_POST
def chat_group_delete(request: AuthedRequest, slug: str) -> HttpResponse:
    return _hook_action(request, slug, "delete")


@login_required
@require_POST
def chat_group_test(request: AuthedRequest, slug: str) -> HttpResponse:
    return _hook_action(request, slug, "test")
