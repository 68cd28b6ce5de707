"""Fuzz /api/v1 from its own OpenAPI schema: no server errors, every answer as documented.

Schemathesis generates valid and invalid requests for every operation and sends them, with a
coordinator's real Bearer token, to Django's WSGI application in this thread. Generated ids and
network names almost never exist, so each case is sent a second time aimed at real objects,
which reaches the operations' success paths (and their conflicts, once a need is claimed).
"""

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from potluck.accounts.services import api_token_create
from potluck.needs import services as need_services
from potluck.needs.tests.factories import NeedFactory, OfferFactory
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

# Django's real WSGI handler closes the database connection after each request, which would
# end the transaction a plain django_db test runs in.
pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]

# Loaded while collecting (the schema page reads no database); one test per operation.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@dataclass(frozen=True)
class Scene:
    headers: dict[str, str]
    slug: str
    open_need: int
    claimed_need: int  # by the coordinator, who may deliver or release it
    offer: int


@pytest.fixture
def scene(transactional_db: Any) -> Scene:
    """A coordinator's token, in a network with an open need, a claimed one and an offer."""
    network = NetworkFactory.create()
    coordinator = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    claimed = NeedFactory.create(network=network)
    need_services.need_claim(need=claimed, volunteer=coordinator)
    _, key = api_token_create(user=coordinator, name="schemathesis")
    return Scene(
        headers={"Authorization": f"Bearer {key}"},
        slug=network.slug,
        open_need=NeedFactory.create(network=network).pk,
        claimed_need=claimed.pk,
        offer=OfferFactory.create(network=network).pk,
    )


def aim_at_real_objects(case: Any, scene: Scene) -> bool:
    """Point the case's ids and network at the scene's; False if it names none of them."""
    aimed = False
    path = case.operation.path
    if "need_id" in case.path_parameters:
        claimed = path.endswith(("/deliver", "/release"))
        case.path_parameters["need_id"] = scene.claimed_need if claimed else scene.open_need
        aimed = True
    if "offer_id" in case.path_parameters:
        case.path_parameters["offer_id"] = scene.offer
        aimed = True
    for values in (case.query, case.body):
        if isinstance(values, dict) and "network" in values:
            values["network"] = scene.slug
            aimed = True
    return aimed


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_answers_as_its_schema_says(case: Any, scene: Scene) -> None:
    case.call_and_validate(headers=scene.headers, checks=CHECKS)
    if aim_at_real_objects(case, scene):
        case.call_and_validate(headers=scene.headers, checks=CHECKS)
