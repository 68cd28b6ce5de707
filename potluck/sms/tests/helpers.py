"""Shared set-up for the SMS tests: a network with a number, a volunteer with a phone."""

from typing import Any

from django.test import Client

from potluck.accounts.models import User
from potluck.networks.models import Network, Role
from potluck.notifications.models import Preference
from potluck.notifications.services import messages_deliver_due
from potluck.sms.tests.conftest import FakeTwilio, text_in

NUMBER = "+15550002000"  # the network's SMS number
ASKER = "+15550004444"  # someone asking for help, without an account
HELPER = "+15550003333"  # a volunteer's login phone


def sms_network(network_factory: Any, **fields: Any) -> Network:
    fields.setdefault("sms_number", NUMBER)
    fields.setdefault("languages", ["en", "es"])
    network: Network = network_factory(**fields)
    return network


def phone_volunteer(
    member_factory: Any, network: Network, *, phone: str = HELPER, language: str = "es"
) -> User:
    """A volunteer of `network` who logs in with `phone` and wants alerts by SMS."""
    user: User = member_factory(network=network, role=Role.VOLUNTEER).user
    user.phone, user.language = phone, language
    user.save()
    Preference.objects.create(user=user, channels=["sms", "web"])
    return user


class Phone:
    """One phone texting the network's number through the webhook, and what it got back."""

    def __init__(self, client: Client, server: FakeTwilio, number: str, to: str = NUMBER):
        self.client, self.server, self.number, self.to = client, server, number, to
        self.seen = 0

    def text(self, body: str, **kwargs: Any) -> list[str]:
        """Text `body`, deliver what is due, return what this phone received meanwhile."""
        self.news()
        response = text_in(self.client, sender=self.number, to=self.to, body=body, **kwargs)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/xml"
        assert b"<Response/>" in response.content
        messages_deliver_due()
        return self.news()

    def news(self) -> list[str]:
        """What this phone received since it last looked."""
        received = self.server.to(self.number)
        new, self.seen = received[self.seen :], len(received)
        return new

    def last(self, body: str, **kwargs: Any) -> str:
        """Text `body`; the one answer it got."""
        answers = self.text(body, **kwargs)
        assert len(answers) == 1, answers
        return answers[0]
