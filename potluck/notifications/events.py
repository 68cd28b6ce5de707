"""What happens in Potluck that people hear about. Domain services call these inside their
own transaction; each writes outbox rows (`notify`), which are sent only after it commits.

The person who asked hears of every change to their request, by the way they gave: their
account when they have one, else the email or phone number they left (a phone call is a
coordinator's job, so "phone" gets nothing). Dedupe keys name the event, so running an
event twice never writes a second message.
"""

from typing import Any

from potluck.accounts.models import User
from potluck.needs.models import ContactMethod, Need, Urgency
from potluck.notifications.models import Channel
from potluck.notifications.services import notify, notify_address

# How to reach someone without an account, by how they asked to be reached.
BY_CONTACT_METHOD: dict[str, Channel] = {
    ContactMethod.EMAIL: Channel.EMAIL,
    ContactMethod.SMS: Channel.SMS,
}
# What the person who asked hears, by the need's new state.
REQUESTER_KINDS = {
    "claimed": "need.claimed",
    "reopened": "need.reopened",
    "delivered": "need.delivered",
    "finished": "need.finished",
}


def need_created(need: Need) -> None:
    """A new need: alert the volunteers it suits and post it to the network's chat groups."""
    from potluck.notifications import alerts, webhooks

    alerts.need_alert_volunteers(need)
    webhooks.need_post(need)


def need_claimed(need: Need, *, claim_id: int) -> None:
    """Someone took the need on: tell the person who asked."""
    _tell_requester(need, "claimed", key=f"claim:{claim_id}")


def need_reopened(need: Need, *, claim_id: int | None) -> None:
    """The claim was given back or ran out: the need is back in the queue."""
    _tell_requester(need, "reopened", key=f"claim:{claim_id}")


def need_delivered(need: Need) -> None:
    """The helper says it is delivered: ask the person who asked to confirm."""
    _tell_requester(need, "delivered")


def need_finished(need: Need, *, by_requester: bool) -> None:
    """The need ended (met, withdrawn, closed by a coordinator). Whoever held it hears too
    when the person who asked ended it themselves."""
    _tell_requester(need, "finished", outcome=need.status)
    if by_requester and need.claimant_id is not None:
        assert need.claimant is not None
        notify(
            recipient=need.claimant,
            kind="need.requester_finished",
            context={**_need_context(need), "outcome": need.status, "path": _path(need)},
            network=need.network,
            dedupe_key=f"need:{need.pk}:requester_finished",
        )


def claim_reminder(need: Need, *, volunteer: User, claim_id: int, until: str) -> None:
    """A claim runs out soon: remind the volunteer holding it."""
    notify(
        recipient=volunteer,
        kind="claim.reminder",
        context={**_need_context(need), "until": until, "path": _path(need)},
        network=need.network,
        dedupe_key=f"claim:{claim_id}:reminder",
    )


def dispatch_asked(need: Need, *, volunteer: User, dispatch_id: int, until: str, path: str) -> None:
    """A coordinator asked a volunteer to take on a need."""
    notify(
        recipient=volunteer,
        kind="dispatch.asked",
        context={**_need_context(need), "until": until, "path": path},
        network=need.network,
        dedupe_key=f"dispatch:{dispatch_id}",
    )


def need_ask_still_needed(need: Need) -> None:
    """Ask the person who asked, if they gave an email, whether they still need help. They
    answer on their status page; only a hash of its link is kept, so the email can't link it."""
    if need.contact_method != ContactMethod.EMAIL or not need.contact_value:
        return
    notify_address(
        channel=Channel.EMAIL,
        address=need.contact_value,
        language=need.language,
        kind="need.still_needed",
        context={**_need_context(need), "asked_on": need.created_at.isoformat()},
        network=need.network,
        dedupe_key=f"need:{need.pk}:still_needed",
    )


def _tell_requester(need: Need, event: str, *, key: str = "", kind: str = "", **extra: Any) -> None:
    kind = kind or REQUESTER_KINDS[event]
    context = {**_need_context(need), **extra}
    dedupe_key = f"need:{need.pk}:{event}" + (f":{key}" if key else "")
    if need.requester is not None:
        notify(
            recipient=need.requester,
            kind=kind,
            context=context,
            network=need.network,
            dedupe_key=dedupe_key,
        )
        return
    channel = BY_CONTACT_METHOD.get(need.contact_method)
    if channel is None or not need.contact_value:
        return  # a phone number to call: a coordinator does that
    notify_address(
        channel=channel,
        address=need.contact_value,
        language=need.language,
        kind=kind,
        # Replies by SMS reach the helper, and DONE closes the need (the SMS conversation).
        context={**context, "sms_replies": channel == Channel.SMS},
        network=need.network,
        dedupe_key=dedupe_key,
    )


def _need_context(need: Need) -> dict[str, Any]:
    return {
        "need_id": need.pk,
        "category": need.category,
        "urgent": need.urgency == Urgency.TODAY,
    }


def _path(need: Need) -> str:
    return need.get_absolute_url()
