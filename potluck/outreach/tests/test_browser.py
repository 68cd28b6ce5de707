"""A coordinator previews and sends a broadcast and adds a chat group, in real Chromium:
with axe on every page, and again with JavaScript off."""

import json
from typing import Any

import pytest

from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory
from potluck.notifications.models import Message
from potluck.outreach.models import Broadcast, ChatHook
from potluck.volunteers.tests.factories import profile_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _journey(page: Any, live_server: Any, hook_server: Any, *, check: Any) -> None:
    network = NetworkFactory.create()
    slug = network.slug
    coordinator = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    for skills in (["cooking"], ["cooking", "driving"], ["driving"]):
        profile_of(MembershipFactory.create(network=network, role=Role.VOLUNTEER), skills=skills)

    log_in(page, coordinator, live_server.url)
    page.goto(f"/n/{slug}/")
    submit(page, f"nav a[href='/n/{slug}/broadcasts/']")
    check(page)

    page.fill("textarea[name=message]", "Pantry shift on Saturday: who can cook?")
    page.check("input[name=skills][value=cooking]")
    page.uncheck("input[name=channels][value=email]")
    submit(page, "main button[name=preview]")
    check(page)
    assert "2 people will receive this" in page.locator("#audience").inner_text()
    assert "0 by email, 0 by SMS, 2 in Potluck" in page.locator("#audience").inner_text()
    assert not Broadcast.objects.exists()

    submit(page, "main button[name=confirm]")
    check(page)
    assert page.url.endswith(f"/n/{slug}/broadcasts/")
    assert page.locator("#broadcasts tbody tr").count() == 1
    broadcast = Broadcast.objects.get()
    assert broadcast.body == "Pantry shift on Saturday: who can cook?"
    assert Message.objects.filter(kind="broadcast", channel="web").count() == 2

    page.goto(f"/n/{slug}/")
    submit(page, f"nav a[href='/n/{slug}/chat-groups/']")
    check(page)
    page.fill("input[name=name]", "Volunteers chat")
    page.check("input[name=kind][value=json]")
    page.fill("input[name=url]", hook_server.url("/potluck"))
    submit(page, "main form button.primary")
    check(page)
    hook = ChatHook.objects.get()
    assert page.locator("#secret").inner_text() == hook.secret

    submit(page, f"#hook-{hook.pk} form[action$='/test/'] button")
    check(page)
    (post,) = hook_server.posts
    assert json.loads(post.body)["event"] == "test"
    submit(page, f"#hook-{hook.pk} form[action$='/toggle/'] button")
    assert not ChatHook.objects.get().is_active
    submit(page, f"#hook-{hook.pk} form[action$='/delete/'] button")
    check(page)
    assert not ChatHook.objects.exists()


def test_coordinator_broadcasts_and_adds_a_chat_group(page: Any, live_server: Any, hook_server):
    _journey(page, live_server, hook_server, check=axe_check)


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_the_same_works_without_javascript(page: Any, live_server: Any, hook_server):
    _journey(page, live_server, hook_server, check=lambda _page: None)
