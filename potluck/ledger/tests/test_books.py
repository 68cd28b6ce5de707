from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from potluck.core.errors import DomainError
from potluck.ledger import services
from potluck.ledger.accounts import AID, DONATIONS, SYSTEM_ACCOUNTS
from potluck.ledger.models import Account, Entry, LedgerTransaction, MoneyPolicy
from potluck.ledger.selectors import balance_check
from potluck.ledger.tests.factories import fill_fund, general_fund
from potluck.networks.models import Network

pytestmark = pytest.mark.django_db


def test_a_new_network_gets_its_accounts_and_policy(network: Network) -> None:
    assert set(network.accounts.values_list("slug", flat=True)) == set(SYSTEM_ACCOUNTS)
    assert general_fund(network).kind == Account.Kind.FUND
    assert MoneyPolicy.objects.filter(network=network).exists()


def test_a_donation_moves_money_in_and_balances(network: Network) -> None:
    fund = fill_fund(network, 5000)
    assert fund.balance == 5000
    assert services.system_account(network, DONATIONS).balance == -5000
    assert all(check.ok for check in balance_check(network=network))


def test_an_unbalanced_transaction_is_refused(network: Network) -> None:
    with pytest.raises(ValueError, match="add up to zero"):
        services.transaction_post(
            network=network,
            kind=LedgerTransaction.Kind.DONATION,
            lines=[(general_fund(network), 100)],
        )
    assert not LedgerTransaction.objects.exists()


def test_a_fund_never_goes_below_zero(network: Network) -> None:
    fund = fill_fund(network, 1000)
    with pytest.raises(DomainError) as error:
        services.transaction_post(
            network=network,
            kind=LedgerTransaction.Kind.DISBURSEMENT,
            lines=[(fund, -1001), (services.system_account(network, AID), 1001)],
        )
    assert error.value.message == services.NOT_ENOUGH_IN_FUND
    fund.refresh_from_db()
    assert fund.balance == 1000
    assert LedgerTransaction.objects.count() == 1


def test_entries_can_not_be_changed_or_deleted(network: Network) -> None:
    fill_fund(network, 1000)
    entry = Entry.objects.first()
    assert entry is not None
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        Entry.objects.update(amount=5)
    with pytest.raises(TypeError):
        Entry.objects.all().delete()


def test_the_database_refuses_to_change_an_entry(network: Network) -> None:
    fill_fund(network, 1000)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entry SET amount = 1")


def test_a_reversal_undoes_a_transaction_once(network: Network) -> None:
    fund = fill_fund(network, 1000)
    txn = LedgerTransaction.objects.get()
    services.transaction_reverse(txn=txn)
    fund.refresh_from_db()
    assert fund.balance == 0
    with pytest.raises(DomainError):
        services.transaction_reverse(txn=txn)
    assert all(check.ok for check in balance_check(network=network))
    assert LedgerTransaction.objects.get(reverses=txn).occurred_on == date.today()
