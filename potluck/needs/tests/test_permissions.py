"""Every predicate in needs/permissions.py as a role x state table.

Rows are who the person is in the need's network ("claimant" is a volunteer holding, or last
holding, the claim); columns are need statuses. "Y" allows, "." refuses.
"""

from collections.abc import Callable
from typing import Any

import pytest

from potluck.conftest import ACTORS, make_actor, table
from potluck.needs import permissions
from potluck.needs.models import Match, Need, Offer
from potluck.needs.tests.factories import MatchFactory, NeedFactory, OfferFactory
from potluck.networks.models import Membership, Role
from potluck.networks.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db

NEED_ACTORS = (*ACTORS, "claimant")


def need_in(status: str, actor: str) -> tuple[Need, Any]:
    """A need in `status` and a user who is `actor` towards it."""
    network = NetworkFactory.create()
    # Needs past "open" keep whoever claimed them, even after closing; an open need's
    # "claimant" is the volunteer who let it go.
    holder = make_actor("volunteer", network)
    claimant = None if status == Need.Status.OPEN else holder
    need = NeedFactory.create(network=network, status=status, claimant=claimant)
    return need, holder if actor == "claimant" else make_actor(actor, network)


def check_need_table(predicate: Callable[[Any, Need], bool], actor: str, status: str) -> bool:
    need, user = need_in(status, actor)
    return predicate(user, need)


CLAIM = table("""
            open claimed delivered closed no_answer withdrawn duplicate referred
anonymous   .    .       .         .      .         .         .         .
stranger    .    .       .         .      .         .         .         .
pending     .    .       .         .      .         .         .         .
member      .    .       .         .      .         .         .         .
volunteer   Y    .       .         .      .         .         .         .
treasurer   Y    .       .         .      .         .         .         .
coordinator Y    .       .         .      .         .         .         .
admin       Y    .       .         .      .         .         .         .
claimant    Y    .       .         .      .         .         .         .
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), CLAIM)
def test_only_volunteers_and_up_can_claim_an_open_need(actor, status, allowed):
    assert check_need_table(permissions.can_claim_need, actor, status) is allowed


RELEASE_OR_DELIVER = table("""
            open claimed delivered closed no_answer withdrawn duplicate referred
anonymous   .    .       .         .      .         .         .         .
stranger    .    .       .         .      .         .         .         .
pending     .    .       .         .      .         .         .         .
member      .    .       .         .      .         .         .         .
volunteer   .    .       .         .      .         .         .         .
treasurer   .    .       .         .      .         .         .         .
coordinator .    Y       .         .      .         .         .         .
admin       .    Y       .         .      .         .         .         .
claimant    .    Y       .         .      .         .         .         .
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), RELEASE_OR_DELIVER)
def test_claimant_and_coordinators_can_release_a_claimed_need(actor, status, allowed):
    assert check_need_table(permissions.can_release_need, actor, status) is allowed


@pytest.mark.parametrize(("actor", "status", "allowed"), RELEASE_OR_DELIVER)
def test_claimant_and_coordinators_can_mark_a_claimed_need_delivered(actor, status, allowed):
    assert check_need_table(permissions.can_deliver_need, actor, status) is allowed


CLOSE = table("""
            open claimed delivered closed no_answer withdrawn duplicate referred
anonymous   .    .       .         .      .         .         .         .
stranger    .    .       .         .      .         .         .         .
pending     .    .       .         .      .         .         .         .
member      .    .       .         .      .         .         .         .
volunteer   .    .       .         .      .         .         .         .
treasurer   .    .       .         .      .         .         .         .
coordinator Y    Y       Y         .      .         .         .         .
admin       Y    Y       Y         .      .         .         .         .
claimant    .    .       Y         .      .         .         .         .
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), CLOSE)
def test_coordinators_close_live_needs_and_claimants_close_what_they_delivered(
    actor, status, allowed
):
    assert check_need_table(permissions.can_close_need, actor, status) is allowed


SEE_CONTACT = table("""
            open claimed delivered closed no_answer withdrawn duplicate referred
anonymous   .    .       .         .      .         .         .         .
stranger    .    .       .         .      .         .         .         .
pending     .    .       .         .      .         .         .         .
member      .    .       .         .      .         .         .         .
volunteer   .    .       .         .      .         .         .         .
treasurer   .    .       .         .      .         .         .         .
coordinator Y    Y       Y         .      .         .         .         .
admin       Y    Y       Y         .      .         .         .         .
claimant    .    Y       Y         .      .         .         .         .
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), SEE_CONTACT)
def test_only_the_current_claimant_and_coordinators_can_see_contact_details(actor, status, allowed):
    assert check_need_table(permissions.can_see_contact, actor, status) is allowed


@pytest.mark.parametrize("new_role", [Role.MEMBER, None])
def test_claimant_removed_or_demoted_by_coordinators_cannot_see_contact_details(new_role):
    need, claimant = need_in(Need.Status.CLAIMED, "claimant")
    membership = Membership.objects.get(user=claimant, network=need.network)
    if new_role is None:
        membership.delete()
    else:
        membership.role = new_role
        membership.save()
    assert permissions.can_see_contact(claimant, need) is False


