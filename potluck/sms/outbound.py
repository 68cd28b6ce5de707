"""Texts Potluck sends in a conversation, all through the outbox (so each is retried and its
outcome recorded). Each is keyed to the text it answers, so handling one never sends twice."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from potluck.accounts.models import User
from potluck.accounts.phones import normalize_phone
from potluck.needs.models import ContactMethod, Need, NeedNote
from potluck.networks.models import Network
from potluck.notifications.services import notify, notify_address
from potluck.sms.selectors import OPT_OUT_CONFIRMATION


@dataclass(frozen=True)
class Inbound:
    """One text Twilio told us about."""

    sid: str  # Twilio's MessageSid
    phone: str  # who sent it, normalized
    number: str  # the Potluck number they texted, normalized
    body: str
    networks: list[Network]  # the networks that number serves
    # Twilio's Advanced Opt-Out already answered this STOP, START or HELP itself.
    carrier_answered: bool = False

    @property
    def network(self) -> Network | None:
        """The network, when the number serves exactly one."""
        return self.networks[0] if len(self.networks) == 1 else None

    @property
    def sender_network(self) -> Network | None:
        """A network on the texted number, so replies come from it (any, if several share it)."""
        return self.networks[0] if self.networks else None


def default_language(network: Network | None) -> str:
    return network.languages[0] if network and network.languages else settings.LANGUAGE_CODE


def reply(
    inbound: Inbound,
    code: str,
    *,
    language: str,
    network: Network | None = None,
    **context: Any,
) -> None:
    """Text `inbound`'s sender one of the replies in potluck.sms.replies."""
    notify_address(
        channel="sms",
        address=inbound.phone,
        language=language,
        kind="sms.reply",
        context={"reply": code, **context},
        network=network or inbound.sender_network,
        dedupe_key=f"sms:{inbound.sid}:reply",
    )


def confirm_stop(inbound: Inbound, *, language: str) -> None:
    """The one text carriers require after STOP; it goes although the number opted out."""
    notify_address(
        channel="sms",
        address=inbound.phone,
        language=language,
        kind=OPT_OUT_CONFIRMATION,
        context={},
        network=inbound.sender_network,
        dedupe_key=f"sms:{inbound.sid}:reply",
    )


def relay_to_claimant(inbound: Inbound, *, need: Need, claimant: User, note: NeedNote) -> None:
    """Pass the requester's message to the volunteer, by the channels they chose."""
    notify(
        recipient=claimant,
        kind="sms.requester_message",
        context={"need_id": need.pk, "note_id": note.pk, "path": need.get_absolute_url()},
        network=need.network,
        dedupe_key=f"sms:{inbound.sid}:relay",
    )


def relay_to_requester(inbound: Inbound, *, need: Need, note: NeedNote) -> bool:
    """Pass the volunteer's message to the person who asked, from the network's number (or by
    email, if that is how they asked); False when they asked to be called instead."""
    channels: dict[str, str] = {ContactMethod.SMS.value: "sms", ContactMethod.EMAIL.value: "email"}
    channel = channels.get(need.contact_method)
    if channel is None or not need.contact_value:
        return False
    address = need.contact_value
    if channel == "sms":
        address = normalize_phone(address) or address
    notify_address(
        channel=channel,
        address=address,
        language=need.language,
        kind="sms.relay",
        context={"need_id": need.pk, "note_id": note.pk},
        network=need.network,
        dedupe_key=f"sms:{inbound.sid}:relay",
    )
    return True
