"""Filters that turn the codes kept in a message's context into words in the active language."""

from datetime import datetime

from django import template

from potluck.needs.models import Need, Urgency
from potluck.networks.categories import Category

register = template.Library()


@register.filter
def category_label(code: str) -> str:
    """ "groceries" → "Groceries", translated; an unknown code is shown as it is."""
    return str(dict(Category.choices).get(code, code))


@register.filter
def urgency_label(code: str) -> str:
    return str(dict(Urgency.choices).get(code, code))


@register.filter
def status_label(code: str) -> str:
    return str(dict(Need.Status.choices).get(code, code))


@register.filter
def as_datetime(value: str) -> datetime | str:
    """An ISO date and time kept in a context (JSON has no dates), ready for |date."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
