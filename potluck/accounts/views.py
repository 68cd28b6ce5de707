"""Pages for signing up, logging in, and looking after one's account."""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.accounts import services, throttle
from potluck.accounts.decorators import next_url, reauth_required, with_next
from potluck.accounts.forms import ApiTokenForm, LoginChangeForm, LoginForm, ProfileForm, SignupForm
from potluck.accounts.models import User
from potluck.accounts.twofactor import session_verified, two_factor_enabled
from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest, Request

# A password accepted, a two-factor code still to come: who, and since when.
PENDING_LOGIN = "potluck:pending_login"
PENDING_LOGIN_SECONDS = 5 * 60


def signup(request: Request) -> HttpResponse:
    """Always ends on the same "check your messages" page, whether or not the login is new."""
    form = SignupForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        if not throttle.public_form_allowed(request=request, form="signup"):
            form.add_error(None, str(throttle.TOO_MANY_SUBMISSIONS))
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        data = form.cleaned_data
        try:
            services.user_signup(
                display_name=data["display_name"],
                password=data["password"],
                language=data["language"],
                **data["login"],
            )
        except DomainError as error:
            form.add_error("login", str(error))
        else:
            return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


def signup_sent(request: Request) -> HttpResponse:
    return render(
        request, "accounts/signup_sent.html", {"hours": settings.POTLUCK_VERIFY_LINK_HOURS}
    )


def verify(request: Request, token: str) -> HttpResponse:
    """A link from a signup or a change of login. Opening it shows a button; pressing it
    uses the link, so mail scanners that fetch links can't use it up."""
    link = services.login_link_find(token=token)
    if request.method == "POST" and link is not None:
        try:
            link = services.login_link_use(token=token)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("accounts:login")
        if link.purpose == link.Purpose.SIGNUP:
            login(request, link.user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request, _("Welcome to Potluck, %(name)s!") % {"name": link.user.display_name}
            )
            return redirect("home")
        messages.success(request, _("Done: you now log in with your new address."))
        return redirect("accounts:account" if request.user.is_authenticated else "accounts:login")
    status = 200 if link is not None else 404
    return render(request, "accounts/verify.html", {"link": link}, status=status)


def login_view(request: Request) -> HttpResponse:
    """Password first; then, for accounts with two-factor on, the code page. Every try counts
    against the account and the address (potluck.accounts.throttle)."""
    after = next_url(request)
    if request.user.is_authenticated:
        return redirect(after or settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST":
        login_name = request.POST.get("username", "")
        attempts = throttle.login_attempt_begin(
            request=request, account_key=throttle.login_key(login_name)
        )
        if attempts is None:
            # A fresh form: showing the sent one would check its password again.
            fresh = LoginForm(request, initial={"username": login_name[:254]})
            context = {"form": fresh, "next": after, "too_many": True}
            return render(request, "accounts/login.html", context, status=429)
        if form.is_valid():
            return _password_accepted(request, form.get_user(), after, attempts)
    return render(request, "accounts/login.html", {"form": form, "next": after})


def _password_accepted(
    request: Request, user: User, after: str, attempts: throttle.Attempts
) -> HttpResponse:
    if not two_factor_enabled(user):
        attempts.succeeded()
        login(request, user)
        return redirect(after or settings.LOGIN_REDIRECT_URL)
    # Not a failure, but the account's earlier failures stand until the code is right too:
    # otherwise a stolen password could reset the count between guesses at the code.
    attempts.forget()
    request.session[PENDING_LOGIN] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "at": int(time.time()),
        "account": attempts.account_key,
    }
    return redirect(with_next("accounts:two_factor_code", after))


def pending_login(request: Request) -> tuple[User, str, str] | None:
    """The person who gave the right password and owes a code: with their login backend and
    the throttle key of the login they typed."""
    pending: dict[str, Any] | None = request.session.get(PENDING_LOGIN)
    if not pending or time.time() - pending["at"] > PENDING_LOGIN_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending["backend"], pending["account"]) if user is not None else None


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
            "two_factor_on": two_factor_enabled(user),
        },
    )


@reauth_required(after="accounts:account")
def login_change(request: AuthedRequest) -> HttpResponse:
    """A new email address or phone number, confirmed by a link sent there."""
    form = LoginChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not throttle.public_form_allowed(request=request, form="login-change"):
            form.add_error(None, str(throttle.TOO_MANY_SUBMISSIONS))
            return render(request, "accounts/login_change.html", {"form": form}, status=429)
        try:
            services.login_change_request(user=request.user, **form.cleaned_data["login"])
        except DomainError as error:
            form.add_error("login", str(error))
        else:
            messages.success(
                request,
                _("We sent a link to the new address. Your login changes when you open it."),
            )
            return redirect("accounts:account")
    return render(request, "accounts/login_change.html", {"form": form})


@login_required
@require_POST
def log_out_everywhere(request: AuthedRequest) -> HttpResponse:
    user = request.user
    logout(request)
    services.user_log_out_everywhere(user=user)
    messages.success(request, _("You are logged out on every device, this one included."))
    return redirect("accounts:login")


@login_required
@require_POST
def token_new(request: AuthedRequest) -> HttpResponse:
    # A token acts without a second factor, so only a session that gave one may make it.
    if two_factor_enabled(request.user) and not session_verified(request.user):
        messages.warning(request, _("Enter a two-factor code before creating an API token."))
        return redirect(with_next("accounts:two_factor_code", reverse("accounts:account")))
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


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form (the same answer whether or not the address has an account),
    rate-limited per address like the other public forms, since every send is an email."""

    def form_valid(self, form: Any) -> HttpResponse:
        if not throttle.public_form_allowed(request=self.request, form="password-reset"):
            form.add_error(None, str(throttle.TOO_MANY_SUBMISSIONS))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
