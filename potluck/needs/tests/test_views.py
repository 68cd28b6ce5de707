import pytest
from django.urls import reverse

from potluck.conftest import login
from potluck.core.models import AuditEvent
from potluck.needs import services
from potluck.needs.models import Need, NeedNote
from potluck.networks.models import Network

pytestmark = pytest.mark.django_db


def ask_data(**overrides):
    data = {
        "category": "groceries",
        "description": "Rice, beans and milk for two",
        "area": "Eastgate, near the library",
        "urgency": "today",
        "contact_method": "sms",
        "contact_value": "+1 555 010 2030",
        "contact_times": "mornings",
        "language": "es",
    }
    data.update(overrides)
    return data


def test_anyone_can_ask_for_help_without_an_account(client, network):
    response = client.post(reverse("needs:ask", args=[network.slug]), ask_data())
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith("/s/")
    assert need.contact_value == "+15550102030"
    assert need.language == "es"
    assert need.requester is None
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "Tu solicitud" in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contact_value": "not a phone"}, "contact_value"),
        ({"contact_method": "email", "contact_value": "nope@"}, "contact_value"),
        ({"category": "weapons"}, "category"),
        ({"language": "xx"}, "language"),
        ({"description": ""}, "description"),
        ({"area": "x" * 121}, "area"),
        ({"urgency": "yesterday"}, "urgency"),
    ],
)
def test_asking_with_bad_input_shows_an_error_and_saves_nothing(client, network, overrides, field):
    response = client.post(reverse("needs:ask", args=[network.slug]), ask_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Need.objects.exists()


def test_ask_form_for_unknown_network_is_404(client, db):
    assert client.get(reverse("needs:ask", args=["nowhere"])).status_code == 404


def test_volunteer_can_enter_a_need_by_phone_and_sees_the_status_link_once(
    client, network, volunteer
):
    client.force_login(volunteer)
    response = client.post(reverse("needs:intake", args=[network.slug]), ask_data())
    need = Need.objects.get()
    assert need.entered_by == volunteer
    first = client.get(response["Location"]).content.decode()
    assert "/s/" in first
    assert "/s/" not in client.get(response["Location"]).content.decode()


def test_member_cannot_use_phone_intake(client, network, member):
    client.force_login(member)
    assert client.get(reverse("needs:intake", args=[network.slug])).status_code == 404


def test_member_of_another_network_gets_404_everywhere(client, network, need, stranger):
    client.force_login(stranger)
    urls = [
        reverse("needs:board", args=[network.slug]),
        reverse("needs:detail", args=[network.slug, need.pk]),
        reverse("needs:triage", args=[network.slug]),
        reverse("needs:my_claims", args=[network.slug]),
        reverse("needs:offers", args=[network.slug]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("needs:claim", args=[network.slug, need.pk])).status_code == 404
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_need_from_another_network_is_404_under_this_networks_url(
    client, network, volunteer, need_factory
):
    other = need_factory()
    client.force_login(volunteer)
    assert client.get(reverse("needs:detail", args=[network.slug, other.pk])).status_code == 404


def test_volunteer_claims_sees_contact_and_delivers(client, network, need, volunteer):
    client.force_login(volunteer)
    detail = reverse("needs:detail", args=[network.slug, need.pk])
    assert need.contact_value not in client.get(detail).content.decode()
    client.post(reverse("needs:claim", args=[network.slug, need.pk]))
    page = client.get(detail).content.decode()
    assert need.contact_value not in page
    revealed = client.post(reverse("needs:reveal", args=[network.slug, need.pk]))
    assert need.contact_value in revealed.content.decode()
    assert revealed["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(verb="need.contact_revealed", actor=volunteer).count() == 1
    client.post(reverse("needs:deliver", args=[network.slug, need.pk]))
    need.refresh_from_db()
    assert need.status == Need.Status.DELIVERED


def test_claim_through_htmx_returns_only_the_status_partial(client, network, need, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse("needs:claim", args=[network.slug, need.pk]), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="need-status"' in body
    assert "<html" not in body


def test_second_claim_shows_a_clear_error(client, network, need, volunteer, member_factory):
    services.need_claim(need=need, volunteer=volunteer)
    other = member_factory(network=network, role="volunteer").user
    client.force_login(other)
    response = client.post(reverse("needs:claim", args=[network.slug, need.pk]), follow=True)
    assert str(services.NEED_NOT_OPEN) in response.content.decode()


def test_member_cannot_reveal_contact(client, network, need, member):
    client.force_login(member)
    response = client.post(reverse("needs:reveal", args=[network.slug, need.pk]), follow=True)
    assert need.contact_value not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="need.contact_revealed").exists()


def test_get_never_changes_a_need(client, network, need, volunteer):
    client.force_login(volunteer)
    for name in ("claim", "release", "deliver", "close", "reveal", "note"):
        assert client.get(reverse(f"needs:{name}", args=[network.slug, need.pk])).status_code == 405
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_requester_confirms_help_arrived_on_the_status_link(client, network, volunteer):
    need, token = services.need_create(
        network=network,
        category="meals",
        description="Dinner",
        area="Old Mill",
        urgency="today",
        contact_method="phone",
        contact_value="+15550100002",
        language="en",
    )
    services.need_claim(need=need, volunteer=volunteer)
    services.need_mark_delivered(need=need, by=volunteer)
    client.post(reverse("status:message", args=[token]), {"body": "Thank you so much"})
    client.post(reverse("status:confirm", args=[token]))
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED
    assert NeedNote.objects.filter(need=need, kind="requester").count() == 1


def test_requester_can_withdraw_and_change_language(client, network):
    need, token = services.need_create(
        network=network,
        category="meals",
        description="Dinner",
        area="Old Mill",
        urgency="today",
        contact_method="phone",
        contact_value="+15550100002",
        language="en",
    )
    client.post(reverse("status:language", args=[token]), {"language": "es"})
    client.post(reverse("status:withdraw", args=[token]))
    need.refresh_from_db()
    assert (need.language, need.status) == ("es", Need.Status.WITHDRAWN)


def test_unknown_status_token_is_404(client, db):
    assert client.get(reverse("status:detail", args=["not-a-token"])).status_code == 404


def test_board_filters_and_pages(client, network, member, need_factory, settings):
    settings.POTLUCK_PAGE_SIZE = 2
    need_factory.create_batch(3, network=network, category="meals")
    need_factory(network=network, category="rides")
    client.force_login(member)
    board = reverse("needs:board", args=[network.slug])
    response = client.get(board, {"category": "meals"})
    first = response.context["pager"]
    assert len(first.items) == 2
    assert "category=meals" in first.next_url
    second = client.get(first.next_url).context["pager"]
    assert [need.category for need in second.items] == ["meals"]
    assert second.next_url is None
    assert {*first.items, *second.items} == set(Need.objects.filter(category="meals"))
    assert client.get(board, {"urgency": "bogus", "cursor": "x"}).status_code == 200


def test_coordinator_sees_triage_queue_and_history(client, network, need, coordinator):
    login(client, coordinator)
    assert client.get(reverse("needs:triage", args=[network.slug])).status_code == 200
    services.need_close(need=need, by=coordinator, outcome="duplicate")
    page = client.get(reverse("needs:detail", args=[network.slug, need.pk])).content.decode()
    assert "closed it (duplicate)" in page


def test_volunteer_sees_their_claims(client, network, need, volunteer):
    services.need_claim(need=need, volunteer=volunteer)
    client.force_login(volunteer)
    response = client.get(reverse("needs:my_claims", args=[network.slug]))
    assert response.context["pager"].items == [need]


def test_member_offers_and_another_answers(client, network, member, volunteer):
    client.force_login(member)
    response = client.post(
        reverse("needs:offer_new", args=[network.slug]),
        {"kind": "rides", "title": "Lifts to the clinic", "area": "Eastgate"},
    )
    offer_url = response["Location"]
    client.force_login(volunteer)
    response = client.post(offer_url, {"body": "Could you take my neighbour on Tuesday?"})
    match_url = response["Location"]
    assert client.get(match_url).status_code == 200
    client.force_login(member)
    assert "Tuesday" in client.get(match_url).content.decode()
    client.post(match_url, {"body": "Yes, 10am works"})
    client.force_login(volunteer)
    assert "10am" in client.get(match_url).content.decode()


def test_stranger_cannot_open_a_match(client, network, offer, volunteer, stranger):
    match = services.offer_respond(offer=offer, responder=volunteer, message="Hi")
    client.force_login(stranger)
    assert client.get(match.get_absolute_url()).status_code == 404


def test_the_board_filters_follow_the_network_the_language_and_the_query(client, network, member):
    """The filter form is cached (see filters_cache_key): never stale, never someone else's."""
    client.force_login(member)
    board = reverse("needs:board", args=[network.slug])
    # The offers board's filters are another form, with a key of the same parts.
    assert client.get(reverse("needs:offers", args=[network.slug])).status_code == 200
    page = client.get(board).content.decode()
    assert 'value="rides"' in page
    assert "Kind of help" in page
    # Changed without save(), so nothing but the categories themselves tells the cache.
    Network.objects.filter(pk=network.pk).update(categories=["groceries"])
    page = client.get(board).content.decode()
    assert 'value="rides"' not in page
    assert 'value="groceries"' in page
    assert 'value="Eastgate"' in client.get(board, {"area": "Eastgate"}).content.decode()
    assert 'value="Eastgate"' not in client.get(board).content.decode()
    member.language = "es"
    member.save(update_fields=["language"])
    assert "Tipo de ayuda" in client.get(board).content.decode()
