"""Reactions to changes of accounts that must happen however the change was made."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from potluck.accounts.models import User
from potluck.accounts.sessions import session_end_all, session_mark_login


@receiver(post_save, sender=User)
def end_sessions_of_inactive_account(
    sender: type[User], instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    """An account made inactive anywhere (the admin, a script, a service) loses its sessions."""
    if instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    session_end_all(user_id=instance.pk)


@receiver(post_delete, sender=User)
def end_sessions_of_deleted_account(sender: type[User], instance: User, **kwargs: Any) -> None:
    session_end_all(user_id=instance.pk)


@receiver(user_logged_in)
def start_session_clock(
    sender: Any, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    """Every login (password, link, test client) starts the idle and absolute timeouts."""
    if request is not None and hasattr(request, "session"):
        session_mark_login(request.session)
