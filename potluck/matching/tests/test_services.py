"""Suggesting matches from real rows, dispatching, and volunteers answering."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.matching import inputs, services
from potluck.matching.models import Dispatch, MatchRun, Suggestion
from potluck.matching.tests.builders import need, person, town, volunteer
from potluck.needs import services as need_services
from potluck.needs.models import Claim, Need
from potluck.networks.models import Role
from potluck.volunteers.tests.factories import task

pytestmark = pytest.mark.django_db


def suggested(run: MatchRun, for_need: Need) -> list[int]:
    """Volunteer ids suggested for a need, best first."""
    rows = Suggestion.objects.filter(run=run, need=for_need).order_by("rank")
    return list(rows.values_list("volunteer_id", flat=True))


def pick(run: MatchRun, for_need: Need) -> int | None:
    row = Suggestion.objects.filter(run=run, need=for_need, rank=0).first()
    return row.volunteer_id if row else None


@pytest.fixture
def network():
    return town()


@pytest.fixture
def coordinator(network):
    return person(network, Role.COORDINATOR)


# ---------------------------------------------------------------------------- places


def test_neighbourhoods_are_projected_on_a_km_grid_around_their_mean(network):
    places = inputs.places_for(network)
    riverside, eastgate = places.point("Riverside"), places.point("eastgate")
    assert riverside is not None
    assert eastgate is not None
    assert abs(eastgate[0] - riverside[0]) == pytest.approx(2.77, abs=0.05)
    assert abs(eastgate[1] - riverside[1]) < 0.01
    xs = [point[0] for point in places.points.values()]
    assert sum(xs) == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Eastgate", "eastgate"),
        ("  EASTGATE ", "eastgate"),
        ("Eastgate, near the library", "eastgate"),
        ("corner of Old Mill Road", "old mill"),
        ("Northside", "northside"),
    ],
)
def test_a_needs_area_is_matched_to_a_neighbourhood_ignoring_case(network, text, key):
    assert inputs.places_for(network).key(text) == key


def test_a_network_without_a_map_still_matches_by_neighbourhood_name():
    places = inputs.places_for(town(area_locations={}))
    assert places.point("Riverside") is None
    assert places.key("riverside, by the bridge") == "riverside"


# ---------------------------------------------------------------------------- suggesting


def test_coordinator_gets_a_suggestion_for_each_need_someone_fits(network, coordinator):
    helper = volunteer(network)
    first, second = need(network), need(network, area="Eastgate")

    run = services.match_suggest(network=network, by=coordinator)

    assert (run.kind, run.started_by, run.needs_count, run.volunteers_count) == (
        MatchRun.Kind.MANUAL,
        coordinator,
        2,
        1,
    )
    assert run.matched_count == 2
    assert pick(run, first) == pick(run, second) == helper.pk
    row = Suggestion.objects.get(run=run, need=second)
    assert row.distance_km is None  # a volunteer who goes anywhere has no home point
    assert "speaks en" in row.reasons
    assert not Dispatch.objects.exists()
    assert Need.objects.filter(status=Need.Status.OPEN).count() == 2  # nothing assigned


def test_a_volunteer_at_their_weekly_cap_is_never_suggested(network, coordinator):
    full = volunteer(network, weekly_cap=2)
    for _ in range(2):
        task(network=network, volunteer=full)
    spare = volunteer(network, weekly_cap=2)
    needs = [need(network) for _ in range(4)]

    run = services.match_suggest(network=network, by=coordinator)

    assert not Suggestion.objects.filter(run=run, volunteer=full).exists()
    assert {pick(run, n) for n in needs} == {spare.pk, None}
    assert run.matched_count == 2  # the spare volunteer's cap, not more


def test_last_weeks_tasks_do_not_count_against_this_weeks_cap(network, coordinator):
    helper = volunteer(network, weekly_cap=1)
    task(network=network, volunteer=helper, at=timezone.now() - timedelta(days=8))
    asked = need(network)

    run = services.match_suggest(network=network, by=coordinator)

    assert pick(run, asked) == helper.pk


def test_needs_waiting_for_an_answer_count_against_the_cap(network, coordinator):
    helper = volunteer(network, weekly_cap=1)
    sent = need(network)
    services.match_dispatch(network=network, by=coordinator, pairs=[(sent, helper)])
    other = need(network)

    run = services.match_suggest(network=network, by=coordinator)

    assert run.needs_count == 1  # the need already sent is not suggested again
    assert suggested(run, other) == []
    assert run.unmatched == {str(other.pk): "no_feasible_volunteer"}


def test_a_paused_volunteer_is_never_suggested(network, coordinator):
    resting = volunteer(network, paused_until=timezone.now() + timedelta(days=3))
    rested = volunteer(network, paused_until=timezone.now() - timedelta(days=1))
    asked = need(network)

    run = services.match_suggest(network=network, by=coordinator)

    assert suggested(run, asked) == [rested.pk]
    assert not Suggestion.objects.filter(volunteer=resting).exists()


def test_a_spanish_only_requester_is_only_matched_to_spanish_speakers(network, coordinator):
    english = volunteer(network, languages=["en"])
    spanish = volunteer(network, languages=["es"], weekly_cap=5)
    both = volunteer(network, languages=["en", "es"], weekly_cap=5)
    spanish_needs = [need(network, language="es") for _ in range(3)]
    any_language = need(network, language="es", any_language=True)

    run = services.match_suggest(network=network, by=coordinator)

    for asked in spanish_needs:
        assert set(suggested(run, asked)) == {spanish.pk, both.pk}
        assert pick(run, asked) in (spanish.pk, both.pk)
    assert english.pk in suggested(run, any_language)


def test_members_and_volunteers_without_a_profile_are_not_suggested(network, coordinator):
    person(network, Role.VOLUNTEER)  # never said what they can do
    member = person(network, Role.MEMBER)
    asked = need(network)

    run = services.match_suggest(network=network, by=coordinator)

    assert run.volunteers_count == 0
    assert suggested(run, asked) == []
    assert not Suggestion.objects.filter(volunteer=member).exists()


def test_a_volunteer_is_suggested_only_for_the_neighbourhoods_they_cover(network, coordinator):
    eastgate = volunteer(network, areas=["Eastgate"])
    near = need(network, area="eastgate, by the library")
    far = need(network, area="Old Mill")

    run = services.match_suggest(network=network, by=coordinator)

    assert pick(run, near) == eastgate.pk
    assert suggested(run, far) == []
    assert "serves eastgate" in Suggestion.objects.get(run=run, need=near).reasons


def test_a_home_and_radius_volunteer_is_suggested_only_within_reach(network, coordinator):
    walker = volunteer(network, home_area="Riverside", radius_km=3, travel="foot")
    close = need(network, area="Eastgate")  # 2.8 km
    far = need(network, area="Old Mill")  # 4.4 km

    run = services.match_suggest(network=network, by=coordinator)

    assert pick(run, close) == walker.pk
    assert Suggestion.objects.get(run=run, need=close).distance_km == pytest.approx(2.77, 0.02)
    assert suggested(run, far) == []


def test_the_most_urgent_need_gets_the_only_volunteer(network, coordinator):
    helper = volunteer(network, weekly_cap=1)
    whenever = need(network, urgency="flexible")
    today = need(network, urgency="today")

    run = services.match_suggest(network=network, by=coordinator)

    assert pick(run, today) == helper.pk
    assert pick(run, whenever) is None
    assert run.unmatched == {str(whenever.pk): "outranked"}
    # The volunteer is still listed for the other need, as an alternative from rank 1.
    assert Suggestion.objects.get(run=run, need=whenever).rank == 1


def test_suggesting_reads_a_constant_number_of_queries(network, coordinator):
    for _ in range(2):
        volunteer(network)
        need(network)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            services.match_suggest(network=network, by=coordinator)
        return len(captured)

    few = queries()
    for _ in range(20):
        volunteer(network)
        need(network, area="Eastgate")
    assert queries() == few


def test_only_a_coordinator_may_ask_for_suggestions(network):
    with pytest.raises(DomainError) as excinfo:
        services.match_suggest(network=network, by=volunteer(network))
    assert excinfo.value.message == services.NOT_ALLOWED
    assert not MatchRun.objects.exists()


# ---------------------------------------------------------------------------- automatic runs


def test_automatic_runs_only_suggest_and_only_where_due(coordinator, network):
    network.auto_match_minutes = 30
    network.save()
    town(auto_match_minutes=0)
    volunteer(network)
    asked = need(network)

    (run,) = services.match_auto()
    assert (run.kind, run.started_by, run.network) == (MatchRun.Kind.AUTO, None, network)
    assert pick(run, asked) is not None
    assert services.match_auto() == []  # the last run is recent
    later = timezone.now() + timedelta(minutes=31)
    assert len(services.match_auto(now=later)) == 1
    assert not Dispatch.objects.exists()
    asked.refresh_from_db()
    assert (asked.status, asked.claimant) == (Need.Status.OPEN, None)


# ---------------------------------------------------------------------------- dispatching


def test_coordinator_dispatches_reviewed_pairs_in_one_go(
    network, coordinator, audit_verbs, django_capture_on_commit_callbacks
):
    ann = volunteer(network)
    ben = volunteer(network)
    first, second = need(network), need(network)

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.match_dispatch(
            network=network, by=coordinator, pairs=[(first, ann), (second, ben)]
        )

    assert [(d.need, d.volunteer, d.status) for d in sent] == [
        (first, ann, Dispatch.Status.PENDING),
        (second, ben, Dispatch.Status.PENDING),
    ]
    hours = network.dispatch_answer_hours
    assert sent[0].expires_at == pytest.approx(
        timezone.now() + timedelta(hours=hours), abs=timedelta(seconds=5)
    )
    assert audit_verbs(first) == ["need.dispatched"]
    event = AuditEvent.objects.get(verb="need.dispatched", target_id=first.pk)
    assert (event.actor, event.data) == (coordinator, {"volunteer": ann.pk})
    assert sorted(message.to[0] for message in mail.outbox) == sorted([ann.email, ben.email])
    assert f"/n/{network.slug}/my-tasks/" in mail.outbox[0].body


def test_dispatch_refuses_infeasible_pairs_with_a_reason_for_each(network, coordinator):
    english = volunteer(network, languages=["en"])
    walker = volunteer(network, areas=["Riverside"])
    spanish_need = need(network, language="es")
    far_need = need(network, area="Old Mill")
    fine_need = need(network)

    with pytest.raises(services.DispatchRefused) as excinfo:
        services.match_dispatch(
            network=network,
            by=coordinator,
            pairs=[(spanish_need, english), (far_need, walker), (fine_need, english)],
        )

    refusals = {
        need_id: [str(m) for m in found] for need_id, found in excinfo.value.refusals.items()
    }
    assert refusals == {
        spanish_need.pk: ["They don't speak the language of the person who asked."],
        far_need.pk: ["They don't cover this neighbourhood."],
    }
    assert excinfo.value.message == services.DISPATCH_REFUSED
    assert not Dispatch.objects.exists()  # all or nothing
    assert not mail.outbox


def test_dispatch_never_takes_a_volunteer_over_their_cap(network, coordinator):
    helper = volunteer(network, weekly_cap=2)
    task(network=network, volunteer=helper)
    first, second = need(network), need(network)

    with pytest.raises(services.DispatchRefused) as excinfo:
        services.match_dispatch(
            network=network, by=coordinator, pairs=[(first, helper), (second, helper)]
        )

    assert [str(m) for m in excinfo.value.refusals[second.pk]] == [
        "They have reached their weekly limit."
    ]
    assert first.pk not in excinfo.value.refusals


def test_dispatch_refuses_closed_claimed_and_already_sent_needs(network, coordinator):
    helper = volunteer(network, weekly_cap=9)
    closed = need(network, status=Need.Status.CLOSED)
    claimed = need(network)
    need_services.need_claim(need=claimed, volunteer=volunteer(network))
    sent = need(network)
    services.match_dispatch(network=network, by=coordinator, pairs=[(sent, helper)])
    twice = need(network)

    with pytest.raises(services.DispatchRefused) as excinfo:
        services.match_dispatch(
            network=network,
            by=coordinator,
            pairs=[
                (closed, helper),
                (claimed, helper),
                (sent, helper),
                (twice, helper),
                (twice, helper),
            ],
        )

    refusals = excinfo.value.refusals
    assert refusals[closed.pk] == [services.NEED_NOT_OPEN]
    assert refusals[claimed.pk] == [services.NEED_NOT_OPEN]
    assert refusals[sent.pk] == [services.ALREADY_DISPATCHED]
    assert services.CHOSEN_TWICE in refusals[twice.pk]


def test_dispatch_refuses_someone_who_is_not_a_volunteer_here(network, coordinator):
    member = person(network, Role.MEMBER)
    elsewhere = volunteer(town())
    asked = need(network)
    for who in (member, elsewhere):
        with pytest.raises(services.DispatchRefused) as excinfo:
            services.match_dispatch(network=network, by=coordinator, pairs=[(asked, who)])
        assert excinfo.value.refusals == {asked.pk: [services.NOT_A_VOLUNTEER]}


def test_only_a_coordinator_may_dispatch(network):
    helper = volunteer(network)
    with pytest.raises(DomainError) as excinfo:
        services.match_dispatch(network=network, by=helper, pairs=[(need(network), helper)])
    assert excinfo.value.code == "forbidden"


def test_dispatching_nothing_is_refused(network, coordinator):
    with pytest.raises(DomainError) as excinfo:
        services.match_dispatch(network=network, by=coordinator, pairs=[])
    assert excinfo.value.message == services.NOTHING_CHOSEN


# ---------------------------------------------------------------------------- answering


@pytest.fixture
def sent(network, coordinator):
    """A need dispatched to a volunteer."""
    helper = volunteer(network)
    (dispatch,) = services.match_dispatch(
        network=network, by=coordinator, pairs=[(need(network), helper)]
    )
    return dispatch


def test_volunteer_accepting_claims_the_need(sent, audit_verbs):
    services.dispatch_accept(dispatch=sent, by=sent.volunteer)

    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.ACCEPTED
    assert sent.answered_at is not None
    claimed = Need.objects.get(pk=sent.need_id)
    assert (claimed.status, claimed.claimant) == (Need.Status.CLAIMED, sent.volunteer)
    assert Claim.objects.get(need=claimed).volunteer == sent.volunteer
    assert audit_verbs(claimed) == ["need.dispatched", "need.claimed", "need.dispatch_accepted"]


def test_accepting_a_need_someone_claimed_meanwhile_cancels_the_dispatch(sent, network):
    need_services.need_claim(need=sent.need, volunteer=volunteer(network))

    with pytest.raises(DomainError) as excinfo:
        services.dispatch_accept(dispatch=sent, by=sent.volunteer)

    assert excinfo.value.message == services.NEED_TAKEN_MEANWHILE
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.CANCELLED
    assert Claim.objects.filter(volunteer=sent.volunteer).count() == 0


def test_nobody_else_may_answer_a_dispatch(sent, network):
    other = volunteer(network)
    for answer in (services.dispatch_accept, services.dispatch_decline):
        with pytest.raises(DomainError) as excinfo:
            answer(dispatch=sent, by=other)
        assert excinfo.value.message == services.NOT_ALLOWED
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.PENDING


def test_a_dispatch_is_answered_once(sent):
    services.dispatch_decline(dispatch=sent, by=sent.volunteer)
    for answer in (services.dispatch_accept, services.dispatch_decline):
        with pytest.raises(DomainError) as excinfo:
            answer(dispatch=sent, by=sent.volunteer)
        assert excinfo.value.message == services.DISPATCH_NOT_PENDING


def test_declining_returns_the_need_to_the_pool(sent, network, coordinator, audit_verbs):
    services.dispatch_decline(dispatch=sent, by=sent.volunteer)

    sent.refresh_from_db()
    assert (sent.status, sent.answered_at is not None) == (Dispatch.Status.DECLINED, True)
    assert audit_verbs(sent.need)[-1] == "need.dispatch_declined"
    run = services.match_suggest(network=network, by=coordinator)
    assert run.needs_count == 1


def test_a_dispatch_past_its_answer_time_cannot_be_accepted(sent):
    Dispatch.objects.filter(pk=sent.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError) as excinfo:
        services.dispatch_accept(dispatch=sent, by=sent.volunteer)
    assert excinfo.value.message == services.DISPATCH_NOT_PENDING


def test_unanswered_dispatches_expire_and_their_needs_return_to_the_pool(
    sent, network, coordinator, audit_verbs
):
    assert services.dispatches_expire() == 0
    later = timezone.now() + timedelta(hours=network.dispatch_answer_hours, minutes=1)

    assert services.dispatches_expire(now=later) == 1
    assert services.dispatches_expire(now=later) == 0

    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.EXPIRED
    event = AuditEvent.objects.get(verb="need.dispatch_expired")
    assert (event.actor, event.data) == (None, {"volunteer": sent.volunteer_id})
    assert services.match_suggest(network=network, by=coordinator).needs_count == 1


def test_a_dispatch_whose_need_was_claimed_otherwise_is_cancelled(sent, network):
    need_services.need_claim(need=sent.need, volunteer=volunteer(network))
    assert services.dispatches_expire() == 1
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.CANCELLED
