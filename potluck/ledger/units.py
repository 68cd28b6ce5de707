"""Amounts are whole numbers of a unit's smallest part: cents for dollars, minutes for hours.

The ledger never sees decimals; only forms and pages turn "40" or "12.50" into 4000 or 1250
and back, with the unit's number of decimal places.
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext_lazy as _

# Decimal places of each unit; any other currency code has two.
DECIMALS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "HOURS": 0}
SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "MXN": "$", "EUR": "€", "GBP": "£"}
# A billion of anything is far beyond a mutual aid fund, and far inside a 64-bit integer.
MAX_AMOUNT = 10**11
DIGITS = re.compile(r"\d*")
# Thousands grouped by one kind of separator: "1,234", "1.234.567", "1 234" (any space).
GROUPED = re.compile(r"\d{1,3}([,.'\s])\d{3}(?:\1\d{3})*")

NOT_AN_AMOUNT = _("Enter an amount such as 40 or 12.50.")
AMOUNT_NOT_POSITIVE = _("The amount must be more than zero.")
AMOUNT_TOO_PRECISE = _("Use at most %(places)s decimal places.")
AMOUNT_TOO_LARGE = _("This amount is too large.")


def decimals(unit: str) -> int:
    return DECIMALS.get(unit.upper(), 2)


def parse_amount(text: str, unit: str) -> int:
    """'12.50' in USD -> 1250; so are '$12.50', '12,50' and, for thousands, '1,234.50',
    '1.234,50' or '1 234,50'. Raises ValidationError (translated) on anything else, and on
    anything that could be read two ways."""
    figure = _figure(text or "", unit)
    if figure is None:
        raise ValidationError(NOT_AN_AMOUNT, code="not_an_amount")
    places = decimals(unit)
    if len(figure.partition(".")[2]) > places:
        raise ValidationError(AMOUNT_TOO_PRECISE, code="too_precise", params={"places": places})
    return check_amount(int(Decimal(figure).scaleb(places)))


def _figure(text: str, unit: str) -> str | None:
    """The amount in `text` as digits with a '.' before any decimals; None if unreadable."""
    for noise in (SYMBOLS.get(unit.upper(), "$"), unit.upper(), unit.lower()):
        text = text.replace(noise, "")
    text = text.strip()
    sign = text[:1] if text[:1] in "-+" else ""
    text = text[len(sign) :].strip()
    mark = _decimal_mark(text)
    whole, fraction = text.rsplit(mark, 1) if mark else (text, "")
    if not (whole or fraction) or not DIGITS.fullmatch(fraction):
        return None
    if not DIGITS.fullmatch(whole):
        if not GROUPED.fullmatch(whole):
            return None
        whole = re.sub(r"\D", "", whole)
    return f"{sign}{whole or 0}.{fraction}" if fraction else f"{sign}{whole}"


def _decimal_mark(text: str) -> str | None:
    """Which of '.' and ',' starts the decimals in `text`, if either does."""
    dot, comma = text.rfind("."), text.rfind(",")
    if dot >= 0 and comma >= 0:
        return "." if dot > comma else ","
    mark = "." if dot >= 0 else "," if comma >= 0 else None
    if mark is None or text.count(mark) > 1:
        return None  # "1,000,000": the mark only groups thousands
    # "1,250" is a thousand and more in English, one and a bit in Spanish: it groups thousands
    # only where the reader's language groups with that mark. Otherwise it starts decimals,
    # and three of them are refused as too precise rather than guessed at.
    if len(text) - text.index(mark) == 4 and mark == get_format("THOUSAND_SEPARATOR"):
        return None
    return mark


def check_amount(amount: int) -> int:
    """`amount` if it is a believable positive amount in smallest units; else ValidationError."""
    if amount <= 0:
        raise ValidationError(AMOUNT_NOT_POSITIVE, code="not_positive")
    if amount > MAX_AMOUNT:
        raise ValidationError(AMOUNT_TOO_LARGE, code="too_large")
    return amount


def plain_amount(amount: int, unit: str) -> str:
    """1250 -> '12.50': the figure without symbol or grouping, for forms and CSV files."""
    places = decimals(unit)
    return str(Decimal(amount).scaleb(-places).quantize(Decimal(1).scaleb(-places)))


def format_amount(amount: int, unit: str) -> str:
    """1250 in USD -> '$12.50' (in the reader's number format); other units get their code."""
    places = decimals(unit)
    figure = number_format(Decimal(amount).scaleb(-places), decimal_pos=places, force_grouping=True)
    symbol = SYMBOLS.get(unit.upper())
    if symbol is None:
        return f"{figure} {unit}"
    return f"-{symbol}{figure[1:]}" if figure.startswith("-") else f"{symbol}{figure}"
