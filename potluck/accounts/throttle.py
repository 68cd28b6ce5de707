"""Rate limits: failed logins per account and per address, public forms per address.

Each counted try is an `Attempt` row holding a keyed hash (potluck.core.crypto.keyed_hash)
of a login or of a client address, never the login or the address itself. A try is written
*before* it is judged and then counted together with the earlier ones, so requests racing
each other can't all slip under the limit: the k-th row committed sees at least k rows.
"""

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import Attempt, User
from potluck.accounts.phones import normalize_phone
from potluck.core.crypto import keyed_hash

TOO_MANY_ATTEMPTS = _("Too many attempts: try again in a few minutes.")
TOO_MANY_SUBMISSIONS = _(
    "We have received a lot from your connection in a short time, so this wasn't sent. "
    "Nothing you typed is lost: please try again in a little while."
)

LOGIN = "login"


def client_address(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or the last address in the trusted
    proxy header named by POTLUCK_CLIENT_IP_HEADER (the one the proxy itself saw)."""
    header = settings.POTLUCK_CLIENT_IP_HEADER
    if header:
        value = request.headers.get(header, "")
        last = value.split(",")[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", ""))


def address_key(address: str) -> str:
    """A keyed hash of the address. IPv6 addresses count by their /64 network, since one
    household or phone gets a whole /64 and could otherwise pick a new address per try."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        canonical = address
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if isinstance(ip, ipaddress.IPv6Address):
            canonical = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        else:
            canonical = str(ip)
    return keyed_hash("throttle-address:" + canonical)


def login_key(login: str) -> str:
    """A keyed hash of a login in the form accounts are looked up by, so "ANA@x.org" and
    "ana@x.org" (or two spellings of a phone number) share one counter."""
    raw = login.strip()
    canonical = raw.lower() if "@" in raw else (normalize_phone(raw) or raw.lower())
    return keyed_hash("throttle-login:" + canonical)


@dataclass
class Attempts:
    """Rows written for one try; forget them if the try turns out not to count."""

    ids: list[int]
    account_key: str | None = None

    def forget(self) -> None:
        Attempt.objects.filter(pk__in=self.ids).delete()

    def succeeded(self) -> None:
        """A right password (or code): the account's failures are forgiven, the address's
        are not (or one's own account could launder guesses at someone else's)."""
        self.forget()
        if self.account_key:
            Attempt.objects.filter(scope=LOGIN, key_hash=self.account_key).delete()


def attempt_begin(
    *, scope: str, keys: Sequence[str], limit: int, window: timedelta
) -> Attempts | None:
    """Count one try under each key; None (and nothing counted) if any key is at `limit`.

    Count and insert happen under a lock per key, so of N simultaneous tries exactly as many
    as the limit allows get through: SQLite's IMMEDIATE transactions take the write lock at
    BEGIN; PostgreSQL takes a transaction-scoped advisory lock on each key.
    """
    now = timezone.now()
    since = now - window
    with transaction.atomic():
        _lock(scope, keys)
        for key in keys:
            if (
                Attempt.objects.filter(scope=scope, key_hash=key, created_at__gte=since).count()
                >= limit
            ):
                return None
        rows = Attempt.objects.bulk_create(
            [Attempt(scope=scope, key_hash=key, created_at=now) for key in keys]
        )
    _prune(now)
    return Attempts(ids=[row.pk for row in rows])


def _lock(scope: str, keys: Sequence[str]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already holds the database's write lock
    numbers = sorted(
        int.from_bytes(hashlib.sha256(f"{scope}:{key}".encode()).digest()[:8], "big", signed=True)
        for key in keys
    )
    with connection.cursor() as cursor:
        for number in numbers:  # always in the same order, so two tries never deadlock
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


def _prune(now: datetime) -> None:
    """Forget tries older than every window: they can't count any more."""
    longest = max(
        settings.POTLUCK_LOGIN_WINDOW_SECONDS, settings.POTLUCK_PUBLIC_FORM_WINDOW_SECONDS
    )
    Attempt.objects.filter(created_at__lt=now - timedelta(seconds=longest)).delete()


def login_attempt_begin(*, request: HttpRequest, account_key: str) -> Attempts | None:
    """Count a try at a password or a two-factor code for the account (`login_key`) from this
    address. None means refuse it (429), even if the password is right, until older failures
    leave the window; call `.succeeded()` on a right answer, and leave failures counted."""
    attempts = attempt_begin(
        scope=LOGIN,
        keys=[account_key, address_key(client_address(request))],
        limit=settings.POTLUCK_LOGIN_MAX_FAILURES,
        window=timedelta(seconds=settings.POTLUCK_LOGIN_WINDOW_SECONDS),
    )
    if attempts is not None:
        attempts.account_key = account_key
    return attempts


def account_key_of(user: User) -> str:
    """The login counter of a signed-in person (re-entering a password, a code)."""
    return login_key(user.email or user.phone or str(user.pk))


def public_form_allowed(*, request: HttpRequest, form: str) -> bool:
    """Count one sending of a public form (ask for help, sign up) from this address; False
    once the address has sent POTLUCK_PUBLIC_FORM_LIMIT of them within the window."""
    attempts = attempt_begin(
        scope=form,
        keys=[address_key(client_address(request))],
        limit=settings.POTLUCK_PUBLIC_FORM_LIMIT,
        window=timedelta(seconds=settings.POTLUCK_PUBLIC_FORM_WINDOW_SECONDS),
    )
    return attempts is not None
