"""Writes for privacy: the retention job, and a person exporting or deleting their account.

What is erased when follows potluck/privacy/classification.py; docs/threat-model.md says the
same in plain words. Every step is a conditional update or delete, so running the job twice,
or beside people using the site, never erases a live need or a live conversation.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce, Length, TruncDay
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from potluck.accounts.models import ApiToken, LoginVerification, User
from potluck.api.idempotency import idempotency_keys_delete_expired
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.ledger.models import Disbursement, Donation, DonationImport, Pledge, Receipt
from potluck.matching.models import Dispatch, MatchRun, Suggestion
from potluck.needs import services as need_services
from potluck.needs.models import Claim, Match, MatchMessage, Need, NeedNote, Offer, new_status_token
from potluck.networks.models import Invitation, Membership, Network, Role
from potluck.notifications.models import Message
from potluck.privacy import selectors
from potluck.sms.services import sms_delete_expired

WRONG_PASSWORD = _("That is not your password. Nothing was deleted.")
WRONG_PASSWORD_CODE = "wrong_password"  # noqa: S105 (an error code)
LAST_ADMIN = _(
    "You are the only admin of %(network)s. Make someone else an admin first, "
    "so the network is not left without one."
)

# Keys of AuditEvent.data that say nothing about a person, and keys that point at one (kept
# only for retention_days). A test fails when code records a key that is in neither set.
AUDIT_DATA_KEPT = frozenset(
    {"intake", "outcome", "from", "to", "role", "invitation", "match", "field", "ended"}
    # money: amounts, funds, ledger transactions and approval counts; never a name or handle
    | {"amount", "fund", "source", "kind", "approvals_needed", "approval", "of", "transaction"}
    | {"changed", "rows", "imported", "skipped", "total"}
)
AUDIT_DATA_PEOPLE = frozenset({"volunteer"})
# Set in AuditEvent.data["actor"] when the actor is detached, so pages can still say who.
ACTOR_FORMER_MEMBER = "former_member"
ACTOR_MEMBER = "member"

BATCH_SIZE = 200


def _batches(queryset: models.QuerySet[Any], size: int) -> Iterator[list[int]]:
    """The primary keys of `queryset` in ascending batches, read a batch at a time.

    Paging by key (not by offset) keeps each read short, so writers are never held up, and
    rows that leave the queryset meanwhile are simply not seen again.
    """
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        pks = list(page.values_list("pk", flat=True)[:size])
        if not pks:
            return
        yield pks
        last = pks[-1]


def _per_retention(now: datetime) -> Iterator[tuple[int, datetime]]:
    """Each retention length networks use, with the moment before which data is due."""
    days = Network.objects.order_by().values_list("retention_days", flat=True).distinct()
    for length in days:
        yield length, now - timedelta(days=length)


def _default_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=settings.POTLUCK_DEFAULT_RETENTION_DAYS)


def _scrub_audit_data(data: dict[str, Any], *, actor: str | None = None) -> dict[str, Any]:
    """Only the keys that say nothing about a person, and who acted as a bare marker."""
    kept = {key: value for key, value in data.items() if key in AUDIT_DATA_KEPT}
    marker = actor or data.get("actor")
    if marker in (ACTOR_FORMER_MEMBER, ACTOR_MEMBER):
        kept["actor"] = marker
    return kept


def _need_ended_before(cutoff: datetime) -> Q:
    # Needs closed by code that predates closed_at fall back to their last change.
    return Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, updated_at__lt=cutoff)


def _need_erase(need_id: int, *, now: datetime, due: Q) -> bool:
    """Erase one finished need's personal details if it still qualifies; True if it did."""
    with transaction.atomic():
        won = (
            Need.objects.filter(pk=need_id, status__in=Need.FINAL_STATUSES, erased_at__isnull=True)
            .filter(due)
            .update(
                description="",
                contact_value="",
                contact_hash="",
                contact_times="",
                requester=None,
                entered_by=None,
                claimant=None,
                claim_expires_at=None,
                still_needed_asked_at=None,
                # Nobody holds the token of this hash, so the old status link stops working.
                status_token_hash=new_status_token()[1],
                created_at=TruncDay("created_at"),
                delivered_at=TruncDay("delivered_at"),
                closed_at=TruncDay(Coalesce("closed_at", "updated_at")),
                updated_at=now,
                erased_at=now,
            )
        )
        if not won:
            return False
        NeedNote.objects.filter(need_id=need_id).delete()
        # Who was suggested for it or asked to take it on goes with the need's details.
        Suggestion.objects.filter(need_id=need_id).delete()
        Dispatch.objects.filter(need_id=need_id).delete()
        Claim.objects.filter(need_id=need_id).update(
            volunteer=None,
            created_at=TruncDay("created_at"),
            updated_at=TruncDay("updated_at"),
            expires_at=TruncDay("expires_at"),
            ended_at=TruncDay("ended_at"),
            reminded_at=None,
        )
        need_type = ContentType.objects.get_for_model(Need)
        _audit_anonymise(AuditEvent.objects.filter(target_type=need_type, target_id=need_id))
    return True


