from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from potluck.networks.permissions import roles_remembered

SAFE_METHODS = frozenset({"GET", "HEAD"})


class RolesRememberedMiddleware:
    """Read each person's role in a network once per page view (GET and HEAD only): see
    potluck.networks.permissions.roles_remembered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        with roles_remembered():
            return self.get_response(request)
