"""The check-in question, shown on every page of a network to the volunteer it waits for."""

from typing import Any

from django import template

from potluck.volunteers.selectors import checkin_pending_for

register = template.Library()


@register.inclusion_tag("volunteers/checkin_banner.html", takes_context=True)
def checkin_banner(context: template.Context) -> dict[str, Any]:
    request, network = context.get("request"), context.get("network")
    if request is None or network is None:
        return {}
    return {
        "checkin": checkin_pending_for(user=request.user, network=network),
        "network": network,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
