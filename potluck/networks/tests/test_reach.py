"""Reach settings: a network's phone line, the number people text and the word they text."""

import html
from functools import partial

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from potluck.conftest import login, make_actor, run_together, table, with_two_factor
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.networks import reach
from potluck.networks.models import Network, Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

PHONE_TYPED, PHONE = "+1 (555) 010-0100", "+15550100100"
SMS_TYPED, SMS = "00 1 555 010 0200", "+15550100200"


def reach_url(network: Network) -> str:
    return reverse("networks:reach", args=[network.slug])


def update(network: Network, by, **fields) -> Network:
    return reach.network_reach_update(network=network, by=by, **fields)


# ---------------------------------------------------------------------------- the service


@pytest.mark.django_db
def test_coordinator_sets_numbers_and_word_stored_in_one_form(network, coordinator, audit_verbs):
    update(
        network, coordinator, phone_number=PHONE_TYPED, sms_number=SMS_TYPED, sms_keyword=" river1 "
    )
    network.refresh_from_db()
    assert (network.phone_number, network.sms_number, network.sms_keyword) == (PHONE, SMS, "RIVER1")
    assert audit_verbs(network)[-1] == "network.reach_changed"
    event = AuditEvent.objects.filter(verb="network.reach_changed").get()
    # The audit log says what changed, never the numbers.
    assert event.data == {"changed": ["phone_number", "sms_number", "sms_keyword"]}
    assert "555" not in str(event.data)


@pytest.mark.django_db
def test_saving_the_same_values_again_records_nothing(network, coordinator):
    update(network, coordinator, phone_number=PHONE)
    update(network, coordinator, phone_number=PHONE_TYPED)
    assert AuditEvent.objects.filter(verb="network.reach_changed").count() == 1


@pytest.mark.django_db
def test_coordinator_can_clear_the_numbers(network, coordinator):
    update(network, coordinator, phone_number=PHONE, sms_number=SMS, sms_keyword="RIVER")
    update(network, coordinator)
    network.refresh_from_db()
    assert (network.phone_number, network.sms_number, network.sms_keyword) == ("", "", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"phone_number": "call me"}, "bad_phone_number"),
        ({"phone_number": "12"}, "bad_phone_number"),
        ({"phone_number": "555 010 0100"}, "bad_phone_number"),  # no country code
        ({"sms_number": "+1 555 CALL NOW"}, "bad_sms_number"),
        ({"sms_number": SMS, "sms_keyword": "X"}, "bad_keyword"),
        ({"sms_number": SMS, "sms_keyword": "TWO WORDS"}, "bad_keyword"),
        ({"sms_number": SMS, "sms_keyword": "AYÚDAME"}, "bad_keyword"),
        ({"sms_number": SMS, "sms_keyword": "A" * 21}, "bad_keyword"),
        ({"sms_number": SMS, "sms_keyword": "stop"}, "reserved_keyword"),
        ({"sms_number": SMS, "sms_keyword": "Help"}, "reserved_keyword"),
        ({"sms_number": SMS, "sms_keyword": "LISTO"}, "reserved_keyword"),
        ({"sms_number": SMS, "sms_keyword": "tomar"}, "reserved_keyword"),
        ({"sms_keyword": "RIVER"}, "keyword_without_number"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(network, coordinator, fields, code):
    with pytest.raises(DomainError) as refused:
        update(network, coordinator, **fields)
    assert refused.value.code == code
    network.refresh_from_db()
    assert (network.phone_number, network.sms_number, network.sms_keyword) == ("", "", "")
    assert not AuditEvent.objects.filter(verb="network.reach_changed").exists()


@pytest.mark.django_db
def test_every_carrier_and_conversation_word_is_reserved():
    for word in reach.RESERVED_KEYWORDS:
        with pytest.raises(DomainError):
            reach.reach_keyword_clean(word.lower())


def test_reserved_words_cover_the_sms_conversations_keywords():
    """The SMS app reads these words itself; a network's word must never be one of them."""
    keywords = pytest.importorskip("potluck.sms.keywords")
    theirs = {
        *keywords.STOP_WORDS,
        *keywords.START_WORDS,
        *keywords.HELP_WORDS,
        *keywords.DONE_WORDS,
        *keywords.TAKE_WORDS,
    }
    assert theirs <= reach.RESERVED_KEYWORDS


@pytest.mark.django_db
def test_two_networks_on_one_number_need_different_words(coordinator, network):
    other = NetworkFactory.create(sms_number=SMS, sms_keyword="RIVER")
    with pytest.raises(DomainError) as refused:
        update(network, coordinator, sms_number=SMS_TYPED, sms_keyword="river")
    assert refused.value.code == "keyword_taken"
    update(network, coordinator, sms_number=SMS, sms_keyword="EASTGATE")
    # The same word on a different number is fine.
    other.sms_number = "+15550100300"
    other.save()
    update(network, coordinator, sms_number=SMS, sms_keyword="RIVER")


@pytest.mark.django_db
def test_the_database_also_refuses_a_word_twice_on_one_number():
    NetworkFactory.create(sms_number=SMS, sms_keyword="RIVER")
    with pytest.raises(IntegrityError), transaction.atomic():
        NetworkFactory.create(sms_number=SMS, sms_keyword="RIVER")
    # Without a word, any number of networks may share a number.
    NetworkFactory.create(sms_number=SMS, sms_keyword="")
    NetworkFactory.create(sms_number=SMS, sms_keyword="")


PERMISSIONS = """
           may
anonymous  .
stranger   .
pending    .
member     .
volunteer  .
treasurer  .
coordinator Y
admin      Y
"""


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "column", "allowed"), table(PERMISSIONS))
def test_who_may_change_how_people_reach_the_network(network, actor, column, allowed):
    user = make_actor(actor, network)
    if allowed:
        update(network, user, phone_number=PHONE)
    else:
        with pytest.raises(DomainError) as refused:
            update(network, user, phone_number=PHONE)
        assert refused.value.status == 403


