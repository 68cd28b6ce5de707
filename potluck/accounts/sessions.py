"""Potluck's session engine: Django's database sessions, with the owner's id on each row.

Set as SESSION_ENGINE. It follows Django's "extending database-backed session engines": the
row records whose session it is, so logging out everywhere and deactivating an account can
delete every session of that person, server-side, at once.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession

from potluck.accounts.models import UserSession

# Recording every request's time would turn every page view into a write; a minute will do.
SEEN_PRECISION_SECONDS = 60


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls) -> type[AbstractBaseSession]:
        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data[SESSION_KEY])  # type: ignore[attr-defined]
        except (KeyError, TypeError, ValueError):
            instance.user_id = None  # type: ignore[attr-defined]
        return instance


def session_end_all(*, user_id: int) -> int:
    """Delete every session of this person; returns how many there were."""
    deleted, _kinds = UserSession.objects.filter(user_id=user_id).delete()
    return deleted


# What the session remembers about its own age, as Unix times (sessions are JSON).
LOGIN_AT = "potluck:login_at"
SEEN_AT = "potluck:seen_at"
REAUTH_AT = "potluck:reauth_at"


def _now() -> int:
    return int(time.time())


def session_mark_login(session: SessionBase) -> None:
    """A login just happened: start both timeouts; the password was just typed, too."""
    now = _now()
    session[LOGIN_AT] = session[SEEN_AT] = session[REAUTH_AT] = now


def session_mark_reauth(session: SessionBase) -> None:
    session[REAUTH_AT] = _now()


def session_reauth_recent(session: SessionBase) -> bool:
    """Whether the password (and code) were typed within POTLUCK_REAUTH_SECONDS."""
    return _now() - int(session.get(REAUTH_AT, 0)) <= settings.POTLUCK_REAUTH_SECONDS


def session_expired(session: SessionBase) -> bool:
    """Idle too long, or logged in too long ago. A session from before these clocks existed
    counts from now."""
    now = _now()
    login_at = int(session.setdefault(LOGIN_AT, now))
    seen_at = int(session.setdefault(SEEN_AT, now))
    return (
        now - seen_at > settings.POTLUCK_SESSION_IDLE_SECONDS
        or now - login_at > settings.POTLUCK_SESSION_MAX_SECONDS
    )


def session_touch(session: SessionBase) -> None:
    """Note that the person is still here; at most once a minute, since each note is a write."""
    now = _now()
    if now - int(session.get(SEEN_AT, 0)) >= SEEN_PRECISION_SECONDS:
        session[SEEN_AT] = now
