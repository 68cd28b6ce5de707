"""/api/v1 for money, over real HTTP with bearer tokens."""

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from potluck.accounts.models import User
from potluck.accounts.services import api_token_create
from potluck.api import errors
from potluck.api.pagination import INVALID_CURSOR
from potluck.ledger import schemas, services
from potluck.ledger.models import Disbursement, Donation, LedgerTransaction
from potluck.ledger.tests.factories import fill_fund, general_fund, make_approved, make_request
from potluck.networks.models import Network, Role
from potluck.networks.tests.factories import MembershipFactory

SUMMARY = "/api/v1/money/summary"
DONATIONS = "/api/v1/donations"
REQUESTS = "/api/v1/disbursements"

ApiClient = Callable[[User], Client]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # Requests switch the thread's language; start each test from the default one.
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def api_client(db: Any) -> ApiClient:
    """api_client(user) -> a test Client that sends a fresh token of `user`'s."""

    def make(user: User) -> Client:
        _token, key = api_token_create(user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return make


@pytest.fixture
def second_treasurer(network: Network, member_factory: Callable[..., Any]) -> User:
    user: User = member_factory(network=network, role=Role.TREASURER).user
    return user


def post(client: Client, url: str, body: Any = None, **extra: Any) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json", **extra)


def error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def gift(network: Network, /, **overrides: Any) -> dict[str, Any]:
    return {
        "network": network.slug,
        "amount": 2500,
        "received_on": timezone.localdate().isoformat(),
        "method": "cash",
        "donor_name": "Canary Donor",
        **overrides,
    }


def ask(network: Network, /, **overrides: Any) -> dict[str, Any]:
    return {
        "network": network.slug,
        "amount": 4000,
        "category": "groceries",
        "payout_method": "venmo",
        "payout_handle": "@canary-handle",
        "purpose": "Canary purpose",
        **overrides,
    }


# ---------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", DONATIONS),
        ("get", DONATIONS),
        ("post", REQUESTS),
        ("get", REQUESTS),
        ("get", REQUESTS + "/1"),
        ("post", REQUESTS + "/1/approve"),
        ("post", REQUESTS + "/1/refuse"),
        ("post", REQUESTS + "/1/pay"),
        ("post", REQUESTS + "/1/reverse"),
    ],
)
@pytest.mark.django_db
def test_anonymous_cannot_use_money_operations(method, path):
    response = getattr(Client(), method)(path)
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


# ---------------------------------------------------------------------------- summary


@pytest.mark.django_db
def test_anyone_can_see_a_networks_money_without_names(network, treasurer, second_treasurer):
    fund = services.fund_create(network=network, actor=treasurer, name="Rent fund")
    services.donation_record(
        network=network,
        actor=treasurer,
        fund=general_fund(network),
        amount=10_000,
        received_on=timezone.localdate(),
        method="cash",
        donor_name="Canary Donor",
    )
    asker = MembershipFactory.create(network=network, role=Role.MEMBER).user
    paid = make_approved(network=network, asker=asker, treasurers=[treasurer], amount=3000)
    services.disbursement_pay(disbursement=paid, treasurer=second_treasurer)

    response = Client().get(SUMMARY, {"network": network.slug})

    assert response.status_code == 200
    body = response.json()
    assert body["network"] == network.slug
    assert body["currency"] == "USD"
    assert [(f["name"], f["balance"], f["is_general"]) for f in body["funds"]] == [
        ("General fund", 7000, True),
        ("Rent fund", 0, False),
    ]
    assert body["funds"][1]["id"] == fund.pk
    assert body["funds_total"] == 7000
    assert (body["total_in"], body["total_out"]) == (10_000, 3000)
    this_month = body["months"][0]
    assert this_month["month"] == timezone.localdate().replace(day=1).isoformat()
    assert (this_month["total_in"], this_month["total_out"]) == (10_000, 3000)
    # One person helped: too few to show the category, so it is folded into "other".
    assert [line["code"] for line in this_month["money_out"]] == ["other"]
    assert len(body["months"]) == 12
    text = response.content.decode()
    for private in ("Canary Donor", "@canary-handle", asker.display_name, treasurer.display_name):
        assert private not in text


@pytest.mark.django_db
def test_anyone_can_choose_how_many_months_of_money_to_see(network):
    response = Client().get(SUMMARY, {"network": network.slug, "months": 3})
    assert len(response.json()["months"]) == 3


