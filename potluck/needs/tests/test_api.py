"""/api/v1 for needs and offers, over real HTTP with bearer tokens."""

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from potluck.accounts.models import ApiToken, User
from potluck.accounts.services import api_token_create, api_token_revoke
from potluck.api import errors
from potluck.api.fields import NULL_CHARACTERS
from potluck.api.pagination import INVALID_CURSOR
from potluck.core.models import AuditEvent
from potluck.needs import schemas as needs_schemas
from potluck.needs import services
from potluck.needs.models import Match, Need, Offer
from potluck.needs.selectors import access_need_by_token
from potluck.networks.categories import Category
from potluck.networks.models import Network, Role

NEEDS = "/api/v1/needs"
OFFERS = "/api/v1/offers"

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


def post(client: Client, url: str, body: Any = None, **extra: Any) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json", **extra)


def error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def ask(network: Network, /, **overrides: Any) -> dict[str, Any]:
    return {
        "network": network.slug,
        "category": "groceries",
        "description": "Food for two adults for the week, vegetarian.",
        "area": "Riverside, near the library",
        "urgency": "today",
        "language": "es",
        "contact_method": "phone",
        "contact_value": "+1 (555) 010-2030",
        "contact_times": "Mornings",
        **overrides,
    }


# ---------------------------------------------------------------------------- auth


@pytest.mark.django_db
def test_anonymous_cannot_list_needs():
    response = Client().get(NEEDS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert error(response) == {
        "code": "not_authenticated",
        "message": str(errors.NOT_AUTHENTICATED),
    }


@pytest.mark.parametrize(
    "header", ["Bearer pl_not-a-real-key", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000]
)
@pytest.mark.django_db
def test_anonymous_cannot_list_needs_with_a_bad_token(header):
    response = Client(headers={"Authorization": header}).get(NEEDS)
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


@pytest.mark.django_db
def test_member_cannot_use_a_revoked_token(member):
    token, key = api_token_create(user=member, name="old phone")
    api_token_revoke(user=member, token_id=token.pk)
    response = Client(headers={"Authorization": f"Bearer {key}"}).get(NEEDS)
    assert response.status_code == 401


@pytest.mark.django_db
def test_deactivated_member_cannot_use_their_token(member, api_client):
    client = api_client(member)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(NEEDS).status_code == 401


@pytest.mark.django_db
def test_member_can_use_a_token_and_its_use_is_recorded_at_most_once_a_minute(member):
    token, key = api_token_create(user=member, name="script")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get(NEEDS).status_code == 200
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None

    assert client.get(NEEDS).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    assert client.get(NEEDS).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first_use - timedelta(minutes=2)


# ---------------------------------------------------------------------------- listing


@pytest.mark.django_db
def test_member_can_list_needs_of_their_networks_only(
    member, need, need_factory, member_factory, api_client
):
    second = member_factory(user=member).network
    need_elsewhere_of_theirs = need_factory(network=second)
    need_factory()  # another network's need
    body = api_client(member).get(NEEDS).json()
    assert {item["id"] for item in body["items"]} == {need.pk, need_elsewhere_of_theirs.pk}
    assert body["next"] is None


@pytest.mark.django_db
def test_member_can_list_one_networks_needs_without_contact_details(
    member, network, need, need_factory, member_factory, api_client
):
    need_factory(network=member_factory(user=member).network)
    response = api_client(member).get(NEEDS, {"network": network.slug})
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["id"] == need.pk
    assert item["network"] == network.slug
    assert item["category_label"] == "Groceries"
    assert not {"contact", "contact_value", "contact_method", "status_token_hash"} & set(item)
    assert need.contact_value not in response.content.decode()


@pytest.mark.django_db
def test_stranger_cannot_list_another_networks_needs(stranger, network, need, api_client):
    response = api_client(stranger).get(NEEDS, {"network": network.slug})
    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "message": str(errors.NOT_FOUND)}


