from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from potluck.conftest import make_actor
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.needs import services as need_services
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Membership, Network, Role
from potluck.volunteers import services
from potluck.volunteers.models import CheckIn, VolunteerProfile
from potluck.volunteers.tests.factories import CheckInFactory, profile_of, task

pytestmark = pytest.mark.django_db


def profile_data(network: Network, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "categories": ["meals", "groceries"],
        "languages": ["es", "en"],
        "travel": "bike",
        "weekly_cap": 4,
        "skills": ["  first   aid ", "Cooking", "cooking", "", " , "],
        "areas": ["Old Mill", "Riverside"],
        "slots": ["sat-pm", "mon-am"],
    }
    data.update(overrides)
    return data


def test_volunteer_saving_a_profile_makes_it_once_in_the_networks_order(network, volunteer):
    services.volunteer_profile_save(user=volunteer, network=network, **profile_data(network))
    profile = services.volunteer_profile_save(
        user=volunteer, network=network, **profile_data(network, weekly_cap=5)
    )

    assert VolunteerProfile.objects.count() == 1
    assert profile.membership == Membership.objects.get(user=volunteer)
    assert profile.categories == ["groceries", "meals"]
    assert profile.languages == ["en", "es"]
    assert profile.areas == ["Riverside", "Old Mill"]
    assert profile.slots == ["mon-am", "sat-pm"]
    assert profile.skills == ["first aid", "Cooking"]
    assert profile.weekly_cap == 5
    verbs = AuditEvent.objects.filter(verb="volunteer.profile_saved")
    assert list(verbs.values_list("network_id", flat=True)) == [network.pk, network.pk]


def test_home_neighbourhood_and_radius_replace_a_list_of_areas(network, volunteer):
    profile = services.volunteer_profile_save(
        user=volunteer,
        network=network,
        **profile_data(network, areas=[], home_area="Eastgate", radius_km=4, travel="car"),
    )
    assert (profile.home_area, profile.radius_km, profile.areas) == ("Eastgate", 4, [])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"categories": ["weapons"]}, services.UNKNOWN_CATEGORY),
        ({"languages": ["xx"]}, services.UNKNOWN_LANGUAGE),
        ({"areas": ["Atlantis"]}, services.UNKNOWN_AREA),
        ({"areas": [], "home_area": "Atlantis", "radius_km": 2}, services.UNKNOWN_AREA),
        ({"home_area": "Eastgate", "radius_km": 2}, services.BOTH_WHERE),
        ({"areas": [], "home_area": "Eastgate"}, services.HOME_NEEDS_RADIUS),
        ({"areas": [], "radius_km": 3}, services.RADIUS_NEEDS_HOME),
        ({"areas": [], "home_area": "Eastgate", "radius_km": 31}, services.BAD_RADIUS),
        ({"areas": [], "home_area": "Eastgate", "radius_km": 0}, services.BAD_RADIUS),
        ({"slots": ["mon-night"]}, services.UNKNOWN_SLOT),
        ({"travel": "horse"}, services.BAD_TRAVEL),
        ({"weekly_cap": 0}, services.BAD_CAP),
        ({"weekly_cap": 22}, services.BAD_CAP),
        ({"skills": ["x" * 41]}, services.SKILL_TOO_LONG),
        ({"skills": [f"skill {n}" for n in range(21)]}, services.TOO_MANY_SKILLS),
    ],
)
def test_profile_refuses_bad_choices_and_saves_nothing(network, volunteer, overrides, message):
    with pytest.raises(DomainError) as error:
        services.volunteer_profile_save(
            user=volunteer, network=network, **profile_data(network, **overrides)
        )
    assert error.value.message == message
    assert not VolunteerProfile.objects.exists()


def test_a_language_of_the_network_outside_potlucks_own_is_allowed(network, volunteer):
    network.languages = ["en", "ar"]
    network.save()
    profile = services.volunteer_profile_save(
        user=volunteer, network=network, **profile_data(network, languages=["ar", "es"])
    )
    assert profile.languages == ["es", "ar"]