@pytest.mark.django_db
def test_nobody_can_see_the_money_of_a_network_that_does_not_exist():
    response = Client().get(SUMMARY, {"network": "nowhere"})
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "query", [{}, {"network": "not a slug!"}, {"months": "0"}, {"months": "x"}]
)
@pytest.mark.django_db
def test_nobody_can_ask_for_money_summary_with_bad_filters(network, query):
    response = Client().get(SUMMARY, {"network": network.slug, **query} if query else {})
    assert response.status_code == 422
    assert error(response)["code"] == "invalid"


# ---------------------------------------------------------------------------- donations


@pytest.mark.django_db
def test_treasurer_can_record_a_donation_into_the_general_fund(network, treasurer, api_client):
    response = post(api_client(treasurer), DONATIONS, gift(network))

    assert response.status_code == 201
    body = response.json()
    donation = Donation.objects.get(pk=body["id"])
    assert (donation.source, donation.recorded_by, donation.donor_name) == (
        Donation.Source.API,
        treasurer,
        "Canary Donor",
    )
    assert body["fund"] == general_fund(network).pk
    assert body["fund_name"] == "General fund"
    assert (body["amount"], body["currency"], body["method_label"]) == (2500, "USD", "Cash")
    assert body["status"] == "recorded"
    assert "donor_name" not in body
    assert "Canary Donor" not in response.content.decode()
    assert general_fund(network).balance == 2500


@pytest.mark.django_db
def test_admin_can_record_an_anonymous_donation_for_a_campaign(network, admin, api_client):
    fund = services.fund_create(network=network, actor=admin, name="Bail fund")
    campaign = services.campaign_create(
        network=network, actor=admin, title="Bail", description="Bail", goal=50_000, fund=fund
    )
    body = gift(network, fund=fund.pk, campaign=campaign.pk, anonymous=True)
    response = post(api_client(admin), DONATIONS, body)

    assert response.status_code == 201
    assert (response.json()["fund"], response.json()["campaign"]) == (fund.pk, campaign.pk)
    donation = Donation.objects.get()
    assert (donation.anonymous, donation.donor_name) == (True, "")
    fund.refresh_from_db()
    assert fund.balance == 2500


@pytest.mark.django_db
def test_member_cannot_record_a_donation(network, member, api_client):
    response = post(api_client(member), DONATIONS, gift(network))
    assert response.status_code == 403
    assert error(response)["code"] == "not_a_treasurer"
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_treasurer_without_two_factor_cannot_record_a_donation(network, api_client):
    treasurer = MembershipFactory.create(network=network, role=Role.TREASURER).user
    response = post(api_client(treasurer), DONATIONS, gift(network))
    assert response.status_code == 403
    assert not LedgerTransaction.objects.exists()


@pytest.mark.django_db
def test_stranger_cannot_record_a_donation_in_another_network(network, stranger, api_client):
    response = post(api_client(stranger), DONATIONS, gift(network))
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_treasurer_cannot_record_a_donation_into_another_networks_fund(
    network, treasurer, network_factory, api_client
):
    elsewhere = general_fund(network_factory())
    response = post(api_client(treasurer), DONATIONS, gift(network, fund=elsewhere.pk))
    assert response.status_code == 400
    assert error(response)["code"] == "not_a_fund"
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_treasurer_cannot_record_a_donation_for_another_networks_campaign(
    network, treasurer, network_factory, member_factory, api_client
):
    other = network_factory()
    other_treasurer = member_factory(network=other, role=Role.TREASURER).user
    campaign = services.campaign_create(
        network=other,
        actor=other_treasurer,
        title="Elsewhere",
        description="Elsewhere",
        goal=1000,
        fund=general_fund(other),
    )
    response = post(api_client(treasurer), DONATIONS, gift(network, campaign=campaign.pk))
    assert response.status_code == 400
    assert error(response)["code"] == "campaign_elsewhere"


