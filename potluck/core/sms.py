"""Sending text messages, with backends chosen by a setting, the way Django sends email.

settings.POTLUCK_SMS_BACKEND names the backend class:

- `potluck.core.sms.ConsoleBackend` (development): prints each message to standard output.
- `potluck.core.sms.LocmemBackend` (tests): keeps messages in `potluck.core.sms.outbox`.
- `potluck.core.sms.DisabledBackend` (production until a provider is set up): sends nothing,
  and `can_send()` says so, so forms ask for an email address instead of a phone number.
  (The console backend is never the production default: it would write phone numbers and
  secret links into the server's logs.)
- `potluck.core.sms.TwilioBackend` (production): Twilio's REST API through the `twilio`
  library, configured by the POTLUCK_TWILIO_* settings (docs/sms.md).
"""

import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from potluck.accounts.phones import normalize_phone


@dataclass(frozen=True)
class SmsMessage:
    to: str  # a phone number as potluck.accounts.phones.normalize_phone gives it
    body: str
    # The number it is sent from (a network's SMS number); empty: the provider's default.
    sender: str = ""


class BaseSmsBackend:
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Send the messages; return how many went."""
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """For development: the message, link included, goes to the terminal running Potluck."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
            self.stream.flush()
        return len(messages)


class DisabledBackend(BaseSmsBackend):
    """No provider configured: nothing can be sent (see can_send)."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        raise RuntimeError("No SMS provider is configured (POTLUCK_SMS_BACKEND).")


# What LocmemBackend sent; tests read it and an autouse fixture empties it before each test.
outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


class SmsSendError(RuntimeError):
    """Twilio refused or failed a message. A RuntimeError, so the outbox retries it; it names
    the HTTP status and Twilio's error code only, never the number or the text."""

    def __init__(self, *, status: int | None, code: int | None) -> None:
        super().__init__(f"Twilio answered {status} (error {code})")
        self.status, self.code = status, code


# Seconds to wait for Twilio: a stuck request must not hold a worker; the outbox retries.
TWILIO_TIMEOUT = 10
# The twilio library logs each request's address and headers at INFO: only its warnings.
_twilio_log = logging.getLogger("potluck.core.sms.twilio")
_twilio_log.setLevel(logging.WARNING)


class TwilioBackend(BaseSmsBackend):
    """Send through Twilio's Messages API. Network trouble and timeouts raise OSError (the
    `requests` errors are OSErrors), Twilio's refusals SmsSendError: both are retried."""

    def __init__(self) -> None:
        self.default_sender = settings.POTLUCK_TWILIO_FROM
        self.client = Client(
            settings.POTLUCK_TWILIO_ACCOUNT_SID,
            settings.POTLUCK_TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=TWILIO_TIMEOUT, logger=_twilio_log),
        )
        # Every Messages API call goes to the "api" domain; tests point it at a local server.
        self.client.api.base_url = settings.POTLUCK_TWILIO_BASE_URL.rstrip("/")

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            sender = normalize_phone(message.sender) or self.default_sender
            if not sender:
                raise RuntimeError("No number to send from: set POTLUCK_TWILIO_FROM.")
            try:
                to = normalize_phone(message.to) or message.to
                self.client.messages.create(to=to, from_=sender, body=message.body)
            except (TwilioException, ValueError) as error:
                # ValueError: an answer that isn't JSON. `from None`: Twilio's own message can
                # quote the phone number, and tracebacks reach logs.
                raise SmsSendError(
                    status=getattr(error, "status", None), code=getattr(error, "code", None)
                ) from None
        return len(messages)


def get_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.POTLUCK_SMS_BACKEND)()
    return backend


def can_send() -> bool:
    """Whether this install can text people (a backend other than DisabledBackend is set)."""
    return not isinstance(get_backend(), DisabledBackend)


def send_sms(*, to: str, body: str, sender: str = "") -> int:
    """Text `body` to the phone number `to`, from `sender` when given."""
    return get_backend().send_messages([SmsMessage(to=to, body=body, sender=sender)])
