"""Broadcasts: who they reach, on which channels, the preview, and sending once."""

import re
from datetime import timedelta
from functools import partial

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from potluck.accounts.models import phone_hash
from potluck.conftest import login, run_together
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.networks.models import Membership, Network, Role
from potluck.networks.tests.factories import MembershipFactory
from potluck.notifications.models import Channel, Message, Preference
from potluck.notifications.services import messages_deliver_due
from potluck.outreach import services
from potluck.outreach.models import Broadcast
from potluck.outreach.selectors import Filters, broadcast_audience
from potluck.sms.models import OptOut
from potluck.volunteers.tests.factories import profile_of

ALL = ["email", "sms", "web"]
TOKEN = "a-token-of-twenty-chars"


def volunteer(network: Network, role: str = Role.VOLUNTEER, **profile: object):
    """An active volunteer of `network` with a profile (None: without one)."""
    membership = MembershipFactory.create(network=network, role=role)
    if profile.pop("no_profile", False):
        return membership.user
    profile_of(membership, **{"skills": [], "areas": [], "languages": ["en"], **profile})
    return membership.user


def reached(network: Network, channels=ALL, **filters) -> set[int]:
    audience = broadcast_audience(network=network, filters=Filters(**filters), channels=channels)
    return {person.pk for person, _channels in audience.recipients}


@pytest.fixture
def crew(network):
    """Volunteers with different skills, places and languages, and people who are not."""
    people = {
        "cook": volunteer(network, skills=["Cooking"], areas=["Riverside"], languages=["en"]),
        "driver": volunteer(network, skills=["driving"], home_area="Eastgate", languages=["es"]),
        "both": volunteer(
            network, skills=["cooking", "Driving"], areas=["Old Mill"], languages=["en", "es"]
        ),
        "resting": volunteer(
            network,
            skills=["cooking"],
            areas=["Riverside"],
            paused_until=timezone.now() + timedelta(days=3),
        ),
        "blank": volunteer(network, no_profile=True),
        "coordinator": volunteer(network, role=Role.COORDINATOR, skills=["driving"]),
    }
    people["member"] = MembershipFactory.create(network=network, role=Role.MEMBER).user
    people["waiting"] = MembershipFactory.create(
        network=network, role=Role.VOLUNTEER, status=Membership.Status.PENDING
    ).user
    return people


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"cook", "driver", "both", "blank", "coordinator"}),
        ({"include_paused": True}, {"cook", "driver", "both", "resting", "blank", "coordinator"}),
        ({"skills": ("cooking",)}, {"cook", "both"}),
        ({"skills": ("COOKING",), "include_paused": True}, {"cook", "both", "resting"}),
        ({"skills": ("driving",)}, {"driver", "both", "coordinator"}),
        ({"areas": ("Riverside",)}, {"cook"}),
        ({"areas": ("Eastgate", "Old Mill")}, {"driver", "both"}),
        ({"languages": ("es",)}, {"driver", "both"}),
        ({"skills": ("cooking",), "languages": ("es",)}, {"both"}),
        ({"skills": ("driving",), "areas": ("Riverside",)}, set()),
    ],
)
def test_filters_pick_the_right_volunteers(network, crew, filters, expected):
    assert reached(network, **filters) == {crew[name].pk for name in expected}


@pytest.mark.django_db
def test_each_person_gets_it_only_on_channels_they_chose_and_the_broadcast_uses(network):
    web_only = volunteer(network)
    Preference.objects.create(user=web_only, channels=["web"])
    texter = volunteer(network)
    texter.phone = "+15550100001"
    texter.save()
    Preference.objects.create(user=texter, channels=["sms", "email"])
    no_phone = volunteer(network)
    Preference.objects.create(user=no_phone, channels=["sms"])
    default = volunteer(network)  # no saved preference: email and in Potluck
    stopped = volunteer(network)  # texted STOP: the outbox would skip their texts
    stopped.phone = "+15550100003"
    stopped.save()
    Preference.objects.create(user=stopped, channels=["sms"])
    OptOut.objects.create(phone_hash=phone_hash(stopped.phone))

    def channels_of(channels):
        audience = broadcast_audience(network=network, filters=Filters(), channels=channels)
        return {person.pk: set(reach) for person, reach in audience.recipients}

    assert channels_of(ALL) == {
        web_only.pk: {"web"},
        texter.pk: {"sms", "email"},
        default.pk: {"email", "web"},
    }
    assert channels_of(["sms"]) == {texter.pk: {"sms"}}
    assert channels_of(["web"]) == {web_only.pk: {"web"}, default.pk: {"web"}}


