from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from potluck.conftest import login
from potluck.core.models import AuditEvent
from potluck.networks.models import Membership, Network, Role
from potluck.networks.tests.factories import MembershipFactory
from potluck.volunteers.models import CheckIn, VolunteerProfile
from potluck.volunteers.tests.factories import CheckInFactory, profile_of, task

pytestmark = pytest.mark.django_db


def url(name: str, network: Network) -> str:
    return reverse(f"volunteers:{name}", args=[network.slug])


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "categories": ["groceries", "rides"],
        "skills": "first aid,  cooking , First Aid,",
        "languages": ["en", "es"],
        "where": "areas",
        "areas": ["Eastgate"],
        "home_area": "",
        "radius_km": "",
        "travel": "car",
        "slots": ["sat-am", "tue-pm"],
        "weekly_cap": "2",
    }
    data.update(overrides)
    return data


def profile_of_user(user: Any) -> VolunteerProfile:
    return VolunteerProfile.objects.get(user=user)


# The profile page --------------------------------------------------------------------------


def test_volunteer_sees_their_profile_page_and_nothing_is_saved(client, network, volunteer):
    login(client, volunteer)
    response = client.get(url("profile", network))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="categories"' in page
    assert 'id="id_slot_mon-am"' in page
    assert '<th scope="row" id="slot-mon">Monday</th>' in page
    assert not VolunteerProfile.objects.exists()


def test_volunteer_saves_their_profile(client, network, volunteer):
    login(client, volunteer)
    response = client.post(url("profile", network), form_data())

    assert response.status_code == 302
    assert response["Location"] == url("profile", network)
    profile = profile_of_user(volunteer)
    assert profile.categories == ["groceries", "rides"]
    assert profile.skills == ["first aid", "cooking"]
    assert (profile.areas, profile.home_area, profile.radius_km) == (["Eastgate"], "", None)
    assert (profile.travel, profile.weekly_cap) == ("car", 2)
    assert profile.slots == ["tue-pm", "sat-am"]
    page = client.get(url("profile", network)).content.decode()
    assert 'value="sat-am" id="id_slot_sat-am" aria-labelledby="slot-sat slot-am" checked' in page
    assert 'value="first aid, cooking"' in page


def test_choosing_home_and_distance_drops_the_ticked_areas(client, network, volunteer):
    login(client, volunteer)
    client.post(
        url("profile", network),
        form_data(where="home", home_area="Old Mill", radius_km="5"),
    )
    profile = profile_of_user(volunteer)
    assert (profile.areas, profile.home_area, profile.radius_km) == ([], "Old Mill", 5)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"where": "home", "home_area": "", "radius_km": "4"}, "Choose the home neighbourhood"),
        ({"where": "home", "home_area": "Eastgate"}, "Say how far from your home"),
        ({"weekly_cap": "0"}, "greater than or equal to 1"),
        ({"categories": ["weapons"]}, "Select a valid choice"),
        ({"skills": "x" * 41}, "Keep each skill under 40 characters."),
    ],
)
def test_bad_profile_input_shows_the_form_again(client, network, volunteer, overrides, message):
    login(client, volunteer)
    response = client.post(url("profile", network), form_data(**overrides))

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "error-summary" in page
    assert not VolunteerProfile.objects.exists()


@pytest.mark.parametrize("actor", ["member", "pending", "stranger"])
def test_non_volunteers_get_404(client, network, actor_factory, actor):
    login(client, actor_factory(actor, network))
    for name in ("profile",):
        assert client.get(url(name, network)).status_code == 404
    for name in ("profile", "pause", "resume", "checkin"):
        assert client.post(url(name, network), {"week": "1"}).status_code == 404
    assert not VolunteerProfile.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client, network):
    response = client.get(url("profile", network))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# Resting -----------------------------------------------------------------------------------


def test_pause_for_a_week_in_one_click_then_come_back(client, network, volunteer):
    login(client, volunteer)
    response = client.post(url("pause", network), {"week": "1"}, follow=True)

    profile = profile_of_user(volunteer)
    assert profile.is_paused()
    page = response.content.decode()
    assert "You are paused for a week." in page
    assert f'action="{url("resume", network)}"' in page

    response = client.post(url("resume", network), follow=True)
    assert not profile_of_user(volunteer).is_paused()
    assert "Welcome back!" in response.content.decode()


def test_pause_until_a_day_starts_that_day(client, network, volunteer):
    login(client, volunteer)
    day = timezone.localdate() + timedelta(days=5)
    client.post(url("pause", network), {"until": day.isoformat()})

    expected = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    assert profile_of_user(volunteer).paused_until == expected


@pytest.mark.parametrize("until", ["", "not a date", "2001-01-01"])
def test_pause_until_a_bad_day_says_so(client, network, volunteer, until):
    login(client, volunteer)
    response = client.post(url("pause", network), {"until": until}, follow=True)

    assert response.status_code == 200
    assert 'class="message error"' in response.content.decode()
    assert not VolunteerProfile.objects.filter(paused_until__isnull=False).exists()


