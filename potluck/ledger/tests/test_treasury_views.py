from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from potluck.conftest import login, with_two_factor
from potluck.ledger import services
from potluck.ledger.forms.treasury import NOT_A_CAMPAIGN, NOT_A_CURRENCY
from potluck.ledger.models import Campaign, Donation, MoneyPolicy
from potluck.ledger.services.donations import DATE_IN_FUTURE
from potluck.ledger.services.funds import CAMPAIGN_CLOSED, CURRENCY_IN_USE, NOT_A_FUND
from potluck.ledger.tests.factories import fill_fund, general_fund, make_approved, make_request
from potluck.ledger.units import NOT_AN_AMOUNT

pytestmark = pytest.mark.django_db

TREASURER_PAGES = ("treasury", "donations", "donation_new", "fund_new", "policy", "campaign_new")


def url(name, network, *args):
    return reverse(f"ledger:{name}", args=[network.slug, *args])


def donation_data(network, **overrides):
    data = {
        "amount": "40",
        "received_on": timezone.localdate().isoformat(),
        "method": "cash",
        "fund": general_fund(network).pk,
        "donor_name": "Rosa Canary",
    }
    data.update(overrides)
    return data


def record(network, treasurer, amount=4000, **kw):
    return services.donation_record(
        network=network,
        actor=treasurer,
        fund=kw.pop("fund", None) or general_fund(network),
        amount=amount,
        received_on=timezone.localdate(),
        method="cash",
        **kw,
    )


@pytest.mark.parametrize("page", TREASURER_PAGES)
def test_treasurer_can_open_every_treasurer_page(client, network, treasurer, page):
    login(client, treasurer)
    assert client.get(url(page, network)).status_code == 200


@pytest.mark.parametrize("page", TREASURER_PAGES)
def test_admin_can_open_every_treasurer_page(client, network, admin, page):
    login(client, admin)
    assert client.get(url(page, network)).status_code == 200


@pytest.mark.parametrize("actor", ["member", "volunteer", "coordinator", "stranger"])
@pytest.mark.parametrize("page", TREASURER_PAGES)
def test_others_get_404_on_treasurer_pages(client, network, actor_factory, actor, page):
    login(client, actor_factory(actor, network))
    assert client.get(url(page, network)).status_code == 404


def test_a_treasurer_enters_their_two_factor_code_before_any_treasurer_page(
    client, network, treasurer
):
    client.force_login(treasurer)  # password only: the session is not verified by a code
    response = client.get(url("treasury", network))
    assert response.status_code == 302
    client.post(url("donation_new", network), donation_data(network))
    assert not Donation.objects.exists()


def test_coordinator_cannot_record_or_reverse_a_donation(client, network, treasurer, coordinator):
    donation = record(network, treasurer)
    login(client, coordinator)
    assert client.post(url("donation_new", network), donation_data(network)).status_code == 404
    reverse_url = url("donation_reverse", network, donation.pk)
    assert client.post(reverse_url).status_code == 404
    assert Donation.objects.get().status == Donation.Status.RECORDED


def test_anonymous_is_sent_to_log_in_from_treasurer_pages(client, network):
    response = client.get(url("treasury", network))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_treasury_shows_funds_waiting_requests_and_campaigns(client, network, treasurer, member):
    fill_fund(network, 12_345)
    services.fund_create(network=network, actor=treasurer, name="Rent")
    request = make_request(network=network, asker=member, amount=2000)
    services.campaign_create(
        network=network,
        actor=treasurer,
        title="Winter coats",
        description="Coats for the winter",
        goal=50_000,
        fund=general_fund(network),
    )
    login(client, treasurer)
    page = client.get(url("treasury", network)).content.decode()
    assert "$123.45" in page
    assert "Rent" in page
    assert url("request", network, request.pk) in page
    assert "Winter coats" in page
    assert "<progress" in page
    for link in ("import_new", "ledger_csv", "balance_check", "transparency", "policy"):
        assert url(link, network) in page


