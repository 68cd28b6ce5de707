"""Who may reach many people at once: coordinators and admins (two-factor verified)."""

from typing import Any

from potluck.networks.permissions import COORDINATOR_ROLES, is_coordinator

# Broadcasts and chat groups are run by the people who run the network.
OUTREACH_ROLES = COORDINATOR_ROLES


def can_broadcast(user: Any, network_id: int) -> bool:
    return is_coordinator(user, network_id)


def can_manage_chat_groups(user: Any, network_id: int) -> bool:
    return is_coordinator(user, network_id)