@pytest.mark.django_db
def test_treasurer_cannot_record_a_donation_received_in_the_future(network, treasurer, api_client):
    later = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = post(api_client(treasurer), DONATIONS, gift(network, received_on=later))
    assert response.status_code == 400
    assert error(response)["code"] == "date_in_future"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": "40"}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 10**12}, "amount"),
        ({"received_on": "yesterday"}, "received_on"),
        ({"received_on": "2025-02-30"}, "received_on"),
        ({"method": "gold"}, "method"),
        ({"anonymous": "yes"}, "anonymous"),
        ({"donor_name": "x" * 121}, "donor_name"),
        ({"donor_name": "Ann\x00"}, "donor_name"),
        ({"fund": "general"}, "fund"),
        ({"fund": 0}, "fund"),
        ({"campaign": 2**64}, "campaign"),
        ({"network": "not a slug!"}, "network"),
    ],
)
@pytest.mark.django_db
def test_treasurer_cannot_record_a_donation_with_bad_input(
    network, treasurer, api_client, change, field
):
    response = post(api_client(treasurer), DONATIONS, gift(network, **change))
    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "invalid"
    assert [problem["field"] for problem in body["fields"]] == [field]
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_treasurer_is_told_which_fields_are_missing(treasurer, api_client):
    response = post(api_client(treasurer), DONATIONS, {})
    assert response.status_code == 422
    fields = {problem["field"]: problem["message"] for problem in error(response)["fields"]}
    assert set(fields) == {"network", "amount", "received_on", "method"}
    assert set(fields.values()) == {str(errors.REQUIRED)}


@pytest.mark.django_db
def test_treasurer_gets_translated_field_errors(network, treasurer, api_client):
    body = gift(network, received_on="someday", anonymous="si")
    response = post(api_client(treasurer), DONATIONS, body, HTTP_ACCEPT_LANGUAGE="es")
    fields = {problem["field"]: problem["message"] for problem in error(response)["fields"]}
    with translation.override("es"):
        assert fields == {
            "received_on": str(schemas.BAD_DATE),
            "anonymous": str(schemas.NOT_TRUE_OR_FALSE),
        }


@pytest.mark.parametrize("body", ["[1, 2]", "not json", '"text"'])
@pytest.mark.django_db
def test_treasurer_cannot_send_a_donation_that_is_not_an_object(treasurer, api_client, body):
    response = api_client(treasurer).post(DONATIONS, body, content_type="application/json")
    assert response.status_code == 400
    assert error(response)["code"] == "bad_request"


@pytest.mark.django_db
def test_treasurer_can_page_through_donations_latest_recorded_first(network, treasurer, api_client):
    client = api_client(treasurer)
    made = []
    for days in (3, 1, 2):
        received = (timezone.localdate() - timedelta(days=days)).isoformat()
        made.append(post(client, DONATIONS, gift(network, received_on=received)).json()["id"])
    seen: list[int] = []
    query: dict[str, Any] = {"network": network.slug, "limit": 2}
    for _page in range(2):
        body = client.get(DONATIONS, query).json()
        seen += [item["id"] for item in body["items"]]
        query["cursor"] = body["next"]
    assert body["next"] is None
    assert seen == list(reversed(made))
    assert "Canary Donor" not in json.dumps(body)


@pytest.mark.django_db
def test_treasurer_cannot_page_donations_with_a_tampered_cursor(network, treasurer, api_client):
    client = api_client(treasurer)
    response = client.get(DONATIONS, {"network": network.slug, "cursor": "forged"})
    assert response.status_code == 400
    assert error(response) == {"code": "invalid_cursor", "message": str(INVALID_CURSOR)}


@pytest.mark.django_db
def test_member_cannot_list_donations(network, member, api_client):
    response = api_client(member).get(DONATIONS, {"network": network.slug})
    assert response.status_code == 403
    assert error(response)["code"] == "not_a_treasurer"


@pytest.mark.django_db
def test_stranger_cannot_list_another_networks_donations(network, stranger, api_client):
    response = api_client(stranger).get(DONATIONS, {"network": network.slug})
    assert response.status_code == 404


# ---------------------------------------------------------------------------- asking


@pytest.mark.django_db
def test_member_can_ask_for_money_and_sees_how_it_will_be_paid(network, member, api_client):
    response = post(api_client(member), REQUESTS, ask(network))

    assert response.status_code == 201
    body = response.json()
    disbursement = Disbursement.objects.get(pk=body["id"])
    assert (disbursement.requested_by, disbursement.recipient) == (member, member)
    assert disbursement.purpose == "Canary purpose"
    assert body["status"] == "requested"
    assert body["status_label"] == "Waiting for approval"
    assert (body["amount"], body["category_label"]) == (4000, "Groceries")
    assert body["payout"] == {
        "method": "venmo",
        "method_label": "Venmo",
        "handle": "@canary-handle",
    }
    assert body["requested_by"] == member.display_name
    assert (body["approvals_needed"], body["approval_count"]) == (1, 0)


