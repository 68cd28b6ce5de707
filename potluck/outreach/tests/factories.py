from typing import Any

from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.networks.models import Network
from potluck.outreach.models import ChatHook

# Must never reach a chat group: what someone wrote and how to reach them.
CANARY_TEXT = "CANARY-description-Maria-lives-at-12-Elm"
CANARY_CONTACT = "+15550199876"


def hook_for(network: Network, url: str, kind: str = ChatHook.Kind.JSON, **fields: Any) -> ChatHook:
    return ChatHook.objects.create(
        network=network, name=f"{kind} group", kind=kind, url=url, **fields
    )


def need_with_canary(network: Network, **fields: Any) -> Need:
    """A need asked through the real service, so the chat-group posts are queued as in life."""
    values = {
        "category": "groceries",
        "description": CANARY_TEXT,
        "area": "Riverside",
        "urgency": "today",
        "contact_method": "sms",
        "contact_value": CANARY_CONTACT,
        "contact_times": "CANARY-after-6pm",
        "language": network.languages[0],
        **fields,
    }
    need, _token = need_services.need_create(network=network, **values)
    return need