def _audit_anonymise(events: models.QuerySet[AuditEvent]) -> None:
    for event in list(events.only("pk", "actor_id", "data")):
        marker = ACTOR_MEMBER if event.actor_id else None
        AuditEvent.objects.filter(pk=event.pk).update(
            actor=None,
            data=_scrub_audit_data(event.data, actor=marker),
            created_at=TruncDay("created_at"),
        )


def needs_erase_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Erase the personal details of needs that ended over retention_days ago; how many."""
    count = 0
    for length, cutoff in _per_retention(now):
        due = _need_ended_before(cutoff)
        candidates = Need.objects.filter(
            network__retention_days=length,
            status__in=Need.FINAL_STATUSES,
            erased_at__isnull=True,
        ).filter(due)
        for pks in _batches(candidates, batch_size):
            count += sum(_need_erase(pk, now=now, due=due) for pk in pks)
    return count


def _conversation_over_before(cutoff: datetime) -> Q:
    quiet = ~Exists(MatchMessage.objects.filter(match=OuterRef("pk"), created_at__gte=cutoff))
    ended = Q(status=Match.Status.CLOSED, updated_at__lt=cutoff) | Q(
        offer__status=Offer.Status.CLOSED, offer__updated_at__lt=cutoff
    )
    return Q(ended, quiet)


def conversations_delete_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete offer conversations that ended, and went quiet, over retention_days ago."""
    count = 0
    for length, cutoff in _per_retention(now):
        due = Match.objects.filter(network__retention_days=length).filter(
            _conversation_over_before(cutoff)
        )
        for pks in _batches(due, batch_size):
            count += _delete_batch(due.filter(pk__in=pks), Match)
    return count


def match_runs_delete_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete matching runs, with their suggestions, made over retention_days ago."""
    count = 0
    for length, cutoff in _per_retention(now):
        due = MatchRun.objects.filter(network__retention_days=length, created_at__lt=cutoff)
        for pks in _batches(due, batch_size):
            count += _delete_batch(due.filter(pk__in=pks), MatchRun)
    return count


def _delete_batch(queryset: models.QuerySet[Any], model: type[models.Model]) -> int:
    """Delete what still qualifies; a row that changed under us waits for the next run."""
    try:
        with transaction.atomic():
            _total, per_model = queryset.delete()
    except IntegrityError:  # e.g. a message written in the same instant (PostgreSQL)
        return 0
    return per_model.get(model._meta.label, 0)


def _blank_batches(queryset: models.QuerySet[Any], field: str, still: Q, batch_size: int) -> int:
    """Blank an encrypted text field on each row of `queryset` that is not empty yet, if the
    row still matches `still` when it is written."""
    # The ciphertext can't be compared, but its length can: an empty value is stored as "".
    filled = queryset.annotate(_length=Length(field)).filter(_length__gt=0)
    count = 0
    for pks in _batches(filled, batch_size):
        count += queryset.model.objects.filter(still, pk__in=pks).update(**{field: ""})
    return count


def offers_erase_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Blank the details of offers closed over retention_days ago."""
    count = 0
    for length, cutoff in _per_retention(now):
        still = Q(status=Offer.Status.CLOSED, updated_at__lt=cutoff)
        closed = Offer.objects.filter(still, network__retention_days=length)
        count += _blank_batches(closed, "description", still, batch_size)
    return count


def membership_notes_erase_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Blank the note a person wrote when asking to join, retention_days after they got in."""
    count = 0
    for length, cutoff in _per_retention(now):
        still = Q(status=Membership.Status.ACTIVE, updated_at__lt=cutoff)
        admitted = Membership.objects.filter(still, network__retention_days=length)
        count += _blank_batches(admitted, "note", still, batch_size)
    return count


def invitations_delete_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete invitations that expired or were revoked over retention_days ago."""
    count = 0
    for length, cutoff in _per_retention(now):
        due = Invitation.objects.filter(network__retention_days=length).filter(
            Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
        )
        for pks in _batches(due, batch_size):
            count += _delete_batch(due.filter(pk__in=pks), Invitation)
    return count


# Donor names help treasurers thank people and answer "did my gift arrive?" for a year.
DONOR_NAME_DAYS = 365
# An uploaded bank export nobody imported or discarded: its rows name donors.
IMPORT_PREVIEW_HOURS = 24


