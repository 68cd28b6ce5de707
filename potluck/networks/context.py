"""What every page inside a network needs to draw its navigation."""

from typing import Any

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
