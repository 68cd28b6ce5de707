from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from potluck.accounts.models import User
from potluck.core.models import AuditEvent
from potluck.needs.models import Match, Need, Offer
from potluck.networks.models import Membership, Network, Role


def run_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (User, Network, Membership, Need, Offer, Match, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_demo_run_twice_creates_everything_once():
    first_output = run_demo()
    after_first = counts()
    second_output = run_demo()

    assert counts() == after_first
    assert "Demo data created." in first_output
    assert "already in place" in second_output
    assert set(Network.objects.values_list("slug", flat=True)) == {"riverside", "eastgate"}


@pytest.mark.django_db
def test_demo_network_has_every_role():
    run_demo()
    riverside = Network.objects.get(slug="riverside")
    roles = list(riverside.memberships.active().values_list("role", flat=True))

    assert riverside.join_policy == Network.JoinPolicy.APPROVAL
    assert riverside.languages == ["en", "es"]
    assert {role: roles.count(role) for role in Role.values} == {
        "admin": 1,
        "coordinator": 1,
        "treasurer": 1,
        "volunteer": 3,
        "member": 2,
    }
    assert riverside.memberships.pending().count() == 1
    assert Network.objects.get(slug="eastgate").join_policy == Network.JoinPolicy.OPEN


@pytest.mark.django_db
def test_demo_needs_are_in_english_and_spanish_at_every_stage():
    run_demo()
    needs = Need.objects.filter(network__slug="riverside")

    assert set(needs.values_list("language", flat=True)) == {"en", "es"}
    assert needs.count() >= 10
    assert {"open", "claimed", "delivered", "closed"} <= set(needs.values_list("status", flat=True))
    assert needs.filter(claim_expires_at__lt=timezone.now() + timedelta(hours=12)).exists()
    assert Offer.objects.filter(network__slug="riverside").count() == 5
    assert Match.objects.filter(network__slug="riverside").count() == 1


@pytest.mark.django_db
def test_demo_logins_work_with_the_printed_password(client):
    output = run_demo()

    assert "coordinator@demo.potluck.local" in output
    assert "http://127.0.0.1:8000/" in output
    assert client.login(username="coordinator@demo.potluck.local", password="potluck-demo")
    assert client.login(username="+15550100102", password="potluck-demo")


@pytest.mark.django_db
@override_settings(DEBUG=False, TESTING=False)
def test_demo_refuses_to_run_on_a_production_install():
    with pytest.raises(CommandError, match="public password"):
        call_command("demo", stdout=StringIO())
    assert not Network.objects.exists()
