"""The process test_crash_safety.py kills: it writes needs and money as fast as it can.

Run as `python -m potluck.ops.tests.crash_writer <mode>` with the environment of a scratch
database (see scratch.py):

- `setup`: a network with a treasurer, a member and a volunteer, and no money limits.
- `serve`: set Django up once, then, for each `go` line on stdin, fork a writer and print
  `pid <n>`; for each `reap <n>` line, wait for that writer and print `reaped <n> <signal>`.
  Forking skips Django's start-up (about a second), so fifty kills take seconds, not minutes;
  each writer is still its own process with its own database connection.
- `check`: read the acknowledgements (JSON) from stdin and print what is wrong (JSON).

A writer prints `begin <what>` once its database transaction has started, and an
acknowledgement (`need <id> <nonce>`, `donation <id> <nonce>`, `claim <id>`, `requested <id>`,
`approved <id>`, `paid <id>`) only once it has committed. Lines are written whole with one
os.write each, so a kill never leaves half a line in the pipe.
"""

import json
import os
import signal
import sys
import time
import uuid
from collections import Counter
from functools import partial
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.apps import apps as django_apps  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from potluck.accounts.models import User  # noqa: E402
from potluck.core.models import AuditEvent  # noqa: E402
from potluck.ledger import services as money  # noqa: E402
from potluck.ledger.models import Disbursement, Donation, Method, MoneyPolicy  # noqa: E402
from potluck.needs import services as need_services  # noqa: E402
from potluck.needs.models import Claim, Need  # noqa: E402
from potluck.networks.models import Membership, Network, Role  # noqa: E402
from potluck.ops.checks import database_problems  # noqa: E402

SLUG = "crash-test"
# A writer that was never killed gives up after this long, so none is ever left behind.
WRITER_SECONDS = 60
DONATION = 500
PAYMENT = 100


def emit(line: str) -> None:
    os.write(1, f"{line}\n".encode())


# ---------------------------------------------------------------------------- setup


def setup() -> None:
    network = Network.objects.create(
        name="Crash test", slug=SLUG, areas=["Riverside"], languages=["en"]
    )
    for role in (Role.TREASURER, Role.MEMBER, Role.VOLUNTEER):
        user = User.objects.create(display_name=role, email=f"{role}@crash.test")
        Membership.objects.create(
            network=network, user=user, role=role, status=Membership.Status.ACTIVE
        )
        if role == Role.TREASURER:  # treasurers act only with two-factor on
            TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    # No limits, one approval: every payment the writer asks for can be paid.
    MoneyPolicy.objects.filter(network=network).update(
        max_per_request=0, max_per_person_month=0, second_approval_above=10**9
    )


def _people(network: Network) -> dict[str, User]:
    members = Membership.objects.filter(network=network).select_related("user")
    return {membership.role: membership.user for membership in members}


# ---------------------------------------------------------------------------- writing


def write_forever() -> None:
    """One writer's life: need (claimed every other time), donation, payment, again."""
    network = Network.objects.get(slug=SLUG)
    people = _people(network)
    volunteer = people["volunteer"]
    fund = network.accounts.get(is_general=True)
    deadline = time.monotonic() + WRITER_SECONDS
    turn = 0
    while time.monotonic() < deadline:
        need = _write_need(network)
        if turn % 2:
            _write("claim", partial(need_services.need_claim, need=need, volunteer=volunteer))
        _write_donation(network, people["treasurer"], fund)
        _write_payment(network, people)
        turn += 1


def _write(what: str, service: Any) -> Any:
    """Run `service` in a transaction; acknowledge only after it committed."""
    with transaction.atomic():
        emit(f"begin {what}")
        made = service()
    emit(f"{what} {made.pk}")
    return made


def _write_need(network: Network) -> Need:
    nonce = uuid.uuid4().hex
    with transaction.atomic():
        emit("begin need")
        need, _token = need_services.need_create(
            network=network,
            category="groceries",
            description=f"crash {nonce}",
            area="Riverside",
            urgency="today",
            contact_method="phone",
            contact_value="+15550100199",
            language="en",
        )
    emit(f"need {need.pk} {nonce}")
    return need


def _write_donation(network: Network, treasurer: User, fund: Any) -> None:
    nonce = uuid.uuid4().hex
    with transaction.atomic():
        emit("begin donation")
        donation = money.donation_record(
            network=network,
            actor=treasurer,
            fund=fund,
            amount=DONATION,
            received_on=timezone.localdate(),
            method=Method.CASH,
            anonymous=True,
            row_hash=nonce,
        )
    emit(f"donation {donation.pk} {nonce}")


def _write_payment(network: Network, people: dict[str, User]) -> None:
    """Asked, approved and paid: three transactions, each acknowledged on its own."""
    treasurer = people["treasurer"]
    asked = _write(
        "requested",
        lambda: money.disbursement_request(
            network=network,
            requested_by=people["member"],
            amount=PAYMENT,
            category="groceries",
            payout_method="cash",
        ),
    )
    _write("approved", lambda: money.disbursement_approve(disbursement=asked, treasurer=treasurer))
    _write("paid", lambda: money.disbursement_pay(disbursement=asked, treasurer=treasurer))


