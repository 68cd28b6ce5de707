import logging

import pytest

from potluck.core.redact import REDACTED, RedactFilter, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Not Found: /s/q3vJ7x_2m8Kd0pLw9ZrT4uYb/", "q3vJ7x_2m8Kd0pLw9ZrT4uYb"),
        ("Forbidden: /n/invite/Ab3dEf6hIj9kLm2nOp5qRs/", "Ab3dEf6hIj9kLm2nOp5qRs"),
        (
            "GET /accounts/reset/MQ/c9x-1f2e3d4c5b6a7980aabbccdd/ 200",
            "c9x-1f2e3d4c5b6a7980aabbccdd",
        ),
        ("could not reach ana.perez+aid@example.org", "ana.perez+aid@example.org"),
        ("sms to +1 (555) 010-2030 failed", "555) 010-2030"),
    ],
)
def test_secrets_are_redacted(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert REDACTED in redact(text)


def test_ordinary_paths_are_left_alone() -> None:
    for path in ["/n/riverside/needs/42/", "/n/riverside-mutual-aid-network/members/"]:
        assert redact(f"Not Found: {path}") == f"Not Found: {path}"


def test_filter_rewrites_the_record() -> None:
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/s/abcdEfghij1lmnopqrstuv/",),
        None,
    )
    assert RedactFilter().filter(record)
    assert record.getMessage() == f"Not Found: /s/{REDACTED}/"
