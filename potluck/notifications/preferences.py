"""Writes for a person's notification preferences (the page at /notifications/settings/)."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import User
from potluck.accounts.services import user_set_language
from potluck.core import sms
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.notifications.models import PERSON_CHANNELS, Channel, Preference

NO_CHANNEL = _("Choose at least one way to hear from Potluck.")
NO_EMAIL = _("Add an email address to your account to get emails.")
NO_PHONE = _("Add a phone number to your account to get text messages.")
SMS_OFF = _("This site can't send text messages yet.")
BAD_HOUR = _("Choose an hour from 0 to 23.")
HALF_QUIET = _("Give both the start and the end of your quiet hours, or neither.")
BAD_CHOICE = _("Choose one of the options offered.")


def channel_problem(*, user: User, channel: str) -> str | None:
    """Why `user` can't choose `channel` now (a translatable message), or None."""
    if channel == Channel.EMAIL and not user.email:
        return str(NO_EMAIL)
    if channel == Channel.SMS and not user.phone:
        return str(NO_PHONE)
    if channel == Channel.SMS and not sms.can_send():
        return str(SMS_OFF)
    return None


@transaction.atomic
def preference_update(
    *,
    user: User,
    channels: list[str],
    mode: str,
    quiet_start: int | None,
    quiet_end: int | None,
    language: str,
) -> Preference:
    """Save how `user` wants to hear from Potluck, and the language it speaks to them."""
    _check(user=user, channels=channels, mode=mode, quiet=(quiet_start, quiet_end))
    if language not in dict(settings.LANGUAGES):
        raise DomainError(BAD_CHOICE, code="bad_choice")
    preference, _created = Preference.objects.update_or_create(
        user=user,
        defaults={
            "channels": [c for c in PERSON_CHANNELS if c in channels],
            "mode": mode,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
        },
    )
    if language != user.language:
        user_set_language(user=user, language=language)
    audit_record(actor=user, verb="notifications.preferences_changed", target=preference)
    return preference


def _check(
    *, user: User, channels: list[str], mode: str, quiet: tuple[int | None, int | None]
) -> None:
    if not channels:
        raise DomainError(NO_CHANNEL, code="no_channel")
    if any(c not in PERSON_CHANNELS for c in channels) or mode not in Preference.Mode.values:
        raise DomainError(BAD_CHOICE, code="bad_choice")
    for channel in channels:
        problem = channel_problem(user=user, channel=channel)
        if problem:
            raise DomainError(problem, code="channel_unavailable")
    if any(hour is not None and not 0 <= hour <= 23 for hour in quiet):
        raise DomainError(BAD_HOUR, code="bad_hour")
    if (quiet[0] is None) != (quiet[1] is None):
        raise DomainError(HALF_QUIET, code="half_quiet")