def test_treasurer_records_a_donation_and_the_fund_rises(client, network, treasurer, audit_verbs):
    login(client, treasurer)
    response = client.post(url("donation_new", network), donation_data(network, amount="40.50"))
    assert response.status_code == 302
    assert response["Location"] == url("donations", network)
    donation = Donation.objects.get()
    assert donation.amount == 4050
    assert donation.donor_name == "Rosa Canary"
    assert donation.recorded_by == treasurer
    assert general_fund(network).balance == 4050
    assert audit_verbs(donation) == ["donation.recorded"]
    listing = client.get(response["Location"]).content.decode()
    assert "$40.50" in listing
    assert "Rosa Canary" in listing


def test_an_anonymous_donation_keeps_no_name(client, network, treasurer):
    login(client, treasurer)
    client.post(url("donation_new", network), donation_data(network, anonymous="on"))
    assert Donation.objects.get().donor_name == ""
    assert "Anonymous" in client.get(url("donations", network)).content.decode()


def test_a_donation_can_count_towards_an_open_campaign(client, network, treasurer):
    campaign = services.campaign_create(
        network=network,
        actor=treasurer,
        title="Rent relief",
        description="Rent",
        goal=10_000,
        fund=general_fund(network),
    )
    login(client, treasurer)
    client.post(url("donation_new", network), donation_data(network, campaign=campaign.pk))
    assert Donation.objects.get().campaign == campaign


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "forty"}, "amount", NOT_AN_AMOUNT),
        ({"amount": "0"}, "amount", None),
        ({"amount": "-5"}, "amount", None),
        ({"amount": "1.234"}, "amount", None),
        ({"fund": "999999"}, "fund", NOT_A_FUND),
        ({"fund": "not a number"}, "fund", NOT_A_FUND),
        ({"method": "gold"}, "method", None),
        ({"received_on": "someday"}, "received_on", None),
    ],
)
def test_bad_donation_input_shows_a_translated_error_and_records_nothing(
    client, network, treasurer, overrides, field, message
):
    login(client, treasurer)
    response = client.post(url("donation_new", network), donation_data(network, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    if field is not None:
        assert field in form.errors
    if message is not None:
        assert str(message) in form.errors[field]
    assert not Donation.objects.exists()
    assert general_fund(network).balance == 0


def test_a_campaign_not_open_in_this_network_is_refused(client, network, treasurer):
    closed = make_campaign(network, treasurer, title="Closed")
    make_campaign(network, treasurer, title="Open")
    services.campaign_close(campaign=closed, actor=treasurer)
    login(client, treasurer)
    response = client.post(url("donation_new", network), donation_data(network, campaign=closed.pk))
    assert response.context["form"].errors["campaign"] == [str(NOT_A_CAMPAIGN)]
    assert not Donation.objects.exists()


def test_a_donation_dated_in_the_future_is_refused_next_to_the_date(client, network, treasurer):
    login(client, treasurer)
    later = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(url("donation_new", network), donation_data(network, received_on=later))
    assert response.status_code == 200
    assert response.context["form"].errors["received_on"] == [str(DATE_IN_FUTURE)]
    assert not Donation.objects.exists()


def test_errors_are_in_the_readers_language(client, network, treasurer):
    login(client, treasurer)
    response = client.post(
        url("donation_new", network),
        donation_data(network, amount=""),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.context["form"].errors["amount"] == ["Este campo es obligatorio."]


def test_another_networks_fund_is_not_a_choice(client, network, treasurer, network_factory):
    elsewhere = network_factory()
    login(client, treasurer)
    response = client.post(
        url("donation_new", network), donation_data(network, fund=general_fund(elsewhere).pk)
    )
    assert response.context["form"].errors["fund"] == [str(NOT_A_FUND)]
    assert general_fund(elsewhere).balance == 0


def test_treasurer_reverses_a_donation(client, network, treasurer, audit_verbs):
    donation = record(network, treasurer)
    login(client, treasurer)
    response = client.post(url("donation_reverse", network, donation.pk), follow=True)
    donation.refresh_from_db()
    assert donation.status == Donation.Status.REVERSED
    assert general_fund(network).balance == 0
    assert "donation.reversed" in audit_verbs(donation)
    assert "reversed" in response.content.decode()


def test_reversing_twice_says_so_and_changes_nothing(client, network, treasurer):
    donation = record(network, treasurer)
    login(client, treasurer)
    client.post(url("donation_reverse", network, donation.pk))
    response = client.post(url("donation_reverse", network, donation.pk), follow=True)
    assert "This donation was already reversed." in response.content.decode()
    assert general_fund(network).balance == 0


def test_a_spent_donation_cannot_be_reversed(client, network, treasurer, member, member_factory):
    donation = record(network, treasurer, amount=4000)
    second = member_factory(network=network, role="treasurer").user
    request = make_approved(network=network, asker=member, treasurers=[second], amount=3000)
    services.disbursement_pay(disbursement=request, treasurer=second)
    login(client, treasurer)
    response = client.post(url("donation_reverse", network, donation.pk), follow=True)
    assert escape(str(services.NOT_ENOUGH_IN_FUND)) in response.content.decode()
    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECORDED
    assert general_fund(network).balance == 1000


def test_reversing_another_networks_donation_is_404(
    client, network, treasurer, network_factory, member_factory
):
    elsewhere = network_factory()
    their_treasurer = member_factory(network=elsewhere, role="treasurer").user
    theirs = record(elsewhere, their_treasurer)
    login(client, treasurer)
    assert client.post(url("donation_reverse", network, theirs.pk)).status_code == 404
    assert client.post(url("donation_reverse", elsewhere, theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Donation.Status.RECORDED


def test_donation_reverse_answers_only_post(client, network, treasurer):
    donation = record(network, treasurer)
    login(client, treasurer)
    assert client.get(url("donation_reverse", network, donation.pk)).status_code == 405


def test_the_donations_list_pages_with_a_constant_number_of_queries(
    client, network, treasurer, django_assert_max_num_queries
):
    login(client, treasurer)
    for _index in range(3):
        record(network, treasurer, amount=100)
    client.get(url("donations", network))  # warm the session and the two-factor check
    with django_assert_max_num_queries(20) as few:
        client.get(url("donations", network))
    for _index in range(30):
        record(network, treasurer, amount=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("donations", network))


def test_the_donations_list_shows_fifty_per_page(client, network, treasurer):
    for _index in range(51):
        record(network, treasurer, amount=100)
    login(client, treasurer)
    first = client.get(url("donations", network))
    assert len(first.context["pager"].items) == 50
    second = client.get(first.context["pager"].next_url)
    assert len(second.context["pager"].items) == 1
    assert second.context["pager"].next_url is None


def test_treasurer_creates_a_fund(client, network, treasurer):
    login(client, treasurer)
    response = client.post(url("fund_new", network), {"name": "Bail", "description": "Bail fund"})
    assert response.status_code == 302
    assert network.accounts.filter(name="Bail", kind="fund").exists()


def test_a_fund_name_used_twice_is_refused_on_the_name(client, network, treasurer):
    services.fund_create(network=network, actor=treasurer, name="Bail")
    login(client, treasurer)
    response = client.post(url("fund_new", network), {"name": "bail"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert network.accounts.filter(name__iexact="bail").count() == 1


def policy_data(**overrides):
    data = {
        "currency": "usd",
        "max_per_request": "150",
        "max_per_person_month": "",
        "second_approval_above": "75.50",
        "pledge_days": "10",
    }
    data.update(overrides)
    return data


def test_treasurer_updates_the_money_policy(client, network, treasurer, audit_verbs):
    login(client, treasurer)
    response = client.post(url("policy", network), policy_data())
    assert response.status_code == 302
    policy = MoneyPolicy.objects.get(network=network)
    assert policy.currency == "USD"
    assert policy.max_per_request == 15_000
    assert policy.max_per_person_month == 0
    assert policy.second_approval_above == 7550
    assert policy.pledge_days == 10
    assert "money_policy.changed" in audit_verbs(policy)


def test_the_policy_form_shows_the_current_limits_as_money(client, network, treasurer):
    login(client, treasurer)
    form = client.get(url("policy", network)).context["form"]
    assert form.initial["max_per_request"] == "100.00"
    assert form.initial["currency"] == "USD"


def test_zero_means_no_limit(client, network, treasurer):
    login(client, treasurer)
    client.post(url("policy", network), policy_data(max_per_request="0.00", currency="USD"))
    assert MoneyPolicy.objects.get(network=network).max_per_request == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"currency": "dollars"}, "currency"),
        ({"currency": "U$"}, "currency"),
        ({"max_per_request": "lots"}, "max_per_request"),
        ({"max_per_person_month": "-10"}, "max_per_person_month"),
        ({"second_approval_above": "1.001"}, "second_approval_above"),
        ({"pledge_days": "0"}, "pledge_days"),
    ],
)
def test_bad_policy_input_is_refused_and_changes_nothing(
    client, network, treasurer, overrides, field
):
    login(client, treasurer)
    response = client.post(url("policy", network), policy_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert MoneyPolicy.objects.get(network=network).max_per_request == 10_000


def test_a_bad_currency_code_gets_the_translated_message(client, network, treasurer):
    login(client, treasurer)
    response = client.post(url("policy", network), policy_data(currency="U$D"))
    assert response.context["form"].errors["currency"] == [str(NOT_A_CURRENCY)]


def test_the_currency_cannot_change_once_money_is_recorded(client, network, treasurer):
    fill_fund(network, 1000)
    login(client, treasurer)
    response = client.post(url("policy", network), policy_data(currency="EUR"))
    assert response.context["form"].errors["currency"] == [str(CURRENCY_IN_USE)]
    assert MoneyPolicy.objects.get(network=network).currency == "USD"


def campaign_data(network, **overrides):
    data = {
        "title": "Rent relief",
        "description": "Helping neighbours with this month's rent.",
        "goal": "2,500",
        "fund": general_fund(network).pk,
        "ends_on": "",
    }
    data.update(overrides)
    return data


def test_treasurer_opens_a_campaign_and_lands_on_its_public_page(client, network, treasurer):
    login(client, treasurer)
    response = client.post(url("campaign_new", network), campaign_data(network))
    campaign = Campaign.objects.get()
    assert response["Location"] == campaign.get_absolute_url()
    assert campaign.goal == 250_000
    assert campaign.created_by == treasurer


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"goal": "0"}, "goal"),
        ({"goal": "many"}, "goal"),
        ({"title": ""}, "title"),
        ({"fund": "0"}, "fund"),
        ({"ends_on": "2001-01-01"}, "ends_on"),
        ({"need": "999999"}, "need"),
    ],
)
def test_bad_campaign_input_is_refused(client, network, treasurer, overrides, field):
    login(client, treasurer)
    response = client.post(url("campaign_new", network), campaign_data(network, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_a_campaign_for_a_need_shows_on_its_page_but_never_publicly(
    client, network, treasurer, member, need_factory
):
    need = need_factory(network=network, category="money", area="Canary Corner")
    other = need_factory(network=network, category="groceries")
    login(client, treasurer)
    form = client.get(url("campaign_new", network)).context["form"]
    assert [choice for choice, _label in form.fields["need"].choices] == ["", str(need.pk)]
    assert (
        client.post(url("campaign_new", network), campaign_data(network, need=str(other.pk)))
        .context["form"]
        .errors["need"]
    )

    client.post(url("campaign_new", network), campaign_data(network, need=str(need.pk)))
    campaign = Campaign.objects.get()
    assert campaign.need == need
    public = Client().get(campaign.get_absolute_url())
    assert "Canary Corner" not in public.content.decode()
    assert f"/needs/{need.pk}/" not in public.content.decode()
    login(client, member)
    page = client.get(reverse("needs:detail", args=[network.slug, need.pk])).content.decode()
    assert campaign.get_absolute_url() in page


def make_campaign(network, treasurer, **kw):
    return services.campaign_create(
        network=network,
        actor=treasurer,
        title=kw.pop("title", "Winter coats"),
        description=kw.pop("description", "Warm coats for everyone who needs one."),
        goal=kw.pop("goal", 10_000),
        fund=general_fund(network),
        **kw,
    )


def test_the_campaign_page_is_public_and_names_no_donor(client, network, treasurer):
    campaign = make_campaign(network, treasurer)
    record(network, treasurer, amount=2500, campaign=campaign, donor_name="Rosa Canary")
    record(network, treasurer, amount=1500, campaign=campaign, anonymous=True)
    reversed_one = record(network, treasurer, amount=900, campaign=campaign, donor_name="Ann Wren")
    services.donation_reverse(donation=reversed_one, actor=treasurer)
    response = client.get(campaign.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Winter coats" in page
    assert "$40.00" in page
    assert "$100.00" in page
    assert '<progress max="10000" value="4000"' in page
    assert "From 2 donations." in page
    assert "Rosa Canary" not in page
    assert "Ann Wren" not in page
    assert url("campaign_close", network, campaign.pk) not in page


@pytest.mark.parametrize("actor", ["stranger", "member", "coordinator"])
def test_anyone_can_read_a_campaign_page(client, network, treasurer, actor_factory, actor):
    campaign = make_campaign(network, treasurer)
    login(client, actor_factory(actor, network))
    assert client.get(campaign.get_absolute_url()).status_code == 200


def test_a_campaign_of_another_network_is_404(client, network, treasurer, network_factory):
    campaign = make_campaign(network, treasurer)
    elsewhere = network_factory()
    assert client.get(url("campaign", elsewhere, campaign.pk)).status_code == 404


def test_treasurer_closes_a_campaign_and_its_page_says_so(client, network, treasurer):
    campaign = make_campaign(network, treasurer)
    login(client, treasurer)
    assert (
        url("campaign_close", network, campaign.pk)
        in client.get(campaign.get_absolute_url()).content.decode()
    )
    response = client.post(url("campaign_close", network, campaign.pk), follow=True)
    campaign.refresh_from_db()
    assert not campaign.is_open
    page = response.content.decode()
    assert "This campaign is closed." in page
    assert url("campaign_close", network, campaign.pk) not in page


def test_closing_a_closed_campaign_says_so(client, network, treasurer):
    campaign = make_campaign(network, treasurer)
    services.campaign_close(campaign=campaign, actor=treasurer)
    login(client, treasurer)
    response = client.post(url("campaign_close", network, campaign.pk), follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [str(CAMPAIGN_CLOSED)]


def test_a_coordinator_cannot_close_a_campaign(client, network, treasurer, coordinator):
    campaign = make_campaign(network, treasurer)
    login(client, coordinator)
    assert client.post(url("campaign_close", network, campaign.pk)).status_code == 404
    campaign.refresh_from_db()
    assert campaign.is_open


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_treasurer_pages_pass_axe_and_record_a_donation_in_a_browser(page, live_server):
    from potluck.core.tests.browser import axe_check, log_in, submit
    from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

    network = NetworkFactory.create()
    treasurer = MembershipFactory.create(network=network, role="treasurer").user
    with_two_factor(treasurer)
    campaign = make_campaign(network, treasurer)
    record(network, treasurer, amount=2500, campaign=campaign, donor_name="Rosa Canary")
    log_in(page, treasurer, live_server.url)
    for name in ("treasury", "donations", "fund_new", "policy", "campaign_new"):
        page.goto(url(name, network))
        axe_check(page)
    page.goto(url("donation_new", network))
    axe_check(page)
    page.fill("input#id_amount", "12.50")
    page.fill("input#id_donor_name", "Ann Wren")
    submit(page, "main form.stack button[type=submit]")
    assert page.url.endswith(url("donations", network))
    axe_check(page)
    assert general_fund(network).balance == 2500 + 1250
    page.goto(url("donation_new", network))
    page.fill("input#id_amount", "lots")
    submit(page, "main form.stack button[type=submit]")
    axe_check(page)  # the form again, with its errors
    page.goto(campaign.get_absolute_url())
    axe_check(page)
