"""The ask → claim → deliver → close loop, offers and matches, through the services."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone, translation

from potluck.accounts.models import User
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.needs import selectors, services
from potluck.needs.models import Claim, Match, MatchMessage, Need, NeedNote, Offer
from potluck.needs.tests.factories import MatchFactory, NeedFactory, OfferFactory
from potluck.networks.models import Network

pytestmark = pytest.mark.django_db


def responder_of(match: Match) -> User:
    assert match.responder is not None
    return match.responder


def ask(network: Network, **overrides: object) -> tuple[Need, str]:
    fields: dict[str, object] = {
        "network": network,
        "category": "groceries",
        "description": "  Groceries for two this week.  ",
        "area": " Riverside ",
        "urgency": "today",
        "contact_method": "sms",
        "contact_value": " +15550100002 ",
        "language": "es",
        "contact_times": "mornings",
    }
    fields.update(overrides)
    return services.need_create(**fields)  # type: ignore[arg-type]


def fresh(need: Need) -> Need:
    return Need.objects.get(pk=need.pk)


# need_create ------------------------------------------------------------------------------


def test_neighbour_can_ask_for_help_and_find_the_need_by_its_token(network, audit_verbs):
    need, token = ask(network)

    assert selectors.access_need_by_token(token=token) == need
    assert need.status == Need.Status.OPEN
    assert (need.description, need.area, need.contact_value) == (
        "Groceries for two this week.",
        "Riverside",
        "+15550100002",
    )
    assert need.status_token_hash != token
    assert audit_verbs(need) == ["need.created"]
    event = AuditEvent.objects.for_object(need).get()
    assert (event.actor, event.data, event.network) == (None, {"intake": "form"}, network)


def test_stranger_cannot_find_a_need_with_a_wrong_token(network):
    ask(network)
    with pytest.raises(Http404):
        selectors.access_need_by_token(token="not-the-token")


def test_member_can_ask_for_help_as_the_requester(network, member):
    need, _token = ask(network, requester=member)
    assert need.requester == member
    assert AuditEvent.objects.for_object(need).get().actor == member


def test_volunteer_can_enter_a_need_for_a_neighbour_on_the_phone(network, volunteer):
    need, _token = ask(network, entered_by=volunteer)

    event = AuditEvent.objects.for_object(need).get()
    assert need.entered_by == volunteer
    assert (event.verb, event.actor, event.data) == ("need.created", volunteer, {"intake": "phone"})


@pytest.mark.parametrize("who", ["member", "pending_member", "stranger"])
def test_non_volunteer_cannot_enter_a_need_for_someone(network, who, request):
    with pytest.raises(DomainError) as excinfo:
        ask(network, entered_by=request.getfixturevalue(who))
    assert excinfo.value.message == services.NOT_ALLOWED
    assert not Need.objects.exists()


def test_neighbour_cannot_ask_in_a_category_the_network_does_not_use(network):
    network.categories = ["groceries", "meals"]
    network.save()
    with pytest.raises(DomainError) as excinfo:
        ask(network, category="rides")
    assert excinfo.value.message == services.UNKNOWN_CATEGORY
    assert not Need.objects.exists()


# need_claim --------------------------------------------------------------------------------


def test_volunteer_can_claim_an_open_need(need, volunteer, audit_verbs):
    before = timezone.now()
    claim = services.need_claim(need=need, volunteer=volunteer)

    need = fresh(need)
    hours = timedelta(hours=need.network.claim_hours)
    assert need.status == Need.Status.CLAIMED
    assert need.claimant == volunteer
    assert before + hours <= need.claim_expires_at <= timezone.now() + hours
    assert (claim.volunteer, claim.outcome, claim.expires_at) == (
        volunteer,
        Claim.Outcome.ACTIVE,
        need.claim_expires_at,
    )
    assert audit_verbs(need) == ["need.claimed"]


@pytest.mark.parametrize("who", ["treasurer", "coordinator", "admin"])
def test_volunteer_roles_above_volunteer_can_claim(need, who, request):
    services.need_claim(need=need, volunteer=request.getfixturevalue(who))
    assert fresh(need).status == Need.Status.CLAIMED


@pytest.mark.parametrize("who", ["member", "pending_member", "stranger"])
def test_non_volunteer_cannot_claim_a_need(need, who, request):
    with pytest.raises(DomainError) as excinfo:
        services.need_claim(need=need, volunteer=request.getfixturevalue(who))
    assert excinfo.value.message == services.NOT_ALLOWED
    assert fresh(need).status == Need.Status.OPEN
    assert not Claim.objects.exists()


def test_volunteer_cannot_claim_a_need_someone_else_claimed(claimed_need, network, actor_factory):
    other = actor_factory("volunteer", network)
    with pytest.raises(DomainError) as excinfo:
        services.need_claim(need=claimed_need, volunteer=other)
    assert excinfo.value.message == services.NEED_NOT_OPEN
    assert claimed_need.claims.count() == 1


def test_volunteer_cannot_claim_with_a_stale_copy_of_a_claimed_need(need, volunteer, coordinator):
    stale = fresh(need)
    services.need_claim(need=need, volunteer=volunteer)
    with pytest.raises(DomainError) as excinfo:
        services.need_claim(need=stale, volunteer=coordinator)
    assert excinfo.value.message == services.NEED_NOT_OPEN
    assert fresh(need).claimant == volunteer


# need_release -------------------------------------------------------------------------------


def test_claimant_can_release_a_need_with_a_reason(claimed_need, volunteer, audit_verbs):
    services.need_release(need=claimed_need, by=volunteer, reason="  Car broke down.  ")

    need = fresh(claimed_need)
    assert (need.status, need.claimant, need.claim_expires_at) == (Need.Status.OPEN, None, None)
    assert need.claims.get().outcome == Claim.Outcome.RELEASED
    note = need.notes.get()
    assert (note.kind, note.author, note.body) == (NeedNote.Kind.NOTE, volunteer, "Car broke down.")
    assert audit_verbs(need) == ["need.claimed", "need.released"]


def test_claimant_can_release_a_need_without_a_reason(claimed_need, volunteer):
    services.need_release(need=claimed_need, by=volunteer, reason="  ")
    assert not claimed_need.notes.exists()


def test_coordinator_can_release_someone_elses_claim(claimed_need, coordinator, audit_verbs):
    services.need_release(need=claimed_need, by=coordinator)
    assert fresh(claimed_need).status == Need.Status.OPEN
    assert (
        AuditEvent.objects.for_object(claimed_need).latest("created_at", "pk").actor == coordinator
    )


def test_released_need_can_be_claimed_again(claimed_need, volunteer, network, actor_factory):
    services.need_release(need=claimed_need, by=volunteer)
    other = actor_factory("volunteer", network)
    services.need_claim(need=fresh(claimed_need), volunteer=other)
    outcomes = set(claimed_need.claims.values_list("outcome", flat=True))
    assert outcomes == {Claim.Outcome.RELEASED, Claim.Outcome.ACTIVE}


@pytest.mark.parametrize("who", ["member", "treasurer", "stranger"])
def test_non_claimant_cannot_release_a_claim(claimed_need, who, request):
    with pytest.raises(DomainError) as excinfo:
        services.need_release(need=claimed_need, by=request.getfixturevalue(who))
    assert excinfo.value.message == services.NOT_ALLOWED
    assert fresh(claimed_need).status == Need.Status.CLAIMED


def test_coordinator_cannot_release_an_open_need(need, coordinator):
    with pytest.raises(DomainError) as excinfo:
        services.need_release(need=need, by=coordinator)
    assert excinfo.value.message == services.NEED_NOT_CLAIMED


def test_claimant_cannot_release_with_a_stale_copy_after_a_coordinator_did(
    claimed_need, volunteer, coordinator, audit_verbs
):
    stale = fresh(claimed_need)
    services.need_release(need=claimed_need, by=coordinator)
    with pytest.raises(DomainError) as excinfo:
        services.need_release(need=stale, by=volunteer)
    assert excinfo.value.message == services.NEED_NOT_CLAIMED
    assert audit_verbs(claimed_need).count("need.released") == 1


# need_mark_delivered -----------------------------------------------------------------------


def test_claimant_can_mark_a_need_delivered(claimed_need, volunteer, audit_verbs):
    services.need_mark_delivered(need=claimed_need, by=volunteer)

    need = fresh(claimed_need)
    assert need.status == Need.Status.DELIVERED
    assert need.delivered_at is not None
    assert need.claimant == volunteer
    assert need.claims.get().outcome == Claim.Outcome.DELIVERED
    assert audit_verbs(need) == ["need.claimed", "need.delivered"]


def test_coordinator_can_mark_a_need_delivered(claimed_need, coordinator):
    services.need_mark_delivered(need=claimed_need, by=coordinator)
    assert fresh(claimed_need).status == Need.Status.DELIVERED


def test_other_volunteer_cannot_mark_a_need_delivered(claimed_need, network, actor_factory):
    with pytest.raises(DomainError) as excinfo:
        services.need_mark_delivered(need=claimed_need, by=actor_factory("volunteer", network))
    assert excinfo.value.message == services.NOT_ALLOWED


def test_claimant_cannot_mark_an_open_need_delivered(need, coordinator):
    with pytest.raises(DomainError) as excinfo:
        services.need_mark_delivered(need=need, by=coordinator)
    assert excinfo.value.message == services.NEED_NOT_CLAIMED


def test_former_claimant_cannot_deliver_a_need_someone_else_claimed_since(
    claimed_need, volunteer, coordinator, network, actor_factory
):
    stale = fresh(claimed_need)  # the first claimant's page, still showing their claim
    services.need_release(need=claimed_need, by=coordinator)
    newcomer = actor_factory("volunteer", network)
    services.need_claim(need=fresh(claimed_need), volunteer=newcomer)

    with pytest.raises(DomainError) as excinfo:
        services.need_mark_delivered(need=stale, by=volunteer)

    assert excinfo.value.message == services.NEED_NOT_CLAIMED
    need = fresh(claimed_need)
    assert (need.status, need.claimant) == (Need.Status.CLAIMED, newcomer)
    assert need.claims.get(outcome=Claim.Outcome.ACTIVE).volunteer == newcomer


# need_confirm_by_requester / need_withdraw_by_requester -------------------------------------


def test_requester_can_confirm_a_delivered_need_which_closes_it(claimed_need, volunteer):
    services.need_mark_delivered(need=claimed_need, by=volunteer)
    services.need_confirm_by_requester(need=fresh(claimed_need))

    need = fresh(claimed_need)
    assert need.status == Need.Status.CLOSED
    assert need.closed_at is not None
    event = AuditEvent.objects.for_object(need).latest("created_at", "pk")
    assert (event.verb, event.actor, event.data) == ("need.confirmed", None, {"outcome": "closed"})


def test_requester_can_confirm_help_arrived_while_still_claimed(claimed_need):
    services.need_confirm_by_requester(need=claimed_need)

    need = fresh(claimed_need)
    assert need.status == Need.Status.CLOSED
    assert need.claim_expires_at is None
    assert need.claims.get().outcome == Claim.Outcome.CLOSED


def test_requester_cannot_confirm_an_open_need(need, audit_verbs):
    with pytest.raises(DomainError) as excinfo:
        services.need_confirm_by_requester(need=need)
    assert excinfo.value.message == services.NOTHING_TO_CONFIRM
    assert audit_verbs(need) == []


def test_requester_cannot_confirm_a_closed_need(network):
    need = NeedFactory.create(network=network, status=Need.Status.CLOSED)
    with pytest.raises(DomainError) as excinfo:
        services.need_confirm_by_requester(need=need)
    assert excinfo.value.message == services.NEED_FINISHED


def test_requester_can_withdraw_an_open_need(need, audit_verbs):
    services.need_withdraw_by_requester(need=need)
    assert fresh(need).status == Need.Status.WITHDRAWN
    assert audit_verbs(need) == ["need.withdrawn"]


def test_requester_can_withdraw_a_claimed_need_which_ends_the_claim(claimed_need):
    services.need_withdraw_by_requester(need=claimed_need)
    need = fresh(claimed_need)
    assert need.status == Need.Status.WITHDRAWN
    assert need.claims.get().outcome == Claim.Outcome.CLOSED


def test_requester_cannot_withdraw_twice(need, audit_verbs):
    services.need_withdraw_by_requester(need=need)
    with pytest.raises(DomainError) as excinfo:
        services.need_withdraw_by_requester(need=need)
    assert excinfo.value.message == services.NEED_FINISHED
    assert audit_verbs(need) == ["need.withdrawn"]


# need_close -------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", services.CLOSE_OUTCOMES)
def test_coordinator_can_close_a_need_with_each_outcome(need, coordinator, outcome):
    services.need_close(need=need, by=coordinator, outcome=outcome)

    need = fresh(need)
    assert need.status == outcome
    assert need.closed_at is not None
    event = AuditEvent.objects.for_object(need).get()
    assert (event.verb, event.actor, event.data) == (
        "need.closed",
        coordinator,
        {"outcome": outcome},
    )


def test_coordinator_can_close_a_claimed_need_which_ends_the_claim(claimed_need, coordinator):
    services.need_close(need=claimed_need, by=coordinator, outcome=Need.Status.DUPLICATE)
    need = fresh(claimed_need)
    assert (need.status, need.claim_expires_at) == (Need.Status.DUPLICATE, None)
    assert need.claims.get().outcome == Claim.Outcome.CLOSED


def test_claimant_can_close_a_need_they_delivered(claimed_need, volunteer):
    services.need_mark_delivered(need=claimed_need, by=volunteer)
    services.need_close(need=fresh(claimed_need), by=volunteer)
    assert fresh(claimed_need).status == Need.Status.CLOSED


def test_claimant_cannot_close_a_need_before_delivering_it(claimed_need, volunteer):
    with pytest.raises(DomainError) as excinfo:
        services.need_close(need=claimed_need, by=volunteer)
    assert excinfo.value.message == services.NOT_ALLOWED
    assert fresh(claimed_need).status == Need.Status.CLAIMED


@pytest.mark.parametrize("outcome", [Need.Status.OPEN, Need.Status.DELIVERED, "done", ""])
def test_coordinator_cannot_close_a_need_with_an_unknown_outcome(need, coordinator, outcome):
    with pytest.raises(DomainError) as excinfo:
        services.need_close(need=need, by=coordinator, outcome=outcome)
    assert excinfo.value.message == services.BAD_OUTCOME


def test_coordinator_cannot_close_a_finished_need(network, coordinator):
    need = NeedFactory.create(network=network, status=Need.Status.NO_ANSWER)
    with pytest.raises(DomainError) as excinfo:
        services.need_close(need=need, by=coordinator)
    assert excinfo.value.message == services.NEED_FINISHED


def test_coordinator_cannot_close_a_need_twice_from_stale_copies(need, coordinator, audit_verbs):
    stale = fresh(need)
    services.need_close(need=need, by=coordinator)
    with pytest.raises(DomainError) as excinfo:
        services.need_close(need=stale, by=coordinator, outcome=Need.Status.DUPLICATE)
    assert excinfo.value.message == services.NEED_FINISHED
    assert fresh(need).status == Need.Status.CLOSED
    assert audit_verbs(need) == ["need.closed"]


# messages, notes, language, contact ---------------------------------------------------------


def test_requester_can_send_a_message(need, audit_verbs):
    note = services.need_add_requester_message(need=need, body=" Please call after 6. ")
    assert (note.kind, note.author, note.body) == (
        NeedNote.Kind.REQUESTER,
        None,
        "Please call after 6.",
    )
    assert audit_verbs(need) == ["need.requester_message"]


def test_requester_cannot_send_a_message_on_a_finished_need(network):
    need = NeedFactory.create(network=network, status=Need.Status.WITHDRAWN)
    with pytest.raises(DomainError) as excinfo:
        services.need_add_requester_message(need=need, body="hello?")
    assert excinfo.value.message == services.NEED_FINISHED
    assert not need.notes.exists()


def test_claimant_can_add_a_note(claimed_need, volunteer, audit_verbs):
    note = services.need_add_note(need=claimed_need, author=volunteer, body=" Left a voicemail ")
    assert (note.kind, note.author, note.body) == (
        NeedNote.Kind.NOTE,
        volunteer,
        "Left a voicemail",
    )
    assert audit_verbs(claimed_need)[-1] == "need.noted"


def test_coordinator_can_add_a_note_to_an_open_need(need, coordinator):
    services.need_add_note(need=need, author=coordinator, body="Called, no answer.")
    assert need.notes.get().author == coordinator


@pytest.mark.parametrize("who", ["member", "volunteer", "treasurer", "stranger"])
def test_non_claimant_cannot_add_a_note(need, who, request):
    with pytest.raises(DomainError) as excinfo:
        services.need_add_note(need=need, author=request.getfixturevalue(who), body="hi")
    assert excinfo.value.message == services.NOT_ALLOWED
    assert not need.notes.exists()


def test_requester_can_choose_a_language_the_network_offers(need):
    services.need_set_language(need=need, language="es")
    assert fresh(need).language == "es"


def test_requester_cannot_choose_an_unknown_language(need):
    with pytest.raises(DomainError) as excinfo:
        services.need_set_language(need=need, language="xx")
    assert excinfo.value.message == services.UNKNOWN_LANGUAGE
    assert fresh(need).language == "en"


def test_claimant_can_reveal_contact_details_which_is_logged(claimed_need, volunteer):
    with translation.override("en"):
        contact = services.need_reveal_contact(need=claimed_need, by=volunteer)

    assert contact == {
        "method": "phone",
        "method_label": "Phone call",
        "value": "+15550100001",
        "times": "Evenings after 6",
    }
    event = AuditEvent.objects.for_object(claimed_need).latest("created_at", "pk")
    assert (event.verb, event.actor) == ("need.contact_revealed", volunteer)


def test_coordinator_can_reveal_contact_details_of_an_open_need(need, coordinator, audit_verbs):
    services.need_reveal_contact(need=need, by=coordinator)
    assert audit_verbs(need) == ["need.contact_revealed"]


@pytest.mark.parametrize("who", ["member", "volunteer", "treasurer", "stranger"])
def test_non_claimant_cannot_reveal_contact_details(
    claimed_need, network, who, actor_factory, audit_verbs
):
    with pytest.raises(DomainError) as excinfo:
        services.need_reveal_contact(need=claimed_need, by=actor_factory(who, network))
    assert excinfo.value.message == services.NOT_ALLOWED
    assert "need.contact_revealed" not in audit_verbs(claimed_need)


# claims_expire ------------------------------------------------------------------------------


def test_system_can_return_expired_claims_to_the_queue(network, volunteer, audit_verbs):
    expiring, lasting = NeedFactory.create(network=network), NeedFactory.create(network=network)
    services.need_claim(need=expiring, volunteer=volunteer)
    services.need_claim(need=lasting, volunteer=volunteer)
    later = timezone.now() + timedelta(hours=network.claim_hours + 1)
    Need.objects.filter(pk=lasting.pk).update(claim_expires_at=later + timedelta(hours=1))

    assert services.claims_expire(now=later) == 1

    need = fresh(expiring)
    assert (need.status, need.claimant, need.claim_expires_at) == (Need.Status.OPEN, None, None)
    claim = need.claims.get()
    assert (claim.outcome, claim.ended_at) == (Claim.Outcome.EXPIRED, later)
    note = need.notes.get()
    assert (note.kind, note.body, note.author) == (
        NeedNote.Kind.SYSTEM,
        NeedNote.CLAIM_EXPIRED,
        None,
    )
    assert note.text == str(NeedNote.SYSTEM_TEXTS[NeedNote.CLAIM_EXPIRED])
    event = AuditEvent.objects.for_object(need).latest("created_at", "pk")
    assert (event.verb, event.actor, event.data) == (
        "need.claim_expired",
        None,
        {"volunteer": volunteer.pk},
    )

    untouched = fresh(lasting)
    assert (untouched.status, untouched.claimant) == (Need.Status.CLAIMED, volunteer)
    assert untouched.claims.get().outcome == Claim.Outcome.ACTIVE
    assert audit_verbs(untouched) == ["need.claimed"]


def test_system_does_not_expire_claims_that_have_not_run_out(claimed_need):
    assert services.claims_expire() == 0
    assert services.claims_expire(now=claimed_need.claim_expires_at) == 0
    assert fresh(claimed_need).status == Need.Status.CLAIMED


def test_system_expires_each_claim_only_once(claimed_need):
    later = claimed_need.claim_expires_at + timedelta(minutes=1)
    assert services.claims_expire(now=later) == 1
    assert services.claims_expire(now=later) == 0
    assert claimed_need.notes.count() == 1


def test_system_does_not_expire_a_need_delivered_in_time(claimed_need, volunteer):
    services.need_mark_delivered(need=claimed_need, by=volunteer)
    later = claimed_need.claim_expires_at + timedelta(hours=1)
    assert services.claims_expire(now=later) == 0
    assert fresh(claimed_need).status == Need.Status.DELIVERED


# offers and matches ------------------------------------------------------------------------


def test_member_can_offer_something(network, member, audit_verbs):
    offer = services.offer_create(
        network=network, author=member, kind="rides", title=" Rides on Sundays ", area=" Eastgate "
    )
    assert (offer.title, offer.area, offer.status) == ("Rides on Sundays", "Eastgate", "open")
    assert audit_verbs(offer) == ["offer.created"]


@pytest.mark.parametrize("who", ["pending_member", "stranger"])
def test_non_member_cannot_offer_something(network, who, request):
    with pytest.raises(DomainError) as excinfo:
        services.offer_create(
            network=network, author=request.getfixturevalue(who), kind="goods", title="A sofa"
        )
    assert excinfo.value.message == services.NOT_ALLOWED
    assert not Offer.objects.exists()


@pytest.mark.parametrize("who", ["member", "coordinator"])
def test_author_or_coordinator_can_close_an_offer(offer, who, request, audit_verbs):
    by = request.getfixturevalue(who)
    services.offer_close(offer=offer, by=by)
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.CLOSED
    assert audit_verbs(offer) == ["offer.closed"]


@pytest.mark.parametrize("who", ["volunteer", "treasurer", "stranger"])
def test_other_people_cannot_close_an_offer(offer, who, request):
    with pytest.raises(DomainError) as excinfo:
        services.offer_close(offer=offer, by=request.getfixturevalue(who))
    assert excinfo.value.message == services.NOT_ALLOWED


def test_author_cannot_close_an_offer_twice(offer, member, audit_verbs):
    stale = Offer.objects.get(pk=offer.pk)
    services.offer_close(offer=offer, by=member)
    for copy in (offer, stale):
        with pytest.raises(DomainError) as excinfo:
            services.offer_close(offer=copy, by=member)
        assert excinfo.value.message == services.OFFER_CLOSED
    assert audit_verbs(offer) == ["offer.closed"]


def test_member_can_respond_to_an_offer_which_opens_a_conversation(offer, volunteer, audit_verbs):
    match = services.offer_respond(
        offer=offer, responder=volunteer, message=" Could I get a lift? "
    )

    assert (match.offer, match.responder, match.network_id) == (offer, volunteer, offer.network_id)
    assert match.status == Match.Status.OPEN
    message = match.messages.get()
    assert (message.author, message.body) == (volunteer, "Could I get a lift?")
    event = AuditEvent.objects.for_object(offer).get()
    assert (event.verb, event.actor, event.data) == (
        "offer.responded",
        volunteer,
        {"match": match.pk},
    )


def test_member_cannot_respond_to_the_same_offer_twice(offer, volunteer):
    services.offer_respond(offer=offer, responder=volunteer, message="Hi")
    with pytest.raises(DomainError) as excinfo:
        services.offer_respond(offer=offer, responder=volunteer, message="Hi again")
    assert excinfo.value.message == services.ALREADY_RESPONDED
    assert Match.objects.count() == 1
    assert MatchMessage.objects.count() == 1


def test_member_can_respond_again_after_the_conversation_ended(offer, volunteer):
    match = services.offer_respond(offer=offer, responder=volunteer, message="Hi")
    services.match_close(match=match, by=volunteer)
    services.offer_respond(offer=offer, responder=volunteer, message="Hi again")
    assert offer.matches.count() == 2


def test_author_cannot_respond_to_their_own_offer(offer, member):
    with pytest.raises(DomainError) as excinfo:
        services.offer_respond(offer=offer, responder=member, message="me")
    assert excinfo.value.message == services.NOT_ALLOWED


@pytest.mark.parametrize("who", ["pending_member", "stranger"])
def test_outsider_cannot_respond_to_an_offer(offer, who, request):
    with pytest.raises(DomainError) as excinfo:
        services.offer_respond(offer=offer, responder=request.getfixturevalue(who), message="hi")
    assert excinfo.value.message == services.NOT_ALLOWED
    assert not Match.objects.exists()


def test_member_cannot_respond_to_a_closed_offer(offer, member, volunteer):
    services.offer_close(offer=offer, by=member)
    with pytest.raises(DomainError) as excinfo:
        services.offer_respond(offer=offer, responder=volunteer, message="too late?")
    assert excinfo.value.message == services.OFFER_CLOSED


@pytest.mark.parametrize("side", ["author", "responder"])
def test_both_sides_can_write_in_a_match(network, side):
    match = MatchFactory.create(offer=OfferFactory.create(network=network))
    author = match.offer.author if side == "author" else match.responder
    assert author is not None
    message = services.match_message_add(match=match, author=author, body=" Tuesday? ")
    assert (message.author, message.body) == (author, "Tuesday?")


@pytest.mark.parametrize("who", ["member", "coordinator", "stranger"])
def test_third_party_cannot_write_in_a_match(network, who, request):
    match = MatchFactory.create(offer=OfferFactory.create(network=network))
    with pytest.raises(DomainError) as excinfo:
        services.match_message_add(match=match, author=request.getfixturevalue(who), body="hi")
    assert excinfo.value.message == services.NOT_ALLOWED


def test_nobody_can_write_in_a_closed_match(network):
    match = MatchFactory.create(
        offer=OfferFactory.create(network=network), status=Match.Status.CLOSED
    )
    with pytest.raises(DomainError) as excinfo:
        services.match_message_add(match=match, author=responder_of(match), body="hello?")
    assert excinfo.value.message == services.MATCH_CLOSED


@pytest.mark.parametrize("side", ["author", "responder"])
def test_either_side_can_close_a_match(network, side, audit_verbs):
    match = MatchFactory.create(offer=OfferFactory.create(network=network))
    by = match.offer.author if side == "author" else match.responder
    assert by is not None
    services.match_close(match=match, by=by)
    assert Match.objects.get(pk=match.pk).status == Match.Status.CLOSED
    assert audit_verbs(match) == ["match.closed"]


def test_responder_cannot_close_a_match_twice(network, audit_verbs):
    match = MatchFactory.create(offer=OfferFactory.create(network=network))
    stale = Match.objects.get(pk=match.pk)
    services.match_close(match=match, by=responder_of(match))
    with pytest.raises(DomainError) as excinfo:
        services.match_close(match=stale, by=responder_of(match))
    assert excinfo.value.message == services.MATCH_CLOSED
    assert audit_verbs(match) == ["match.closed"]


def test_third_party_cannot_close_a_match(network, coordinator):
    match = MatchFactory.create(offer=OfferFactory.create(network=network))
    with pytest.raises(DomainError) as excinfo:
        services.match_close(match=match, by=coordinator)
    assert excinfo.value.message == services.NOT_ALLOWED
    assert Match.objects.get(pk=match.pk).status == Match.Status.OPEN


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("language", "fr", services.UNKNOWN_LANGUAGE),
        ("urgency", "yesterday", services.BAD_CHOICE),
        ("contact_method", "pigeon", services.BAD_CHOICE),
    ],
)
def test_need_create_refuses_values_outside_the_choices(network, field, value, message):
    data = {
        "network": network,
        "category": "groceries",
        "description": "Bread",
        "area": "Eastgate",
        "urgency": "today",
        "contact_method": "phone",
        "contact_value": "+15550100003",
        "language": "en",
    }
    data[field] = value
    with pytest.raises(DomainError) as excinfo:
        services.need_create(**data)
    assert excinfo.value.message == message
    assert not Need.objects.exists()


def test_offer_create_refuses_an_unknown_kind(network, member):
    with pytest.raises(DomainError) as excinfo:
        services.offer_create(network=network, author=member, kind="yacht", title="A yacht")
    assert excinfo.value.message == services.BAD_CHOICE


def test_member_cannot_answer_an_offer_closed_since_they_loaded_it(offer, volunteer):
    stale = Offer.objects.get(pk=offer.pk)
    author = offer.author
    assert author is not None
    services.offer_close(offer=offer, by=author)
    with pytest.raises(DomainError) as excinfo:
        services.offer_respond(offer=stale, responder=volunteer, message="Still there?")
    assert excinfo.value.message == services.OFFER_CLOSED
    assert not Match.objects.exists()
