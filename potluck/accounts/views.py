from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.accounts import services
from potluck.accounts.forms import ApiTokenForm, ProfileForm, SignupForm
from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest, Request


def signup(request: Request) -> HttpResponse:
    form = SignupForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_signup(
                display_name=data["display_name"],
                password=data["password"],
                language=data["language"],
                **data["login"],
            )
        except DomainError as error:
            form.add_error("login", str(error))
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request, _("Welcome to Potluck, %(name)s!") % {"name": user.display_name}
            )
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def account(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"display_name": user.display_name, "language": user.language},
    )
    if request.method == "POST" and form.is_valid():
        services.user_update(user=user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "token_form": ApiTokenForm(),
            "tokens": user.api_tokens.filter(revoked_at__isnull=True),
            "new_key": request.session.pop("new-api-key", None),
        },
    )


@login_required
@require_POST
def token_new(request: AuthedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        _token, key = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        request.session["new-api-key"] = key
    else:
        messages.error(request, _("Give the token a name."))
    return redirect("accounts:account")


@login_required
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    try:
        services.api_token_revoke(user=request.user, token_id=token_id)
        messages.success(request, _("The token no longer works."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("accounts:account")
