from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest, Request
from potluck.networks import selectors, services
from potluck.networks.context import network_context
from potluck.networks.forms import InvitationForm, JoinForm, NetworkForm, RoleForm
from potluck.networks.permissions import COORDINATOR_ROLES


def network_home(request: Request, slug: str) -> HttpResponse:
    """A network's front page: public facts for everyone, shortcuts for members."""
    network = selectors.access_public_network(slug=slug)
    context = network_context(user=request.user, network=network)
    context["membership"] = selectors.membership_for(user=request.user, network=network)
    context["join_form"] = JoinForm()
    return render(request, "networks/network_home.html", context)


@login_required
def network_new(request: AuthedRequest) -> HttpResponse:
    form = NetworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            network = services.network_create(creator=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error("slug", str(error))
        else:
            messages.success(request, _("Your network is ready. Invite people to join."))
            return redirect(network)
    return render(request, "networks/network_new.html", {"form": form})


@login_required
@require_POST
def network_join(request: AuthedRequest, slug: str) -> HttpResponse:
    network = selectors.access_public_network(slug=slug)
    form = JoinForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        membership = services.network_join(network=network, user=request.user, note=note)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if membership.status == membership.Status.ACTIVE:
            messages.success(request, _("Welcome! You are now a member."))
        else:
            messages.success(request, _("Thank you. A coordinator will look at your request soon."))
    return redirect(network)


@login_required
def member_list(request: AuthedRequest, slug: str) -> HttpResponse:
    network = selectors.access_network(user=request.user, slug=slug, roles=COORDINATOR_ROLES)
    context = network_context(user=request.user, network=network)
    context.update(
        memberships=selectors.membership_list_for_network(network=network),
        invitations=selectors.invitation_list_for_network(network=network),
        invitation_form=InvitationForm(),
        role_form=RoleForm(),
    )
    return render(request, "networks/member_list.html", context)


@login_required
@require_POST
def membership_answer(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    """Approve or decline a join request."""
    membership = selectors.access_membership(
        user=request.user, slug=slug, membership_id=membership_id
    )
    try:
        if request.POST.get("answer") == "approve":
            services.membership_approve(membership=membership, by=request.user)
            messages.success(
                request, _("%(name)s is now a member.") % {"name": membership.user.display_name}
            )
        else:
            services.membership_decline(membership=membership, by=request.user)
            messages.success(request, _("The request was declined."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("networks:members", membership.network.slug)


@login_required
@require_POST
def membership_role(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = selectors.access_membership(
        user=request.user, slug=slug, membership_id=membership_id
    )
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
    else:
        try:
            services.membership_set_role(
                membership=membership, role=form.cleaned_data["role"], by=request.user
            )
            messages.success(request, _("Role changed."))
        except DomainError as error:
            messages.error(request, str(error))
    return redirect("networks:members", membership.network.slug)


@login_required
@require_POST
def invitation_new(request: AuthedRequest, slug: str) -> HttpResponse:
    network = selectors.access_network(user=request.user, slug=slug, roles=COORDINATOR_ROLES)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the invitation's role and number of uses."))
    else:
        try:
            services.invitation_create(network=network, by=request.user, **form.cleaned_data)
            messages.success(request, _("Invitation link created. Copy it from the list below."))
        except DomainError as error:
            messages.error(request, str(error))
    return redirect("networks:members", network.slug)


@login_required
@require_POST
def invitation_revoke(request: AuthedRequest, slug: str, invitation_id: int) -> HttpResponse:
    network = selectors.access_network(user=request.user, slug=slug, roles=COORDINATOR_ROLES)
    invitation = selectors.access_network_invitation(network=network, invitation_id=invitation_id)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
        messages.success(request, _("The invitation link no longer works."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("networks:members", network.slug)


def invitation_detail(request: Request, token: str) -> HttpResponse:
    """Anyone with the link sees which network invites them; signing in accepts it."""
    invitation = selectors.access_invitation(token=token)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Welcome! You are now a member."))
            return redirect(invitation.network)
    return render(request, "networks/invitation.html", {"invitation": invitation})