@pytest.mark.django_db
def test_member_can_ask_for_cash_from_a_chosen_fund(network, member, treasurer, api_client):
    fund = services.fund_create(network=network, actor=treasurer, name="Rent fund")
    body = ask(network, payout_method="cash", payout_handle="", fund=fund.pk)
    response = post(api_client(member), REQUESTS, body)
    assert response.status_code == 201
    assert response.json()["fund"] == fund.pk
    assert response.json()["payout"]["handle"] == ""


@pytest.mark.django_db
def test_member_asking_above_the_threshold_needs_two_approvals(network, member, api_client):
    response = post(api_client(member), REQUESTS, ask(network, amount=6000))
    assert response.json()["approvals_needed"] == 2


@pytest.mark.django_db
def test_member_cannot_ask_for_more_than_the_policy_allows(network, member, api_client):
    response = post(api_client(member), REQUESTS, ask(network, amount=10_001))
    assert response.status_code == 400
    assert error(response)["code"] == "over_request_limit"
    assert not Disbursement.objects.exists()


@pytest.mark.django_db
def test_member_cannot_ask_for_a_category_the_network_does_not_use(network, member, api_client):
    network.categories = ["groceries"]
    network.save(update_fields=["categories"])
    response = post(api_client(member), REQUESTS, ask(network, category="rides"))
    assert response.status_code == 400
    assert error(response)["code"] == "unknown_category"


@pytest.mark.django_db
def test_member_cannot_ask_from_another_networks_fund(network, member, network_factory, api_client):
    elsewhere = general_fund(network_factory())
    response = post(api_client(member), REQUESTS, ask(network, fund=elsewhere.pk))
    assert response.status_code == 400
    assert error(response)["code"] == "not_a_fund"


@pytest.mark.django_db
def test_stranger_cannot_ask_another_network_for_money(network, stranger, api_client):
    response = post(api_client(stranger), REQUESTS, ask(network))
    assert response.status_code == 404
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payout_handle": ""}, "payout_handle"),
        ({"payout_method": "bitcoin"}, "payout_method"),
        ({"category": "weapons"}, "category"),
        ({"amount": 0}, "amount"),
        ({"amount": "forty"}, "amount"),
        ({"purpose": "x" * 301}, "purpose"),
        ({"payout_handle": "x" * 121}, "payout_handle"),
        ({"fund": -1}, "fund"),
    ],
)
@pytest.mark.django_db
def test_member_cannot_ask_for_money_with_bad_input(network, member, api_client, change, field):
    response = post(api_client(member), REQUESTS, ask(network, **change))
    assert response.status_code == 422
    assert [problem["field"] for problem in error(response)["fields"]] == [field]
    assert not Disbursement.objects.exists()


@pytest.mark.django_db
def test_member_is_told_to_say_where_to_send_the_money(network, member, api_client):
    body = ask(network)
    del body["payout_handle"]
    response = post(api_client(member), REQUESTS, body)
    [problem] = error(response)["fields"]
    assert (problem["field"], problem["message"]) == ("payout_handle", str(schemas.HANDLE_NEEDED))


# ---------------------------------------------------------------------------- seeing requests


@pytest.mark.django_db
def test_member_sees_only_their_own_requests(network, member, member_factory, api_client):
    mine = make_request(network=network, asker=member)
    make_request(network=network, asker=member_factory(network=network).user)
    response = api_client(member).get(REQUESTS, {"network": network.slug})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [mine.pk]


@pytest.mark.django_db
def test_treasurer_sees_every_request_and_can_filter_the_waiting_ones(
    network, treasurer, member_factory, api_client
):
    askers = [member_factory(network=network).user for _ in range(3)]
    first = make_request(network=network, asker=askers[0])
    approved = make_approved(network=network, asker=askers[1], treasurers=[treasurer])
    refused = make_request(network=network, asker=askers[2])
    services.disbursement_refuse(disbursement=refused, treasurer=treasurer, reason="Sorry")
    client = api_client(treasurer)

    def ids(**query: Any) -> list[int]:
        response = client.get(REQUESTS, {"network": network.slug, **query})
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [refused.pk, approved.pk, first.pk]
    assert ids(status="waiting") == [approved.pk, first.pk]
    assert ids(status="refused") == [refused.pk]
    assert ids(status="waiting", limit=1) == [approved.pk]
    everything = client.get(REQUESTS, {"network": network.slug}).json()["items"]
    assert {item["payout"]["handle"] for item in everything} == {"@canary-handle"}


