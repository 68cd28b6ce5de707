"""Idempotency-Key: a client that sends a money-moving request again gets the first answer back,
and the money moves once.

1. The key is taken in its own short transaction (a row "in flight"; unique per person and key).
2. The operation runs; its answer is stored, and the key marked done, in the SAME transaction
   as the money it moved. A crash leaves the key in flight and the money unmoved, never a done
   key without its money.
3. Later requests with the key: the stored answer if done and the request is the same; 409 while
   it is in flight; 422 if the key came with a different request. A failed operation (a
   refusal, or any error: its transaction wrote nothing) gives the key back, so the client may
   retry. A key in flight for IN_FLIGHT_TIMEOUT belonged to a worker that died: the next
   request takes it over (compare-and-set on `created_at`).
4. Keys are kept for KEEP_FOR, then deleted: a person's own expired keys whenever they send
   one, everyone's by idempotency_keys_delete_expired (for the daily retention job).
"""

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Schema, Status
from ninja.renderers import JSONRenderer

from potluck.accounts.models import User
from potluck.api.auth import ApiRequest
from potluck.api.fields import Text
from potluck.api.models import IdempotencyKey
from potluck.core.crypto import keyed_hash
from potluck.core.errors import DomainError

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
IN_FLIGHT_TIMEOUT = timedelta(minutes=5)
KEEP_FOR = timedelta(hours=24)
# A key given back by a failing request between our insert and our read: try again this often.
CLAIM_ATTEMPTS = 3

IN_FLIGHT = _(
    "A request with this Idempotency-Key is still being processed. "
    "Wait a moment, then send it again."
)
KEY_REUSED = _(
    "This Idempotency-Key was already used for a different request. "
    "Use a new key for each new request."
)

# The header as an operation's parameter: `idempotency_key: KeyHeader = None`.
KeyHeader = Annotated[
    Text | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description=(
            "Any unique string (a UUID, say). Sending the same request again with the same key "
            "returns the first answer and moves no more money; keys are kept for 24 hours."
        ),
    ),
]

_renderer = JSONRenderer()


def idempotent(
    request: ApiRequest,
    *,
    key: str | None,
    status: int,
    out: type[Schema],
    act: Callable[[], Any],
) -> HttpResponse | Status[Any]:
    """Answer `act()` as `out` with `status`, doing it at most once per `key` (if one came)."""
    if key is None:
        return Status(status, act())
    now = timezone.now()
    signature = fingerprint(request.method or "", request.path, request.body)
    row = _claim(user=request.auth, key=key, fingerprint=signature, now=now)
    if row.state == IdempotencyKey.State.DONE:
        return _replay(row)
    try:
        with transaction.atomic():
            result = act()
            content = _render(request, out, status, result)
            _finish(row, status=status, content=content)
    except BaseException:
        _give_back(row)
        raise
    return _response(content, status)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """Keyed SHA-256 of method, path and body (JSON in a canonical form, so key order and
    spacing don't matter); keyed, as bodies name donors and payout handles."""
    try:
        text = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        text = body.decode("utf-8", "replace")
    return keyed_hash(f"{method}\n{path}\n{text}")


def idempotency_keys_delete_expired(*, now: datetime | None = None) -> int:
    """Delete keys older than KEEP_FOR; returns how many. For the daily retention job."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# ---------------------------------------------------------------------------- steps


def _claim(*, user: User, key: str, fingerprint: str, now: datetime) -> IdempotencyKey:
    """The key's row, now ours in flight, or done (to replay); 409 or 422 otherwise."""
    # The person's own expired keys go first, so a key may be used again after KEEP_FOR.
    IdempotencyKey.objects.filter(user=user, created_at__lt=now - KEEP_FOR).delete()
    for _attempt in range(CLAIM_ATTEMPTS):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            pass
        row = IdempotencyKey.objects.filter(user=user, key=key).first()
        if row is None:
            continue  # its request failed and gave it back meanwhile
        if row.fingerprint != fingerprint:
            raise DomainError(KEY_REUSED, code="idempotency_key_reused", status=422)
        if row.state == IdempotencyKey.State.DONE:
            return row
        if row.created_at >= now - IN_FLIGHT_TIMEOUT:
            break
        if _take_over(row, now):
            return row
    raise DomainError(IN_FLIGHT, code="idempotency_in_flight", status=409)


def _take_over(row: IdempotencyKey, now: datetime) -> bool:
    """Make a stale in-flight key ours; of several taking it at once, one wins."""
    won = IdempotencyKey.objects.filter(
        pk=row.pk, state=IdempotencyKey.State.IN_FLIGHT, created_at=row.created_at
    ).update(created_at=now)
    if won:
        row.created_at = now
    return bool(won)


def _finish(row: IdempotencyKey, *, status: int, content: str) -> None:
    """Store the answer, in the operation's transaction; if another worker took the key over
    meanwhile, refuse, which undoes this operation's writes."""
    won = IdempotencyKey.objects.filter(
        pk=row.pk, state=IdempotencyKey.State.IN_FLIGHT, created_at=row.created_at
    ).update(state=IdempotencyKey.State.DONE, response_status=status, response_body=content)
    if not won:
        raise DomainError(IN_FLIGHT, code="idempotency_in_flight", status=409)


def _give_back(row: IdempotencyKey) -> None:
    """Release the key after a failure, so the client may retry. Only while it is still ours
    and in flight: a done key's money was written, so its answer must stay."""
    try:
        IdempotencyKey.objects.filter(
            pk=row.pk, state=IdempotencyKey.State.IN_FLIGHT, created_at=row.created_at
        ).delete()
    except DatabaseError:
        # The connection itself failed; the key stays in flight until it may be taken over.
        logger.warning("Could not release idempotency key %s", row.pk, exc_info=True)


def _render(request: ApiRequest, out: type[Schema], status: int, result: Any) -> str:
    """`result` as ninja would send it: validated by `out`, rendered by the API's renderer."""
    context = {"request": request, "response_status": status}
    data = out.model_validate(result, context=context).model_dump()
    return str(_renderer.render(request, data, response_status=status))


def _replay(row: IdempotencyKey) -> HttpResponse:
    assert row.response_status is not None
    response = _response(row.response_body, row.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def _response(content: str, status: int) -> HttpResponse:
    content_type = f"{_renderer.media_type}; charset={_renderer.charset}"
    return HttpResponse(content, status=status, content_type=content_type)
