import pytest

from potluck.privacy.selectors import account_data
from potluck.volunteers.tests.factories import CheckInFactory

pytestmark = pytest.mark.django_db


def test_a_volunteers_download_holds_their_profile_and_check_ins():
    checkin = CheckInFactory.create(answer="break")
    profile = checkin.profile

    data = account_data(user=profile.user)

    [exported] = data["volunteer_profiles"]
    assert exported["id"] == profile.pk
    assert exported["slots"] == profile.slots
    assert [row["answer"] for row in exported["check_ins"]] == ["break"]
