"""Fixtures for the route tests: one world per module, signing in, and a database fingerprint."""

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.client import ClientHandler
from django.utils import translation

from potluck.accounts.models import Attempt, User
from potluck.accounts.sessions import REAUTH_AT
from potluck.conftest import login as root_login
from potluck.core.models import AuditEvent
from potluck.core.tests.routes import World, build_world

Fingerprint = dict[str, Any]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Two networks full of people and things, built once per module and rolled back after.

    Each test's own transaction (pytest-django's `db`) nests inside this one as a savepoint,
    as Django's setUpTestData does, so tests still can't see each other's writes.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # Requests switch the thread's language; start each test from the default one.
    with translation.override(settings.LANGUAGE_CODE):
        yield


def login(client: Client, user: User) -> None:
    """Sign `user` in on `client` past every step: password and, if it is on, two-factor."""
    root_login(client, user)


def forget_password_typed(browser: Client) -> None:
    """Make the session's password (and code) old, as if typed long ago."""
    session = browser.session
    session[REAUTH_AT] = 0
    session.save()


def client(**options: Any) -> Client:
    """A test client that hands back errors as responses (so a 500 is seen, not raised)."""
    made = Client(raise_request_exception=False, **options)
    # Loading the middleware (WhiteNoise scans the static files) takes longer than most
    # requests do, and every new Client loads its own; share one loaded handler instead.
    key = (made.handler.enforce_csrf_checks, tuple(settings.MIDDLEWARE))
    made.handler = _handlers.setdefault(key, made.handler)
    return made


_handlers: dict[tuple[bool, tuple[str, ...]], ClientHandler] = {}


def html_client(user: User | None, **options: Any) -> Client:
    """A browser: signed in as `user`, or anonymous."""
    browser = client(**options)
    if user is not None:
        login(browser, user)
    return browser


def api_client(world: World, user: User | None, **options: Any) -> Client:
    """A client that sends `user`'s API key (none for anonymous), and never a cookie."""
    headers = {"Authorization": f"Bearer {world.key(user)}"} if user is not None else {}
    return client(headers=headers, **options)


def fingerprint(*, sessions: bool = True, attempts: bool = True) -> Fingerprint:
    """What a write would change: per table, its row count and newest `updated_at`; the audit
    log per verb; and people's rows in full, since their table has no `updated_at`."""
    parts = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        # Logging in or out and every flash message write the session; only GETs must not.
        if issubclass(model, AbstractBaseSession) and not sessions:
            continue
        # Refused logins and codes are counted by design (login throttling).
        if model is Attempt and not attempts:
            continue
        columns = {field.column for field in meta.concrete_fields}
        # As text, so every branch of the UNION has one type (PostgreSQL insists).
        newest = "CAST(MAX(updated_at) AS TEXT)" if "updated_at" in columns else "NULL"
        table = connection.ops.quote_name(meta.db_table)
        parts.append(f"SELECT '{meta.db_table}', COUNT(*), {newest} FROM {table}")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        result: Fingerprint = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    verbs = AuditEvent.objects.values_list("verb").annotate(n=Count("pk")).order_by("verb")
    result.update({f"audit:{verb}": count for verb, count in verbs})
    people = User.objects.order_by("pk").values_list(
        "pk",
        "display_name",
        "language",
        "email",
        "phone",
        "is_active",
        "verified_at",
        "last_login",
        "password",
    )
    result["accounts_user:rows"] = hashlib.sha256(repr(list(people)).encode()).hexdigest()
    return result


def changes(before: Fingerprint, after: Fingerprint) -> list[str]:
    """What differs between two fingerprints, one readable line each."""
    return [
        f"{key}: {before.get(key)} -> {after.get(key)}"
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]
