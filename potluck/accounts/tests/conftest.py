"""Fixtures for the accounts tests."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def client(client: Client, django_capture_on_commit_callbacks: Callable[..., Any]) -> Client:
    """The test client, except that what a request sends after its transaction commits
    (links by email or SMS) is sent as the request ends, as in production."""
    original = client.request

    def request(**kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return original(**kwargs)

    client.request = request  # type: ignore[method-assign]
    return client