@pytest.mark.django_db
def test_member_cannot_list_needs_of_a_network_that_does_not_exist(member, api_client):
    assert api_client(member).get(NEEDS, {"network": "nowhere"}).status_code == 404


@pytest.mark.django_db
def test_member_can_filter_needs_by_status_and_urgency(member, network, need_factory, api_client):
    today = need_factory(network=network, urgency="today")
    need_factory(network=network, urgency="flexible")
    closed = need_factory(network=network, urgency="today", status="closed")
    client = api_client(member)

    def ids(**query: str) -> set[int]:
        return {item["id"] for item in client.get(NEEDS, query).json()["items"]}

    assert ids(urgency="today") == {today.pk}
    assert ids(urgency="today", status="all") == {today.pk, closed.pk}
    assert ids(status="closed") == {closed.pk}


@pytest.mark.django_db
def test_member_can_page_through_needs_most_urgent_first(member, network, need_factory, api_client):
    needs = [need_factory(network=network, urgency="flexible") for _ in range(4)]
    urgent = need_factory(network=network, urgency="today")
    client = api_client(member)
    seen: list[int] = []
    query: dict[str, Any] = {"limit": 2}
    for _page in range(3):
        body = client.get(NEEDS, query).json()
        seen += [item["id"] for item in body["items"]]
        query["cursor"] = body["next"]
    assert body["next"] is None
    assert seen == [urgent.pk] + [need.pk for need in needs]


@pytest.mark.django_db
def test_member_cannot_list_needs_with_a_tampered_cursor(member, need_factory, network, api_client):
    need_factory.create_batch(2, network=network)
    client = api_client(member)
    cursor = client.get(NEEDS, {"limit": 1}).json()["next"]
    response = client.get(NEEDS, {"cursor": cursor[:-2] + "xx"})
    assert response.status_code == 400
    assert error(response) == {"code": "invalid_cursor", "message": str(INVALID_CURSOR)}
    assert client.get(OFFERS, {"cursor": cursor}).status_code == 400


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "1000"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"category": "weapons"}, "category"),
        ({"status": "lost"}, "status"),
        ({"area": "Elm\x00"}, "area"),
        ({"network": "not a slug!"}, "network"),
    ],
)
@pytest.mark.django_db
def test_member_cannot_list_needs_with_bad_filters(member, api_client, query, field):
    response = api_client(member).get(NEEDS, query)
    assert response.status_code == 422
    body = error(response)
    assert body["code"] == "invalid"
    assert body["message"] == str(errors.INVALID_INPUT)
    assert [problem["field"] for problem in body["fields"]] == [field]


# ---------------------------------------------------------------------------- one need


@pytest.mark.django_db
def test_member_can_see_a_need_of_their_network_without_contact(member, need, api_client):
    response = api_client(member).get(f"{NEEDS}/{need.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == need.pk
    assert "contact" not in response.json()
    assert need.contact_value not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="need.contact_revealed").exists()


@pytest.mark.django_db
def test_stranger_cannot_see_another_networks_need(stranger, need, api_client):
    response = api_client(stranger).get(f"{NEEDS}/{need.pk}")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "path", ["/needs/abc", "/needs/0", "/needs/99999999999999999999999", "/no"]
)
@pytest.mark.django_db
def test_member_cannot_reach_needs_that_cannot_exist(member, api_client, path):
    response = api_client(member).get("/api/v1" + path)
    assert response.status_code in (404, 422)
    assert error(response)["code"] in ("not_found", "invalid")


