from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST

from potluck.accounts import services as account_services
from potluck.core.http import Request
from potluck.networks import selectors as network_selectors


def home(request: Request) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "my_networks": network_selectors.network_list_for_user(user=request.user),
            "networks": network_selectors.network_list_public(),
        },
    )


@require_POST
def set_language(request: Request) -> HttpResponse:
    """The language switcher: a cookie for everyone, and the account for signed-in people."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language and check_for_language(language) and language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            account_services.user_set_language(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response
