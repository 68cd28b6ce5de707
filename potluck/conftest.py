"""Fixtures shared by every app's tests."""

from collections.abc import Callable
from typing import Any

import pytest

from potluck.accounts.models import User
from potluck.accounts.tests.factories import UserFactory
from potluck.needs.models import Need, Offer
from potluck.needs.tests.factories import NeedFactory, OfferFactory
from potluck.networks.models import Membership, Network, Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory


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
    """member_factory(network=..., role="volunteer") -> an active Membership."""

    def make(**kwargs: Any) -> Membership:
        return MembershipFactory(**kwargs)

    return make


@pytest.fixture
def network(db: Any) -> Network:
    return NetworkFactory()


def _member(network: Network, role: str) -> User:
    return MembershipFactory(network=network, role=role).user


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
    return MembershipFactory(role=Role.COORDINATOR).user


@pytest.fixture
def need(network: Network) -> Need:
    return NeedFactory(network=network)


@pytest.fixture
def offer(network: Network, member: User) -> Offer:
    return OfferFactory(network=network, author=member)