def test_coming_back_when_not_paused_says_so(client, network, volunteer):
    login(client, volunteer)
    response = client.post(url("resume", network), follow=True)
    assert "You are not paused." in response.content.decode()


# Check-ins ---------------------------------------------------------------------------------


def test_checkin_question_shows_on_network_pages_and_fine_goes_back(client, network, volunteer):
    checkin = CheckInFactory.create(profile=profile_of(Membership.objects.get(user=volunteer)))
    login(client, volunteer)
    board = reverse("needs:board", args=[network.slug])

    page = client.get(board).content.decode()
    assert "How are you doing?" in page
    assert f'action="{url("checkin", network)}"' in page
    assert f'name="next" value="{board}"' in page
    assert "How are you doing?" in client.get(url("profile", network)).content.decode()

    response = client.post(url("checkin", network), {"answer": "fine", "next": board})

    assert response["Location"] == board
    checkin.refresh_from_db()
    assert checkin.answer == CheckIn.Answer.FINE
    assert "How are you doing?" not in client.get(board).content.decode()


def test_asking_for_a_break_from_the_question_pauses_a_week(client, network, volunteer):
    CheckInFactory.create(profile=profile_of(Membership.objects.get(user=volunteer)))
    login(client, volunteer)
    response = client.post(
        url("checkin", network), {"answer": "break", "next": "https://evil.example/"}
    )

    assert response["Location"] == url("profile", network)
    assert profile_of_user(volunteer).is_paused()


def test_the_question_is_not_shown_to_others(client, network, volunteer, coordinator):
    CheckInFactory.create(profile=profile_of(Membership.objects.get(user=volunteer)))
    login(client, coordinator)
    page = client.get(reverse("needs:board", args=[network.slug])).content.decode()
    assert "How are you doing?" not in page


# Navigation --------------------------------------------------------------------------------


def test_nav_links_follow_the_role(client, network, member, volunteer, coordinator):
    home = reverse("needs:board", args=[network.slug])
    expected = {member: (False, False), volunteer: (True, False), coordinator: (True, True)}
    for user, (mine, everyone) in expected.items():
        page = login(Client(), user).get(home).content.decode()
        assert (f'href="{url("profile", network)}"' in page) is mine
        assert (f'href="{url("workload", network)}"' in page) is everyone


# The workload view -------------------------------------------------------------------------


def test_coordinator_sees_each_volunteers_load_and_who_asked_for_a_break(
    client, network, volunteer, coordinator
):
    membership = Membership.objects.get(user=volunteer)
    profile = profile_of(membership, weekly_cap=2, paused_until=timezone.now() + timedelta(days=3))
    for _ in range(2):
        task(network=network, volunteer=volunteer)
    checkin = CheckInFactory.create(profile=profile)
    CheckIn.objects.filter(pk=checkin.pk).update(answer="break", answered_at=timezone.now())
    login(client, coordinator)

    response = client.get(url("workload", network))

    page = response.content.decode()
    assert response.status_code == 200
    assert volunteer.display_name in page
    assert coordinator.display_name in page
    assert 'class="attention"' in page
    assert "Near their limit" in page
    assert "2 of 2" in page
    assert "Paused until" in page
    assert "Asked for a break on" in page


@pytest.mark.parametrize("actor", ["volunteer", "treasurer", "member", "stranger"])
def test_only_coordinators_see_the_workload(client, network, actor_factory, actor):
    login(client, actor_factory(actor, network))
    assert client.get(url("workload", network)).status_code == 404


def test_a_coordinator_without_two_factor_is_sent_to_set_it_up(client, network):
    user = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    login(client, user)
    response = client.get(url("workload", network))
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


def test_workload_page_takes_the_same_queries_for_any_number_of_volunteers(
    client, network, coordinator
):
    login(client, coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("workload", network)).status_code == 200
        return len(captured)

    def add_volunteers(count: int) -> None:
        for _ in range(count):
            membership = MembershipFactory.create(network=network, role=Role.VOLUNTEER)
            task(network=network, volunteer=membership.user, delivered_at=timezone.now())
            CheckInFactory.create(profile=profile_of(membership))

    add_volunteers(2)
    queries()  # warm caches (content types, sessions) so both counts compare like for like
    few = queries()
    add_volunteers(10)
    assert queries() == few


def test_pages_are_audited_only_for_actions(client, network, volunteer):
    login(client, volunteer)
    client.get(url("profile", network))
    assert not AuditEvent.objects.exists()
    client.post(url("profile", network), form_data())
    assert AuditEvent.objects.filter(verb="volunteer.profile_saved").count() == 1


def test_a_network_without_neighbourhoods_asks_nothing_about_where(client, network, volunteer):
    network.areas = []
    network.save()
    login(client, volunteer)
    assert 'name="where"' not in client.get(url("profile", network)).content.decode()

    data = form_data()
    for name in ("where", "areas", "home_area", "radius_km"):
        data.pop(name)
    assert client.post(url("profile", network), data).status_code == 302
    profile = profile_of_user(volunteer)
    assert (profile.areas, profile.home_area, profile.radius_km) == ([], "", None)
