"""Field-local rules of needs, claims, notes, offers and matches."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from potluck.needs.models import Need, NeedNote, hash_status_token, new_status_token
from potluck.needs.tests.factories import ClaimFactory, MatchFactory, NeedFactory

pytestmark = pytest.mark.django_db


def test_claimed_need_cannot_lack_a_claimant(network):
    with pytest.raises(IntegrityError):
        NeedFactory.create(network=network, status=Need.Status.CLAIMED, claimant=None)


def test_need_cannot_have_two_active_claims(need, volunteer, coordinator):
    ClaimFactory.create(need=need, volunteer=volunteer)
    ClaimFactory.create(need=need, volunteer=volunteer, outcome="released")
    with pytest.raises(IntegrityError):
        ClaimFactory.create(need=need, volunteer=coordinator)


def test_person_cannot_have_two_open_conversations_about_one_offer(offer, volunteer):
    MatchFactory.create(offer=offer, responder=volunteer, status="closed")
    MatchFactory.create(offer=offer, responder=volunteer)
    with transaction.atomic(), pytest.raises(IntegrityError):
        MatchFactory.create(offer=offer, responder=volunteer)


@pytest.mark.parametrize("status", Need.Status.values)
def test_need_is_final_only_in_a_closing_status(status):
    final = status in ("closed", "no_answer", "withdrawn", "duplicate", "referred")
    assert NeedFactory.build(status=status).is_final is final
    assert (status in Need.ACTIVE_STATUSES) is not final


def test_status_token_is_kept_only_as_its_hash():
    token, token_hash = new_status_token()
    assert token_hash == hash_status_token(token)
    assert token not in token_hash
    assert len(token) <= 64


def test_system_note_is_shown_as_translated_text_and_others_as_written(need):
    system = NeedNote(need=need, kind=NeedNote.Kind.SYSTEM, body=NeedNote.CLAIM_EXPIRED)
    unknown = NeedNote(need=need, kind=NeedNote.Kind.SYSTEM, body="some_future_code")
    note = NeedNote(need=need, kind=NeedNote.Kind.NOTE, body=NeedNote.CLAIM_EXPIRED)
    with translation.override("en"):
        assert system.text.startswith("The claim ran out")
    with translation.override("es"):
        assert system.text == str(NeedNote.SYSTEM_TEXTS[NeedNote.CLAIM_EXPIRED])
    assert unknown.text == "some_future_code"
    assert note.text == NeedNote.CLAIM_EXPIRED


def test_need_and_offer_links_include_their_network(need, offer):
    assert f"/{need.network.slug}/" in need.get_absolute_url()
    assert f"/{offer.network.slug}/" in offer.get_absolute_url()
    assert f"/{offer.network.slug}/" in MatchFactory.create(offer=offer).get_absolute_url()
