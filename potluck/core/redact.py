"""Keep secrets and contact details out of logs, whatever code or library writes them.

Status links, invitations, sign-up and reset links carry their secret in the URL, and Django
logs the path of every 404 or 500; a message might quote an email or a phone number. The
filter rewrites each record's text before any handler sees it.
"""

import logging
import re

REDACTED = "[redacted]"
_PATTERNS = [
    # Any URL path segment that looks like a token: a long run of URL-safe characters with a
    # digit or capital in it (lowercase slugs like "riverside-mutual-aid" stay readable).
    re.compile(r"(?<=/)(?=[^/\s?\"]*[A-Z0-9])[A-Za-z0-9_\-:.]{20,}(?=/|$|\s|\?|\")"),
    # Email addresses.
    re.compile(r"[\w.+\-]+@[\w\-]+(\.[\w\-]+)+"),
    # Phone numbers: 7 or more digits, with the separators people type.
    re.compile(r"\+?\d[\d \-().]{5,}\d"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class RedactFilter(logging.Filter):
    """Attach to every handler: the formatted message is redacted, arguments are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
