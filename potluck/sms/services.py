"""Writes for SMS: one incoming text, handled once, from keywords to the conversation; and
the retention of what the conversation keeps. See docs/sms.md for the whole journey."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation

from potluck.accounts.models import User, phone_hash
from potluck.accounts.phones import normalize_phone
from potluck.core.errors import DomainError
from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.networks.models import Network
from potluck.networks.permissions import is_volunteer
from potluck.sms import intake, keywords
from potluck.sms.models import Conversation, OptOut, ReceivedMessage
from potluck.sms.outbound import (
    Inbound,
    confirm_stop,
    default_language,
    relay_to_requester,
    reply,
)
from potluck.sms.replies import TAKE_REPLIES
from potluck.sms.selectors import (
    account_for_phone,
    conversation_for,
    need_asked_from,
    needs_claimed_by,
    networks_for_number,
)

MAX_BODY = 1600  # Twilio's own limit on one message


@transaction.atomic
def sms_receive(
    *, sid: str, sender: str, to: str, body: str, carrier_answered: bool = False
) -> bool:
    """Handle one text Twilio received for us; False when this MessageSid was handled before
    (Twilio retries a webhook call it thinks failed, possibly while the first still runs)."""
    if not _first_time(sid):
        return False
    phone = normalize_phone(sender)
    if phone is None:
        return True  # a short code or an alphanumeric sender: nobody to answer
    number = normalize_phone(to) or to.strip()
    inbound = Inbound(
        sid=sid,
        phone=phone,
        number=number,
        body=body[:MAX_BODY],
        networks=networks_for_number(number),
        carrier_answered=carrier_answered,
    )
    _dispatch(inbound)
    return True


def _first_time(sid: str) -> bool:
    """Record `sid`; the unique index makes a concurrent second delivery wait, then fail here."""
    try:
        with transaction.atomic():
            ReceivedMessage.objects.create(sid=sid)
    except IntegrityError:
        return False
    return True


def _dispatch(inbound: Inbound) -> None:
    word = keywords.keyword(inbound.body)
    conversation = conversation_for(number=inbound.number, phone=inbound.phone)
    language = _language_for(inbound, conversation)
    with translation.override(language):
        if word in keywords.STOP_WORDS:
            _opt_out(inbound, language=language)
        elif word in keywords.START_WORDS:
            _opt_in(inbound, language=language)
        elif word in keywords.HELP_WORDS and inbound.carrier_answered:
            pass  # Twilio's Advanced Opt-Out answered it
        elif not inbound.networks:
            reply(inbound, "not_in_use", language=language)
        elif word in keywords.HELP_WORDS:
            _help(inbound, conversation, language=language)
        elif (take := keywords.take_command(inbound.body)) is not None:
            _take(inbound, take)
        elif keywords.looks_like_take(inbound.body) and conversation is None:
            reply(inbound, "take_hint", language=language)
        elif not _from_volunteer(inbound, conversation, language=language):
            _from_neighbour(inbound, conversation)


def _language_for(inbound: Inbound, conversation: Conversation | None) -> str:
    if conversation is not None and conversation.language:
        return conversation.language
    network = conversation.network if conversation else inbound.network
    return default_language(network)


# ---------------------------------------------------------------------------- carrier keywords


def _opt_out(inbound: Inbound, *, language: str) -> None:
    """STOP: no more texts to this number (the outbox skips it) until START."""
    _optout, created = OptOut.objects.get_or_create(phone_hash=phone_hash(inbound.phone))
    if created and not inbound.carrier_answered:
        confirm_stop(inbound, language=language)


def _opt_in(inbound: Inbound, *, language: str) -> None:
    OptOut.objects.filter(phone_hash=phone_hash(inbound.phone)).delete()
    if not inbound.carrier_answered:
        reply(inbound, "started", language=language)


def _help(inbound: Inbound, conversation: Conversation | None, *, language: str) -> None:
    """HELP: who we are, what to text, how to stop (what carriers require)."""
    network = (conversation.network if conversation else None) or inbound.network
    user = account_for_phone(inbound.phone)
    if user is not None and conversation is None and _volunteers_here(user, inbound):
        reply(inbound, "help_volunteer", language=language, network=network)
    elif network is None:
        networks = [network.pk for network in inbound.networks]
        reply(inbound, "help_shared", language=language, networks=networks)
    else:
        reply(inbound, "help", language=language, network=network)


def _volunteers_here(user: User, inbound: Inbound) -> bool:
    return any(is_volunteer(user, network.pk) for network in inbound.networks)


# ---------------------------------------------------------------------------- volunteers


def _take(inbound: Inbound, take: keywords.Take) -> None:
    """TAKE 12 / TOMAR 12: a volunteer claims need 12 of a network on this number."""
    user = account_for_phone(inbound.phone)
    language = take.language if take.language in dict(settings.LANGUAGES) else None
    language = language or (user.language if user else default_language(inbound.network))
    need = Need.objects.filter(pk=take.need_id, network__in=inbound.networks).first()
    with translation.override(language):
        if need is None:
            reply(inbound, "take_unknown", language=language, need_id=take.need_id)
        elif user is None:
            reply(inbound, "take_not_allowed", language=language, network=need.network)
        else:
            _claim(inbound, need=need, user=user, language=language)


def _claim(inbound: Inbound, *, need: Need, user: User, language: str) -> None:
    try:
        need_services.need_claim(need=need, volunteer=user)
    except DomainError as error:
        code = TAKE_REPLIES.get(error.code, "take_failed")
        reply(
            inbound,
            code,
            language=language,
            network=need.network,
            need_id=need.pk,
            reason=str(error),
        )
    else:
        reply(inbound, "claimed", language=language, network=need.network, need_id=need.pk)


def _from_volunteer(inbound: Inbound, conversation: Conversation | None, *, language: str) -> bool:
    """A volunteer writing to the person behind a need they took on ("#12 on my way", or any
    text when they have exactly one); True if it was that."""
    user = account_for_phone(inbound.phone)
    claimed = list(needs_claimed_by(user=user, networks=inbound.networks)) if user else []
    if user is None or not claimed:
        return False
    language = user.language or language
    to = keywords.addressed(inbound.body)
    if to is None and conversation is not None:
        return False  # they are asking for help themselves: their conversation goes on
    with translation.override(language):
        if to is None and len(claimed) > 1:
            reply(inbound, "relay_which", language=language, need_id=claimed[0].pk)
            return True
        need_id, text = to if to is not None else (claimed[0].pk, inbound.body.strip())
        need = next((need for need in claimed if need.pk == need_id), None)
        if need is None:
            reply(inbound, "relay_not_yours", language=language, need_id=need_id)
        else:
            _relay(inbound, need=need, user=user, text=text, language=language)
    return True


def _relay(inbound: Inbound, *, need: Need, user: User, text: str, language: str) -> None:
    if not keywords.words(text):
        reply(inbound, "relay_empty", language=language, network=need.network, need_id=need.pk)
        return
    try:
        note = need_services.need_add_note(need=need, author=user, body=text[:2000])
    except DomainError as error:
        reply(inbound, "take_failed", language=language, need_id=need.pk, reason=str(error))
        return
    if not relay_to_requester(inbound, need=need, note=note):
        reply(inbound, "relay_call", language=language, network=need.network, need_id=need.pk)


# ---------------------------------------------------------------------------- neighbours


def _from_neighbour(inbound: Inbound, conversation: Conversation | None) -> None:
    if conversation is not None:
        intake.conversation_continue(conversation, inbound)
    elif (need := need_asked_from(phone=inbound.phone, networks=inbound.networks)) is not None:
        intake.conversation_resume(inbound, need)
    else:
        intake.conversation_start(inbound)


# ---------------------------------------------------------------------------- retention

# Twilio retries a webhook call within minutes; a day of sids is plenty.
RECEIVED_KEEP = timedelta(days=1)


def sms_delete_expired(*, now: datetime, batch_size: int = 200) -> int:
    """Delete conversations quiet for their network's retention_days whose need is over (or
    never came), and received-message sids older than a day; return how many went."""
    count = 0
    old = ReceivedMessage.objects.filter(received_at__lt=now - RECEIVED_KEEP)
    count += _delete_in_batches(old, Q(), batch_size)
    lengths = Network.objects.order_by().values_list("retention_days", flat=True).distinct()
    for length in lengths:
        cutoff = now - timedelta(days=length)
        count += _delete_in_batches(
            Conversation.objects.filter(network__retention_days=length),
            _conversation_over_before(cutoff),
            batch_size,
        )
    cutoff = now - timedelta(days=settings.POTLUCK_DEFAULT_RETENTION_DAYS)
    unplaced = Conversation.objects.filter(network__isnull=True)
    count += _delete_in_batches(unplaced, _conversation_over_before(cutoff), batch_size)
    return count


def _conversation_over_before(cutoff: datetime) -> Q:
    """Quiet since `cutoff`, and without a live need (none, or one that ended before it)."""
    need_over = Q(need__status__in=Need.FINAL_STATUSES) & (
        Q(need__closed_at__lt=cutoff) | Q(need__closed_at__isnull=True, need__updated_at__lt=cutoff)
    )
    return Q(updated_at__lt=cutoff) & (Q(need__isnull=True) | need_over)


def _delete_in_batches(queryset, still: Q, batch_size: int) -> int:  # type: ignore[no-untyped-def]
    """Delete the rows of `queryset` matching `still`, re-checked at the moment of deleting."""
    count = 0
    due = queryset.filter(still)
    while pks := list(due.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        deleted, _per_model = queryset.model.objects.filter(still, pk__in=pks).delete()
        count += deleted
        if deleted < len(pks):
            break  # rows changed under us: the next run picks them up
    return count
