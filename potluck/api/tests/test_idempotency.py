"""Idempotency-Key on the operations that move money: retries answer, they never repeat."""

import json
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from potluck.accounts.models import User
from potluck.accounts.services import api_token_create
from potluck.api import idempotency
from potluck.api.idempotency import fingerprint, idempotency_keys_delete_expired
from potluck.api.models import IdempotencyKey
from potluck.conftest import make_actor, run_together
from potluck.ledger import services
from potluck.ledger.models import Disbursement, Donation, LedgerTransaction
from potluck.ledger.tests.factories import fill_fund, general_fund, make_approved
from potluck.networks.models import Network
from potluck.networks.tests.factories import NetworkFactory

DONATIONS = "/api/v1/donations"
REQUESTS = "/api/v1/disbursements"
KEY = "5b0f7f0e-7d1c-4b55-9a51-2f7d1c3c9e01"


def client_of(user: User) -> Client:
    _token, key = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {key}"})


def gift(network: Network, **overrides: Any) -> dict[str, Any]:
    return {
        "network": network.slug,
        "amount": 2500,
        "received_on": timezone.localdate().isoformat(),
        "method": "bank",
        "donor_name": "Canary Donor",
        **overrides,
    }


def send(client: Client, url: str, body: Any = None, key: str | None = KEY) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        url, json.dumps(body or {}), content_type="application/json", headers=headers
    )


def error_code(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code


def key_row(user: User, network: Network, *, age: timedelta = timedelta(0)) -> IdempotencyKey:
    """A key in flight for `user`'s donation request, as a worker still running it leaves it."""
    body = json.dumps(gift(network)).encode()
    return IdempotencyKey.objects.create(
        user=user,
        key=KEY,
        fingerprint=fingerprint("POST", DONATIONS, body),
        created_at=timezone.now() - age,
    )


# ---------------------------------------------------------------------------- replays


@pytest.mark.django_db
def test_the_same_donation_sent_100_times_is_recorded_once_and_answered_alike(
    network: Network, treasurer: User
) -> None:
    client = client_of(treasurer)
    responses = [send(client, DONATIONS, gift(network)) for _ in range(100)]

    assert {response.status_code for response in responses} == {201}
    assert len({response.content for response in responses}) == 1
    assert Donation.objects.count() == 1
    assert LedgerTransaction.objects.count() == 1
    assert general_fund(network).balance == 2500
    assert "Idempotent-Replayed" not in responses[0]
    assert all(response["Idempotent-Replayed"] == "true" for response in responses[1:])
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE


@pytest.mark.django_db
def test_a_replay_matches_an_answer_without_a_key(network: Network, treasurer: User) -> None:
    client = client_of(treasurer)
    keyed = send(client, DONATIONS, gift(network))
    plain = send(client, DONATIONS, gift(network), key=None)
    assert keyed.status_code == plain.status_code == 201
    assert keyed["Content-Type"] == plain["Content-Type"]
    first, second = keyed.json(), plain.json()
    assert set(first) == set(second)
    assert {k: v for k, v in first.items() if k not in ("id", "created_at")} == {
        k: v for k, v in second.items() if k not in ("id", "created_at")
    }
    assert Donation.objects.count() == 2


@pytest.mark.django_db
def test_the_same_body_spelled_differently_is_the_same_request(
    network: Network, treasurer: User
) -> None:
    client = client_of(treasurer)
    body = gift(network)
    first = send(client, DONATIONS, body)
    reordered = client.post(
        DONATIONS,
        json.dumps(dict(reversed(body.items())), indent=2),
        content_type="application/json",
        headers={"Idempotency-Key": KEY},
    )
    assert reordered.status_code == 201
    assert reordered.content == first.content
    assert Donation.objects.count() == 1


@pytest.mark.django_db
def test_a_request_for_money_sent_twice_is_asked_once(network: Network, member: User) -> None:
    client = client_of(member)
    body = {
        "network": network.slug,
        "amount": 4000,
        "category": "groceries",
        "payout_method": "venmo",
        "payout_handle": "@canary-handle",
    }
    first, second = send(client, REQUESTS, body), send(client, REQUESTS, body)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert Disbursement.objects.count() == 1


@pytest.mark.django_db
def test_a_payment_sent_twice_is_paid_once_and_answered_alike(
    network: Network, member: User, treasurer: User, member_factory: Callable[..., Any]
) -> None:
    fill_fund(network, 10_000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    client = client_of(treasurer)
    first = send(client, f"{REQUESTS}/{disbursement.pk}/pay")
    second = send(client, f"{REQUESTS}/{disbursement.pk}/pay")

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.json()["status"] == "paid"
    assert general_fund(network).balance == 6000
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DISBURSEMENT).count() == 1
    without_key = send(client, f"{REQUESTS}/{disbursement.pk}/pay", key=None)
    assert without_key.status_code == 409


@pytest.mark.django_db
def test_keys_belong_to_one_person(
    network: Network, treasurer: User, member_factory: Callable[..., Any]
) -> None:
    other = member_factory(network=network, role="treasurer").user
    assert send(client_of(treasurer), DONATIONS, gift(network)).status_code == 201
    assert send(client_of(other), DONATIONS, gift(network)).status_code == 201
    assert Donation.objects.count() == 2


@pytest.mark.django_db
def test_the_stored_answer_is_encrypted_at_rest(network: Network, member: User) -> None:
    body = {
        "network": network.slug,
        "amount": 4000,
        "category": "groceries",
        "payout_method": "venmo",
        "payout_handle": "@canary-handle",
    }
    assert "@canary-handle" in send(client_of(member), REQUESTS, body).content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body, fingerprint FROM api_idempotencykey")
        [(stored, signature)] = cursor.fetchall()
    assert "@canary-handle" not in stored
    assert "canary" not in signature


# ---------------------------------------------------------------------------- conflicts


@pytest.mark.django_db
def test_a_duplicate_while_the_first_is_in_flight_gets_409(
    network: Network, treasurer: User
) -> None:
    key_row(treasurer, network)
    response = send(client_of(treasurer), DONATIONS, gift(network))
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "idempotency_in_flight",
        "message": str(idempotency.IN_FLIGHT),
    }
    assert not Donation.objects.exists()
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.IN_FLIGHT


