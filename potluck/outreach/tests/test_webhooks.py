"""Posting new needs to chat groups, against a real HTTP server on loopback."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from potluck.core.errors import DomainError
from potluck.networks.tests.factories import NetworkFactory
from potluck.notifications import webhooks
from potluck.notifications.models import Channel, Message
from potluck.notifications.services import MAX_ATTEMPTS, messages_deliver_due
from potluck.outreach import services
from potluck.outreach.models import ChatHook
from potluck.outreach.tests.factories import (
    CANARY_CONTACT,
    CANARY_TEXT,
    hook_for,
    need_with_canary,
)

pytestmark = pytest.mark.django_db


def _verify(post, secret: str) -> bool:
    """What a receiver does (docs/outreach.md): recompute the HMAC and compare."""
    timestamp = post.headers["x-potluck-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + post.body, hashlib.sha256)
    given = post.headers["x-potluck-signature"].removeprefix("sha256=")
    return hmac.compare_digest(expected.hexdigest(), given)


def _webhook_messages():
    return Message.objects.filter(channel=Channel.WEBHOOK)


def test_a_new_need_is_posted_to_each_kind_of_hook_in_its_shape(hook_server):
    network = NetworkFactory.create(languages=["en", "es"])
    hooks = {
        kind: hook_for(network, hook_server.url(f"/{kind}"), kind=kind)
        for kind in ChatHook.Kind.values
    }
    paused = hook_for(network, hook_server.url("/paused"), is_active=False)
    need = need_with_canary(network)

    assert messages_deliver_due() >= len(hooks)

    by_path = {post.path: post for post in hook_server.posts}
    assert set(by_path) == {f"/{kind}" for kind in hooks}, "the paused hook got nothing"
    slack = json.loads(by_path["/slack"].body)
    assert set(slack) == {"text"}
    assert f"#{need.pk}" in slack["text"]
    assert "Riverside" in slack["text"]
    discord = json.loads(by_path["/discord"].body)
    assert set(discord) == {"content", "allowed_mentions"}
    assert discord["allowed_mentions"] == {"parse": []}
    assert "Groceries" in discord["content"]
    matrix = json.loads(by_path["/matrix"].body)
    assert set(matrix) == {"text", "html"}
    assert "Riverside" in matrix["html"]
    generic = json.loads(by_path["/json"].body)
    assert generic["event"] == "need.created"
    assert generic["network"] == network.slug
    assert generic["need"] == {
        "reference": f"#{need.pk}",
        "category": "groceries",
        "area": "Riverside",
        "urgency": "today",
        "url": f"{settings.SITE_URL}/n/{network.slug}/needs/{need.pk}/",
    }
    for kind, hook in hooks.items():
        post = by_path[f"/{kind}"]
        assert post.headers["content-type"].startswith("application/json")
        assert _verify(post, hook.secret), kind
        assert not _verify(post, hook.secret + "x"), kind
        assert not _verify(post, paused.secret), kind
    assert set(_webhook_messages().values_list("status", flat=True)) == {Message.Status.SENT}
    assert _webhook_messages().get(context__hook=hooks["json"].pk).language == "en"


def test_no_post_carries_anything_personal(hook_server):
    network = NetworkFactory.create()
    for kind in ChatHook.Kind.values:
        hook_for(network, hook_server.url(f"/{kind}"), kind=kind)
    need_with_canary(network)
    messages_deliver_due()

    assert len(hook_server.posts) == len(ChatHook.Kind.values)
    for post in hook_server.posts:
        seen = post.body.decode() + json.dumps(post.headers) + post.path
        for secret in (CANARY_TEXT, CANARY_CONTACT, "CANARY"):
            assert secret not in seen
    for message in _webhook_messages():
        assert "CANARY" not in json.dumps(message.context)
        assert set(message.context) == {"hook", "need", "category", "area", "urgency", "path"}


def test_a_forged_or_old_body_does_not_verify(hook_server):
    network = NetworkFactory.create()
    hook = hook_for(network, hook_server.url("/json"))
    need_with_canary(network)
    messages_deliver_due()
    (post,) = hook_server.posts

    assert _verify(post, hook.secret)
    tampered = type(post)(post.path, post.headers, post.body.replace(b"today", b"flexible"))
    assert not _verify(tampered, hook.secret)
    other_time = {**post.headers, "x-potluck-timestamp": "1"}
    assert not _verify(type(post)(post.path, other_time, post.body), hook.secret)


def test_the_post_is_written_in_the_networks_first_language(hook_server):
    network = NetworkFactory.create(languages=["es", "en"])
    hook_for(network, hook_server.url("/slack"), kind=ChatHook.Kind.SLACK)
    need_with_canary(network, language="en")

    assert _webhook_messages().get().language == "es"


def test_a_failing_endpoint_is_retried_then_recorded_as_failed(hook_server):
    network = NetworkFactory.create()
    hook_for(network, hook_server.url("/json"))
    hook_server.statuses = [500] * MAX_ATTEMPTS
    need_with_canary(network)
    now = timezone.now()

    for attempt in range(1, MAX_ATTEMPTS + 1):
        messages_deliver_due(now=now + timedelta(days=attempt))
        message = _webhook_messages().get()
        assert message.attempts == attempt
        assert message.last_error == "HTTPError"
    assert message.status == Message.Status.FAILED
    assert len(hook_server.posts) == MAX_ATTEMPTS
    messages_deliver_due(now=now + timedelta(days=30))
    assert len(hook_server.posts) == MAX_ATTEMPTS


def test_a_recovered_endpoint_gets_the_post_once(hook_server):
    network = NetworkFactory.create()
    hook_for(network, hook_server.url("/slack"), kind=ChatHook.Kind.SLACK)
    hook_server.statuses = [500, 503]
    need = need_with_canary(network)
    now = timezone.now()

    for day in range(1, 6):
        messages_deliver_due(now=now + timedelta(days=day))
    webhooks.need_post(need)  # the same event again: already queued, so nothing new

    assert len(hook_server.posts) == 3
    assert hook_server.posts[0].body == hook_server.posts[2].body
    message = _webhook_messages().get()
    assert (message.status, message.attempts) == (Message.Status.SENT, 3)


def test_an_unreachable_hook_is_retried(hook_server):
    network = NetworkFactory.create()
    hook_for(network, "http://127.0.0.1:9/closed")  # nothing listens on the discard port
    need_with_canary(network)

    messages_deliver_due()

    message = _webhook_messages().get()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
    assert message.last_error == "URLError"


def test_a_redirect_is_a_failure_and_is_not_followed(hook_server):
    network = NetworkFactory.create()
    hook_for(network, hook_server.url("/moved"))
    need_with_canary(network)

    messages_deliver_due()

    assert [post.path for post in hook_server.posts] == ["/moved"]
    assert _webhook_messages().get().status == Message.Status.PENDING


def test_a_hook_on_a_private_address_is_not_posted_to_in_production(hook_server):
    network = NetworkFactory.create()
    hook_for(network, hook_server.url("/json"))
    need_with_canary(network)

    with override_settings(POTLUCK_WEBHOOK_ALLOW_PRIVATE=False):
        messages_deliver_due()

    assert hook_server.posts == []
    assert _webhook_messages().get().last_error == "PrivateAddress"


def test_posts_waiting_for_a_removed_or_paused_hook_are_dropped(hook_server, coordinator):
    network = coordinator.memberships.get().network
    removed = hook_for(network, hook_server.url("/removed"))
    paused = hook_for(network, hook_server.url("/paused"))
    need_with_canary(network)

    services.hook_delete(hook=removed, actor=coordinator)
    services.hook_set_active(hook=paused, actor=coordinator, active=False)
    messages_deliver_due()

    assert hook_server.posts == []
    assert set(_webhook_messages().values_list("status", flat=True)) == {Message.Status.SKIPPED}


def test_a_test_message_reaches_the_hook(hook_server, coordinator):
    network = coordinator.memberships.get().network
    hook = hook_for(network, hook_server.url("/json"))

    services.hook_test(hook=hook, actor=coordinator)
    messages_deliver_due()

    (post,) = hook_server.posts
    body = json.loads(post.body)
    assert body["event"] == "test"
    assert body["network"] == network.slug
    assert _verify(post, hook.secret)


def test_a_paused_hook_cannot_be_tested(hook_server, coordinator):
    network = coordinator.memberships.get().network
    hook = hook_for(network, hook_server.url("/json"), is_active=False)

    with pytest.raises(DomainError) as error:
        services.hook_test(hook=hook, actor=coordinator)
    assert error.value.code == "hook_paused"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("javascript:alert(1)", "url_scheme"),
        ("ftp://files.example.org/hook", "url_scheme"),
        ("file:///etc/passwd", "url_scheme"),
        ("not a web address", "url_invalid"),
        ("https://", "url_invalid"),
        ("", "url_invalid"),
        ("https://hooks.example.org/" + "x" * 500, "url_too_long"),
        ("http://127.0.0.1:8000/hook", "url_private"),
        ("http://localhost/hook", "url_private"),
        ("http://10.1.2.3/hook", "url_private"),
        ("http://[::1]/hook", "url_private"),
        ("http://169.254.169.254/latest/meta-data", "url_private"),
    ],
)
def test_bad_hook_addresses_are_refused(url, code):
    with pytest.raises(DomainError) as error:
        services.hook_url_clean(url)
    assert error.value.code == code


def test_good_hook_addresses_pass():
    for url in (
        "https://hooks.slack.com/services/T000/B000/XXXX",
        "https://discord.com/api/webhooks/123/abc-DEF",
        "https://hookshot.example.org/webhook/6f2b",
        " http://example.org/hook ",
    ):
        assert services.hook_url_clean(url) == url.strip()