@pytest.mark.django_db
def test_coordinator_without_two_factor_cannot_change_the_numbers(network):
    coordinator = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    with pytest.raises(DomainError):
        update(network, coordinator, phone_number=PHONE)
    with_two_factor(coordinator)
    update(network, coordinator, phone_number=PHONE)


@pytest.mark.django_db(transaction=True)
def test_two_networks_racing_for_one_word_on_one_number_get_it_once():
    networks = [NetworkFactory.create() for _ in range(2)]
    coordinators = [make_actor("coordinator", network) for network in networks]
    results = run_together(
        *[
            partial(
                reach.network_reach_update,
                network=Network.objects.get(pk=network.pk),
                by=coordinator,
                sms_number=SMS,
                sms_keyword="RIVER",
            )
            for network, coordinator in zip(networks, coordinators, strict=True)
        ]
    )
    won = [result for result in results if isinstance(result, Network)]
    refused = [result for result in results if isinstance(result, DomainError)]
    assert len(won) == 1, results
    assert len(refused) == 1, results
    assert refused[0].code == "keyword_taken"
    assert Network.objects.filter(sms_number=SMS, sms_keyword="RIVER").count() == 1


# ---------------------------------------------------------------------------- the page


@pytest.mark.django_db
def test_coordinator_saves_the_reach_settings_page(client, network, coordinator):
    login(client, coordinator)
    page = client.get(reach_url(network))
    assert page.status_code == 200
    assert reverse("networks:flyer", args=[network.slug]) in page.content.decode()
    response = client.post(
        reach_url(network),
        {"phone_number": PHONE_TYPED, "sms_number": SMS_TYPED, "sms_keyword": "river"},
    )
    assert response.status_code == 302
    assert response["Location"] == reach_url(network)
    network.refresh_from_db()
    assert (network.phone_number, network.sms_number, network.sms_keyword) == (PHONE, SMS, "RIVER")
    shown = client.get(reach_url(network)).content.decode()
    assert f'value="{PHONE}"' in shown
    assert 'value="RIVER"' in shown


@pytest.mark.django_db
def test_every_mistake_on_the_page_is_shown_at_once_in_spanish(client, network, coordinator):
    coordinator.language = "es"
    coordinator.save(update_fields=["language"])
    login(client, coordinator)
    response = client.post(
        reach_url(network),
        {"phone_number": "call me", "sms_number": "12", "sms_keyword": "STOP"},
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert '<html lang="es"' in page
    with translation.override("es"):
        assert str(reach.BAD_NUMBER) in page
        assert str(reach.RESERVED_KEYWORD % {"word": "STOP"}) in page
    errors = response.context["form"].errors
    assert set(errors) == {"phone_number", "sms_number", "sms_keyword"}
    network.refresh_from_db()
    assert network.phone_number == ""


@pytest.mark.django_db
def test_a_word_taken_on_the_number_shows_beside_the_word(client, network, coordinator):
    NetworkFactory.create(sms_number=SMS, sms_keyword="RIVER")
    login(client, coordinator)
    response = client.post(reach_url(network), {"sms_number": SMS, "sms_keyword": "River"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"sms_keyword": [str(reach.KEYWORD_TAKEN)]}


@pytest.mark.django_db
def test_a_word_without_a_number_shows_beside_the_word(client, network, coordinator):
    login(client, coordinator)
    response = client.post(reach_url(network), {"sms_keyword": "RIVER"})
    assert response.context["form"].errors == {"sms_keyword": [str(reach.KEYWORD_WITHOUT_NUMBER)]}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MEMBER, Role.VOLUNTEER, Role.TREASURER])
def test_other_members_cannot_open_or_post_the_reach_settings(client, network, role):
    user = make_actor(role, network)
    login(client, user)
    assert client.get(reach_url(network)).status_code == 404
    assert client.post(reach_url(network), {"phone_number": PHONE}).status_code == 404
    network.refresh_from_db()
    assert network.phone_number == ""


@pytest.mark.django_db
def test_stranger_gets_404_and_anonymous_is_asked_to_log_in(client, network, stranger):
    response = client.get(reach_url(network))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    login(client, stranger)
    assert client.get(reach_url(network)).status_code == 404


@pytest.mark.django_db
def test_home_page_links_coordinators_to_the_reach_settings(client, network, coordinator, member):
    login(client, member)
    assert reach_url(network) not in client.get(network.get_absolute_url()).content.decode()
    login(client, coordinator)
    assert reach_url(network) in client.get(network.get_absolute_url()).content.decode()