@pytest.mark.django_db
def test_volunteer_cannot_see_contact_before_claiming_but_can_after(volunteer, need, api_client):
    client = api_client(volunteer)
    refused = post(client, f"{NEEDS}/{need.pk}/contact")
    assert refused.status_code == 403
    assert error(refused)["code"] == "forbidden"

    assert post(client, f"{NEEDS}/{need.pk}/claim").status_code == 201
    response = post(client, f"{NEEDS}/{need.pk}/contact")
    assert response.status_code == 200
    contact = response.json()

    assert contact == {
        "method": "phone",
        "method_label": "Phone call",
        "value": need.contact_value,
        "times": need.contact_times,
    }
    [reveal] = AuditEvent.objects.for_object(need).filter(verb="need.contact_revealed")
    assert reveal.actor == volunteer


@pytest.mark.django_db
def test_coordinator_can_see_contact_and_the_reveal_is_audited(coordinator, need, api_client):
    client = api_client(coordinator)
    assert "contact" not in client.get(f"{NEEDS}/{need.pk}").json()  # reading logs nothing
    assert not AuditEvent.objects.filter(verb="need.contact_revealed").exists()
    assert post(client, f"{NEEDS}/{need.pk}/contact").json()["value"] == need.contact_value
    assert AuditEvent.objects.filter(verb="need.contact_revealed", actor=coordinator).count() == 1


# ---------------------------------------------------------------------------- creating


@pytest.mark.django_db
def test_member_can_ask_for_help(member, network, api_client):
    response = post(api_client(member), NEEDS, ask(network))
    assert response.status_code == 201
    body = response.json()
    need = Need.objects.get(pk=body["need"]["id"])
    assert (need.requester, need.entered_by) == (member, None)
    assert need.contact_value == "+15550102030"  # normalised
    assert body["need"]["urgency"] == "today"
    assert "contact_value" not in body["need"]
    assert body["status_url"].startswith(settings.SITE_URL + "/s/")
    token = body["status_url"].rstrip("/").rsplit("/", 1)[-1]
    assert access_need_by_token(token=token) == need


@pytest.mark.django_db
def test_volunteer_can_enter_a_need_taken_on_the_phone(volunteer, network, api_client):
    response = post(api_client(volunteer), NEEDS, ask(network))
    assert response.status_code == 201
    need = Need.objects.get(pk=response.json()["need"]["id"])
    assert (need.requester, need.entered_by) == (None, volunteer)
    [created] = AuditEvent.objects.for_object(need).filter(verb="need.created")
    assert created.data == {"intake": "phone"}


@pytest.mark.django_db
def test_member_can_ask_for_help_by_email(member, network, api_client):
    body = ask(network, contact_method="email", contact_value=" sam@example.org ")
    assert post(api_client(member), NEEDS, body).status_code == 201
    assert Need.objects.get().contact_value == "sam@example.org"


@pytest.mark.django_db
def test_stranger_cannot_ask_for_help_in_another_network(stranger, network, api_client):
    response = post(api_client(stranger), NEEDS, ask(network))
    assert response.status_code == 404
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": None}, "description", errors.REQUIRED),
        ({"description": "   "}, "description", errors.BLANK),
        ({"description": "x" * 2001}, "description", None),
        ({"description": 42}, "description", errors.NOT_TEXT),
        ({"description": "Milk\x00"}, "description", NULL_CHARACTERS),
        ({"area": "x" * 121}, "area", None),
        ({"category": "weapons"}, "category", None),
        ({"urgency": "yesterday"}, "urgency", None),
        ({"contact_method": "pigeon"}, "contact_method", None),
        ({"contact_value": "12"}, "contact_value", needs_schemas.BAD_PHONE),
        ({"contact_method": "sms", "contact_value": "call me"}, "contact_value", None),
        ({"contact_method": "email", "contact_value": "sam@"}, "contact_value", None),
        ({"language": "klingon-x"}, "language", None),
        ({"network": ["riverside"]}, "network", None),
    ],
)
@pytest.mark.django_db
def test_member_cannot_ask_for_help_with_bad_input(
    member, network, api_client, overrides, field, message
):
    body = {key: value for key, value in ask(network, **overrides).items() if value is not None}
    response = post(api_client(member), NEEDS, body)
    assert response.status_code == 422
    details = error(response)
    assert details["code"] == "invalid"
    assert [problem["field"] for problem in details["fields"]] == [field]
    if message is not None:
        assert details["fields"][0]["message"] == str(message)
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_member_cannot_ask_in_a_category_the_network_does_not_use(member, network, api_client):
    network.categories = [Category.GROCERIES]
    network.save(update_fields=["categories"])
    response = post(api_client(member), NEEDS, ask(network, category="rides"))
    assert response.status_code == 400
    assert error(response) == {
        "code": "unknown_category",
        "message": str(services.UNKNOWN_CATEGORY),
    }


