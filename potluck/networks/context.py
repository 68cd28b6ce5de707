"""What every page inside a network needs to draw its navigation."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from potluck.networks.models import Network, Role
from potluck.networks.permissions import COORDINATOR_ROLES, VOLUNTEER_ROLES, role_in


def network_context(*, user: Any, network: Network) -> dict[str, Any]:
    role = getattr(network, "viewer_role", None) or role_in(user, network.pk)
    return {
        "network": network,
        "role": role,
        "is_member": role is not None,
        "is_volunteer": role in VOLUNTEER_ROLES,
        "is_coordinator": role in COORDINATOR_ROLES,
        # Treasurers and admins keep the books (potluck.ledger.permissions.MONEY_ROLES).
        "is_treasurer": role in (Role.TREASURER, Role.ADMIN),
    }


def filters_cache_key(request: HttpRequest, network: Network) -> str:
    """Everything a list page's filter form depends on, for `{% cache %}` around `{{ form }}`:
    the network's kinds of help and languages (the choices), the page's language, and the
    filters asked for (not the cursor, which only says where the list is).

    Rendering a form of five fields takes a Django template a few milliseconds, about a
    tenth of a board page; the form is the same for everyone who asks the same thing.
    """
    query = request.GET.copy()
    query.pop("cursor", None)
    parts = [network.pk, ",".join(network.categories), ",".join(network.languages)]
    return "|".join(str(part) for part in [*parts, get_language(), query.urlencode()])
