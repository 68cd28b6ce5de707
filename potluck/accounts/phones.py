"""Phone numbers as people type them, reduced to one comparable form."""

import re

_SEPARATORS = re.compile(r"[\s().\-/]")
_VALID = re.compile(r"\+?\d{7,15}")


def normalize_phone(raw: str) -> str | None:
    """'+1 (555) 010-2030' -> '+15550102030'; None when it can't be a phone number."""
    compact = _SEPARATORS.sub("", raw.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if _VALID.fullmatch(compact) else None
