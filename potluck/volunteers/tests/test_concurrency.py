"""Racing deliveries ask a volunteer how they are once: threads released at a barrier."""

from functools import partial

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from potluck.conftest import make_actor, run_together
from potluck.core.models import AuditEvent
from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.tests.factories import NetworkFactory
from potluck.volunteers import services
from potluck.volunteers.models import CheckIn
from potluck.volunteers.tests.factories import CheckInFactory, task

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_hooks_at_once_ask_exactly_one_question():
    network = NetworkFactory.create(checkin_after_deliveries=3)
    volunteer = make_actor("volunteer", network)
    for _ in range(3):
        task(network=network, volunteer=volunteer, delivered_at=timezone.now())

    ask = partial(services.checkin_after_delivery, network_id=network.pk, volunteer_id=volunteer.pk)
    results = run_together(*[ask] * 8)

    assert not [result for result in results if isinstance(result, Exception)], results
    assert len([result for result in results if isinstance(result, CheckIn)]) == 1
    assert CheckIn.objects.count() == 1
    assert AuditEvent.objects.filter(verb="volunteer.checkin_asked").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_deliveries_at_once_reaching_the_number_ask_once(attempt):
    network = NetworkFactory.create(checkin_after_deliveries=2)
    volunteer = make_actor("volunteer", network)
    needs = [NeedFactory.create(network=network) for _ in range(2)]
    for need in needs:
        need_services.need_claim(need=need, volunteer=volunteer)
    copies = [Need.objects.select_related("network").get(pk=need.pk) for need in needs]

    results = run_together(
        *[partial(need_services.need_mark_delivered, need=copy, by=volunteer) for copy in copies]
    )

    assert all(isinstance(result, Need) for result in results), results
    checkin = CheckIn.objects.get()
    assert (checkin.profile.user, checkin.answer) == (volunteer, CheckIn.Answer.PENDING)


def test_the_database_refuses_a_second_waiting_question():
    checkin = CheckInFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(profile=checkin.profile, network=checkin.network)
    CheckIn.objects.filter(pk=checkin.pk).update(answer=CheckIn.Answer.FINE)
    CheckIn.objects.create(profile=checkin.profile, network=checkin.network)
    assert CheckIn.objects.count() == 2


def test_answering_twice_at_once_answers_once():
    checkin = CheckInFactory.create()
    user, network = checkin.profile.user, checkin.network

    results = run_together(
        partial(services.checkin_answer, user=user, network=network, answer="fine"),
        partial(services.checkin_answer, user=user, network=network, answer="break"),
    )

    answered = [result for result in results if isinstance(result, CheckIn)]
    assert len(answered) == 1, results
    assert AuditEvent.objects.filter(verb="volunteer.checkin_answered").count() == 1
    checkin.refresh_from_db()
    assert checkin.answer == answered[0].answer
    assert checkin.profile.is_paused() is (checkin.answer == CheckIn.Answer.BREAK)
