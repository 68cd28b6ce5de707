from datetime import date, timedelta

import pytest

from potluck.accounts.models import User
from potluck.api.pagination import INVALID_CURSOR, paginate
from potluck.core.errors import DomainError
from potluck.ledger import services
from potluck.ledger.models import Donation
from potluck.networks.models import Network

pytestmark = pytest.mark.django_db


def test_pages_ordered_by_a_date_walk_every_row_once(network: Network, treasurer: User) -> None:
    fund = network.accounts.get(is_general=True)
    for days in (0, 0, 1, 2, 2, 3):
        services.donation_record(
            network=network,
            actor=treasurer,
            fund=fund,
            amount=100 + days,
            received_on=date.today() - timedelta(days=days),
            method="cash",
        )
    rows = Donation.objects.order_by("-received_on", "-pk")
    seen, cursor = [], None
    while True:
        page = paginate(rows, cursor=cursor, limit=2, salt="test")
        seen += [donation.pk for donation in page.items]
        if page.next is None:
            break
        cursor = page.next
    assert seen == list(rows.values_list("pk", flat=True))


def test_a_forged_cursor_is_refused(network: Network) -> None:
    with pytest.raises(DomainError) as error:
        paginate(Donation.objects.order_by("pk"), cursor="not-a-cursor", limit=2, salt="test")
    assert error.value.message == INVALID_CURSOR
