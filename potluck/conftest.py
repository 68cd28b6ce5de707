"""Fixtures shared by every app's tests."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from potluck.accounts.models import User
from potluck.accounts.tests.factories import UserFactory
from potluck.core import sms
from potluck.core.models import AuditEvent
from potluck.needs import services as need_services
from potluck.needs.models import Need, Offer
from potluck.needs.tests.factories import NeedFactory, OfferFactory
from potluck.networks.models import Membership, Network, Role
from potluck.networks.selectors import ELEVATED_ROLES
from potluck.networks.tests.factories import (
    InvitationFactory,
    MembershipFactory,
    NetworkFactory,
)


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> None:
    """Like Django's mail.outbox: each test starts with no text messages sent."""
    sms.outbox.clear()


def with_two_factor(user: User) -> TOTPDevice:
    """Give `user` a confirmed authenticator device (two-factor on), or return theirs."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def login(client: Client, user: User) -> Client:
    """Log `user` in on `client` as if they had passed every step: the password and, when
    two-factor is on, a code, which marks the session verified the way django_otp.login does.
    Elevated roles need that; plain `client.force_login` stops before the code."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def user_factory() -> type[UserFactory]:
    return UserFactory


@pytest.fixture
def network_factory() -> type[NetworkFactory]:
    return NetworkFactory


@pytest.fixture
def need_factory() -> type[NeedFactory]:
    return NeedFactory


@pytest.fixture
def offer_factory() -> type[OfferFactory]:
    return OfferFactory


@pytest.fixture
def member_factory() -> Callable[..., Membership]:
    """member_factory(network=..., role="volunteer") -> an active Membership (with two-factor
    on for coordinators, treasurers and admins, as they need it to use their role)."""

    def make(**kwargs: Any) -> Membership:
        membership = MembershipFactory.create(**kwargs)
        if membership.role in ELEVATED_ROLES:
            with_two_factor(membership.user)
        return membership

    return make


@pytest.fixture
def network(db: Any) -> Network:
    return NetworkFactory.create()


def _member(network: Network, role: str) -> User:
    """An active member; coordinators, treasurers and admins come with two-factor on."""
    user = MembershipFactory.create(network=network, role=role).user
    if role in ELEVATED_ROLES:
        with_two_factor(user)
    return user


@pytest.fixture
def member(network: Network) -> User:
    return _member(network, Role.MEMBER)


@pytest.fixture
def volunteer(network: Network) -> User:
    return _member(network, Role.VOLUNTEER)


@pytest.fixture
def coordinator(network: Network) -> User:
    return _member(network, Role.COORDINATOR)


@pytest.fixture
def stranger(db: Any) -> User:
    """An active member of some other network."""
    return with_two_factor(MembershipFactory.create(role=Role.COORDINATOR).user).user


@pytest.fixture
def need(network: Network) -> Need:
    return NeedFactory.create(network=network)


@pytest.fixture
def offer(network: Network, member: User) -> Offer:
    return OfferFactory.create(network=network, author=member)


@pytest.fixture
def invitation_factory() -> type[InvitationFactory]:
    return InvitationFactory


@pytest.fixture
def treasurer(network: Network) -> User:
    return _member(network, Role.TREASURER)


@pytest.fixture
def admin(network: Network) -> User:
    return _member(network, Role.ADMIN)


@pytest.fixture
def pending_member(network: Network) -> User:
    """Asked to join `network` and is still waiting for approval."""
    return MembershipFactory.create(network=network, status=Membership.Status.PENDING).user


@pytest.fixture
def anonymous() -> AnonymousUser:
    return AnonymousUser()


# The actors of role x state tables: who someone is relative to one network.
ACTORS = (
    "anonymous",
    "stranger",
    "pending",
    "member",
    "volunteer",
    "treasurer",
    "coordinator",
    "admin",
)


def make_actor(actor: str, network: Network) -> Any:
    """A user who is `actor` (one of ACTORS) in `network`."""
    if actor == "anonymous":
        return AnonymousUser()
    if actor == "stranger":  # a coordinator, but of another network
        return with_two_factor(MembershipFactory.create(role=Role.COORDINATOR).user).user
    if actor == "pending":  # asked to be a volunteer, not approved yet
        return MembershipFactory.create(
            network=network, role=Role.VOLUNTEER, status=Membership.Status.PENDING
        ).user
    return _member(network, actor)


def table(text: str) -> list[tuple[str, str, bool]]:
    """Parse a Y/. grid into (row, column, allowed) cases."""
    header, *lines = [line.split() for line in text.strip().splitlines()]
    cases = []
    for row, *cells in lines:
        assert len(cells) == len(header), row
        cases += [(row, column, cell == "Y") for column, cell in zip(header, cells, strict=True)]
    return cases


@pytest.fixture
def actor_factory(db: Any) -> Callable[[str, Network], Any]:
    return make_actor


@pytest.fixture
def claimed_need(need: Need, volunteer: User) -> Need:
    """`need`, claimed by `volunteer` through the service."""
    need_services.need_claim(need=need, volunteer=volunteer)
    need.refresh_from_db()
    return need


@pytest.fixture
def audit_verbs(db: Any) -> Callable[[models.Model], list[str]]:
    """audit_verbs(obj) -> the verbs recorded against obj, oldest first."""

    def verbs(obj: models.Model) -> list[str]:
        return list(AuditEvent.objects.for_object(obj).values_list("verb", flat=True))

    return verbs


# Browser tests: a session-wide Chromium and a per-test `page` (see potluck/core/tests/browser.py).
from potluck.core.tests.browser import browser, page  # noqa: E402, F401


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread, released at once by a barrier; return each result,
    or the exception it raised. Every thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # handed back to the test to assert on
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return results
