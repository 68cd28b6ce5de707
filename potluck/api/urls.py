"""/api/v1: the token-authenticated JSON API, wired from each app's router."""

from typing import NoReturn

from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Router

from potluck.api.auth import TokenAuth
from potluck.api.errors import install_error_handlers
from potluck.api.parser import JsonObjectParser
from potluck.ledger.api import router as ledger_router
from potluck.needs.api import router as needs_router

api = NinjaAPI(
    title="Potluck API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    parser=JsonObjectParser(),
    # ninja's docs page loads Swagger UI from a CDN; Potluck pages make no third-party requests.
    docs_url=None,
)
install_error_handlers(api)
api.add_router("", needs_router)
api.add_router("", ledger_router)

# Last, so it only catches addresses no operation matched: they get the JSON 404 too.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def not_found(request: HttpRequest, rest: str) -> NoReturn:
    raise Http404


api.add_router("", fallback)
