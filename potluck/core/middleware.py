"""Response headers every Potluck page needs and no view should have to remember."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Keep dynamic pages out of every cache: browsers, shared computers, proxies.

    Pages show names, needs and contact details, and people may use a shared or seized phone.
    WhiteNoise answers static files before this runs, so they keep their long cache lifetimes.
    A view that sets Cache-Control itself has made its own choice and is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
