"""Emails from matching and follow-through: written in the reader's language, sent after commit."""

from collections.abc import Mapping

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from potluck.accounts.models import User


def email_address(
    *,
    address: str,
    language: str,
    subject: str | Promise,
    template: str,
    context: Mapping[str, object],
) -> None:
    """Send one plain-text email once the surrounding transaction commits; a mail server
    that fails is logged, and never undoes or stops the work that asked for the email."""
    with translation.override(language or settings.LANGUAGE_CODE):
        title = str(subject)
        body = render_to_string(template, dict(context))
    transaction.on_commit(
        lambda: send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [address]), robust=True
    )


def email_user(
    *, user: User, subject: str | Promise, template: str, context: Mapping[str, object]
) -> bool:
    """Email `user` if their login is an email address; whether an email goes."""
    if not user.email:
        return False
    email_address(
        address=user.email,
        language=user.language,
        subject=subject,
        template=template,
        context=context,
    )
    return True
