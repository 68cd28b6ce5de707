"""The chat-groups page: adding a hook (its secret shown once), pausing, testing, removing."""

import pytest
from django.db import connection
from django.urls import reverse

from potluck.conftest import login
from potluck.core.models import AuditEvent
from potluck.networks.tests.factories import NetworkFactory
from potluck.notifications.models import Message
from potluck.outreach.models import ChatHook
from potluck.outreach.tests.factories import hook_for

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRETPATH"


def _page(network):
    return reverse("outreach:chat_groups", args=[network.slug])


def test_a_coordinator_adds_a_hook_and_sees_its_secret_once(client, network, coordinator):
    login(client, coordinator)
    body = {"name": "Volunteers on Slack", "kind": "slack", "url": SLACK_URL}

    response = client.post(_page(network), body)

    hook = ChatHook.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert (hook.name, hook.kind, hook.url, hook.is_active) == (
        "Volunteers on Slack",
        "slack",
        SLACK_URL,
        True,
    )
    assert len(hook.secret) >= 40
    assert hook.secret in html
    assert hook.secret not in client.get(_page(network)).content.decode()
    assert SLACK_URL not in html  # the address is a credential: never shown back
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM outreach_chathook")
        stored_url, stored_secret = cursor.fetchone()
    assert "XXXXSECRETPATH" not in stored_url
    assert hook.secret not in stored_secret
    event = AuditEvent.objects.for_object(hook).get()
    assert (event.verb, event.data) == ("chat_hook.created", {"kind": "slack"})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"url": "javascript:alert(1)"}, "Only http:// and https:// addresses"),
        ({"url": "ftp://example.org/hook"}, "Only http:// and https:// addresses"),
        ({"url": "data:text/html,hi"}, "Only http:// and https:// addresses"),
        ({"url": "hooks dot slack"}, "Enter the full web address"),
        ({"url": ""}, "This field is required."),
        ({"url": "https://example.org/" + "x" * 500}, "That address is too long"),
        ({"url": "http://127.0.0.1/hook"}, "points at this server or a private network"),
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 81}, "Ensure this value has at most 80 characters"),
        ({"kind": "irc"}, "Select a valid choice."),
    ],
)
def test_bad_hooks_get_a_clear_error_not_a_500(client, network, coordinator, body, error):
    login(client, coordinator)
    data = {"name": "Group", "kind": "json", "url": "https://example.org/hook", **body}

    response = client.post(_page(network), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ChatHook.objects.exists()


def test_pause_resume_test_and_remove(client, network, coordinator):
    hook = hook_for(network, "https://example.org/hook")
    login(client, coordinator)

    def act(name):
        url = reverse(f"outreach:chat_group_{name}", args=[network.slug])
        return client.post(url, {"hook": hook.pk}, follow=True).content.decode()

    assert "is paused" in act("toggle")
    hook.refresh_from_db()
    assert not hook.is_active
    assert "This chat group is paused" in act("test")
    assert "is on" in act("toggle")
    assert "A test message is on its way" in act("test")
    message = Message.objects.get(kind="chat.test")
    assert message.context == {"hook": hook.pk}
    assert message.address == hook.url
    assert "was removed" in act("delete")
    assert not ChatHook.objects.exists()
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"chat_hook.paused", "chat_hook.resumed", "chat_hook.deleted"} <= verbs


@pytest.mark.parametrize("action", ["toggle", "delete", "test"])
def test_another_networks_hook_or_no_hook_is_not_found(client, network, coordinator, action):
    theirs = hook_for(NetworkFactory.create(), "https://example.org/theirs")
    login(client, coordinator)
    url = reverse(f"outreach:chat_group_{action}", args=[network.slug])

    for hook_id in (theirs.pk, "", "abc", "99999"):
        assert client.post(url, {"hook": hook_id}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active
    assert not Message.objects.exists()


ROUTES = [
    ("outreach:broadcasts", "get"),
    ("outreach:broadcasts", "post"),
    ("outreach:chat_groups", "get"),
    ("outreach:chat_groups", "post"),
    ("outreach:chat_group_toggle", "post"),
    ("outreach:chat_group_test", "post"),
    ("outreach:chat_group_delete", "post"),  # last: the hook is gone after it
]


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("stranger", False),
        ("pending", False),
        ("member", False),
        ("volunteer", False),
        ("treasurer", False),
        ("coordinator", True),
        ("admin", True),
    ],
)
def test_only_coordinators_and_admins_reach_outreach_pages(
    client, network, actor_factory, actor, allowed
):
    hook = hook_for(network, "https://example.org/hook")
    login(client, actor_factory(actor, network))
    for name, method in ROUTES:
        url = reverse(name, args=[network.slug])
        response = getattr(client, method)(url, {"hook": hook.pk} if method == "post" else {})
        assert (response.status_code != 404) == allowed, (actor, name, method)
        assert response.status_code < 500


def test_anonymous_people_are_sent_to_log_in(client, network):
    for name, method in ROUTES:
        response = getattr(client, method)(reverse(name, args=[network.slug]))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_coordinator_without_a_verified_code_acts_as_a_volunteer(client, network, member_factory):
    from potluck.networks.models import Role

    coordinator = member_factory(network=network, role=Role.COORDINATOR).user
    client.force_login(coordinator)  # password only: no two-factor code this session

    response = client.get(_page(network))

    assert response.status_code == 302  # off to enter the code first
    assert not ChatHook.objects.exists()