@pytest.mark.django_db
def test_member_cannot_ask_in_a_language_the_network_does_not_offer(member, network, api_client):
    response = post(api_client(member), NEEDS, ask(network, language="fr"))
    assert response.status_code == 400
    assert error(response) == {
        "code": "unknown_language",
        "message": str(services.UNKNOWN_LANGUAGE),
    }


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"null", b"\xff\xfe"])
@pytest.mark.django_db
def test_member_cannot_send_a_body_that_is_not_a_json_object(member, api_client, raw):
    response = api_client(member).post(NEEDS, raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert error(response)["code"] in ("bad_request", "invalid")


@pytest.mark.django_db
def test_member_can_read_errors_in_the_language_they_ask_for(member, network, api_client):
    body = {key: value for key, value in ask(network).items() if key != "area"}
    response = post(api_client(member), NEEDS, body, headers={"Accept-Language": "es"})
    assert response.status_code == 422
    assert response["Content-Language"] == "es"
    with translation.override("es"):
        assert error(response)["message"] == str(errors.INVALID_INPUT)
        required_in_spanish = str(errors.REQUIRED)
    with translation.override("en"):
        assert required_in_spanish != str(errors.REQUIRED)  # Django's catalogue has this one
    assert error(response)["fields"][0]["message"] == required_in_spanish


ANY_TEXT = st.text(st.characters(exclude_categories=()))  # surrogates and NUL too
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
NEED_FIELDS = [*ask(Network(slug="x"))]
CONTACTS = [
    ("phone", "+1 555 010 2030"),
    ("sms", "0044 20 7946 0000"),
    ("email", "sam@example.org"),
    ("email", "+1 555 010 2030"),
    ("phone", "sam@example.org"),
]


def need_bodies(slug: str) -> st.SearchStrategy[Any]:
    """Arbitrary JSON, and valid needs with fields dropped or replaced by arbitrary JSON."""
    valid = st.builds(
        lambda base, contact: {**base, "contact_method": contact[0], "contact_value": contact[1]},
        st.fixed_dictionaries(
            {
                "network": st.sampled_from([slug, slug, "elsewhere"]),
                "category": st.sampled_from(Category.values),
                "description": ANY_TEXT,
                "area": ANY_TEXT,
                "urgency": st.sampled_from(["today", "flexible"]),
                "language": st.sampled_from(["en", "es", "fr"]),
                "contact_times": ANY_TEXT,
            }
        ),
        st.sampled_from(CONTACTS),
    )
    changes = st.dictionaries(st.sampled_from([*NEED_FIELDS, "extra"]), JSON_VALUES, max_size=3)
    changed = st.builds(lambda body, new: {**body, **new}, valid, changes)
    dropped = st.builds(
        lambda body, gone: {k: v for k, v in body.items() if k not in gone},
        valid,
        st.sets(st.sampled_from(NEED_FIELDS), max_size=3),
    )
    return st.one_of(JSON_VALUES, valid, changed, dropped)


@pytest.mark.django_db
def test_anyone_cannot_make_need_creation_fail_with_a_server_error(
    member, volunteer, network, api_client
):
    clients = [api_client(member), api_client(volunteer)]

    @hypothesis_settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(body=need_bodies(network.slug), index=st.integers(0, 1))
    def check(body: Any, index: int) -> None:
        response = clients[index].post(NEEDS, json.dumps(body), content_type="application/json")
        event(f"status {response.status_code}")
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            error(response)

    check()


# ---------------------------------------------------------------------------- the claim loop


@pytest.mark.django_db
def test_volunteer_can_claim_deliver_and_close_a_need(volunteer, need, api_client):
    client = api_client(volunteer)
    response = post(client, f"{NEEDS}/{need.pk}/claim")
    assert response.status_code == 201
    claim = response.json()
    assert (claim["need_id"], claim["outcome"]) == (need.pk, "active")

    response = post(client, f"{NEEDS}/{need.pk}/deliver")
    assert response.status_code == 200
    assert response.json()["status"] == "delivered"

    response = post(client, f"{NEEDS}/{need.pk}/close")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


@pytest.mark.django_db
def test_volunteer_can_release_a_need_with_a_reason(volunteer, need, api_client):
    client = api_client(volunteer)
    post(client, f"{NEEDS}/{need.pk}/claim")
    response = post(client, f"{NEEDS}/{need.pk}/release", {"reason": "Car broke down"})
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    assert need.notes.get().body == "Car broke down"


@pytest.mark.django_db
def test_second_volunteer_cannot_claim_a_claimed_need(
    volunteer, network, need, member_factory, api_client
):
    other = member_factory(network=network, role=Role.VOLUNTEER).user
    assert post(api_client(volunteer), f"{NEEDS}/{need.pk}/claim").status_code == 201
    response = post(api_client(other), f"{NEEDS}/{need.pk}/claim")
    assert response.status_code == 409
    assert error(response) == {"code": "not_open", "message": str(services.NEED_NOT_OPEN)}


@pytest.mark.django_db
def test_member_cannot_claim_a_need(member, need, api_client):
    response = post(api_client(member), f"{NEEDS}/{need.pk}/claim")
    assert response.status_code == 403
    assert error(response) == {"code": "forbidden", "message": str(services.NOT_ALLOWED)}


@pytest.mark.django_db
def test_stranger_cannot_claim_another_networks_need(stranger, need, api_client):
    assert post(api_client(stranger), f"{NEEDS}/{need.pk}/claim").status_code == 404
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


@pytest.mark.django_db
def test_volunteer_cannot_deliver_a_need_nobody_claimed(volunteer, need, api_client):
    response = post(api_client(volunteer), f"{NEEDS}/{need.pk}/deliver")
    assert response.status_code == 409
    assert error(response)["code"] == "not_claimed"


@pytest.mark.django_db
def test_coordinator_can_close_a_need_as_no_answer(coordinator, need, api_client):
    response = post(api_client(coordinator), f"{NEEDS}/{need.pk}/close", {"outcome": "no_answer"})
    assert response.status_code == 200
    assert response.json()["status"] == "no_answer"


@pytest.mark.django_db
def test_coordinator_cannot_close_a_need_with_an_unknown_outcome(coordinator, need, api_client):
    response = post(api_client(coordinator), f"{NEEDS}/{need.pk}/close", {"outcome": "vanished"})
    assert response.status_code == 400
    assert error(response) == {"code": "bad_outcome", "message": str(services.BAD_OUTCOME)}


@pytest.mark.django_db
def test_coordinator_cannot_close_a_need_twice(coordinator, need, api_client):
    client = api_client(coordinator)
    assert post(client, f"{NEEDS}/{need.pk}/close").status_code == 200
    response = post(client, f"{NEEDS}/{need.pk}/close")
    assert response.status_code == 409
    assert error(response)["code"] == "finished"


# ---------------------------------------------------------------------------- offers


@pytest.mark.django_db
def test_member_can_offer_something_and_see_it_listed(member, network, api_client):
    client = api_client(member)
    body = {
        "network": network.slug,
        "kind": "rides",
        "title": " Rides on Sundays ",
        "area": "Old Mill",
    }
    response = post(client, OFFERS, body)
    assert response.status_code == 201
    offer = Offer.objects.get(pk=response.json()["id"])
    assert (offer.author, offer.title) == (member, "Rides on Sundays")
    listed = client.get(OFFERS, {"network": network.slug}).json()
    assert [item["id"] for item in listed["items"]] == [offer.pk]
    assert listed["items"][0]["author"] == member.display_name


@pytest.mark.django_db
def test_member_cannot_offer_an_unknown_kind(member, network, api_client):
    body = {"network": network.slug, "kind": "favours", "title": "Anything"}
    response = post(api_client(member), OFFERS, body)
    assert response.status_code == 422
    assert error(response)["fields"][0]["field"] == "kind"


@pytest.mark.django_db
def test_member_can_page_through_offers_newest_first(member, network, offer_factory, api_client):
    offers = [
        offer_factory(network=network, created_at=timezone.now() - timedelta(hours=hours))
        for hours in range(3)
    ]
    client = api_client(member)
    first = client.get(OFFERS, {"limit": 2}).json()
    second = client.get(OFFERS, {"limit": 2, "cursor": first["next"]}).json()
    seen = [item["id"] for item in first["items"] + second["items"]]
    assert seen == [offer.pk for offer in offers]
    assert second["next"] is None


@pytest.mark.django_db
def test_volunteer_can_respond_to_an_offer_once(volunteer, offer, api_client):
    client = api_client(volunteer)
    response = post(client, f"{OFFERS}/{offer.pk}/respond", {"message": "Could you drive me?"})
    assert response.status_code == 201
    match = Match.objects.get(pk=response.json()["id"])
    assert (match.responder, match.offer) == (volunteer, offer)
    again = post(client, f"{OFFERS}/{offer.pk}/respond", {"message": "Hello?"})
    assert again.status_code == 409
    assert error(again)["code"] == "already_responded"


@pytest.mark.django_db
def test_member_cannot_respond_to_their_own_offer(member, offer, api_client):
    response = post(api_client(member), f"{OFFERS}/{offer.pk}/respond", {"message": "Me!"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_volunteer_cannot_respond_to_an_offer_without_a_message(volunteer, offer, api_client):
    response = post(api_client(volunteer), f"{OFFERS}/{offer.pk}/respond", {"message": "  "})
    assert response.status_code == 422


@pytest.mark.django_db
def test_stranger_cannot_see_or_answer_another_networks_offer(stranger, network, offer, api_client):
    client = api_client(stranger)
    assert client.get(f"{OFFERS}/{offer.pk}").status_code == 404
    assert client.get(OFFERS, {"network": network.slug}).status_code == 404
    assert client.get(OFFERS).json()["items"] == []
    response = post(client, f"{OFFERS}/{offer.pk}/respond", {"message": "Hi"})
    assert response.status_code == 404


# ---------------------------------------------------------------------------- schema


@pytest.mark.django_db
def test_anonymous_can_read_the_openapi_schema_but_there_is_no_docs_page():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/needs/{need_id}/claim" in schema["paths"]
    assert "/api/v1/offers/{offer_id}/respond" in schema["paths"]
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert Client().get("/api/v1/docs").status_code == 404


@pytest.mark.django_db
def test_anyone_cannot_make_listing_fail_with_a_server_error(member, need, api_client):
    client = api_client(member)
    names = ["network", "status", "category", "urgency", "language", "area", "cursor", "limit"]

    @hypothesis_settings(max_examples=100, deadline=None, database=None)
    @given(query=st.dictionaries(st.sampled_from(names), st.text(max_size=12), max_size=4))
    def check(query: dict[str, str]) -> None:
        response = client.get(NEEDS, query)
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            error(response)

    check()