@pytest.mark.django_db
def test_sending_writes_one_message_per_person_and_channel(network, coordinator, crew):
    Preference.objects.create(user=crew["cook"], channels=["web"])
    broadcast = services.broadcast_send(
        network=network,
        sender=coordinator,
        body="  Pantry shift on Saturday?\r\nReply in Potluck.  ",
        filters=Filters(skills=("cooking",)),
        channels=["email", "web"],
        token=TOKEN,
    )

    assert broadcast.body == "Pantry shift on Saturday?\nReply in Potluck."
    rows = Message.objects.filter(kind="broadcast")
    assert sorted(rows.values_list("recipient", "channel")) == sorted(
        [(crew["cook"].pk, "web"), (crew["both"].pk, "email"), (crew["both"].pk, "web")]
    )
    assert (broadcast.recipient_count, broadcast.email_count, broadcast.web_count) == (2, 1, 2)
    assert broadcast.sms_count == 0
    assert broadcast.filters == {
        "skills": ["cooking"],
        "areas": [],
        "languages": [],
        "include_paused": False,
    }
    for message in rows:
        assert message.context == {"broadcast": broadcast.pk}
        assert message.dedupe_key == f"broadcast:{broadcast.pk}"
    event = AuditEvent.objects.for_object(broadcast).get()
    assert (event.verb, event.data) == ("broadcast.sent", {"total": 2})


@pytest.mark.django_db
def test_the_text_is_read_from_the_broadcast_when_delivered(network, coordinator, crew):
    broadcast = services.broadcast_send(
        network=network,
        sender=coordinator,
        body="Bring bags to the pantry.",
        filters=Filters(areas=("Riverside",)),
        channels=["email"],
        token=TOKEN,
    )
    messages_deliver_due()

    (email,) = mail.outbox
    assert email.to == [crew["cook"].email]
    assert "Bring bags to the pantry." in email.body
    assert network.name in email.subject
    sent = Message.objects.get(kind="broadcast")
    assert sent.status == Message.Status.SENT
    assert "Bring bags" in sent.body
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT body FROM outreach_broadcast WHERE id = %s", [broadcast.pk])
        assert "Bring bags" not in cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_same_token_sends_once(network, coordinator, crew):
    send = partial(
        services.broadcast_send,
        network=network,
        sender=coordinator,
        body="Once only",
        filters=Filters(),
        channels=["web"],
        token=TOKEN,
    )
    send()
    with pytest.raises(DomainError) as error:
        send()

    assert error.value.code == "already_sent"
    assert Broadcast.objects.count() == 1
    # The crew's five active volunteers (not the resting one) and the sender, once each.
    assert Message.objects.filter(kind="broadcast").count() == 6


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"body": "   "}, "empty_message"),
        ({"body": "x" * 1001}, "too_long"),
        ({"channels": []}, "no_channel"),
        ({"channels": ["web", "pigeon"]}, "no_channel"),
        ({"channels": ["webhook"]}, "no_channel"),
        ({"filters": Filters(skills=("juggling",))}, "unknown_filter"),
        ({"filters": Filters(areas=("Atlantis",))}, "unknown_filter"),
        ({"filters": Filters(languages=("fr",))}, "unknown_filter"),
        ({"token": "short"}, "bad_token"),
        ({"token": "<script>alert(1)</script>-long"}, "bad_token"),
        ({"filters": Filters(skills=("driving",), areas=("Riverside",))}, "nobody"),
    ],
)
def test_bad_broadcasts_are_refused_and_send_nothing(network, coordinator, crew, changes, code):
    arguments = {
        "network": network,
        "sender": coordinator,
        "body": "Hello",
        "filters": Filters(),
        "channels": ["web"],
        "token": TOKEN,
        **changes,
    }
    with pytest.raises(DomainError) as error:
        services.broadcast_send(**arguments)
    assert error.value.code == code
    assert not Broadcast.objects.exists()
    assert not Message.objects.filter(kind="broadcast").exists()


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_send_one_broadcast(network_factory, member_factory):
    network = network_factory()
    coordinator = member_factory(network=network, role=Role.COORDINATOR).user
    for _ in range(3):
        volunteer(network)

    def confirm():
        return services.broadcast_send(
            network=network,
            sender=coordinator,
            body="At once",
            filters=Filters(),
            channels=["web"],
            token=TOKEN,
        )

    results = run_together(confirm, confirm)

    sent = [result for result in results if isinstance(result, Broadcast)]
    refused = [result for result in results if isinstance(result, DomainError)]
    assert len(sent) == 1, results
    assert [error.code for error in refused] == ["already_sent"], results
    assert Broadcast.objects.count() == 1
    # Three volunteers and the coordinator, each once, in Potluck.
    assert Message.objects.filter(kind="broadcast", channel="web").count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_confirm_posts_at_once_send_once(network_factory, member_factory):
    network = network_factory()
    coordinator = member_factory(network=network, role=Role.COORDINATOR).user
    volunteer(network)
    url = reverse("outreach:broadcasts", args=[network.slug])
    body = {"message": "Posted twice", "channels": ["web"], "token": TOKEN, "confirm": "1"}
    clients = [login(Client(), coordinator) for _ in range(2)]

    responses = run_together(*[partial(client.post, url, body) for client in clients])

    assert [response.status_code for response in responses] == [302, 302]
    assert Broadcast.objects.count() == 1
    assert Message.objects.filter(kind="broadcast").count() == 2


