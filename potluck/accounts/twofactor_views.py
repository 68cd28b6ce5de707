"""Pages under /accounts/2fa/: the code step of logging in, set up, recovery codes, turn off;
and /accounts/confirm/, which asks for the password (and code) again before sensitive changes.
"""

import django_otp
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from potluck.accounts import throttle, twofactor
from potluck.accounts.decorators import next_url, reauth_required, with_next
from potluck.accounts.forms import CodeForm, ReauthForm, SetupCodeForm
from potluck.accounts.models import User
from potluck.accounts.sessions import session_mark_reauth
from potluck.accounts.views import PENDING_LOGIN, pending_login
from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest, Request

# Recovery codes wait here between the form that made them and the page that shows them once.
NEW_CODES = "potluck:new_recovery_codes"


def two_factor_code(request: Request) -> HttpResponse:
    """The second step of logging in, or verifying a session that is already logged in."""
    after = next_url(request)
    user, backend, typed_key = _who_owes_a_code(request)
    if user is None:
        messages.info(request, _("Please log in again."))
        return redirect(with_next("accounts:login", after))
    if not twofactor.two_factor_enabled(user):
        return redirect(with_next("accounts:two_factor_setup", after))
    if twofactor.session_verified(request.user):
        return redirect(after or "home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempts = throttle.login_attempt_begin(
            request=request, account_key=throttle.account_key_of(user)
        )
        if attempts is None:
            context = {"form": CodeForm(), "next": after, "too_many": True}
            return render(request, "accounts/two_factor_code.html", context, status=429)
        device = twofactor.two_factor_check(user=user, code=form.cleaned_data["code"])
        if device is not None:
            attempts.succeeded()
            if typed_key:  # the login they typed may be their phone, not their email
                throttle.Attempts(ids=[], account_key=typed_key).succeeded()
            _verified(request, user, backend, device)
            return redirect(after or "home")
        form.add_error("code", str(twofactor.WRONG_CODE))
    return render(request, "accounts/two_factor_code.html", {"form": form, "next": after})


def _who_owes_a_code(request: Request) -> tuple[User | None, str, str | None]:
    if request.user.is_authenticated:
        return request.user, "", None
    pending = pending_login(request)
    return pending if pending is not None else (None, "", None)


def _verified(request: Request, user: User, backend: str, device: Device) -> None:
    if request.user.is_authenticated:
        request.session.cycle_key()  # more rights now: a new session id, as at login
    else:
        request.session.pop(PENDING_LOGIN, None)
        login(request, user, backend=backend)
    django_otp.login(request, device)
    if isinstance(device, StaticDevice):
        left = twofactor.recovery_codes_left(user=user)
        messages.warning(
            request,
            ngettext(
                "You used a recovery code; %(count)d code is left.",
                "You used a recovery code; %(count)d codes are left.",
                left,
            )
            % {"count": left},
        )


@login_required
def reauth(request: AuthedRequest) -> HttpResponse:
    """Type the password (and a code, if two-factor is on) again."""
    user = request.user
    after = next_url(request)
    with_code = twofactor.two_factor_enabled(user)
    form = ReauthForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        attempts = throttle.login_attempt_begin(
            request=request, account_key=throttle.account_key_of(user)
        )
        if attempts is None:
            context = {"form": ReauthForm(with_code=with_code), "next": after, "too_many": True}
            return render(request, "accounts/reauth.html", context, status=429)
        password_ok = user.check_password(form.cleaned_data["password"])
        device = None
        if password_ok and with_code:
            device = twofactor.two_factor_check(user=user, code=form.cleaned_data["code"])
        if password_ok and (device is not None or not with_code):
            attempts.succeeded()
            if device is not None:
                django_otp.login(request, device)
            session_mark_reauth(request.session)
            return redirect(after or "accounts:account")
        form.add_error(None, _("That password or code isn't right."))
    return render(request, "accounts/reauth.html", {"form": form, "next": after})


@login_required
def two_factor(request: AuthedRequest) -> HttpResponse:
    """Whether two-factor is on, and what can be done about it."""
    user = request.user
    from potluck.networks.selectors import holds_elevated_role  # networks builds on accounts

    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": twofactor.two_factor_enabled(user),
            "codes_left": twofactor.recovery_codes_left(user=user),
            "role_needs_it": holds_elevated_role(user=user),
        },
    )


@reauth_required(after="accounts:two_factor")
def two_factor_setup(request: AuthedRequest) -> HttpResponse:
    user = request.user
    after = next_url(request)
    if twofactor.two_factor_enabled(user):
        return redirect("accounts:two_factor")
    signed = request.POST.get("setup", "")
    device = (
        twofactor.setup_key_open(user=user, signed=signed) if request.method == "POST" else None
    )
    form = SetupCodeForm(request.POST if device else None)
    if device is None:
        # A first visit, or a form too old to trust: start again with a fresh key.
        device = twofactor.two_factor_begin(user=user)
    elif form.is_valid():
        try:
            codes = twofactor.two_factor_enable(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            request.session.cycle_key()
            django_otp.login(request, device)
            request.session[NEW_CODES] = {"codes": codes, "next": after}
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("accounts:two_factor_recovery")
    context = {
        "form": form,
        "next": after,
        # segno's SVG: only paths and a <title> it escapes itself; no script, no style.
        "qr": mark_safe(twofactor.qr_svg(device)),  # noqa: S308
        "key": twofactor.manual_key(device),
        "setup": twofactor.setup_key_sign(device),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def two_factor_recovery(request: AuthedRequest) -> HttpResponse:
    """New recovery codes, shown this once."""
    new = request.session.pop(NEW_CODES, None)
    if not new:
        return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor_recovery.html", new)


@require_POST
@reauth_required(after="accounts:two_factor")
def two_factor_recovery_new(request: AuthedRequest) -> HttpResponse:
    try:
        codes = twofactor.recovery_codes_regenerate(user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("accounts:two_factor")
    request.session[NEW_CODES] = {"codes": codes, "next": ""}
    messages.success(request, _("Your old recovery codes no longer work."))
    return redirect("accounts:two_factor_recovery")


@require_POST
@reauth_required(after="accounts:two_factor")
def two_factor_off(request: AuthedRequest) -> HttpResponse:
    try:
        twofactor.two_factor_disable(user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:two_factor")
