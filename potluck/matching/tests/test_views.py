"""The matching pages at the HTTP level: review and dispatch, my tasks, accept and decline."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from potluck.conftest import login
from potluck.matching import services
from potluck.matching.models import Dispatch, MatchRun
from potluck.matching.tests.builders import need, person, town, volunteer
from potluck.needs.models import Need
from potluck.networks.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    return town()


@pytest.fixture
def coordinator(network):
    return person(network, Role.COORDINATOR)


def url(name, network, *args):
    return reverse(f"matching:{name}", args=[network.slug, *args])


# ---------------------------------------------------------------------------- review


def test_coordinator_suggests_then_sees_each_need_with_its_volunteers(client, network, coordinator):
    near = volunteer(network, home_area="Riverside", radius_km=8, travel="bike")
    far = volunteer(network, home_area="Old Mill", radius_km=8, travel="bike")
    asked = need(network, area="Riverside, by the bridge", language="es", any_language=True)
    login(client, coordinator)

    page = client.get(url("review", network)).content.decode()
    assert f'action="/n/{network.slug}/matching/suggest/"' in page
    assert 'id="dispatch-form"' not in page

    response = client.post(url("suggest", network))
    assert response.status_code == 302
    assert response["Location"] == url("review", network)
    assert MatchRun.objects.get().started_by == coordinator

    page = client.get(url("review", network)).content.decode()
    select = f'name="volunteer-{asked.pk}"'
    assert select in page
    assert f'<option value="{near.pk}" selected>' in page
    assert f'<option value="{far.pk}">' in page
    assert f'name="include" value="{asked.pk}"' in page
    assert "any language is fine" in page  # the reasons, in words
    assert "0.0 km away" in page


def test_coordinator_dispatches_the_ticked_rows_with_their_changes(client, network, coordinator):
    ann, ben = volunteer(network), volunteer(network)
    first, second = need(network), need(network)
    services.match_suggest(network=network, by=coordinator)
    login(client, coordinator)

    response = client.post(
        url("dispatch", network),
        {"include": [first.pk], f"volunteer-{first.pk}": ben.pk, f"volunteer-{second.pk}": ann.pk},
    )

    assert response.status_code == 302
    (dispatch,) = Dispatch.objects.all()
    assert (dispatch.need, dispatch.volunteer, dispatch.dispatched_by) == (first, ben, coordinator)
    page = client.get(url("review", network)).content.decode()
    assert f'name="include" value="{first.pk}"' not in page  # waiting for Ben's answer
    assert "waiting for an answer" in page


def test_the_review_pages_on_by_cursor_without_counting(client, network, coordinator, settings):
    """Like the board: a cursor to the next page, no page numbers, no COUNT."""
    settings.POTLUCK_PAGE_SIZE = 2
    volunteer(network)
    asked = [need(network) for _index in range(5)]
    services.match_suggest(network=network, by=coordinator)
    login(client, coordinator)
    seen, next_url, pages = [], url("review", network), 0
    while next_url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(next_url)
        assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        pager = response.context["pager"]
        seen += [row.need.pk for row in pager.items]
        next_url, pages = pager.next_url, pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(n.pk for n in asked)
    assert len(seen) == len(set(seen))
    assert "Page 1 of" not in response.content.decode()


def test_a_refused_dispatch_comes_back_on_the_page_it_was_sent_from(
    client, network, coordinator, settings
):
    settings.POTLUCK_PAGE_SIZE = 2
    english = volunteer(network, languages=["en"])
    volunteer(network, languages=["es"])
    for _index in range(3):
        need(network, language="es")
    services.match_suggest(network=network, by=coordinator)
    login(client, coordinator)
    second = client.get(client.get(url("review", network)).context["pager"].next_url)
    cursor = second.context["cursor"]
    (row,) = second.context["pager"].items
    assert f'name="cursor" value="{cursor}"' in second.content.decode()

    response = client.post(
        url("dispatch", network),
        {"cursor": cursor, "include": [row.need.pk], f"volunteer-{row.need.pk}": english.pk},
    )

    assert response.status_code == 200
    assert [r.need.pk for r in response.context["pager"].items] == [row.need.pk]
    # Its links lead to the review page, not to the dispatch address it was posted to.
    assert response.context["pager"].first_url == url("review", network)


def test_a_refused_dispatch_shows_the_form_again_with_reasons(client, network, coordinator):
    english = volunteer(network, languages=["en"])
    volunteer(network, languages=["es"])
    asked = need(network, language="es")
    services.match_suggest(network=network, by=coordinator)
    login(client, coordinator)
    # The review only offers Spanish speakers; a forged or stale form could send anyone.
    response = client.post(
        url("dispatch", network), {"include": [asked.pk], f"volunteer-{asked.pk}": english.pk}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "They don&#x27;t speak the language of the person who asked." in page
    assert f'id="errors-{asked.pk}"' in page
    assert f'<input type="checkbox" name="include" value="{asked.pk}"' in page
    assert not Dispatch.objects.exists()


def test_dispatching_nothing_says_so(client, network, coordinator):
    login(client, coordinator)
    response = client.post(url("dispatch", network), {}, follow=True)
    assert str(services.NOTHING_CHOSEN) in response.content.decode()


@pytest.mark.parametrize(
    "form",
    [{"include": ["x"]}, {"include": ["1"], "volunteer-1": "y"}],
    ids=["bad need", "bad volunteer"],
)
def test_a_malformed_dispatch_is_not_found(client, network, coordinator, form):
    login(client, coordinator)
    assert client.post(url("dispatch", network), form).status_code == 404


def test_another_networks_need_or_person_is_not_found(client, network, coordinator):
    other = town()
    theirs, outsider = need(other), volunteer(other)
    mine, helper = need(network), volunteer(network)
    login(client, coordinator)
    for need_id, person_id in ((theirs.pk, helper.pk), (mine.pk, outsider.pk)):
        form = {"include": [need_id], f"volunteer-{need_id}": person_id}
        assert client.post(url("dispatch", network), form).status_code == 404
    assert not Dispatch.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VOLUNTEER, Role.TREASURER])
def test_only_coordinators_reach_matching(client, network, role):
    login(client, person(network, role))
    assert client.get(url("review", network)).status_code == 404
    assert client.post(url("suggest", network)).status_code == 404
    assert not MatchRun.objects.exists()


def test_a_coordinator_without_two_factor_is_sent_to_set_it_up(client, network):
    coordinator = person(network, Role.MEMBER)
    coordinator.memberships.update(role=Role.COORDINATOR)
    client.force_login(coordinator)
    response = client.get(url("review", network))
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


# ---------------------------------------------------------------------------- my tasks


@pytest.fixture
def sent(network, coordinator):
    helper = volunteer(network)
    (dispatch,) = services.match_dispatch(
        network=network, by=coordinator, pairs=[(need(network), helper)]
    )
    return dispatch


def test_volunteer_sees_what_was_sent_to_them_and_what_is_suggested(client, network, coordinator):
    helper = volunteer(network, weekly_cap=5)
    sent_need, suggested_need, claimed_need = need(network), need(network), need(network)
    services.match_dispatch(network=network, by=coordinator, pairs=[(sent_need, helper)])
    services.match_suggest(network=network, by=coordinator)
    services.match_dispatch(network=network, by=coordinator, pairs=[(claimed_need, helper)])
    login(client, helper)

    page = client.get(url("my_tasks", network)).content.decode()

    accept = url("accept", network, Dispatch.objects.get(need=sent_need).pk)
    assert f'action="{accept}"' in page
    assert f'action="{reverse("needs:claim", args=[network.slug, suggested_need.pk])}"' in page
    # Sent since the run: it waits for an answer, so it is not offered to claim as well.
    claim_sent = reverse("needs:claim", args=[network.slug, claimed_need.pk])
    assert f'action="{claim_sent}"' not in page
    assert reverse("needs:my_claims", args=[network.slug]) in page


def test_volunteer_accepts_and_lands_on_the_need_they_now_hold(client, sent):
    login(client, sent.volunteer)
    response = client.post(url("accept", sent.network, sent.pk))
    assert response.status_code == 302
    assert response["Location"] == sent.need.get_absolute_url()
    need_now = Need.objects.get(pk=sent.need_id)
    assert (need_now.status, need_now.claimant) == (Need.Status.CLAIMED, sent.volunteer)


def test_volunteer_declines_and_the_need_waits_for_someone_else(client, sent):
    login(client, sent.volunteer)
    response = client.post(url("decline", sent.network, sent.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("my_tasks", sent.network)
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.DECLINED
    assert "Someone else will be asked" in response.content.decode()


def test_accepting_too_late_says_why(client, sent):
    services.dispatch_decline(dispatch=sent, by=sent.volunteer)
    login(client, sent.volunteer)
    response = client.post(url("accept", sent.network, sent.pk), follow=True)
    assert str(services.DISPATCH_NOT_PENDING) in response.content.decode()


def test_nobody_else_can_answer_or_see_a_dispatch(client, sent, network):
    for other in (volunteer(network), person(network, Role.COORDINATOR), volunteer(town())):
        login(client, other)
        for name in ("accept", "decline"):
            assert client.post(url(name, network, sent.pk)).status_code == 404
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.PENDING


def test_members_have_no_tasks_page(client, network):
    login(client, person(network, Role.MEMBER))
    assert client.get(url("my_tasks", network)).status_code == 404


def test_the_network_menu_links_to_my_tasks_and_matching(client, network, coordinator):
    login(client, volunteer(network))
    page = client.get(url("my_tasks", network)).content.decode()
    assert f'href="{url("my_tasks", network)}"' in page
    assert f'href="{url("review", network)}"' not in page
    login(client, coordinator)
    page = client.get(url("review", network)).content.decode()
    assert f'href="{url("review", network)}"' in page