def serve() -> None:
    """The fork server: Django is set up here once, and never touches the database here."""
    _warm_up()
    for command in sys.stdin:
        verb, _, arg = command.strip().partition(" ")
        if verb == "go":
            pid = os.fork()
            if pid == 0:
                _writer_child()
            emit(f"pid {pid}")
        elif verb == "reap":
            _pid, status = os.waitpid(int(arg), 0)
            emit(f"reaped {arg} {os.WTERMSIG(status) if os.WIFSIGNALED(status) else 'exit'}")


def _warm_up() -> None:
    """Do here, once, what every writer would do first (import the URL configuration, whose
    API schemas take seconds; fill Django's caches), then close the connection: a forked
    child must open its own."""
    reverse("needs:detail", args=[SLUG, 1])
    for model in django_apps.get_models():
        model._meta.related_objects  # noqa: B018 - computing it is the point
    ContentType.objects.get_for_models(*django_apps.get_models())
    connections.close_all()


def _writer_child() -> None:
    """In the forked writer: write until killed; never return into the fork server's loop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        write_forever()
    except BaseException as error:
        os.write(2, f"writer failed: {error!r}\n".encode())
        os._exit(3)
    os._exit(0)


# ---------------------------------------------------------------------------- checking


def check(acks: list[list[str]]) -> dict[str, Any]:
    """What is wrong after the kills: the database checks, then every acknowledged write."""
    network = Network.objects.get(slug=SLUG)
    problems = database_problems()
    problems += _check_needs(network, [ack for ack in acks if ack[0] == "need"])
    problems += _check_donations(network, [ack for ack in acks if ack[0] == "donation"])
    problems += _check_claims({int(ack[1]) for ack in acks if ack[0] == "claim"})
    problems += _check_payments(acks)
    problems += _check_audit(network)
    counts = {
        "needs": Need.objects.filter(network=network).count(),
        "claims": Claim.objects.filter(need__network=network).count(),
        "donations": Donation.objects.filter(network=network).count(),
        "paid": Disbursement.objects.filter(network=network, status="paid").count(),
    }
    return {"problems": problems, "counts": counts}


def _check_needs(network: Network, acks: list[list[str]]) -> list[str]:
    # Descriptions are encrypted, so compare them here rather than in SQL.
    texts = dict(Need.objects.filter(network=network).values_list("pk", "description"))
    seen = Counter(texts.values())
    problems = []
    for _kind, pk, nonce in acks:
        if texts.get(int(pk)) != f"crash {nonce}":
            problems.append(f"acknowledged need {pk} is missing or changed")
        elif seen[f"crash {nonce}"] != 1:
            problems.append(f"acknowledged need {pk} is there {seen[f'crash {nonce}']} times")
    return problems


def _check_donations(network: Network, acks: list[list[str]]) -> list[str]:
    hashes = Counter(Donation.objects.filter(network=network).values_list("row_hash", flat=True))
    ids = dict(Donation.objects.filter(network=network).values_list("pk", "row_hash"))
    return [
        f"acknowledged donation {pk} is missing, changed or doubled"
        for _kind, pk, nonce in acks
        if ids.get(int(pk)) != nonce or hashes[nonce] != 1
    ]


def _check_claims(claim_ids: set[int]) -> list[str]:
    found = set(
        Claim.objects.filter(
            pk__in=claim_ids, outcome=Claim.Outcome.ACTIVE, need__status=Need.Status.CLAIMED
        ).values_list("pk", flat=True)
    )
    return [f"acknowledged claim {pk} is missing" for pk in sorted(claim_ids - found)]


def _check_payments(acks: list[list[str]]) -> list[str]:
    wanted = {"requested": {"requested", "approved", "paid"}, "approved": {"approved", "paid"}}
    wanted["paid"] = {"paid"}
    rows = dict(Disbursement.objects.values_list("pk", "status"))
    paid_with_money = set(
        Disbursement.objects.filter(status="paid", transaction__isnull=False).values_list(
            "pk", flat=True
        )
    )
    problems = []
    for kind, pk, *_rest in (ack for ack in acks if ack[0] in wanted):
        if rows.get(int(pk)) not in wanted[kind]:
            problems.append(f"acknowledged {kind} request {pk} is {rows.get(int(pk))}")
    problems += [
        f"paid request {pk} has no ledger transaction"
        for pk, status in rows.items()
        if status == "paid" and pk not in paid_with_money
    ]
    return problems


def _check_audit(network: Network) -> list[str]:
    """Each write's audit event committed with it: one per need and per donation, no more."""
    problems = []
    for model, verb in ((Need, "need.created"), (Donation, "donation.recorded")):
        made = set(model.objects.filter(network=network).values_list("pk", flat=True))
        events = Counter(
            AuditEvent.objects.filter(
                verb=verb, target_type=ContentType.objects.get_for_model(model)
            ).values_list("target_id", flat=True)
        )
        if set(events) != made or any(n != 1 for n in events.values()):
            problems.append(f"{verb} audit events don't match the rows one to one")
    return problems


def main(mode: str) -> None:
    if mode == "setup":
        setup()
    elif mode == "serve":
        serve()
    elif mode == "check":
        print(json.dumps(check(json.load(sys.stdin))))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1])
