"""Field-local rules of people and API tokens."""

import pytest
from django.db import IntegrityError

from potluck.accounts.models import ApiToken, User

pytestmark = pytest.mark.django_db


def test_person_cannot_exist_without_an_email_or_phone():
    with pytest.raises(IntegrityError):
        User.objects.create(display_name="Nobody")


def test_operator_account_is_staff_and_superuser():
    operator = User.objects.create_superuser(email="ops@example.org", password="x" * 12)
    assert (operator.is_staff, operator.is_superuser, operator.display_name) == (True, True, "ops")
    assert str(operator) == "ops"


def test_email_domain_is_normalised_on_create():
    user = User.objects.create_user(display_name="A", email="a@EXAMPLE.org", password="x" * 12)
    assert user.email == "a@example.org"


def test_token_keys_are_random_and_only_their_hash_is_kept(user_factory):
    (key, key_hash), (other_key, _other_hash) = ApiToken.new_key(), ApiToken.new_key()
    assert key != other_key
    assert key not in key_hash
    token = ApiToken.objects.create(
        user=user_factory(), name="t", prefix=key[3:9], key_hash=key_hash
    )
    assert ApiToken.objects.matching(key).get() == token
    assert str(token) == f"t ({key[3:9]}…)"
