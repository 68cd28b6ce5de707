"""What a person's data download holds about money: their own requests and pledges, never a
donor's name or someone else's payout handle."""

import json

import pytest

from potluck.ledger.models import Disbursement, Donation, Pledge
from potluck.networks.models import Membership, Role
from potluck.networks.tests.factories import NetworkFactory
from potluck.privacy.selectors import account_data
from potluck.privacy.tests.builders import DONOR_NAME, PAYOUT_HANDLE, settled_money

pytestmark = pytest.mark.django_db


def _export_of(user: object) -> str:
    return json.dumps(account_data(user=user))  # type: ignore[arg-type]


def test_a_member_gets_their_own_requests_with_how_they_are_paid() -> None:
    network = NetworkFactory.create()
    settled_money(network)
    request = Disbursement.objects.filter(kind=Disbursement.Kind.AID).first()
    assert request is not None
    assert request.recipient is not None
    data = account_data(user=request.recipient)
    assert len(data["money_asked_for"]) == 2
    assert PAYOUT_HANDLE in json.dumps(data["money_asked_for"])


def test_a_treasurers_download_names_no_donor() -> None:
    network = NetworkFactory.create()
    settled_money(network)
    assert Donation.objects.exists()
    treasurer = Membership.objects.get(network=network, role=Role.TREASURER).user
    text = _export_of(treasurer)
    assert DONOR_NAME not in text
    assert json.loads(text)["money_approved"]


def test_a_donor_gets_their_pledge_but_not_the_handle_of_the_person_they_paid() -> None:
    network = NetworkFactory.create()
    settled_money(network)
    pledge = Pledge.objects.get()
    text = _export_of(pledge.donor)
    assert json.loads(text)["pledges_made"][0]["amount"] == pledge.amount
    assert PAYOUT_HANDLE not in text
