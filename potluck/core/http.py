"""Request types for views, so type checkers know what middleware adds."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from potluck.accounts.models import User


class Request(HttpRequest):
    """Any request: the person may be anonymous."""

    user: User | AnonymousUser  # type: ignore[assignment]
    htmx: HtmxDetails


class AuthedRequest(Request):
    """A request to a view behind @login_required."""

    user: User  # type: ignore[assignment]