# ---------------------------------------------------------------------------- the pages


def _counts(html: str) -> tuple[int, ...]:
    """The numbers in the preview's "N people will receive this (x by email, ...)"."""
    text = re.search(r'id="audience"[^>]*>(.*?)</p>', html, re.S)
    assert text is not None
    return tuple(int(number) for number in re.findall(r"\d+", text.group(1)))


@pytest.mark.django_db
def test_the_preview_count_is_what_sending_writes(client, network, coordinator, crew):
    crew["driver"].phone = "+15550100002"
    crew["driver"].save()
    Preference.objects.create(user=crew["driver"], channels=["sms", "web"])
    Preference.objects.create(user=crew["cook"], channels=["email"])
    login(client, coordinator)
    url = reverse("outreach:broadcasts", args=[network.slug])
    # The choices are the skills as the first volunteer to list them wrote them.
    form = {"message": "Who can cook or drive?", "skills": ["Cooking", "driving"], "channels": ALL}

    preview = client.post(url, {**form, "preview": "1"})

    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Who can cook or drive?" in html
    assert not Broadcast.objects.exists()
    assert not Message.objects.exists()
    total, by_email, by_sms, by_web = _counts(html)
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found is not None
    token = found.group(1)
    hidden = dict(re.findall(r'type="hidden" name="(message)" value="([^"]*)"', html))
    assert hidden == {"message": "Who can cook or drive?"}

    sent = client.post(url, {**form, "token": token, "confirm": "1"})

    assert sent.status_code == 302
    rows = Message.objects.filter(kind="broadcast")
    assert total == rows.values("recipient").distinct().count() == 4
    assert by_email == rows.filter(channel=Channel.EMAIL).count()
    assert by_sms == rows.filter(channel=Channel.SMS).count() == 1
    assert by_web == rows.filter(channel=Channel.WEB).count()
    page = client.get(url).content.decode()
    assert "Your broadcast is on its way." in page
    assert "Who can cook or drive?" in page  # in the list of sent broadcasts

    again = client.post(url, {**form, "token": token, "confirm": "1"}, follow=True)
    assert "This broadcast was already sent" in again.content.decode()
    assert Broadcast.objects.count() == 1


@pytest.mark.django_db
def test_the_preview_says_when_nobody_matches(client, network, coordinator, crew):
    login(client, coordinator)
    url = reverse("outreach:broadcasts", args=[network.slug])
    body = {"message": "Hi", "skills": ["driving"], "areas": ["Riverside"], "channels": ["web"]}

    html = client.post(url, {**body, "preview": "1"}).content.decode()

    assert "Nobody matches these choices" in html
    assert 'name="confirm"' not in html


@pytest.mark.django_db
def test_change_it_brings_the_message_back_to_edit(client, network, coordinator, crew):
    login(client, coordinator)
    url = reverse("outreach:broadcasts", args=[network.slug])
    body = {"message": "Draft text", "channels": ["web"], "token": TOKEN, "edit": "1"}

    response = client.post(url, body)

    assert response.status_code == 200
    assert "Draft text</textarea>" in response.content.decode()
    assert not Broadcast.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"message": ""}, "Write the message you want to send."),
        ({"message": "   "}, "Write the message you want to send."),
        ({"message": "x" * 1001}, "Keep the message under 1000 characters"),
        ({"message": "Hi", "skills": ["juggling"]}, "Select a valid choice."),
        ({"message": "Hi", "areas": ["Atlantis"]}, "Select a valid choice."),
        ({"message": "Hi", "languages": ["fr"]}, "Select a valid choice."),
        ({"message": "Hi", "channels": []}, "Choose at least one way to send it."),
        ({"message": "Hi", "channels": ["pigeon"]}, "Select a valid choice."),
        ({"message": "Hi", "token": "bad"}, "This form is out of date."),
    ],
)
@pytest.mark.parametrize("step", ["preview", "confirm"])
def test_bad_input_gets_a_clear_error_not_a_500(
    client, network, coordinator, crew, body, error, step
):
    login(client, coordinator)
    url = reverse("outreach:broadcasts", args=[network.slug])
    body = {"channels": ["web"], **body, step: "1"}
    if step == "preview" and "token" in body:
        body["token"] = TOKEN  # the preview makes its own token
        error = "will receive this"

    response = client.post(url, body)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Broadcast.objects.exists()


@pytest.mark.django_db
def test_errors_are_translated(client, network, coordinator, crew):
    coordinator.language = "es"
    coordinator.save()
    login(client, coordinator)
    url = reverse("outreach:broadcasts", args=[network.slug])

    response = client.post(url, {"message": "Hi", "skills": ["juggling"], "preview": "1"})

    assert "Escoja una opción válida" in response.content.decode()