@pytest.mark.django_db
def test_a_key_reused_with_another_body_gets_422(network: Network, treasurer: User) -> None:
    client = client_of(treasurer)
    assert send(client, DONATIONS, gift(network)).status_code == 201
    response = send(client, DONATIONS, gift(network, amount=9900))
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "idempotency_key_reused",
        "message": str(idempotency.KEY_REUSED),
    }
    assert Donation.objects.count() == 1


@pytest.mark.django_db
def test_a_key_reused_on_another_operation_gets_422(
    network: Network, member: User, treasurer: User
) -> None:
    fill_fund(network, 10_000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    client = client_of(treasurer)
    assert send(client, DONATIONS, gift(network)).status_code == 201
    response = send(client, f"{REQUESTS}/{disbursement.pk}/pay")
    assert response.status_code == 422
    assert error_code(response) == "idempotency_key_reused"
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.APPROVED


@pytest.mark.django_db
def test_a_key_reused_while_in_flight_with_another_body_gets_422(
    network: Network, treasurer: User
) -> None:
    key_row(treasurer, network)
    response = send(client_of(treasurer), DONATIONS, gift(network, amount=1))
    assert response.status_code == 422


@pytest.mark.parametrize("key", ["", "k" * 256])
@pytest.mark.django_db
def test_a_key_must_be_1_to_255_characters(network: Network, treasurer: User, key: str) -> None:
    response = send(client_of(treasurer), DONATIONS, gift(network), key=key)
    assert response.status_code == 422
    assert [problem["field"] for problem in response.json()["error"]["fields"]] == [
        "Idempotency-Key"
    ]
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_a_key_of_255_characters_works(network: Network, treasurer: User) -> None:
    response = send(client_of(treasurer), DONATIONS, gift(network), key="k" * 255)
    assert response.status_code == 201


# ---------------------------------------------------------------------------- failures


@pytest.mark.django_db
def test_a_failed_payment_gives_its_key_back_so_a_retry_succeeds(
    network: Network, member: User, treasurer: User
) -> None:
    fill_fund(network, 1000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    client = client_of(treasurer)
    refused = send(client, f"{REQUESTS}/{disbursement.pk}/pay")
    assert refused.status_code == 409
    assert error_code(refused) == "not_enough_in_fund"
    assert not IdempotencyKey.objects.exists()

    fill_fund(network, 9000)
    retried = send(client, f"{REQUESTS}/{disbursement.pk}/pay")
    assert retried.status_code == 200
    assert general_fund(network).balance == 6000


@pytest.mark.django_db
def test_a_refused_donation_gives_its_key_back_for_the_corrected_one(
    network: Network, treasurer: User
) -> None:
    client = client_of(treasurer)
    later = (timezone.localdate() + timedelta(days=9)).isoformat()
    assert send(client, DONATIONS, gift(network, received_on=later)).status_code == 400
    assert send(client, DONATIONS, gift(network)).status_code == 201
    assert Donation.objects.count() == 1


@pytest.mark.django_db
def test_a_request_refused_for_lack_of_a_role_gives_its_key_back(
    network: Network, member: User, stranger: User
) -> None:
    assert send(client_of(member), DONATIONS, gift(network)).status_code == 403
    assert send(client_of(stranger), DONATIONS, gift(network)).status_code == 404
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_invalid_input_takes_no_key(network: Network, treasurer: User) -> None:
    assert send(client_of(treasurer), DONATIONS, gift(network, amount=0)).status_code == 422
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_key_taken_over_meanwhile_undoes_the_money_it_would_have_moved(
    network: Network, treasurer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = services.donation_record

    def record_while_taken_over(**kwargs: Any) -> Donation:
        donation = record(**kwargs)
        # Another worker decided this one had died and took the key over. (Here the change is
        # undone with this request's transaction; a real one would have been committed.)
        IdempotencyKey.objects.update(created_at=timezone.now() + timedelta(seconds=1))
        return donation

    monkeypatch.setattr(services, "donation_record", record_while_taken_over)
    response = send(client_of(treasurer), DONATIONS, gift(network))

    assert response.status_code == 409
    assert error_code(response) == "idempotency_in_flight"
    assert not Donation.objects.exists()
    assert not LedgerTransaction.objects.exists()
    assert general_fund(network).balance == 0
    assert not IdempotencyKey.objects.filter(state=IdempotencyKey.State.DONE).exists()


@pytest.mark.django_db
def test_a_key_left_in_flight_by_a_crashed_worker_is_taken_over(
    network: Network, treasurer: User
) -> None:
    key_row(treasurer, network, age=idempotency.IN_FLIGHT_TIMEOUT + timedelta(seconds=1))
    response = send(client_of(treasurer), DONATIONS, gift(network))
    assert response.status_code == 201
    assert Donation.objects.count() == 1
    row = IdempotencyKey.objects.get()
    assert row.state == IdempotencyKey.State.DONE
    assert row.created_at > timezone.now() - timedelta(minutes=1)


@pytest.mark.django_db
def test_a_key_in_flight_for_less_than_the_timeout_is_not_taken_over(
    network: Network, treasurer: User
) -> None:
    key_row(treasurer, network, age=idempotency.IN_FLIGHT_TIMEOUT - timedelta(seconds=30))
    assert send(client_of(treasurer), DONATIONS, gift(network)).status_code == 409
    assert not Donation.objects.exists()


# ---------------------------------------------------------------------------- expiry


@pytest.mark.django_db
def test_keys_older_than_a_day_are_deleted(network: Network, treasurer: User) -> None:
    old = key_row(treasurer, network, age=timedelta(hours=25))
    fresh = IdempotencyKey.objects.create(user=treasurer, key="fresh", fingerprint="x")
    assert idempotency_keys_delete_expired() == 1
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_a_key_may_be_used_again_after_a_day(network: Network, treasurer: User) -> None:
    client = client_of(treasurer)
    assert send(client, DONATIONS, gift(network)).status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = send(client, DONATIONS, gift(network, amount=700))
    assert response.status_code == 201
    assert Donation.objects.count() == 2


# ---------------------------------------------------------------------------- racing


@pytest.mark.django_db(transaction=True)
def test_twenty_copies_at_once_record_one_donation() -> None:
    network = NetworkFactory.create()
    treasurer = make_actor("treasurer", network)
    clients = [client_of(treasurer) for _ in range(20)]
    body = gift(network)

    responses = run_together(*[partial(send, client, DONATIONS, body) for client in clients])

    statuses = [getattr(response, "status_code", response) for response in responses]
    assert set(statuses) <= {201, 409}, statuses
    assert statuses.count(201) >= 1
    assert {error_code(r) for r in responses if r.status_code == 409} <= {"idempotency_in_flight"}
    assert len({r.content for r in responses if r.status_code == 201}) == 1
    assert Donation.objects.count() == 1
    assert LedgerTransaction.objects.count() == 1
    assert general_fund(network).balance == 2500
    assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE


@pytest.mark.django_db(transaction=True)
def test_twenty_payments_at_once_with_one_key_pay_once() -> None:
    network = NetworkFactory.create()
    member, treasurer, payer = (
        make_actor(role, network) for role in ("member", "treasurer", "treasurer")
    )
    fill_fund(network, 10_000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    clients = [client_of(payer) for _ in range(20)]
    url = f"{REQUESTS}/{disbursement.pk}/pay"

    responses = run_together(*[partial(send, client, url) for client in clients])

    statuses = [getattr(response, "status_code", response) for response in responses]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= 1
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DISBURSEMENT).count() == 1
    assert general_fund(network).balance == 6000
