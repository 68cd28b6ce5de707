import pytest

from potluck.needs import services


@pytest.mark.django_db
def test_volunteer_can_claim_an_open_need(need, volunteer):
    claim = services.need_claim(need=need, volunteer=volunteer)
    need.refresh_from_db()
    assert need.status == "claimed"
    assert claim.volunteer == volunteer
