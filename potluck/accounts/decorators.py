"""View helpers for the accounts pages: where to go next, and asking for the password again."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from potluck.accounts.sessions import session_reauth_recent
from potluck.accounts.twofactor import session_verified, two_factor_enabled

REAUTH_NEEDED = _("For your safety, confirm it's you before changing this.")


def next_url(request: HttpRequest) -> str:
    """The `next` address from the form or the query, if it stays on this site; else ""."""
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""


def with_next(url_name: str, next_to: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_to})}" if next_to else url


def reauth_required(*, after: str) -> Callable[[Callable[..., HttpResponse]], Any]:
    """The view runs only if the password (and the two-factor code, when it's on) was typed
    in the last POTLUCK_REAUTH_SECONDS; otherwise the person confirms first and comes back:
    to the same page for a GET, to the page named `after` for a form they sent."""

    def decorate(view: Callable[..., HttpResponse]) -> Any:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            verified = not two_factor_enabled(user) or session_verified(user)
            if session_reauth_recent(request.session) and verified:
                return view(request, *args, **kwargs)
            messages.info(request, REAUTH_NEEDED)
            back = request.get_full_path() if request.method == "GET" else reverse(after)
            return redirect(with_next("accounts:reauth", back))

        return wrapper

    return decorate
