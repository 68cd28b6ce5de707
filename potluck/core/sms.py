"""Sending text messages, with backends chosen by a setting, the way Django sends email.

settings.POTLUCK_SMS_BACKEND names the backend class:

- `potluck.core.sms.ConsoleBackend` (development): prints each message to standard output.
- `potluck.core.sms.LocmemBackend` (tests): keeps messages in `potluck.core.sms.outbox`.
- `potluck.core.sms.DisabledBackend` (production until a provider is set up): sends nothing,
  and `can_send()` says so, so forms ask for an email address instead of a phone number.
  (The console backend is never the production default: it would write phone numbers and
  secret links into the server's logs.)

A backend for a real SMS provider (Twilio) comes with the SMS intake work in a later issue;
it will subclass BaseSmsBackend like these two.
"""

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str  # a phone number as potluck.accounts.phones.normalize_phone gives it
    body: str


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


def get_backend() -> BaseSmsBackend:
    backend: BaseSmsBackend = import_string(settings.POTLUCK_SMS_BACKEND)()
    return backend


def can_send() -> bool:
    """Whether this install can text people (a backend other than DisabledBackend is set)."""
    return not isinstance(get_backend(), DisabledBackend)


def send_sms(*, to: str, body: str) -> int:
    """Text `body` to the phone number `to`."""
    return get_backend().send_messages([SmsMessage(to=to, body=body)])
