from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from potluck.accounts.sessions import session_expired, session_touch
from potluck.accounts.twofactor import TwoFactorRequired


class UserLanguageMiddleware:
    """A signed-in person sees Potluck in the language saved on their account."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            request.LANGUAGE_CODE = user.language
            with translation.override(user.language):
                return self.get_response(request)
        return self.get_response(request)


SESSION_ENDED = _("You were logged out after a while without activity. Please log in again.")


class SessionTimeoutMiddleware:
    """End sessions left idle too long (POTLUCK_SESSION_IDLE_SECONDS) or started too long ago
    (POTLUCK_SESSION_MAX_SECONDS): the session row is deleted and the person asked to log in.
    A shared or lost phone then doesn't stay logged in for weeks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            if session_expired(session):
                logout(request)
                messages.info(request, SESSION_ENDED)
                next_url = request.get_full_path() if request.method == "GET" else None
                return _send_to(request, "accounts:login", next_url)
            session_touch(session)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Turn TwoFactorRequired (raised by access checks for elevated roles) into a trip to the
    two-factor set-up page or the code page, with the reason as a message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, TwoFactorRequired):
            return None
        messages.warning(request, str(exception))
        target = "accounts:two_factor_setup" if exception.setup else "accounts:two_factor_code"
        next_url = request.get_full_path() if request.method == "GET" else None
        return _send_to(request, target, next_url)


def _send_to(request: HttpRequest, url_name: str, next_url: str | None) -> HttpResponse:
    url = reverse(url_name)
    if next_url:
        url += "?" + urlencode({REDIRECT_FIELD_NAME: next_url})
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(url)  # htmx would swap the page into a fragment
    return HttpResponseRedirect(url)
