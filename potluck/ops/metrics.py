"""Figures for monitoring, in Prometheus' text format: counts by state, never a person.

Every figure is a count of rows grouped by a status column, so nothing here can name, locate
or contact anyone. The queries use the status indexes and run only when the metrics page is
scraped (once a minute or so), never on a person's request.
"""

from collections.abc import Iterable, Iterator

from django.db.models import Count, Model
from django_tasks_db.models import DBTaskResult

from potluck.accounts.models import User
from potluck.needs.models import Need
from potluck.networks.models import Membership, Network
from potluck.notifications.models import Message


def _grouped(model: type[Model], field: str) -> Iterator[tuple[str, int]]:
    rows = model._default_manager.order_by().values_list(field).annotate(n=Count("pk"))
    yield from ((str(value), n) for value, n in rows)


def _family(name: str, help_text: str, label: str, rows: Iterable[tuple[str, int]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f'{name}{{{label}="{value}"}} {n}' for value, n in sorted(rows)]
    return lines


def metrics_text() -> str:
    """The whole metrics page."""
    lines = ["# HELP potluck_up Whether Potluck answered.", "# TYPE potluck_up gauge"]
    lines.append("potluck_up 1")
    lines += _family("potluck_needs", "Needs by status.", "status", _grouped(Need, "status"))
    lines += _family(
        "potluck_messages",
        "Outbox messages by status.",
        "status",
        _grouped(Message, "status"),
    )
    lines += _family(
        "potluck_tasks", "Background tasks by status.", "status", _grouped(DBTaskResult, "status")
    )
    totals = {
        "potluck_networks": Network.objects.count(),
        "potluck_memberships": Membership.objects.count(),
        "potluck_accounts": User.objects.filter(is_active=True).count(),
    }
    for name, n in totals.items():
        lines += [f"# TYPE {name} gauge", f"{name} {n}"]
    return "\n".join(lines) + "\n"
