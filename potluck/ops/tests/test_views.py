import pytest
from django.test import Client
from django.urls import reverse

from potluck.needs.models import Need
from potluck.needs.tests.factories import NeedFactory
from potluck.notifications.services import notify

TOKEN = "a-long-random-metrics-token"


def test_liveness_answers_without_the_database(client: Client) -> None:
    response = client.get(reverse("ops:live"))
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_readiness_checks_the_database_and_migrations(client: Client) -> None:
    response = client.get(reverse("ops:ready"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "migrations": "ok"}


@pytest.mark.django_db
def test_metrics_are_switched_off_without_a_token(client: Client, settings) -> None:
    settings.POTLUCK_METRICS_TOKEN = ""
    assert client.get(reverse("ops:metrics")).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["", "Bearer wrong", f"Basic {TOKEN}x", "Bearer "])
def test_metrics_refuse_a_missing_or_wrong_token(client: Client, settings, header: str) -> None:
    settings.POTLUCK_METRICS_TOKEN = TOKEN
    response = client.get(reverse("ops:metrics"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_metrics_count_by_state_and_name_nobody(client: Client, settings, member) -> None:
    settings.POTLUCK_METRICS_TOKEN = TOKEN
    need: Need = NeedFactory.create(
        description="canary-description-7731", contact_value="canary@example.org"
    )
    NeedFactory.create(network=need.network, status="closed")
    notify(recipient=member, kind="need.status", context={"need": need.pk, "verb": "claimed"})
    response = client.get(reverse("ops:metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'potluck_needs{status="open"} 1' in text
    assert 'potluck_needs{status="closed"} 1' in text
    assert "potluck_up 1" in text
    assert "potluck_messages{status=" in text
    for secret in ("canary", member.display_name, str(member.email), need.area):
        assert secret not in text
