"""One JSON error shape for the whole API: {"error": {"code": "...", "message": "..."}}."""

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.responses import codes_4xx

from potluck.core.errors import DomainError

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=Exception)

NOT_AUTHENTICATED = _("Send a valid API token in the header “Authorization: Bearer <key>”.")
NOT_FOUND = _("Not found.")
INVALID_INPUT = _("Some values are missing or not valid; see “fields” for details.")
BAD_REQUEST = _("The request body must be a JSON object.")
SERVER_ERROR = _("Something went wrong on our side. Please try again later.")

# Per-field messages in Potluck's words (several are Django's, so already translated);
# any other problem falls back to pydantic's English description.
REQUIRED = _("This field is required.")
BLANK = _("This field cannot be blank.")
TOO_LONG = _("Ensure this value has at most %(limit_value)s characters.")
TOO_SMALL = _("Ensure this value is greater than or equal to %(limit_value)s.")
TOO_LARGE = _("Ensure this value is less than or equal to %(limit_value)s.")
NOT_A_CHOICE = _("Select a valid choice: one of %(expected)s.")
NOT_TEXT = _("Enter text.")
NOT_A_NUMBER = _("Enter a whole number.")
NOT_VALID = _("Enter a valid value.")
NOT_AN_OBJECT = _("Send a JSON object.")

FIELD_MESSAGES: Mapping[str, Promise] = {
    "missing": REQUIRED,
    "string_too_short": BLANK,
    "string_too_long": TOO_LONG,
    "greater_than_equal": TOO_SMALL,
    "less_than_equal": TOO_LARGE,
    "enum": NOT_A_CHOICE,
    "literal_error": NOT_A_CHOICE,
    "string_type": NOT_TEXT,
    "string_unicode": NOT_TEXT,
    "int_type": NOT_A_NUMBER,
    "int_parsing": NOT_A_NUMBER,
    "int_from_float": NOT_A_NUMBER,
    "string_pattern_mismatch": NOT_VALID,
    "model_type": NOT_AN_OBJECT,
    "model_attributes_type": NOT_AN_OBJECT,
    "dict_type": NOT_AN_OBJECT,
}

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
}
STATUS_MESSAGES: Mapping[int, Promise] = {
    400: BAD_REQUEST,
    401: NOT_AUTHENTICATED,
    404: NOT_FOUND,
}


class FieldError(Schema):
    field: str
    location: str
    message: str


class ErrorDetail(Schema):
    code: str
    message: str
    fields: list[FieldError] | None = None


class ErrorOut(Schema):
    """The shape of every error answer, for the OpenAPI schema."""

    error: ErrorDetail


# For each operation's `response=`: any client error may come, in the one shape. ninja's
# codes_4xx leaves out 422, which every invalid input gets.
ERROR_RESPONSES = {codes_4xx | {422}: ErrorOut}


def error_body(*, code: str, message: str | Promise, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), **extra}}


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """ninja's validation errors as [{"field", "location", "message"}], translated."""
    return [
        {
            "field": _field_name(error["loc"]),
            "location": str(error["loc"][0]),
            "message": _field_message(error),
        }
        for error in errors
    ]


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("query", "limit") names the field directly; ("body", "payload", "area") goes
    # through the operation's body parameter, which callers never see.
    parts = loc[2:] if loc[0] == "body" else loc[1:]
    return ".".join(str(part) for part in parts)


def _field_message(error: dict[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] == "value_error" and "error" in ctx:
        return str(ctx["error"])  # our validators raise ValueError with a translated text
    message = FIELD_MESSAGES.get(error["type"])
    if message is None:
        return str(error.get("msg", NOT_VALID))
    limit = next((ctx[key] for key in ("max_length", "le", "ge") if key in ctx), None)
    return str(message) % {"limit_value": limit, "expected": ctx.get("expected", "")}


def install_error_handlers(api: NinjaAPI) -> None:
    """Make every failure, expected or not, answer in the one error shape."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        if status == 401:
            response["WWW-Authenticate"] = "Bearer"
        return response

    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status, error_body(code=exc.code, message=exc.message))

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        body = error_body(code="invalid", message=INVALID_INPUT, fields=field_errors(exc.errors))
        return respond(request, 422, body)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body(code="not_found", message=NOT_FOUND))

    def on_not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request, 401, error_body(code="not_authenticated", message=NOT_AUTHENTICATED)
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        code = STATUS_CODES.get(status, "error")
        return respond(
            request, status, error_body(code=code, message=STATUS_MESSAGES.get(status, str(exc)))
        )

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
        return respond(request, 500, error_body(code="server_error", message=SERVER_ERROR))

    _handle(api, DomainError, on_domain_error)
    _handle(api, ValidationError, on_validation_error)
    _handle(api, Http404, on_not_found)
    _handle(api, AuthenticationError, on_not_authenticated)
    _handle(api, HttpError, on_http_error)
    _handle(api, Exception, on_unexpected)


def _handle(
    api: NinjaAPI, exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]
) -> None:
    # ninja types handlers as taking "exception or exception class"; they get instances.
    api.add_exception_handler(exc_class, cast(Any, handler))