def money_details_erase_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Blank what people told the treasurers (notes, payout handles, reasons, receipts) once a
    request or pledge has been settled for retention_days; donor names after a year; delete
    bank exports left in preview for a day. Amounts, dates and categories stay in the books."""
    count = 0
    for length, cutoff in _per_retention(now):
        still = Q(status__in=SETTLED_REQUESTS, updated_at__lt=cutoff)
        settled = Disbursement.objects.filter(still, network__retention_days=length)
        for field in ("purpose", "payout_handle", "refusal_reason"):
            count += _blank_batches(settled, field, still, batch_size)
        receipts = Receipt.objects.filter(disbursement__in=settled)
        for pks in _batches(receipts, batch_size):
            count += _delete_batch(receipts.filter(pk__in=pks), Receipt)
        still = Q(status__in=SETTLED_PLEDGES, updated_at__lt=cutoff)
        pledges = Pledge.objects.filter(still, network__retention_days=length)
        count += _blank_batches(pledges, "payout_handle", still, batch_size)
    old = Q(received_on__lte=(now - timedelta(days=DONOR_NAME_DAYS)).date())
    count += _blank_batches(Donation.objects.filter(old), "donor_name", old, batch_size)
    abandoned = DonationImport.objects.filter(
        status=DonationImport.Status.PREVIEW,
        created_at__lt=now - timedelta(hours=IMPORT_PREVIEW_HOURS),
    )
    for pks in _batches(abandoned, batch_size):
        count += _delete_batch(abandoned.filter(pk__in=pks), DonationImport)
    return count


def messages_delete_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete outbox messages retention_days after they were sent, skipped, failed or folded
    into a digest (a digest's items)."""
    count = 0
    scopes = [(Q(network__retention_days=length), cutoff) for length, cutoff in _per_retention(now)]
    scopes.append((Q(network__isnull=True), _default_cutoff(now)))
    for scope, cutoff in scopes:
        due = Message.objects.filter(scope, status__in=FINISHED_MESSAGES, updated_at__lt=cutoff)
        for pks in _batches(due, batch_size):
            count += _delete_batch(due.filter(pk__in=pks), Message)
    return count


FINISHED_MESSAGES = (
    Message.Status.SENT,
    Message.Status.SKIPPED,
    Message.Status.FAILED,
    Message.Status.FOLDED,
)
SETTLED_REQUESTS = (
    Disbursement.Status.PAID,
    Disbursement.Status.REFUSED,
    Disbursement.Status.CANCELLED,
    Disbursement.Status.REVERSED,
)
SETTLED_PLEDGES = (Pledge.Status.CONFIRMED, Pledge.Status.EXPIRED, Pledge.Status.CANCELLED)


