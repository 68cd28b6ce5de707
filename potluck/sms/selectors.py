"""Reads for the SMS conversation: which networks a number serves, who is texting."""

from django.db.models import QuerySet

from potluck.accounts.models import User, phone_hash
from potluck.accounts.phones import normalize_phone
from potluck.needs.models import Need
from potluck.networks.models import Network
from potluck.sms.models import Conversation, OptOut

# The one text that still goes to a number that just opted out: carriers require it.
OPT_OUT_CONFIRMATION = "sms.stopped"


def sms_opted_out(*, phone: str, kind: str) -> bool:
    """Whether a text of `kind` must not go to `phone`, because the number texted STOP."""
    if kind == OPT_OUT_CONFIRMATION:
        return False
    return OptOut.objects.filter(phone_hash=phone_hash(normalize_phone(phone) or phone)).exists()


def networks_for_number(number: str) -> list[Network]:
    """The networks people reach by texting `number`, oldest first (their order in menus)."""
    candidates = Network.objects.exclude(sms_number="").order_by("created_at", "pk")
    return [network for network in candidates if normalize_phone(network.sms_number) == number]


def conversation_for(*, number: str, phone: str) -> Conversation | None:
    return (
        Conversation.objects.select_related("network", "need")
        .filter(number=number, phone_hash=phone_hash(phone))
        .first()
    )


def account_for_phone(phone: str) -> User | None:
    """The active account whose login phone is `phone`, if any."""
    return User.objects.with_phone(phone).filter(is_active=True).first()


def needs_claimed_by(*, user: User, networks: list[Network]) -> QuerySet[Need]:
    """Needs `user` has taken on and not finished, in the networks a number serves."""
    return Need.objects.filter(
        claimant=user,
        network__in=networks,
        status__in=(Need.Status.CLAIMED, Need.Status.DELIVERED),
    ).select_related("network")


def need_asked_from(*, phone: str, networks: list[Network]) -> Need | None:
    """The newest live need, in these networks, whose requester gave `phone` for texts: someone
    who asked on the web form (or by phone) and now answers a text about it."""
    return (
        Need.objects.active()
        .filter(network__in=networks, contact_hash=phone_hash(phone))
        .select_related("network", "claimant")
        .order_by("-created_at", "-pk")
        .first()
    )