@pytest.mark.parametrize("actor", ["member", "pending", "stranger"])
def test_non_volunteers_cannot_have_a_profile(network, actor):
    user = make_actor(actor, network)
    with pytest.raises(DomainError) as error:
        services.volunteer_profile_save(user=user, network=network, **profile_data(network))
    assert error.value.status == 403
    with pytest.raises(DomainError):
        services.volunteer_pause_week(user=user, network=network)
    assert not VolunteerProfile.objects.exists()


def test_coordinators_volunteer_too(network, coordinator):
    profile = services.volunteer_profile_save(
        user=coordinator, network=network, **profile_data(network)
    )
    assert profile.pk is not None


def test_skills_are_tidied_and_deduplicated_ignoring_case():
    assert services.skills_clean([" Sign  language", "sign language", "BSL,", ""]) == [
        "Sign language",
        "BSL",
    ]


# Resting ------------------------------------------------------------------------------------


def test_pausing_for_a_week_makes_a_profile_if_needed_and_is_audited(network, volunteer):
    before = timezone.now()
    profile = services.volunteer_pause_week(user=volunteer, network=network)

    assert profile.paused_until is not None
    assert before + timedelta(days=7) <= profile.paused_until
    assert profile.paused_until <= timezone.now() + timedelta(days=7)
    event = AuditEvent.objects.get(verb="volunteer.paused")
    assert (event.actor, event.data) == (volunteer, {})


def test_pausing_until_a_day_and_coming_back(network, volunteer):
    until = timezone.now() + timedelta(days=10)
    profile = services.volunteer_pause(user=volunteer, network=network, until=until)
    assert profile.paused_until == until

    profile = services.volunteer_resume(user=volunteer, network=network)

    assert profile.paused_until is None
    assert not profile.is_paused()
    verbs = AuditEvent.objects.values_list("verb", flat=True).order_by("pk")
    assert list(verbs) == ["volunteer.paused", "volunteer.resumed"]


@pytest.mark.parametrize(
    ("days", "message"),
    [(-1, services.PAUSE_IN_PAST), (0, services.PAUSE_IN_PAST), (400, services.PAUSE_TOO_LONG)],
)
def test_pause_must_end_in_the_coming_year(network, volunteer, days, message):
    with pytest.raises(DomainError) as error:
        services.volunteer_pause(
            user=volunteer, network=network, until=timezone.now() + timedelta(days=days)
        )
    assert error.value.message == message


def test_coming_back_when_not_paused_is_refused(network, volunteer):
    with pytest.raises(DomainError) as error:
        services.volunteer_resume(user=volunteer, network=network)
    assert (error.value.message, error.value.status) == (services.NOT_PAUSED, 409)
    profile_of(Membership.objects.get(user=volunteer), paused_until=timezone.now())
    with pytest.raises(DomainError):
        services.volunteer_resume(user=volunteer, network=network)
    assert not AuditEvent.objects.exists()


# Check-ins ---------------------------------------------------------------------------------


def deliver(network: Network, volunteer: Any, count: int) -> None:
    for _ in range(count):
        task(network=network, volunteer=volunteer, delivered_at=timezone.now())


def test_after_the_nth_delivery_in_the_period_a_checkin_is_asked_once(network, volunteer):
    network.checkin_after_deliveries = 3
    network.save()
    deliver(network, volunteer, 2)
    assert services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk) is None

    deliver(network, volunteer, 1)
    checkin = services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk)

    assert checkin is not None
    assert (checkin.answer, checkin.deliveries) == (CheckIn.Answer.PENDING, 3)
    assert checkin.profile.user == volunteer  # made for the volunteer who had none
    deliver(network, volunteer, 5)
    assert services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk) is None
    assert CheckIn.objects.count() == 1
    assert AuditEvent.objects.filter(verb="volunteer.checkin_asked").count() == 1


