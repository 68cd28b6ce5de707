"""Endpoints for monitoring: alive, ready to serve, and figures behind a token."""

import hmac

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from potluck.core.http import Request
from potluck.ops.metrics import metrics_text

# Set once every migration is applied; a running server only ever moves forward.
_migrated = False


@never_cache
@require_GET
def live(request: Request) -> HttpResponse:
    """The process answers; it says nothing about the database."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_GET
def ready(request: Request) -> JsonResponse:
    """Whether this server can do its work: the database answers and is fully migrated."""
    checks = {"database": "ok", "migrations": "ok"}
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied():
            checks["migrations"] = "pending"
    except DatabaseError:
        checks = {"database": "unavailable", "migrations": "unknown"}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


def _migrations_applied() -> bool:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


@never_cache
@require_GET
def metrics(request: Request) -> HttpResponse:
    """Prometheus figures for whoever holds POTLUCK_METRICS_TOKEN; unset means switched off."""
    token = settings.POTLUCK_METRICS_TOKEN
    if not token:
        return HttpResponse("Metrics are switched off.\n", status=404, content_type="text/plain")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        response = HttpResponse("A metrics token is needed.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_text(), content_type="text/plain; version=0.0.4; charset=utf-8")
