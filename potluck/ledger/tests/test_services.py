"""The money services: every refusal they can give, and what each step leaves behind.

Refusals are asserted on the translated message constants; steps on the audit events they
write. Policy limits are in smallest units (cents), 0 meaning none.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from potluck.accounts.models import User
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.ledger import services, units
from potluck.ledger.accounts import (
    AID,
    DIRECT_AID,
    DIRECT_AID_DONORS,
    DONATIONS,
    REIMBURSEMENTS,
    SYSTEM_ACCOUNTS,
)
from potluck.ledger.models import (
    Approval,
    Disbursement,
    Donation,
    LedgerTransaction,
    MoneyPolicy,
    Pledge,
    Receipt,
)
from potluck.ledger.receipts import CleanReceipt, receipt_clean
from potluck.ledger.selectors import balance_check
from potluck.ledger.services import disbursements, donations, funds, pledges
from potluck.ledger.tests.factories import fill_fund, general_fund, make_approved, make_request
from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Membership, Network, Role

Verbs = Callable[[Model], list[str]]
MemberFactory = Callable[..., Membership]

pytestmark = pytest.mark.django_db


def set_policy(network: Network, **values: Any) -> MoneyPolicy:
    MoneyPolicy.objects.filter(network=network).update(**values)
    return MoneyPolicy.objects.get(network=network)


def refusal(call: Callable[..., Any], **kwargs: Any) -> DomainError:
    """The DomainError `call(**kwargs)` raises (the test fails if it returns)."""
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    return error.value


def balances(network: Network) -> dict[str, int]:
    return dict(network.accounts.values_list("slug", "balance"))


def books_balance(network: Network) -> bool:
    return all(check.ok for check in balance_check(network=network))


def a_receipt() -> CleanReceipt:
    return CleanReceipt(b"%PDF-1.4 receipt", "application/pdf")


@pytest.fixture
def second_treasurer(network: Network, member_factory: MemberFactory) -> User:
    return member_factory(network=network, role=Role.TREASURER).user


@pytest.fixture
def money_need(network: Network) -> Need:
    return NeedFactory.create(network=network, category="money")


@pytest.fixture
def other_network(member_factory: MemberFactory) -> Network:
    return member_factory(role=Role.TREASURER).network


def treasurer_of(network: Network) -> User:
    return Membership.objects.get(network=network, role=Role.TREASURER).user


# ---------------------------------------------------------------------------- books


def test_opening_a_networks_books_twice_changes_nothing(network: Network) -> None:
    before = sorted(network.accounts.values_list("pk", flat=True))
    services.network_ledger_open(network=network)
    assert sorted(network.accounts.values_list("pk", flat=True)) == before
    assert MoneyPolicy.objects.filter(network=network).count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, units.AMOUNT_NOT_POSITIVE),
        (-5, units.AMOUNT_NOT_POSITIVE),
        (units.MAX_AMOUNT + 1, units.AMOUNT_TOO_LARGE),
    ],
)
def test_an_unbelievable_amount_is_refused(amount: int, message: str) -> None:
    assert refusal(services.require_amount, amount=amount).message == message


def test_a_believable_amount_passes() -> None:
    assert services.require_amount(units.MAX_AMOUNT) == units.MAX_AMOUNT


def test_a_transaction_with_an_account_of_another_network_is_refused(
    network: Network, other_network: Network
) -> None:
    with pytest.raises(ValueError, match="in its network"):
        services.transaction_post(
            network=network,
            kind=LedgerTransaction.Kind.DONATION,
            lines=[
                (general_fund(other_network), 100),
                (services.system_account(network, DONATIONS), -100),
            ],
        )
    assert not LedgerTransaction.objects.exists()


def test_a_reversal_is_refused_the_second_time(network: Network) -> None:
    fill_fund(network, 1000)
    txn = LedgerTransaction.objects.get()
    services.transaction_reverse(txn=txn)
    error = refusal(services.transaction_reverse, txn=txn)
    assert error.message == services.books.ALREADY_REVERSED
    assert LedgerTransaction.objects.filter(reverses=txn).count() == 1


# ---------------------------------------------------------------------------- funds


def test_treasurer_can_create_a_fund(network: Network, treasurer: User, audit_verbs: Verbs) -> None:
    fund = services.fund_create(network=network, actor=treasurer, name=" Rent ", description="x")
    assert (fund.name, fund.slug, fund.kind, fund.balance) == ("Rent", "rent", "fund", 0)
    assert fund.unit == "USD"
    assert audit_verbs(fund) == ["fund.created"]


@pytest.mark.parametrize("name", ["rent", "RENT", "General fund", "Donations", "Money given"])
def test_a_fund_name_taken_or_reserved_is_refused(
    network: Network, treasurer: User, name: str
) -> None:
    services.fund_create(network=network, actor=treasurer, name="Rent")
    error = refusal(services.fund_create, network=network, actor=treasurer, name=name)
    assert error.message == funds.FUND_NAME_TAKEN


def test_two_names_with_the_same_short_name_get_their_own_short_names(
    network: Network, treasurer: User
) -> None:
    first = services.fund_create(network=network, actor=treasurer, name="Rent help")
    second = services.fund_create(network=network, actor=treasurer, name="Rent: help!")
    aid = services.fund_create(network=network, actor=treasurer, name="Aid")  # a system slug
    assert (first.slug, second.slug) == ("rent-help", "rent-help-2")
    assert aid.slug not in SYSTEM_ACCOUNTS


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VOLUNTEER, Role.COORDINATOR])
def test_only_money_roles_can_create_a_fund(
    network: Network, member_factory: MemberFactory, role: str
) -> None:
    user = member_factory(network=network, role=role).user
    error = refusal(services.fund_create, network=network, actor=user, name="Rent")
    assert error.message == funds.NOT_A_TREASURER
    assert error.status == 403


def test_a_treasurer_without_two_factor_acts_as_a_volunteer(
    network: Network, member_factory: MemberFactory
) -> None:
    membership = Membership.objects.create(
        network=network,
        user=member_factory().user,
        role=Role.TREASURER,
        status=Membership.Status.ACTIVE,
    )
    error = refusal(services.fund_create, network=network, actor=membership.user, name="Rent")
    assert error.message == funds.NOT_A_TREASURER


def test_an_admin_can_stand_in_for_a_treasurer(
    network: Network, admin: User, audit_verbs: Verbs
) -> None:
    fund = services.fund_create(network=network, actor=admin, name="Bail")
    assert audit_verbs(fund) == ["fund.created"]


def test_a_stranger_can_not_touch_another_networks_money(network: Network, stranger: User) -> None:
    error = refusal(services.fund_create, network=network, actor=stranger, name="Mine")
    assert error.message == funds.NOT_A_TREASURER


def test_treasurer_can_change_the_policy(
    network: Network, treasurer: User, audit_verbs: Verbs
) -> None:
    policy = services.policy_update(
        network=network, actor=treasurer, max_per_request=2500, currency="eur"
    )
    assert (policy.max_per_request, policy.currency) == (2500, "EUR")
    assert set(network.accounts.values_list("unit", flat=True)) == {"EUR"}
    assert audit_verbs(policy) == ["money_policy.changed"]
    event = AuditEvent.objects.get(verb="money_policy.changed")
    assert event.data == {"changed": ["currency", "max_per_request"]}


def test_member_can_not_change_the_policy(network: Network, member: User) -> None:
    error = refusal(services.policy_update, network=network, actor=member, max_per_request=1)
    assert error.message == funds.NOT_A_TREASURER
    assert services.policy_for(network).max_per_request == 10_000


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"max_per_request": -1}, funds.BAD_LIMIT),
        ({"max_per_person_month": units.MAX_AMOUNT + 1}, funds.BAD_LIMIT),
        ({"second_approval_above": -5000}, funds.BAD_LIMIT),
        ({"pledge_days": 0}, funds.BAD_PLEDGE_DAYS),
        ({"pledge_days": 91}, funds.BAD_PLEDGE_DAYS),
        ({"currency": "US"}, funds.BAD_CURRENCY),
        ({"currency": "U$D"}, funds.BAD_CURRENCY),
    ],
)
def test_a_policy_value_out_of_range_is_refused(
    network: Network, treasurer: User, values: dict[str, Any], message: str
) -> None:
    before = services.policy_for(network)
    error = refusal(services.policy_update, network=network, actor=treasurer, **values)
    assert error.message == message
    after = services.policy_for(network)
    assert (after.max_per_request, after.pledge_days, after.currency) == (
        before.max_per_request,
        before.pledge_days,
        before.currency,
    )
    assert not AuditEvent.objects.filter(verb="money_policy.changed").exists()


def test_zero_limits_mean_none(network: Network, treasurer: User) -> None:
    policy = services.policy_update(
        network=network, actor=treasurer, max_per_request=0, max_per_person_month=0
    )
    assert (policy.max_per_request, policy.max_per_person_month) == (0, 0)


def test_the_currency_can_not_change_once_money_is_recorded(
    network: Network, treasurer: User
) -> None:
    fill_fund(network, 1000)
    error = refusal(services.policy_update, network=network, actor=treasurer, currency="JPY")
    assert error.message == funds.CURRENCY_IN_USE
    assert services.policy_for(network).currency == "USD"


def test_the_currency_can_not_change_even_when_every_balance_is_back_to_zero(
    network: Network, treasurer: User
) -> None:
    # 1000 cents recorded then reversed are still 1000 cents in the ledger, never 1000 yen.
    fill_fund(network, 1000)
    services.transaction_reverse(txn=LedgerTransaction.objects.get())
    assert set(balances(network).values()) == {0}
    error = refusal(services.policy_update, network=network, actor=treasurer, currency="JPY")
    assert error.message == funds.CURRENCY_IN_USE


def test_the_same_currency_in_other_letters_is_not_a_change(
    network: Network, treasurer: User
) -> None:
    fill_fund(network, 1000)
    policy = services.policy_update(network=network, actor=treasurer, currency="usd")
    assert policy.currency == "USD"


def test_a_network_without_books_gets_the_default_policy(network: Network) -> None:
    MoneyPolicy.objects.filter(network=network).delete()
    policy = services.policy_for(network)
    assert policy.pk is None
    assert (policy.currency, policy.second_approval_above) == ("USD", 5000)


def test_treasurer_can_run_a_campaign_and_close_it(
    network: Network, treasurer: User, money_need: Need, audit_verbs: Verbs
) -> None:
    campaign = services.campaign_create(
        network=network,
        actor=treasurer,
        title="Rent for the Ortiz family",
        description="Three months of rent.",
        goal=300_000,
        fund=general_fund(network),
        need=money_need,
        ends_on=timezone.localdate(),
    )
    assert campaign.is_open
    services.campaign_close(campaign=campaign, actor=treasurer)
    campaign.refresh_from_db()
    assert not campaign.is_open
    assert audit_verbs(campaign) == ["campaign.created", "campaign.closed"]


def campaign_kwargs(network: Network, treasurer: User, **changes: Any) -> dict[str, Any]:
    return {
        "network": network,
        "actor": treasurer,
        "title": "Winter coats",
        "description": "Coats for the shelter.",
        "goal": 50_000,
        "fund": general_fund(network),
        **changes,
    }


def test_a_campaign_must_raise_for_one_of_the_networks_funds(
    network: Network, treasurer: User, other_network: Network
) -> None:
    for fund in (general_fund(other_network), services.system_account(network, DONATIONS)):
        error = refusal(services.campaign_create, **campaign_kwargs(network, treasurer, fund=fund))
        assert error.message == funds.NOT_A_FUND


def test_a_campaign_can_not_be_for_another_networks_need(
    network: Network, treasurer: User, other_network: Network
) -> None:
    need = NeedFactory.create(network=other_network, category="money")
    error = refusal(services.campaign_create, **campaign_kwargs(network, treasurer, need=need))
    assert error.message == funds.NEED_ELSEWHERE


def test_a_campaign_can_not_end_in_the_past(network: Network, treasurer: User) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    kwargs = campaign_kwargs(network, treasurer, ends_on=yesterday)
    assert refusal(services.campaign_create, **kwargs).message == funds.ENDS_IN_PAST


def test_a_campaign_needs_a_goal(network: Network, treasurer: User) -> None:
    kwargs = campaign_kwargs(network, treasurer, goal=0)
    assert refusal(services.campaign_create, **kwargs).message == units.AMOUNT_NOT_POSITIVE


def test_member_can_not_start_or_close_a_campaign(
    network: Network, treasurer: User, member: User
) -> None:
    error = refusal(services.campaign_create, **campaign_kwargs(network, member))
    assert error.message == funds.NOT_A_TREASURER
    campaign = services.campaign_create(**campaign_kwargs(network, treasurer))
    error = refusal(services.campaign_close, campaign=campaign, actor=member)
    assert error.message == funds.NOT_A_TREASURER


def test_a_closed_campaign_can_not_be_closed_again(network: Network, treasurer: User) -> None:
    campaign = services.campaign_create(**campaign_kwargs(network, treasurer))
    services.campaign_close(campaign=campaign, actor=treasurer)
    error = refusal(services.campaign_close, campaign=campaign, actor=treasurer)
    assert error.message == funds.CAMPAIGN_CLOSED
    assert error.status == 409


# ---------------------------------------------------------------------------- donations


def donation_kwargs(network: Network, actor: User, **changes: Any) -> dict[str, Any]:
    return {
        "network": network,
        "actor": actor,
        "fund": general_fund(network),
        "amount": 2500,
        "received_on": timezone.localdate(),
        "method": "cash",
        "donor_name": " Ada Donor ",
        **changes,
    }


def test_treasurer_can_record_a_donation(
    network: Network, treasurer: User, audit_verbs: Verbs
) -> None:
    donation = services.donation_record(**donation_kwargs(network, treasurer))
    assert (donation.status, donation.donor_name, donation.recorded_by) == (
        Donation.Status.RECORDED,
        "Ada Donor",
        treasurer,
    )
    assert donation.transaction.kind == LedgerTransaction.Kind.DONATION
    assert balances(network)[general_fund(network).slug] == 2500
    assert balances(network)[DONATIONS] == -2500
    assert books_balance(network)
    assert audit_verbs(donation) == ["donation.recorded"]
    event = AuditEvent.objects.get(verb="donation.recorded")
    assert event.actor == treasurer
    assert "Ada" not in str(event.data)


def test_an_anonymous_donors_name_is_never_kept(network: Network, treasurer: User) -> None:
    kwargs = donation_kwargs(network, treasurer, anonymous=True)
    assert services.donation_record(**kwargs).donor_name == ""


def test_a_donation_can_count_toward_a_campaign(network: Network, treasurer: User) -> None:
    campaign = services.campaign_create(**campaign_kwargs(network, treasurer))
    donation = services.donation_record(**donation_kwargs(network, treasurer, campaign=campaign))
    assert donation.campaign == campaign


def test_a_donation_to_a_closed_campaign_is_refused(network: Network, treasurer: User) -> None:
    campaign = services.campaign_create(**campaign_kwargs(network, treasurer))
    services.campaign_close(campaign=campaign, actor=treasurer)
    kwargs = donation_kwargs(network, treasurer, campaign=campaign)
    assert refusal(services.donation_record, **kwargs).message == donations.CAMPAIGN_ELSEWHERE
    assert not LedgerTransaction.objects.exists()


def test_a_donation_to_a_campaign_goes_into_the_campaigns_fund(
    network: Network, treasurer: User
) -> None:
    rent = services.fund_create(network=network, actor=treasurer, name="Rent")
    campaign = services.campaign_create(**campaign_kwargs(network, treasurer, fund=rent))
    kwargs = donation_kwargs(network, treasurer, campaign=campaign)  # into the general fund
    error = refusal(services.donation_record, **kwargs)
    assert error.message == donations.CAMPAIGN_FUND
    assert not LedgerTransaction.objects.exists()


def test_a_donation_dated_tomorrow_is_allowed_for_treasurers_ahead_of_the_server(
    network: Network, treasurer: User
) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    services.donation_record(**donation_kwargs(network, treasurer, received_on=tomorrow))
    assert LedgerTransaction.objects.get().occurred_on == tomorrow


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"received_on": date.today() + timedelta(days=3)}, donations.DATE_IN_FUTURE),
        ({"received_on": date(1999, 12, 31)}, donations.DATE_TOO_OLD),
        ({"amount": 0}, units.AMOUNT_NOT_POSITIVE),
        ({"amount": units.MAX_AMOUNT + 1}, units.AMOUNT_TOO_LARGE),
    ],
)
def test_a_donation_with_a_bad_date_or_amount_is_refused(
    network: Network, treasurer: User, changes: dict[str, Any], message: str
) -> None:
    error = refusal(services.donation_record, **donation_kwargs(network, treasurer, **changes))
    assert error.message == message
    assert not Donation.objects.exists()
    assert not LedgerTransaction.objects.exists()


def test_a_donation_into_something_that_is_not_a_fund_is_refused(
    network: Network, treasurer: User, other_network: Network
) -> None:
    for fund in (general_fund(other_network), services.system_account(network, AID)):
        kwargs = donation_kwargs(network, treasurer, fund=fund)
        assert refusal(services.donation_record, **kwargs).message == funds.NOT_A_FUND
    assert not LedgerTransaction.objects.exists()


def test_a_donation_to_another_networks_campaign_is_refused(
    network: Network, treasurer: User, other_network: Network
) -> None:
    campaign = services.campaign_create(
        **campaign_kwargs(other_network, treasurer_of(other_network))
    )
    kwargs = donation_kwargs(network, treasurer, campaign=campaign)
    assert refusal(services.donation_record, **kwargs).message == donations.CAMPAIGN_ELSEWHERE
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VOLUNTEER, Role.COORDINATOR])
def test_only_money_roles_record_donations(
    network: Network, member_factory: MemberFactory, role: str
) -> None:
    user = member_factory(network=network, role=role).user
    error = refusal(services.donation_record, **donation_kwargs(network, user))
    assert error.message == funds.NOT_A_TREASURER
    assert not Donation.objects.exists()


def test_treasurer_can_reverse_a_donation_once(
    network: Network, treasurer: User, audit_verbs: Verbs
) -> None:
    donation = services.donation_record(**donation_kwargs(network, treasurer))
    services.donation_reverse(donation=donation, actor=treasurer)
    donation.refresh_from_db()
    assert donation.status == Donation.Status.REVERSED
    assert set(balances(network).values()) == {0}
    assert LedgerTransaction.objects.get(reverses=donation.transaction).created_by == treasurer
    assert audit_verbs(donation) == ["donation.recorded", "donation.reversed"]

    error = refusal(services.donation_reverse, donation=donation, actor=treasurer)
    assert error.message == donations.NOT_RECORDED
    assert LedgerTransaction.objects.count() == 2
    assert audit_verbs(donation) == ["donation.recorded", "donation.reversed"]


def test_a_spent_donation_can_not_be_reversed(
    network: Network, treasurer: User, member: User, second_treasurer: User
) -> None:
    donation = services.donation_record(**donation_kwargs(network, treasurer, amount=4000))
    request = make_approved(network=network, asker=member, treasurers=[treasurer], amount=3000)
    services.disbursement_pay(disbursement=request, treasurer=second_treasurer)

    error = refusal(services.donation_reverse, donation=donation, actor=treasurer)

    assert error.message == services.NOT_ENOUGH_IN_FUND
    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECORDED
    assert general_fund(network).balance == 1000
    assert books_balance(network)


def test_member_can_not_reverse_a_donation(network: Network, treasurer: User, member: User) -> None:
    donation = services.donation_record(**donation_kwargs(network, treasurer))
    error = refusal(services.donation_reverse, donation=donation, actor=member)
    assert error.message == funds.NOT_A_TREASURER
    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECORDED


# ---------------------------------------------------------------------------- asking


def test_member_can_ask_for_money_for_themselves(
    network: Network, member: User, audit_verbs: Verbs
) -> None:
    request = make_request(network=network, asker=member, amount=4000, purpose="  rent  ")
    assert (request.status, request.kind, request.recipient, request.requested_by) == (
        Disbursement.Status.REQUESTED,
        Disbursement.Kind.AID,
        member,
        member,
    )
    assert (request.approvals_needed, request.approval_count) == (1, 0)
    assert request.fund == general_fund(network)
    assert (request.purpose, request.payout_handle) == ("rent", "@canary-handle")
    assert audit_verbs(request) == ["disbursement.requested"]
    event = AuditEvent.objects.get(verb="disbursement.requested")
    assert event.data == {"amount": 4000, "kind": "aid", "approvals_needed": 1}
    assert "canary" not in str(event.data)


def test_asking_moves_no_money(network: Network, member: User) -> None:
    fill_fund(network, 5000)
    make_request(network=network, asker=member)
    assert LedgerTransaction.objects.count() == 1
    assert general_fund(network).balance == 5000


def test_a_request_can_name_another_fund(network: Network, member: User, treasurer: User) -> None:
    rent = services.fund_create(network=network, actor=treasurer, name="Rent")
    assert make_request(network=network, asker=member, fund=rent).fund == rent


def test_a_request_from_a_fund_of_another_network_is_refused(
    network: Network, member: User, other_network: Network
) -> None:
    error = refusal(make_request, network=network, asker=member, fund=general_fund(other_network))
    assert error.message == funds.NOT_A_FUND


def test_a_stranger_can_not_ask_a_network_for_money(network: Network, stranger: User) -> None:
    error = refusal(make_request, network=network, asker=stranger)
    assert (error.message, error.status) == (disbursements.NOT_A_MEMBER, 403)
    assert not Disbursement.objects.exists()


def test_a_category_the_network_does_not_use_is_refused(network: Network, member: User) -> None:
    network.categories = ["groceries", "rides"]
    network.save(update_fields=["categories"])
    for category in ("housing", "bogus"):
        error = refusal(make_request, network=network, asker=member, category=category)
        assert error.message == disbursements.UNKNOWN_CATEGORY


@pytest.mark.parametrize(
    ("amount", "message"),
    [(0, units.AMOUNT_NOT_POSITIVE), (units.MAX_AMOUNT + 1, units.AMOUNT_TOO_LARGE)],
)
def test_a_request_for_an_unbelievable_amount_is_refused(
    network: Network, member: User, amount: int, message: str
) -> None:
    set_policy(network, max_per_request=0, max_per_person_month=0)
    assert refusal(make_request, network=network, asker=member, amount=amount).message == message


def test_a_volunteer_can_ask_to_be_paid_back_with_a_receipt(
    network: Network, volunteer: User, audit_verbs: Verbs
) -> None:
    request = make_request(
        network=network, asker=volunteer, kind=Disbursement.Kind.REIMBURSEMENT, receipt=a_receipt()
    )
    assert (request.kind, request.recipient) == (Disbursement.Kind.REIMBURSEMENT, volunteer)
    receipt = Receipt.objects.get(disbursement=request)
    assert (receipt.content_type, receipt.size) == ("application/pdf", 16)
    assert receipt.data == a_receipt().encoded()
    assert audit_verbs(request) == ["disbursement.requested"]


def test_a_reimbursement_keeps_the_receipt_the_cleaner_made(
    network: Network, volunteer: User
) -> None:
    from potluck.core.tests.test_images import photo

    clean = receipt_clean(photo("PNG"))  # type: ignore[arg-type]
    request = make_request(
        network=network, asker=volunteer, kind=Disbursement.Kind.REIMBURSEMENT, receipt=clean
    )
    assert request.receipt.content_type == "image/png"
    assert request.receipt.size == len(clean.data)


def test_a_reimbursement_without_a_receipt_is_refused(network: Network, volunteer: User) -> None:
    error = refusal(
        make_request, network=network, asker=volunteer, kind=Disbursement.Kind.REIMBURSEMENT
    )
    assert error.message == disbursements.RECEIPT_NEEDED
    assert not Disbursement.objects.exists()


def test_a_member_who_is_not_a_volunteer_can_not_ask_to_be_paid_back(
    network: Network, member: User
) -> None:
    error = refusal(
        make_request,
        network=network,
        asker=member,
        kind=Disbursement.Kind.REIMBURSEMENT,
        receipt=a_receipt(),
    )
    assert (error.message, error.status) == (disbursements.NOT_A_VOLUNTEER, 403)


def test_the_volunteer_helping_with_a_money_need_can_ask_for_its_person(
    network: Network, volunteer: User, money_need: Need, audit_verbs: Verbs
) -> None:
    need_services.need_claim(need=money_need, volunteer=volunteer)
    money_need.refresh_from_db()
    request = make_request(network=network, asker=volunteer, need=money_need)
    assert (request.recipient, request.need, request.requested_by) == (None, money_need, volunteer)
    assert request.recipient_key == f"need:{money_need.pk}"
    assert audit_verbs(request) == ["disbursement.requested"]


def test_a_coordinator_can_ask_for_a_money_needs_person(
    network: Network, coordinator: User, money_need: Need
) -> None:
    assert make_request(network=network, asker=coordinator, need=money_need).need == money_need


def test_only_the_needs_volunteer_or_a_coordinator_can_ask_for_its_person(
    network: Network, member: User, volunteer: User, money_need: Need
) -> None:
    for asker in (member, volunteer):  # the volunteer hasn't claimed it
        error = refusal(make_request, network=network, asker=asker, need=money_need)
        assert (error.message, error.status) == (disbursements.NOT_FOR_THIS_NEED, 403)


def test_nobody_asks_for_money_for_a_need_that_is_not_about_money(
    network: Network, coordinator: User
) -> None:
    groceries = NeedFactory.create(network=network, category="groceries")
    error = refusal(make_request, network=network, asker=coordinator, need=groceries)
    assert error.message == disbursements.NOT_FOR_THIS_NEED


def test_nobody_asks_for_money_for_a_closed_need(
    network: Network, coordinator: User, money_need: Need
) -> None:
    Need.objects.filter(pk=money_need.pk).update(status=Need.Status.CLOSED)
    money_need.refresh_from_db()
    error = refusal(make_request, network=network, asker=coordinator, need=money_need)
    assert error.message == disbursements.NOT_FOR_THIS_NEED


def test_nobody_asks_one_network_for_another_networks_need(
    network: Network, coordinator: User, other_network: Network
) -> None:
    need = NeedFactory.create(network=other_network, category="money")
    error = refusal(make_request, network=network, asker=coordinator, need=need)
    assert error.message == disbursements.NOT_FOR_THIS_NEED


# ---------------------------------------------------------------------------- policy limits


def test_a_request_above_the_limit_per_request_is_refused(network: Network, member: User) -> None:
    set_policy(network, max_per_request=5000)
    make_request(network=network, asker=member, amount=5000)
    error = refusal(make_request, network=network, asker=member, amount=5001)
    assert error.message == disbursements.OVER_REQUEST_LIMIT % {"limit": "$50.00"}
    assert error.code == "over_request_limit"
    assert Disbursement.objects.count() == 1


def test_the_limit_per_request_is_shown_in_the_networks_currency(
    network: Network, member: User
) -> None:
    set_policy(network, currency="JPY", max_per_request=5000)
    error = refusal(make_request, network=network, asker=member, amount=6000)
    assert error.message == disbursements.OVER_REQUEST_LIMIT % {"limit": "5,000 JPY"}


def test_the_refusal_is_in_the_askers_language(network: Network, member: User) -> None:
    set_policy(network, max_per_request=123_456)
    with translation.override("es"):
        error = refusal(make_request, network=network, asker=member, amount=200_000)
        assert error.message == disbursements.OVER_REQUEST_LIMIT % {"limit": "$1\xa0234,56"}


def test_the_monthly_limit_counts_what_is_asked_and_approved(
    network: Network, member: User, treasurer: User
) -> None:
    set_policy(network, max_per_request=0, max_per_person_month=10_000)
    make_approved(network=network, asker=member, treasurers=[treasurer], amount=4000)
    make_request(network=network, asker=member, amount=4000)

    error = refusal(make_request, network=network, asker=member, amount=2001)

    assert error.message == disbursements.OVER_MONTH_LIMIT % {
        "limit": "$100.00",
        "left": "$20.00",
    }
    assert error.code == "over_month_limit"
    make_request(network=network, asker=member, amount=2000)  # exactly up to the limit
    error = refusal(make_request, network=network, asker=member, amount=1)
    assert error.message == disbursements.OVER_MONTH_LIMIT % {
        "limit": "$100.00",
        "left": "$0.00",
    }


def test_the_monthly_limit_counts_what_was_paid_this_month(
    network: Network, member: User, treasurer: User
) -> None:
    fill_fund(network, 10_000)
    set_policy(network, max_per_person_month=5000)
    paid = make_approved(network=network, asker=member, treasurers=[treasurer], amount=4000)
    services.disbursement_pay(disbursement=paid, treasurer=treasurer)
    error = refusal(make_request, network=network, asker=member, amount=1001)
    assert error.code == "over_month_limit"


def test_refused_cancelled_and_reversed_requests_do_not_count(
    network: Network, member: User, treasurer: User
) -> None:
    fill_fund(network, 10_000)
    set_policy(network, max_per_person_month=5000)
    refused = make_request(network=network, asker=member, amount=5000)
    services.disbursement_refuse(disbursement=refused, treasurer=treasurer)
    cancelled = make_request(network=network, asker=member, amount=5000)
    services.disbursement_cancel(disbursement=cancelled, user=member)
    reversed_ = make_approved(network=network, asker=member, treasurers=[treasurer], amount=5000)
    services.disbursement_pay(disbursement=reversed_, treasurer=treasurer)
    services.disbursement_reverse(disbursement=reversed_, treasurer=treasurer)

    assert make_request(network=network, asker=member, amount=5000).amount == 5000


def test_last_months_requests_do_not_count(network: Network, member: User) -> None:
    set_policy(network, max_per_person_month=5000)
    old = make_request(network=network, asker=member, amount=5000)
    Disbursement.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    assert make_request(network=network, asker=member, amount=5000).amount == 5000


def test_each_person_has_their_own_monthly_limit(
    network: Network, member: User, volunteer: User
) -> None:
    set_policy(network, max_per_person_month=5000)
    make_request(network=network, asker=member, amount=5000)
    assert make_request(network=network, asker=volunteer, amount=5000).recipient == volunteer


def test_a_needs_person_has_a_monthly_limit_whoever_asks(
    network: Network, coordinator: User, member_factory: MemberFactory, money_need: Need
) -> None:
    set_policy(network, max_per_person_month=5000)
    other_coordinator = member_factory(network=network, role=Role.COORDINATOR).user
    make_request(network=network, asker=coordinator, need=money_need, amount=3000)
    error = refusal(
        make_request, network=network, asker=other_coordinator, need=money_need, amount=2001
    )
    assert error.code == "over_month_limit"
    # ...and the coordinator's own limit is untouched by asking for someone else.
    assert make_request(network=network, asker=coordinator, amount=5000).recipient == coordinator


def test_a_volunteers_reimbursement_does_not_count_toward_their_aid_limit(
    network: Network, volunteer: User, treasurer: User
) -> None:
    fill_fund(network, 20_000)
    set_policy(network, max_per_request=0, max_per_person_month=5000)
    paid_back = make_approved(
        network=network,
        asker=volunteer,
        treasurers=[treasurer],
        amount=4000,
        kind=Disbursement.Kind.REIMBURSEMENT,
        receipt=a_receipt(),
    )
    services.disbursement_pay(disbursement=paid_back, treasurer=treasurer)

    aid = make_approved(network=network, asker=volunteer, treasurers=[treasurer], amount=5000)
    services.disbursement_pay(disbursement=aid, treasurer=treasurer)

    aid.refresh_from_db()
    assert aid.status == Disbursement.Status.PAID


def test_a_volunteer_with_aid_this_month_can_still_be_paid_back(
    network: Network, volunteer: User, treasurer: User
) -> None:
    set_policy(network, max_per_request=0, max_per_person_month=5000)
    make_request(network=network, asker=volunteer, amount=5000)
    request = make_request(
        network=network,
        asker=volunteer,
        amount=8000,  # more than the monthly aid limit itself: it isn't aid
        kind=Disbursement.Kind.REIMBURSEMENT,
        receipt=a_receipt(),
    )
    assert request.amount == 8000


def test_a_reimbursement_still_keeps_to_the_limit_per_request(
    network: Network, volunteer: User
) -> None:
    set_policy(network, max_per_request=5000)
    error = refusal(
        make_request,
        network=network,
        asker=volunteer,
        amount=5001,
        kind=Disbursement.Kind.REIMBURSEMENT,
        receipt=a_receipt(),
    )
    assert error.code == "over_request_limit"


def test_no_limits_when_the_policy_says_zero(network: Network, member: User) -> None:
    set_policy(network, max_per_request=0, max_per_person_month=0)
    for _ in range(3):
        make_request(network=network, asker=member, amount=units.MAX_AMOUNT)
    assert Disbursement.objects.count() == 3


def test_the_monthly_limit_is_checked_again_when_paying(
    network: Network, member: User, treasurer: User
) -> None:
    # Asked last month (so not counted when asking now), paid this month: paying counts it.
    fill_fund(network, 20_000)
    set_policy(network, max_per_person_month=5000)
    old = make_approved(network=network, asker=member, treasurers=[treasurer], amount=4000)
    Disbursement.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    new = make_approved(network=network, asker=member, treasurers=[treasurer], amount=4000)
    services.disbursement_pay(disbursement=new, treasurer=treasurer)

    error = refusal(services.disbursement_pay, disbursement=old, treasurer=treasurer)

    assert error.message == disbursements.OVER_MONTH_LIMIT % {
        "limit": "$50.00",
        "left": "$10.00",
    }
    old.refresh_from_db()
    assert (old.status, old.transaction, old.paid_at) == (Disbursement.Status.APPROVED, None, None)
    assert general_fund(network).balance == 16_000
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DISBURSEMENT).count() == 1


# ---------------------------------------------------------------------------- approving


def test_treasurer_can_approve_a_request(
    network: Network, member: User, treasurer: User, audit_verbs: Verbs
) -> None:
    request = make_request(network=network, asker=member, amount=5000)  # at the threshold
    services.disbursement_approve(disbursement=request, treasurer=treasurer)
    request.refresh_from_db()
    assert (request.status, request.approval_count, request.approvals_needed) == (
        Disbursement.Status.APPROVED,
        1,
        1,
    )
    assert request.decided_at is not None
    assert list(Approval.objects.values_list("disbursement", "treasurer")) == [
        (request.pk, treasurer.pk)
    ]
    assert audit_verbs(request) == ["disbursement.requested", "disbursement.approved"]
    assert AuditEvent.objects.get(verb="disbursement.approved").data == {"approval": 1, "of": 1}


def test_a_request_above_the_threshold_needs_two_different_treasurers(
    network: Network, member: User, treasurer: User, second_treasurer: User, audit_verbs: Verbs
) -> None:
    request = make_request(network=network, asker=member, amount=5001)
    assert request.approvals_needed == 2

    services.disbursement_approve(disbursement=request, treasurer=treasurer)
    request.refresh_from_db()
    assert (request.status, request.approval_count, request.decided_at) == (
        Disbursement.Status.REQUESTED,
        1,
        None,
    )
    error = refusal(services.disbursement_approve, disbursement=request, treasurer=treasurer)
    assert (error.message, error.status) == (disbursements.ALREADY_APPROVED_BY_YOU, 409)
    error = refusal(services.disbursement_pay, disbursement=request, treasurer=treasurer)
    assert error.message == disbursements.NOT_APPROVED

    services.disbursement_approve(disbursement=request, treasurer=second_treasurer)
    request.refresh_from_db()
    assert (request.status, request.approval_count) == (Disbursement.Status.APPROVED, 2)
    assert set(request.approvals.values_list("treasurer", flat=True)) == {
        treasurer.pk,
        second_treasurer.pk,
    }
    assert audit_verbs(request) == [
        "disbursement.requested",
        "disbursement.approved",
        "disbursement.approved",
    ]
    assert [event.data for event in AuditEvent.objects.filter(verb="disbursement.approved")] == [
        {"approval": 1, "of": 2},
        {"approval": 2, "of": 2},
    ]


def test_with_a_threshold_of_zero_two_treasurers_approve_everything(
    network: Network, member: User
) -> None:
    set_policy(network, second_approval_above=0)
    assert make_request(network=network, asker=member, amount=1).approvals_needed == 2


def test_an_approved_request_can_not_be_approved_again(
    network: Network, member: User, treasurer: User, second_treasurer: User
) -> None:
    request = make_approved(network=network, asker=member, treasurers=[treasurer], amount=1000)
    error = refusal(services.disbursement_approve, disbursement=request, treasurer=second_treasurer)
    assert (error.message, error.status) == (disbursements.NOT_WAITING, 409)
    assert Approval.objects.count() == 1


@pytest.mark.parametrize("ending", ["refuse", "cancel"])
def test_a_refused_or_cancelled_request_can_not_be_approved(
    network: Network, member: User, treasurer: User, ending: str
) -> None:
    request = make_request(network=network, asker=member)
    if ending == "refuse":
        services.disbursement_refuse(disbursement=request, treasurer=treasurer)
    else:
        services.disbursement_cancel(disbursement=request, user=member)
    error = refusal(services.disbursement_approve, disbursement=request, treasurer=treasurer)
    assert error.message == disbursements.NOT_WAITING
    assert not Approval.objects.exists()


def test_a_treasurer_can_not_approve_or_pay_their_own_request(
    network: Network, treasurer: User, second_treasurer: User
) -> None:
    fill_fund(network, 10_000)
    request = make_request(network=network, asker=treasurer, amount=1000)
    for decide in (services.disbursement_approve, services.disbursement_refuse):
        error = refusal(decide, disbursement=request, treasurer=treasurer)
        assert (error.message, error.status) == (disbursements.OWN_REQUEST, 403)
    services.disbursement_approve(disbursement=request, treasurer=second_treasurer)
    error = refusal(services.disbursement_pay, disbursement=request, treasurer=treasurer)
    assert error.message == disbursements.OWN_REQUEST
    request.refresh_from_db()
    assert request.status == Disbursement.Status.APPROVED
    assert general_fund(network).balance == 10_000


def test_a_treasurer_can_not_reverse_a_payment_to_themselves(
    network: Network, treasurer: User, second_treasurer: User
) -> None:
    fill_fund(network, 10_000)
    request = make_approved(
        network=network, asker=treasurer, treasurers=[second_treasurer], amount=1000
    )
    services.disbursement_pay(disbursement=request, treasurer=second_treasurer)
    error = refusal(services.disbursement_reverse, disbursement=request, treasurer=treasurer)
    assert error.message == disbursements.OWN_REQUEST
    request.refresh_from_db()
    assert request.status == Disbursement.Status.PAID
    assert general_fund(network).balance == 9000


def test_the_recipient_can_not_approve_money_asked_for_them(
    network: Network, coordinator: User, treasurer: User
) -> None:
    # Whoever receives is checked, not only whoever asked.
    request = make_request(network=network, asker=treasurer, amount=1000)
    Disbursement.objects.filter(pk=request.pk).update(requested_by=coordinator)
    request.refresh_from_db()
    error = refusal(services.disbursement_approve, disbursement=request, treasurer=treasurer)
    assert error.message == disbursements.OWN_REQUEST


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VOLUNTEER, Role.COORDINATOR])
def test_only_money_roles_decide_requests(
    network: Network, member: User, member_factory: MemberFactory, role: str
) -> None:
    user = member_factory(network=network, role=role).user
    request = make_request(network=network, asker=member)
    for decide in (
        services.disbursement_approve,
        services.disbursement_refuse,
        services.disbursement_pay,
        services.disbursement_reverse,
    ):
        error = refusal(decide, disbursement=request, treasurer=user)
        assert (error.message, error.status) == (disbursements.NOT_A_TREASURER, 403)
    request.refresh_from_db()
    assert (request.status, request.approval_count) == (Disbursement.Status.REQUESTED, 0)


def test_a_treasurer_of_another_network_can_not_decide(
    network: Network, member: User, other_network: Network
) -> None:
    request = make_request(network=network, asker=member)
    error = refusal(
        services.disbursement_approve, disbursement=request, treasurer=treasurer_of(other_network)
    )
    assert error.message == disbursements.NOT_A_TREASURER


# ---------------------------------------------------------------------------- refusing


@pytest.mark.parametrize("approved", [False, True])
def test_treasurer_can_refuse_a_waiting_request_and_say_why(
    network: Network, member: User, treasurer: User, audit_verbs: Verbs, approved: bool
) -> None:
    treasurers = [treasurer] if approved else []
    request = make_approved(network=network, asker=member, treasurers=treasurers)
    services.disbursement_refuse(disbursement=request, treasurer=treasurer, reason=" Fund empty ")
    request.refresh_from_db()
    assert (request.status, request.refusal_reason) == (Disbursement.Status.REFUSED, "Fund empty")
    assert request.decided_at is not None
    assert audit_verbs(request)[-1] == "disbursement.refused"
    assert "Fund" not in str(AuditEvent.objects.get(verb="disbursement.refused").data)


def test_a_paid_request_can_not_be_refused(network: Network, member: User, treasurer: User) -> None:
    fill_fund(network, 5000)
    request = make_approved(network=network, asker=member, treasurers=[treasurer])
    services.disbursement_pay(disbursement=request, treasurer=treasurer)
    error = refusal(services.disbursement_refuse, disbursement=request, treasurer=treasurer)
    assert (error.message, error.status) == (disbursements.NOT_WAITING, 409)
    request.refresh_from_db()
    assert request.status == Disbursement.Status.PAID


# ---------------------------------------------------------------------------- paying


def test_treasurer_can_pay_an_approved_request(
    network: Network, member: User, treasurer: User, audit_verbs: Verbs
) -> None:
    fill_fund(network, 5000)
    request = make_approved(network=network, asker=member, treasurers=[treasurer], amount=4000)

    services.disbursement_pay(disbursement=request, treasurer=treasurer)

    request.refresh_from_db()
    assert request.status == Disbursement.Status.PAID
    assert request.paid_at is not None
    txn = request.transaction
    assert txn is not None
    assert (txn.kind, txn.category, txn.created_by) == (
        LedgerTransaction.Kind.DISBURSEMENT,
        "groceries",
        treasurer,
    )
    assert sorted(txn.entries.values_list("account__slug", "amount")) == [
        (AID, 4000),
        ("general", -4000),
    ]
    assert (balances(network)["general"], balances(network)[AID]) == (1000, 4000)
    assert books_balance(network)
    assert audit_verbs(request) == [
        "disbursement.requested",
        "disbursement.approved",
        "disbursement.paid",
    ]
    event = AuditEvent.objects.get(verb="disbursement.paid")
    assert event.data == {"amount": 4000, "transaction": txn.pk}


def test_a_reimbursement_is_paid_to_the_volunteers_paid_back_account(
    network: Network, volunteer: User, treasurer: User
) -> None:
    fill_fund(network, 5000)
    request = make_approved(
        network=network,
        asker=volunteer,
        treasurers=[treasurer],
        amount=1500,
        kind=Disbursement.Kind.REIMBURSEMENT,
        receipt=a_receipt(),
    )
    services.disbursement_pay(disbursement=request, treasurer=treasurer)
    request.refresh_from_db()
    assert request.transaction is not None
    assert request.transaction.kind == LedgerTransaction.Kind.REIMBURSEMENT
    assert balances(network)[REIMBURSEMENTS] == 1500
    assert balances(network)[AID] == 0


def test_a_request_is_paid_from_its_own_fund(
    network: Network, member: User, treasurer: User
) -> None:
    rent = services.fund_create(network=network, actor=treasurer, name="Rent")
    fill_fund(network, 3000, fund=rent)
    fill_fund(network, 9000)
    request = make_approved(
        network=network, asker=member, treasurers=[treasurer], fund=rent, amount=3000
    )
    services.disbursement_pay(disbursement=request, treasurer=treasurer)
    assert (balances(network)["rent"], balances(network)["general"]) == (0, 9000)


def test_a_request_still_waiting_for_approval_can_not_be_paid(
    network: Network, member: User, treasurer: User
) -> None:
    fill_fund(network, 5000)
    request = make_request(network=network, asker=member)
    error = refusal(services.disbursement_pay, disbursement=request, treasurer=treasurer)
    assert (error.message, error.status) == (disbursements.NOT_APPROVED, 409)
    assert general_fund(network).balance == 5000


def test_a_request_is_paid_only_once(network: Network, member: User, treasurer: User) -> None:
    fill_fund(network, 10_000)
    request = make_approved(network=network, asker=member, treasurers=[treasurer], amount=1000)
    services.disbursement_pay(disbursement=request, treasurer=treasurer)
    error = refusal(services.disbursement_pay, disbursement=request, treasurer=treasurer)
    assert error.message == disbursements.NOT_APPROVED
    assert general_fund(network).balance == 9000
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DISBURSEMENT).count() == 1


def test_paying_more_than_the_fund_holds_is_refused_and_the_request_stays_approved(
    network: Network, member: User, treasurer: User, audit_verbs: Verbs
) -> None:
    fill_fund(network, 3999)
    request = make_approved(network=network, asker=member, treasurers=[treasurer], amount=4000)

    error = refusal(services.disbursement_pay, disbursement=request, treasurer=treasurer)

    assert (error.message, error.status) == (services.NOT_ENOUGH_IN_FUND, 409)
    request.refresh_from_db()
    assert (request.status, request.transaction, request.paid_at) == (
        Disbursement.Status.APPROVED,
        None,
        None,
    )
    assert general_fund(network).balance == 3999
    assert LedgerTransaction.objects.count() == 1
    assert "disbursement.paid" not in audit_verbs(request)


# ---------------------------------------------------------------------------- reversing


def test_treasurer_can_reverse_a_payment_that_did_not_go_through(
    network: Network, member: User, treasurer: User, second_treasurer: User, audit_verbs: Verbs
) -> None:
    fill_fund(network, 5000)
    request = make_approved(network=network, asker=member, treasurers=[treasurer], amount=4000)
    services.disbursement_pay(disbursement=request, treasurer=treasurer)

    services.disbursement_reverse(disbursement=request, treasurer=second_treasurer)

    request.refresh_from_db()
    assert request.status == Disbursement.Status.REVERSED
    assert request.transaction is not None
    reversal = LedgerTransaction.objects.get(reverses=request.transaction)
    assert (reversal.kind, reversal.created_by) == (
        LedgerTransaction.Kind.REVERSAL,
        second_treasurer,
    )
    assert (balances(network)["general"], balances(network)[AID]) == (5000, 0)
    assert books_balance(network)
    assert audit_verbs(request)[-2:] == ["disbursement.paid", "disbursement.reversed"]
    event = AuditEvent.objects.get(verb="disbursement.reversed")
    assert event.data == {"transaction": reversal.pk}

    error = refusal(services.disbursement_reverse, disbursement=request, treasurer=treasurer)
    assert (error.message, error.status) == (disbursements.NOT_PAID, 409)
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REVERSAL).count() == 1


@pytest.mark.parametrize("approved", [False, True])
def test_only_a_paid_request_can_be_reversed(
    network: Network, member: User, treasurer: User, approved: bool
) -> None:
    treasurers = [treasurer] if approved else []
    request = make_approved(network=network, asker=member, treasurers=treasurers)
    error = refusal(services.disbursement_reverse, disbursement=request, treasurer=treasurer)
    assert error.message == disbursements.NOT_PAID


# ---------------------------------------------------------------------------- cancelling


def test_the_asker_can_cancel_while_it_waits(
    network: Network, member: User, audit_verbs: Verbs
) -> None:
    request = make_request(network=network, asker=member)
    services.disbursement_cancel(disbursement=request, user=member)
    request.refresh_from_db()
    assert request.status == Disbursement.Status.CANCELLED
    assert audit_verbs(request) == ["disbursement.requested", "disbursement.cancelled"]


def test_a_request_with_one_of_two_approvals_can_still_be_cancelled(
    network: Network, member: User, treasurer: User
) -> None:
    request = make_request(network=network, asker=member, amount=6000)
    services.disbursement_approve(disbursement=request, treasurer=treasurer)
    services.disbursement_cancel(disbursement=request, user=member)
    request.refresh_from_db()
    assert request.status == Disbursement.Status.CANCELLED


def test_nobody_else_can_cancel_a_request(
    network: Network, member: User, treasurer: User, coordinator: User
) -> None:
    request = make_request(network=network, asker=member)
    for user in (treasurer, coordinator):
        error = refusal(services.disbursement_cancel, disbursement=request, user=user)
        assert (error.message, error.status) == (disbursements.NOT_YOURS, 403)
    request.refresh_from_db()
    assert request.status == Disbursement.Status.REQUESTED


def test_an_approved_request_can_not_be_cancelled(
    network: Network, member: User, treasurer: User
) -> None:
    request = make_approved(network=network, asker=member, treasurers=[treasurer])
    error = refusal(services.disbursement_cancel, disbursement=request, user=member)
    assert (error.message, error.status) == (disbursements.CANT_CANCEL, 409)
    request.refresh_from_db()
    assert request.status == Disbursement.Status.APPROVED


# ---------------------------------------------------------------------------- pledges


def test_member_can_pledge_to_a_money_need(
    network: Network, member: User, money_need: Need, audit_verbs: Verbs
) -> None:
    set_policy(network, pledge_days=3)
    before = timezone.now()
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    assert (pledge.status, pledge.amount, pledge.donor, pledge.network) == (
        Pledge.Status.PLEDGED,
        2500,
        member,
        network,
    )
    assert before + timedelta(days=3) <= pledge.expires_at <= timezone.now() + timedelta(days=3)
    assert audit_verbs(pledge) == ["pledge.made"]
    assert AuditEvent.objects.get(verb="pledge.made").data == {"amount": 2500}
    assert not LedgerTransaction.objects.exists()


def test_nobody_can_pledge_to_a_need_that_is_not_about_money(
    network: Network, member: User
) -> None:
    need = NeedFactory.create(network=network, category="rides")
    error = refusal(services.pledge_make, need=need, donor=member, amount=100)
    assert (error.message, error.status) == (pledges.CANT_PLEDGE, 403)


def test_nobody_can_pledge_to_a_closed_need(
    network: Network, member: User, money_need: Need
) -> None:
    Need.objects.filter(pk=money_need.pk).update(status=Need.Status.CLOSED)
    money_need.refresh_from_db()
    error = refusal(services.pledge_make, need=money_need, donor=member, amount=100)
    assert error.message == pledges.CANT_PLEDGE


def test_a_stranger_can_not_pledge_to_another_networks_need(
    stranger: User, money_need: Need
) -> None:
    error = refusal(services.pledge_make, need=money_need, donor=stranger, amount=100)
    assert error.message == pledges.CANT_PLEDGE
    assert not Pledge.objects.exists()


def test_a_pledge_needs_a_believable_amount(member: User, money_need: Need) -> None:
    error = refusal(services.pledge_make, need=money_need, donor=member, amount=0)
    assert error.message == units.AMOUNT_NOT_POSITIVE


def test_when_both_sides_confirm_the_ledger_records_direct_aid(
    network: Network, member: User, money_need: Need, audit_verbs: Verbs
) -> None:
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    services.pledge_handle_give(pledge=pledge, payout_handle=" @them ")
    services.pledge_confirm_paid(pledge=pledge, donor=member)
    pledge.refresh_from_db()
    assert (pledge.status, pledge.transaction) == (Pledge.Status.PLEDGED, None)
    assert pledge.payout_handle == "@them"

    services.pledge_confirm_received(pledge=pledge)

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    assert pledge.donor_confirmed_at is not None
    assert pledge.recipient_confirmed_at is not None
    txn = pledge.transaction
    assert txn is not None
    assert (txn.kind, txn.category) == (LedgerTransaction.Kind.DIRECT_AID, "money")
    assert (balances(network)[DIRECT_AID], balances(network)[DIRECT_AID_DONORS]) == (2500, -2500)
    assert general_fund(network).balance == 0
    assert books_balance(network)
    assert audit_verbs(pledge) == [
        "pledge.made",
        "pledge.handle_given",
        "pledge.paid",
        "pledge.received",
        "pledge.confirmed",
    ]
    assert AuditEvent.objects.get(verb="pledge.confirmed").data == {"transaction": txn.pk}


def test_the_person_may_confirm_first_and_a_coordinator_may_confirm_for_them(
    network: Network, member: User, coordinator: User, money_need: Need, audit_verbs: Verbs
) -> None:
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    services.pledge_confirm_received(pledge=pledge, actor=coordinator)
    services.pledge_confirm_paid(pledge=pledge, donor=member)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    assert audit_verbs(pledge) == [
        "pledge.made",
        "pledge.received",
        "pledge.paid",
        "pledge.confirmed",
    ]
    assert LedgerTransaction.objects.get().created_by == member


def test_only_a_coordinator_confirms_on_the_persons_behalf(
    network: Network, member: User, volunteer: User, treasurer: User, money_need: Need
) -> None:
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    for user in (member, volunteer, treasurer):
        error = refusal(services.pledge_confirm_received, pledge=pledge, actor=user)
        assert (error.message, error.status) == (pledges.NOT_FOR_YOU, 403)
    pledge.refresh_from_db()
    assert pledge.recipient_confirmed_at is None


def test_a_coordinator_who_pledged_can_not_also_confirm_for_the_person(
    network: Network, coordinator: User, money_need: Need
) -> None:
    pledge = services.pledge_make(need=money_need, donor=coordinator, amount=2500)
    services.pledge_confirm_paid(pledge=pledge, donor=coordinator)
    error = refusal(services.pledge_confirm_received, pledge=pledge, actor=coordinator)
    assert error.message == pledges.NOT_FOR_YOU
    pledge.refresh_from_db()
    assert (pledge.status, pledge.recipient_confirmed_at) == (Pledge.Status.PLEDGED, None)
    assert not LedgerTransaction.objects.exists()


def test_only_the_donor_confirms_paying_or_cancels(
    network: Network, member: User, volunteer: User, money_need: Need
) -> None:
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    error = refusal(services.pledge_confirm_paid, pledge=pledge, donor=volunteer)
    assert (error.message, error.status) == (pledges.NOT_YOUR_PLEDGE, 403)
    error = refusal(services.pledge_cancel, pledge=pledge, donor=volunteer)
    assert error.message == pledges.NOT_YOUR_PLEDGE
    pledge.refresh_from_db()
    assert (pledge.status, pledge.donor_confirmed_at) == (Pledge.Status.PLEDGED, None)


def test_each_side_confirms_once(network: Network, member: User, money_need: Need) -> None:
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    services.pledge_confirm_paid(pledge=pledge, donor=member)
    error = refusal(services.pledge_confirm_paid, pledge=pledge, donor=member)
    assert (error.message, error.status) == (pledges.NOT_PLEDGED, 409)
    services.pledge_confirm_received(pledge=pledge)
    error = refusal(services.pledge_confirm_received, pledge=pledge)
    assert error.message == pledges.NOT_PLEDGED
    assert LedgerTransaction.objects.count() == 1


def test_donor_can_cancel_a_pledge_and_then_nothing_more_happens(
    network: Network, member: User, money_need: Need, audit_verbs: Verbs
) -> None:
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    services.pledge_cancel(pledge=pledge, donor=member)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    assert audit_verbs(pledge) == ["pledge.made", "pledge.cancelled"]
    for call, kwargs in (
        (services.pledge_cancel, {"donor": member}),
        (services.pledge_confirm_paid, {"donor": member}),
        (services.pledge_confirm_received, {}),
        (services.pledge_handle_give, {"payout_handle": "@me"}),
    ):
        assert refusal(call, pledge=pledge, **kwargs).message == pledges.NOT_PLEDGED
    assert not LedgerTransaction.objects.exists()


def test_a_pledge_not_confirmed_in_time_expires(
    network: Network, member: User, money_need: Need, audit_verbs: Verbs
) -> None:
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    services.pledge_confirm_paid(pledge=pledge, donor=member)
    assert services.pledges_expire(now=pledge.expires_at - timedelta(seconds=1)) == 0

    assert services.pledges_expire(now=pledge.expires_at) == 1

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.EXPIRED
    assert audit_verbs(pledge) == ["pledge.made", "pledge.paid", "pledge.expired"]
    assert services.pledges_expire(now=pledge.expires_at + timedelta(days=1)) == 0
    assert refusal(services.pledge_confirm_received, pledge=pledge).message == pledges.NOT_PLEDGED
    assert not LedgerTransaction.objects.exists()


def test_a_pledge_past_its_time_can_not_be_confirmed_before_the_expiry_job_runs(
    network: Network, member: User, money_need: Need
) -> None:
    pledge = services.pledge_make(need=money_need, donor=member, amount=2500)
    Pledge.objects.filter(pk=pledge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    error = refusal(services.pledge_confirm_paid, pledge=pledge, donor=member)
    assert error.message == pledges.NOT_PLEDGED


# ---------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("text", "unit", "amount"),
    [
        ("12.50", "USD", 1250),
        ("40", "USD", 4000),
        (" $40 ", "USD", 4000),
        ("€12.5", "EUR", 1250),
        ("40 usd", "USD", 4000),
        ("+5", "USD", 500),
        (".5", "USD", 50),
        ("12.", "USD", 1200),
        ("1,234.50", "USD", 123450),
        ("1,234,567", "USD", 123456700),
        ("1.234,50", "USD", 123450),  # a decimal comma after grouping dots
        ("1\xa0234,50", "USD", 123450),  # as format_amount writes it in Spanish
        ("1 234.50", "USD", 123450),
        ("1'234.50", "CHF", 123450),
        ("12,50", "USD", 1250),  # a decimal comma, never twelve hundred and fifty dollars
        ("12,5", "USD", 1250),
        ("1250", "JPY", 1250),
        ("1,250", "JPY", 1250),
        ("90", "HOURS", 90),
        ("١٢", "USD", 1200),  # Arabic-Indic digits from a phone keyboard
        ("1000000000", "USD", units.MAX_AMOUNT),
    ],
)
def test_amounts_people_type_are_read_right(text: str, unit: str, amount: int) -> None:
    assert units.parse_amount(text, unit) == amount


@pytest.mark.parametrize(
    ("text", "unit", "code"),
    [
        ("", "USD", "not_an_amount"),
        ("   ", "USD", "not_an_amount"),
        ("forty", "USD", "not_an_amount"),
        ("1e3", "USD", "not_an_amount"),
        ("1_000", "USD", "not_an_amount"),
        ("NaN", "USD", "not_an_amount"),
        ("Infinity", "USD", "not_an_amount"),
        ("12 50", "USD", "not_an_amount"),
        ("1,2,3", "USD", "not_an_amount"),
        ("12,34,567", "USD", "not_an_amount"),
        ("1.234.56", "USD", "not_an_amount"),
        ("1,234.5.6", "USD", "not_an_amount"),
        (".", "USD", "not_an_amount"),
        ("$", "USD", "not_an_amount"),
        ("--5", "USD", "not_an_amount"),
        ("0", "USD", "not_positive"),
        ("0.00", "USD", "not_positive"),
        ("-5", "USD", "not_positive"),
        ("-$12.50", "USD", "not_positive"),
        ("1000000000.01", "USD", "too_large"),
        ("12.345", "USD", "too_precise"),
        ("12.500", "USD", "too_precise"),  # never quietly $12.50 or $12,500
        ("1.250", "USD", "too_precise"),
        ("12.5", "JPY", "too_precise"),
        ("12,50", "JPY", "too_precise"),
    ],
)
def test_amounts_that_can_not_be_read_one_way_only_are_refused(
    text: str, unit: str, code: str
) -> None:
    with pytest.raises(ValidationError) as error:
        units.parse_amount(text, unit)
    assert error.value.code == code


def test_a_refusal_says_how_many_decimal_places_are_allowed() -> None:
    with pytest.raises(ValidationError) as error:
        units.parse_amount("1.999", "USD")
    assert error.value.messages == ["Use at most 2 decimal places."]


def test_a_comma_before_three_digits_follows_the_readers_language() -> None:
    # "1,250" is 1250 in English and 1.25 in Spanish: in Spanish it is refused, not guessed.
    assert units.parse_amount("1,250", "USD") == 125_000
    with translation.override("es"):
        with pytest.raises(ValidationError) as error:
            units.parse_amount("1,250", "USD")
        assert error.value.code == "too_precise"
        assert units.parse_amount("12,50", "USD") == 1250
        assert units.parse_amount("1.250.000", "USD") == 125_000_000


@pytest.mark.parametrize(
    ("amount", "unit", "english", "spanish"),
    [
        (1250, "USD", "$12.50", "$12,50"),
        (5, "USD", "$0.05", "$0,05"),
        (0, "USD", "$0.00", "$0,00"),
        (-1250, "USD", "-$12.50", "-$12,50"),
        (123_456_789, "USD", "$1,234,567.89", "$1\xa0234\xa0567,89"),
        (1250, "EUR", "€12.50", "€12,50"),
        (1250, "GBP", "£12.50", "£12,50"),
        (1250, "JPY", "1,250 JPY", "1\xa0250 JPY"),
        (1250, "CHF", "12.50 CHF", "12,50 CHF"),
        (90, "HOURS", "90 HOURS", "90 HOURS"),
        (1250, "usd", "$12.50", "$12,50"),
    ],
)
def test_amounts_are_shown_in_the_readers_number_format(
    amount: int, unit: str, english: str, spanish: str
) -> None:
    assert units.format_amount(amount, unit) == english
    with translation.override("es"):
        assert units.format_amount(amount, unit) == spanish


@pytest.mark.parametrize(
    ("amount", "unit", "plain"),
    [(1250, "USD", "12.50"), (5, "USD", "0.05"), (1250, "JPY", "1250"), (-100, "EUR", "-1.00")],
)
def test_plain_amounts_have_no_symbol_or_grouping(amount: int, unit: str, plain: str) -> None:
    assert units.plain_amount(amount, unit) == plain
    with translation.override("es"):
        assert units.plain_amount(amount, unit) == plain


AMOUNTS = st.integers(min_value=1, max_value=units.MAX_AMOUNT)


@hypothesis_settings(max_examples=300, deadline=None, database=None)
@given(amount=AMOUNTS, unit=st.sampled_from(["USD", "JPY", "EUR", "HOURS"]))
def test_a_plain_amount_reads_back_as_itself(amount: int, unit: str) -> None:
    assert units.parse_amount(units.plain_amount(amount, unit), unit) == amount
    with translation.override("es"):
        assert units.parse_amount(units.plain_amount(amount, unit), unit) == amount


@hypothesis_settings(max_examples=300, deadline=None, database=None)
@given(
    amount=AMOUNTS,
    unit=st.sampled_from(["USD", "JPY", "EUR", "GBP"]),
    language=st.sampled_from(["en", "es"]),
)
def test_a_shown_amount_reads_back_as_itself_in_the_same_language(
    amount: int, unit: str, language: str
) -> None:
    with translation.override(language):
        assert units.parse_amount(units.format_amount(amount, unit), unit) == amount


@hypothesis_settings(max_examples=300, deadline=None, database=None)
@given(
    text=st.text(alphabet="0123456789.,-+ $€\xa0'e_", max_size=14),
    language=st.sampled_from(["en", "es"]),
)
def test_any_text_is_read_or_refused_never_an_error(text: str, language: str) -> None:
    with translation.override(language):
        try:
            amount = units.parse_amount(text, "USD")
        except ValidationError:
            return
    assert 0 < amount <= units.MAX_AMOUNT