@pytest.mark.django_db
def test_treasurer_can_page_through_requests(network, treasurer, member_factory, api_client):
    made = [
        make_request(network=network, asker=member_factory(network=network).user) for _ in "abc"
    ]
    client = api_client(treasurer)
    seen: list[int] = []
    query: dict[str, Any] = {"network": network.slug, "limit": 2}
    for _page in range(2):
        body = client.get(REQUESTS, query).json()
        seen += [item["id"] for item in body["items"]]
        query["cursor"] = body["next"]
    assert body["next"] is None
    assert seen == [request.pk for request in reversed(made)]


@pytest.mark.parametrize("query", [{"status": "lost"}, {"limit": "0"}, {"network": ""}])
@pytest.mark.django_db
def test_member_cannot_list_requests_with_bad_filters(network, member, api_client, query):
    response = api_client(member).get(REQUESTS, {"network": network.slug, **query})
    assert response.status_code == 422


@pytest.mark.django_db
def test_stranger_cannot_list_another_networks_requests(network, stranger, api_client):
    assert api_client(stranger).get(REQUESTS, {"network": network.slug}).status_code == 404


@pytest.mark.django_db
def test_member_can_see_their_request_and_why_it_was_refused(
    network, member, treasurer, api_client
):
    disbursement = make_request(network=network, asker=member)
    services.disbursement_refuse(
        disbursement=disbursement, treasurer=treasurer, reason="The fund is empty this week."
    )
    response = api_client(member).get(f"{REQUESTS}/{disbursement.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["refusal_reason"]) == ("refused", "The fund is empty this week.")
    assert body["decided_at"] is not None


@pytest.mark.django_db
def test_member_cannot_see_someone_elses_request(network, member, member_factory, api_client):
    other = make_request(network=network, asker=member_factory(network=network).user)
    response = api_client(member).get(f"{REQUESTS}/{other.pk}")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.django_db
def test_stranger_cannot_see_another_networks_request(network, member, stranger, api_client):
    disbursement = make_request(network=network, asker=member)
    assert api_client(stranger).get(f"{REQUESTS}/{disbursement.pk}").status_code == 404


@pytest.mark.parametrize("path", ["/abc", "/0", "/99999999999999999999999", "/424242"])
@pytest.mark.django_db
def test_member_cannot_reach_requests_that_cannot_exist(member, api_client, path):
    response = api_client(member).get(REQUESTS + path)
    assert response.status_code in (404, 422)
    assert error(response)["code"] in ("not_found", "invalid")


# ---------------------------------------------------------------------------- deciding


@pytest.mark.django_db
def test_treasurer_can_approve_a_request(network, member, treasurer, api_client):
    disbursement = make_request(network=network, asker=member)
    response = post(api_client(treasurer), f"{REQUESTS}/{disbursement.pk}/approve")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["approval_count"]) == ("approved", 1)


@pytest.mark.django_db
def test_treasurer_cannot_approve_twice_where_two_treasurers_must(
    network, member, treasurer, second_treasurer, api_client
):
    disbursement = make_request(network=network, asker=member, amount=6000)
    client = api_client(treasurer)
    first = post(client, f"{REQUESTS}/{disbursement.pk}/approve")
    assert (first.status_code, first.json()["status"]) == (200, "requested")
    again = post(client, f"{REQUESTS}/{disbursement.pk}/approve")
    assert again.status_code == 409
    assert error(again)["code"] == "already_approved"
    second = post(api_client(second_treasurer), f"{REQUESTS}/{disbursement.pk}/approve")
    assert (second.status_code, second.json()["status"]) == (200, "approved")


@pytest.mark.django_db
def test_treasurer_cannot_approve_a_request_already_decided(network, member, treasurer, api_client):
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    response = post(api_client(treasurer), f"{REQUESTS}/{disbursement.pk}/approve")
    assert response.status_code == 409


@pytest.mark.django_db
def test_treasurer_cannot_approve_their_own_request(network, treasurer, api_client):
    disbursement = make_request(network=network, asker=treasurer)
    response = post(api_client(treasurer), f"{REQUESTS}/{disbursement.pk}/approve")
    assert response.status_code == 403
    assert error(response)["code"] == "own_request"


@pytest.mark.django_db
def test_member_cannot_approve_their_own_request(network, member, api_client):
    disbursement = make_request(network=network, asker=member)
    response = post(api_client(member), f"{REQUESTS}/{disbursement.pk}/approve")
    assert response.status_code == 403
    assert error(response)["code"] == "not_a_treasurer"
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REQUESTED