def test_deliveries_before_the_period_or_the_last_checkin_do_not_count(network, volunteer):
    network.checkin_after_deliveries, network.checkin_period_days = 2, 7
    network.save()
    old = timezone.now() - timedelta(days=8)
    task(network=network, volunteer=volunteer, at=old, delivered_at=old)
    deliver(network, volunteer, 1)
    assert services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk) is None

    deliver(network, volunteer, 1)
    checkin = services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk)
    assert checkin is not None
    services.checkin_answer(user=volunteer, network=network, answer="fine")

    deliver(network, volunteer, 1)
    assert services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk) is None
    deliver(network, volunteer, 1)
    assert services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk)
    assert CheckIn.objects.count() == 2


def test_networks_that_never_check_in_and_former_volunteers_are_not_asked(network, volunteer):
    network.checkin_after_deliveries = 0
    network.save()
    deliver(network, volunteer, 10)
    assert services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk) is None

    network.checkin_after_deliveries = 1
    network.save()
    Membership.objects.filter(user=volunteer).update(role=Role.MEMBER)
    assert services.checkin_after_delivery(network_id=network.pk, volunteer_id=volunteer.pk) is None
    assert not CheckIn.objects.exists()


def test_delivering_a_need_asks_after_commit(
    network, volunteer, django_capture_on_commit_callbacks
):
    network.checkin_after_deliveries = 1
    network.save()
    need = NeedFactory.create(network=network)
    need_services.need_claim(need=need, volunteer=volunteer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        need_services.need_mark_delivered(need=need, by=volunteer)

    assert len(callbacks) == 1
    assert CheckIn.objects.get().profile.user == volunteer


def test_a_coordinator_delivering_for_a_volunteer_asks_the_volunteer(
    network, volunteer, coordinator, django_capture_on_commit_callbacks
):
    network.checkin_after_deliveries = 1
    network.save()
    need = NeedFactory.create(network=network)
    need_services.need_claim(need=need, volunteer=volunteer)

    with django_capture_on_commit_callbacks(execute=True):
        need_services.need_mark_delivered(need=need, by=coordinator)

    assert CheckIn.objects.get().profile.user == volunteer


def test_answering_fine_is_audited_without_free_text(network, volunteer):
    membership = Membership.objects.get(user=volunteer)
    checkin = CheckInFactory.create(profile=profile_of(membership))

    services.checkin_answer(user=volunteer, network=network, answer="fine")

    checkin.refresh_from_db()
    assert checkin.answer == CheckIn.Answer.FINE
    assert checkin.answered_at is not None
    assert not checkin.profile.is_paused()
    event = AuditEvent.objects.get(verb="volunteer.checkin_answered")
    assert event.data == {"outcome": "fine"}


def test_asking_for_a_break_pauses_for_a_week(network, volunteer):
    membership = Membership.objects.get(user=volunteer)
    checkin = CheckInFactory.create(profile=profile_of(membership))

    services.checkin_answer(user=volunteer, network=network, answer="break")

    checkin.refresh_from_db()
    assert checkin.answer == CheckIn.Answer.BREAK
    paused_until = checkin.profile.paused_until
    assert paused_until is not None
    assert paused_until > timezone.now() + timedelta(days=6)
    assert [e.data for e in AuditEvent.objects.order_by("pk")] == [{"outcome": "break"}, {}]


def test_answering_needs_a_waiting_question_and_a_known_answer(network, volunteer, coordinator):
    with pytest.raises(DomainError) as error:
        services.checkin_answer(user=volunteer, network=network, answer="fine")
    assert error.value.message == services.NO_CHECKIN
    CheckInFactory.create(profile=profile_of(Membership.objects.get(user=volunteer)))
    with pytest.raises(DomainError) as error:
        services.checkin_answer(user=volunteer, network=network, answer="tired")
    assert error.value.message == services.BAD_ANSWER
    # Someone else's question is not theirs to answer.
    with pytest.raises(DomainError) as error:
        services.checkin_answer(user=coordinator, network=network, answer="fine")
    assert error.value.message == services.NO_CHECKIN
    assert CheckIn.objects.get().answer == CheckIn.Answer.PENDING