NOTE = table("""
            open claimed delivered closed no_answer withdrawn duplicate referred
anonymous   .    .       .         .      .         .         .         .
stranger    .    .       .         .      .         .         .         .
pending     .    .       .         .      .         .         .         .
member      .    .       .         .      .         .         .         .
volunteer   .    .       .         .      .         .         .         .
treasurer   .    .       .         .      .         .         .         .
coordinator Y    Y       Y         Y      Y         Y         Y         Y
admin       Y    Y       Y         Y      Y         Y         Y         Y
claimant    .    Y       Y         Y      Y         Y         Y         Y
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), NOTE)
def test_claimant_and_coordinators_can_add_notes(actor, status, allowed):
    assert check_need_table(permissions.can_note_need, actor, status) is allowed


HISTORY = table("""
            open claimed delivered closed no_answer withdrawn duplicate referred
anonymous   .    .       .         .      .         .         .         .
stranger    .    .       .         .      .         .         .         .
pending     .    .       .         .      .         .         .         .
member      .    .       .         .      .         .         .         .
volunteer   .    .       .         .      .         .         .         .
treasurer   .    .       .         .      .         .         .         .
coordinator Y    Y       Y         Y      Y         Y         Y         Y
admin       Y    Y       Y         Y      Y         Y         Y         Y
claimant    .    .       .         .      .         .         .         .
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), HISTORY)
def test_only_coordinators_can_see_a_needs_history(actor, status, allowed):
    assert check_need_table(permissions.can_see_history, actor, status) is allowed


ENTER_FOR_SOMEONE = table("""
            any
anonymous   .
stranger    .
pending     .
member      .
volunteer   Y
treasurer   Y
coordinator Y
admin       Y
""")


@pytest.mark.parametrize(("actor", "_state", "allowed"), ENTER_FOR_SOMEONE)
def test_volunteers_and_up_can_enter_a_need_for_a_neighbour(actor, _state, allowed):
    network = NetworkFactory.create()
    user = make_actor(actor, network)
    assert permissions.can_enter_need_for_someone(user, network.pk) is allowed


# offers and matches -------------------------------------------------------------------------


def offer_in(status: str, actor: str) -> tuple[Offer, Any]:
    network = NetworkFactory.create()
    author = make_actor("member", network)
    offer = OfferFactory.create(network=network, author=author, status=status)
    return offer, author if actor == "author" else make_actor(actor, network)


RESPOND = table("""
            open closed
anonymous   .    .
stranger    .    .
pending     .    .
member      Y    .
volunteer   Y    .
treasurer   Y    .
coordinator Y    .
admin       Y    .
author      .    .
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), RESPOND)
def test_members_other_than_the_author_can_respond_to_an_open_offer(actor, status, allowed):
    offer, user = offer_in(status, actor)
    assert permissions.can_respond_to_offer(user, offer) is allowed


CLOSE_OFFER = table("""
            open closed
anonymous   .    .
stranger    .    .
pending     .    .
member      .    .
volunteer   .    .
treasurer   .    .
coordinator Y    .
admin       Y    .
author      Y    .
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), CLOSE_OFFER)
def test_author_and_coordinators_can_close_an_open_offer(actor, status, allowed):
    offer, user = offer_in(status, actor)
    assert permissions.can_close_offer(user, offer) is allowed


def test_anonymous_cannot_close_an_offer_whose_author_deleted_their_account(anonymous):
    offer = OfferFactory.create()
    assert offer.author is not None
    offer.author.delete()
    offer.refresh_from_db()
    assert offer.author_id is None
    assert permissions.can_close_offer(anonymous, offer) is False


TAKE_PART_IN_MATCH = table("""
            open closed
anonymous   .    .
stranger    .    .
pending     .    .
member      .    .
volunteer   .    .
treasurer   .    .
coordinator .    .
admin       .    .
author      Y    Y
responder   Y    Y
""")


@pytest.mark.parametrize(("actor", "status", "allowed"), TAKE_PART_IN_MATCH)
def test_only_the_two_people_in_a_match_take_part_in_it(actor, status, allowed):
    network = NetworkFactory.create()
    match = MatchFactory.create(
        offer=OfferFactory.create(network=network, author=make_actor("member", network)),
        responder=make_actor("member", network),
        status=status,
    )
    user = {"author": match.offer.author, "responder": match.responder}.get(actor)
    if user is None:
        user = make_actor(actor, network)
    assert permissions.can_take_part_in_match(user, match) is allowed


def test_match_statuses_in_the_table_are_the_real_ones():
    assert set(Match.Status.values) == {"open", "closed"}
    assert set(Offer.Status.values) == {"open", "closed"}


def test_need_tables_cover_every_status_and_actor():
    for cases in (CLAIM, RELEASE_OR_DELIVER, CLOSE, SEE_CONTACT, NOTE, HISTORY):
        assert {status for _actor, status, _allowed in cases} == set(Need.Status.values)
        assert {actor for actor, _status, _allowed in cases} == set(NEED_ACTORS)