@pytest.mark.django_db
def test_stranger_cannot_approve_another_networks_request(network, member, stranger, api_client):
    disbursement = make_request(network=network, asker=member)
    assert post(api_client(stranger), f"{REQUESTS}/{disbursement.pk}/approve").status_code == 404


@pytest.mark.django_db
def test_treasurer_can_refuse_a_request_saying_why(network, member, treasurer, api_client):
    disbursement = make_request(network=network, asker=member)
    response = post(
        api_client(treasurer), f"{REQUESTS}/{disbursement.pk}/refuse", {"reason": "  Not now. "}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["refusal_reason"]) == (
        "refused",
        "Not now.",
    )
    again = post(api_client(treasurer), f"{REQUESTS}/{disbursement.pk}/refuse")
    assert again.status_code == 409
    assert error(again)["code"] == "not_waiting"


@pytest.mark.django_db
def test_treasurer_cannot_refuse_with_a_reason_too_long(network, member, treasurer, api_client):
    disbursement = make_request(network=network, asker=member)
    response = post(
        api_client(treasurer), f"{REQUESTS}/{disbursement.pk}/refuse", {"reason": "x" * 301}
    )
    assert response.status_code == 422
    assert [problem["field"] for problem in error(response)["fields"]] == ["reason"]
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REQUESTED


@pytest.mark.django_db
def test_treasurer_can_pay_an_approved_request_from_the_fund(
    network, member, treasurer, second_treasurer, api_client
):
    fill_fund(network, 10_000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    response = post(api_client(second_treasurer), f"{REQUESTS}/{disbursement.pk}/pay")
    assert response.status_code == 200
    assert response.json()["status"] == "paid"
    assert response.json()["paid_at"] is not None
    assert general_fund(network).balance == 6000


@pytest.mark.django_db
def test_treasurer_cannot_pay_more_than_the_fund_holds(network, member, treasurer, api_client):
    fill_fund(network, 1000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    response = post(api_client(treasurer), f"{REQUESTS}/{disbursement.pk}/pay")
    assert response.status_code == 409
    assert error(response)["code"] == "not_enough_in_fund"
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.APPROVED
    assert general_fund(network).balance == 1000


@pytest.mark.django_db
def test_treasurer_cannot_pay_a_request_not_approved(network, member, treasurer, api_client):
    fill_fund(network, 10_000)
    disbursement = make_request(network=network, asker=member)
    response = post(api_client(treasurer), f"{REQUESTS}/{disbursement.pk}/pay")
    assert response.status_code == 409
    assert error(response)["code"] == "wrong_status"


@pytest.mark.django_db
def test_member_cannot_pay_their_own_request(network, member, treasurer, api_client):
    fill_fund(network, 10_000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    assert post(api_client(member), f"{REQUESTS}/{disbursement.pk}/pay").status_code == 403
    assert general_fund(network).balance == 10_000


@pytest.mark.django_db
def test_treasurer_can_reverse_a_payment_once(network, member, treasurer, api_client):
    fill_fund(network, 10_000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    services.disbursement_pay(disbursement=disbursement, treasurer=treasurer)
    client = api_client(treasurer)

    response = post(client, f"{REQUESTS}/{disbursement.pk}/reverse")
    assert response.status_code == 200
    assert response.json()["status"] == "reversed"
    assert general_fund(network).balance == 10_000
    again = post(client, f"{REQUESTS}/{disbursement.pk}/reverse")
    assert again.status_code == 409


@pytest.mark.django_db
def test_member_cannot_reverse_a_payment(network, member, treasurer, api_client):
    fill_fund(network, 10_000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    services.disbursement_pay(disbursement=disbursement, treasurer=treasurer)
    response = post(api_client(member), f"{REQUESTS}/{disbursement.pk}/reverse")
    assert response.status_code == 403
    assert general_fund(network).balance == 6000


@pytest.mark.django_db
def test_stranger_cannot_act_on_another_networks_request(network, member, stranger, api_client):
    disbursement = make_request(network=network, asker=member)
    client = api_client(stranger)
    for action in ("approve", "refuse", "pay", "reverse"):
        assert post(client, f"{REQUESTS}/{disbursement.pk}/{action}").status_code == 404
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REQUESTED


@pytest.mark.django_db
def test_a_donation_date_is_a_calendar_day(network, treasurer, api_client):
    body = gift(network, received_on=date(2024, 2, 29).isoformat())
    response = post(api_client(treasurer), DONATIONS, body)
    assert response.status_code == 201
    assert response.json()["received_on"] == "2024-02-29"
