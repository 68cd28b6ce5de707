"""Racing writers on needs: threads released together at a barrier, on real transactions."""

import time
from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from potluck.conftest import make_actor, run_together
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.needs import services
from potluck.needs.models import Claim, Match, Need
from potluck.needs.tests.factories import NeedFactory, OfferFactory
from potluck.networks.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db(transaction=True)


def copies(need: Need, count: int) -> list[Need]:
    """Separate in-memory copies, as separate requests would each load."""
    return [Need.objects.select_related("network").get(pk=need.pk) for _ in range(count)]


def errors(results: list[object]) -> list[DomainError]:
    return [result for result in results if isinstance(result, DomainError)]


def test_twenty_volunteers_claiming_at_once_leaves_exactly_one_claimant():
    network = NetworkFactory.create()
    need = NeedFactory.create(network=network)
    volunteers = [make_actor("volunteer", network) for _ in range(20)]

    results = run_together(
        *[
            partial(services.need_claim, need=copy, volunteer=volunteer)
            for copy, volunteer in zip(copies(need, 20), volunteers, strict=True)
        ]
    )

    claims = [result for result in results if isinstance(result, Claim)]
    assert len(claims) == 1, results
    assert len(errors(results)) == 19, results
    assert {error.message for error in errors(results)} == {services.NEED_NOT_OPEN}
    winner = claims[0].volunteer
    assert Claim.objects.count() == 1
    assert Claim.objects.get().volunteer == winner
    need.refresh_from_db()
    assert (need.status, need.claimant) == (Need.Status.CLAIMED, winner)
    assert AuditEvent.objects.filter(verb="need.claimed").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_claimant_releasing_while_the_claim_expires_ends_the_claim_once(attempt):
    network = NetworkFactory.create()
    need = NeedFactory.create(network=network)
    volunteer = make_actor("volunteer", network)
    services.need_claim(need=need, volunteer=volunteer)
    (stale,) = copies(need, 1)
    assert stale.claim_expires_at is not None
    later = stale.claim_expires_at + timedelta(minutes=1)

    released, expired = run_together(
        partial(services.need_release, need=stale, by=volunteer, reason="Sorry"),
        partial(services.claims_expire, now=later),
    )

    need.refresh_from_db()
    assert (need.status, need.claimant, need.claim_expires_at) == (Need.Status.OPEN, None, None)
    claim = Claim.objects.get()
    verbs = list(AuditEvent.objects.for_object(need).values_list("verb", flat=True))
    if isinstance(released, Need):
        assert expired == 0
        assert claim.outcome == Claim.Outcome.RELEASED
        assert verbs == ["need.claimed", "need.released"]
    else:
        assert isinstance(released, DomainError), released
        assert released.message == services.NEED_NOT_CLAIMED
        assert expired == 1
        assert claim.outcome == Claim.Outcome.EXPIRED
        assert verbs == ["need.claimed", "need.claim_expired"]


def test_claimant_delivering_while_a_coordinator_closes_lands_in_one_final_state():
    network = NetworkFactory.create()
    need = NeedFactory.create(network=network)
    volunteer = make_actor("volunteer", network)
    coordinator = make_actor("coordinator", network)
    services.need_claim(need=need, volunteer=volunteer)
    for_claimant, for_coordinator = copies(need, 2)

    delivered, closed = run_together(
        partial(services.need_mark_delivered, need=for_claimant, by=volunteer),
        partial(services.need_close, need=for_coordinator, by=coordinator),
    )

    need.refresh_from_db()
    assert isinstance(closed, Need), closed  # closing works from claimed or delivered
    assert need.status == Need.Status.CLOSED
    assert Claim.objects.get().outcome in (Claim.Outcome.DELIVERED, Claim.Outcome.CLOSED)
    if isinstance(delivered, DomainError):
        assert delivered.message == services.NEED_NOT_CLAIMED


def test_requester_confirming_twice_at_once_closes_the_need_once():
    network = NetworkFactory.create()
    need = NeedFactory.create(network=network)
    services.need_claim(need=need, volunteer=make_actor("volunteer", network))

    results = run_together(
        *[partial(services.need_confirm_by_requester, need=copy) for copy in copies(need, 5)]
    )

    assert len([result for result in results if isinstance(result, Need)]) == 1, results
    assert {error.message for error in errors(results)} == {services.NEED_FINISHED}
    assert AuditEvent.objects.filter(verb="need.confirmed").count() == 1


def test_member_answering_an_offer_twice_at_once_opens_one_conversation():
    network = NetworkFactory.create()
    offer = OfferFactory.create(network=network, author=make_actor("member", network))
    responder = make_actor("member", network)

    results = run_together(
        *[
            partial(services.offer_respond, offer=offer, responder=responder, message="Hi")
            for _ in range(5)
        ]
    )

    assert Match.objects.count() == 1, results
    assert {error.message for error in errors(results)} == {services.ALREADY_RESPONDED}


def test_system_can_expire_a_surge_of_claims_while_volunteers_keep_claiming():
    # More than one 2000-row chunk: the expiry loop must not write under an open read.
    network = NetworkFactory.create()
    volunteer = make_actor("volunteer", network)
    past = timezone.now() - timedelta(hours=1)
    stuck = Need.objects.bulk_create(
        NeedFactory.build(
            network=network,
            status=Need.Status.CLAIMED,
            claimant=volunteer,
            claim_expires_at=past,
        )
        for _ in range(2100)
    )
    Claim.objects.bulk_create(
        Claim(need=need, volunteer=volunteer, expires_at=past) for need in stuck
    )
    fresh_needs = [NeedFactory.create(network=network) for _ in range(20)]

    def keep_claiming() -> list[Claim]:
        claims = []
        for need in fresh_needs:
            claims.append(services.need_claim(need=need, volunteer=volunteer))
            time.sleep(0.005)
        return claims

    expired, claimed = run_together(services.claims_expire, keep_claiming)

    assert expired == 2100, expired
    assert len(claimed) == 20, claimed
    assert Need.objects.filter(pk__in=[need.pk for need in stuck], status="open").count() == 2100
    assert Claim.objects.filter(outcome=Claim.Outcome.EXPIRED).count() == 2100