def audit_data_scrub_expired(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Remove people's ids from audit events older than their network's retention_days."""
    people = list(AUDIT_DATA_PEOPLE)
    scopes = [(Q(network__retention_days=length), cutoff) for length, cutoff in _per_retention(now)]
    scopes.append((Q(network__isnull=True), _default_cutoff(now)))
    count = 0
    for scope, cutoff in scopes:
        due = AuditEvent.objects.filter(scope, created_at__lt=cutoff, data__has_any_keys=people)
        for pks in _batches(due, batch_size):
            for event in AuditEvent.objects.filter(pk__in=pks).only("pk", "data"):
                clean = {k: v for k, v in event.data.items() if k not in AUDIT_DATA_PEOPLE}
                count += AuditEvent.objects.filter(pk=event.pk).update(data=clean)
    return count


def api_tokens_delete_revoked(*, now: datetime) -> int:
    """Delete API tokens revoked over the default retention length ago."""
    _total, per_model = ApiToken.objects.filter(revoked_at__lt=_default_cutoff(now)).delete()
    return per_model.get(ApiToken._meta.label, 0)


def login_verifications_delete_expired(*, now: datetime) -> int:
    """Delete login confirmation links used or run out over the default retention ago."""
    cutoff = _default_cutoff(now)
    done = LoginVerification.objects.filter(Q(used_at__lt=cutoff) | Q(expires_at__lt=cutoff))
    _total, per_model = done.delete()
    return per_model.get(LoginVerification._meta.label, 0)


def task_results_delete_expired(*, now: datetime) -> int:
    """Delete background task results finished over the default retention length ago."""
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=_default_cutoff(now))
    _total, per_model = finished.delete()
    return per_model.get(DBTaskResult._meta.label, 0)


def sessions_delete_expired() -> None:
    """Delete sessions past their expiry, whichever session engine is configured."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def retention_enforce(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Erase or delete every personal detail past its retention; returns counts per kind."""
    now = now or timezone.now()
    counts = {
        "needs": needs_erase_expired(now=now, batch_size=batch_size),
        "conversations": conversations_delete_expired(now=now, batch_size=batch_size),
        "offers": offers_erase_expired(now=now, batch_size=batch_size),
        "membership_notes": membership_notes_erase_expired(now=now, batch_size=batch_size),
        "invitations": invitations_delete_expired(now=now, batch_size=batch_size),
        "match_runs": match_runs_delete_expired(now=now, batch_size=batch_size),
        "audit_events": audit_data_scrub_expired(now=now, batch_size=batch_size),
        "money_details": money_details_erase_expired(now=now, batch_size=batch_size),
        "idempotency_keys": idempotency_keys_delete_expired(now=now),
        "messages": messages_delete_expired(now=now, batch_size=batch_size),
        "sms_conversations": sms_delete_expired(now=now, batch_size=batch_size),
        "api_tokens": api_tokens_delete_revoked(now=now),
        "login_verifications": login_verifications_delete_expired(now=now),
        "task_results": task_results_delete_expired(now=now),
    }
    sessions_delete_expired()
    return counts


@transaction.atomic
def account_export(*, user: User) -> dict[str, Any]:
    """Everything Potluck holds about `user`, ready for JSON; the download is audited."""
    audit_record(actor=user, verb="account.exported", target=user)
    return selectors.account_data(user=user)


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete `user`'s account after they re-enter their password; their history stays,
    credited to "a former member"."""
    if not user.check_password(password):
        raise DomainError(WRONG_PASSWORD, code=WRONG_PASSWORD_CODE, status=403)
    _refuse_if_last_admin(user)
    now = timezone.now()
    _release_claims(user)
    _withdraw_and_erase_needs(user, now)
    _close_offers_and_conversations(user, now)
    _credit_former_member(user)
    audit_record(actor=None, verb="account.deleted", target=user)
    _end_sessions(user)
    user.delete()


def _refuse_if_last_admin(user: User) -> None:
    admin_of = Membership.objects.active().filter(user=user, role=Role.ADMIN)
    for membership in admin_of.select_related("network"):
        others = Membership.objects.active().filter(network_id=membership.network_id)
        others = others.exclude(user=user)
        if others.exists() and not others.filter(role=Role.ADMIN).exists():
            message = LAST_ADMIN % {"network": membership.network.name}
            raise DomainError(message, code="last_admin", status=409)


def _release_claims(user: User) -> None:
    for need in Need.objects.filter(claimant=user, status=Need.Status.CLAIMED):
        need_services.need_release(need=need, by=user)


def _withdraw_and_erase_needs(user: User, now: datetime) -> None:
    for need in Need.objects.filter(requester=user, status__in=Need.ACTIVE_STATUSES):
        need_services.need_withdraw_by_requester(need=need)
    for pk in Need.objects.filter(requester=user).values_list("pk", flat=True):
        _need_erase(pk, now=now, due=Q())


def _close_offers_and_conversations(user: User, now: datetime) -> None:
    Offer.objects.filter(author=user, status=Offer.Status.OPEN).update(
        status=Offer.Status.CLOSED, updated_at=now
    )
    Offer.objects.filter(author=user).update(description="")
    Match.objects.filter(
        Q(responder=user) | Q(offer__author=user), status=Match.Status.OPEN
    ).update(status=Match.Status.CLOSED, updated_at=now)
    # A conversation has two sides: what this person wrote leaves with them.
    MatchMessage.objects.filter(author=user).delete()


def _credit_former_member(user: User) -> None:
    """Mark the events this person did, and drop their id from any event's data."""
    for event in list(AuditEvent.objects.filter(actor=user).only("pk", "data")):
        data = {**event.data, "actor": ACTOR_FORMER_MEMBER}
        AuditEvent.objects.filter(pk=event.pk).update(data=data)
    for key in AUDIT_DATA_PEOPLE:
        for event in list(AuditEvent.objects.filter(**{f"data__{key}": user.pk})):
            data = {k: v for k, v in event.data.items() if k != key}
            AuditEvent.objects.filter(pk=event.pk).update(data=data)


def _end_sessions(user: User) -> None:
    """Log the account out everywhere (database-backed session engines)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    get_model = getattr(store, "get_model_class", None)
    if get_model is None:  # cache or cookie sessions: the deleted id loads nobody anyway
        return
    model = get_model()
    if any(field.attname == "user_id" for field in model._meta.fields):  # rows know their owner
        model.objects.filter(user_id=user.pk).delete()
        return
    live = model.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if store().decode(session.session_data).get(SESSION_KEY) == str(user.pk):
            model.objects.filter(pk=session.pk).delete()
