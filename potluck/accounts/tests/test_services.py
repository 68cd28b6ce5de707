"""Accounts and API tokens, through the services."""

import pytest
from django.core import mail

from potluck.accounts import services
from potluck.accounts.backends import user_for_login
from potluck.accounts.models import ApiToken, User
from potluck.accounts.tests.factories import PASSWORD
from potluck.core import sms
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def signup(**fields: str) -> User | None:
    return services.user_signup(display_name=" Ana ", password=PASSWORD, **fields)


def test_person_can_sign_up_with_an_email_and_gets_a_link_to_finish(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user = signup(email="ana@example.org", language="es")

    assert user is not None
    assert (user.display_name, user.email, user.phone, user.language) == (
        "Ana",
        "ana@example.org",
        None,
        "es",
    )
    assert user.check_password(PASSWORD)
    assert (user.is_active, user.signup_pending) == (False, True)
    assert user_for_login("ANA@example.org") == user
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert "/accounts/verify/" in message.body


def test_person_can_sign_up_with_a_phone_number_however_they_type_it(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user = signup(phone="+1 (555) 010-2030")
    assert user is not None
    assert (user.email, user.phone) == (None, "+15550102030")
    assert user_for_login("+1 555 010 2030") == user
    [text] = sms.outbox
    assert text.to == "+15550102030"
    assert "/accounts/verify/" in text.body
    assert not mail.outbox


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"email": "ana@example.org"}, {"email": "ana@example.org"}),
        ({"email": "ana@example.org"}, {"email": "Ana@Example.org"}),
        ({"phone": "+15550102030"}, {"phone": "+1 555 010 2030"}),
        ({"email": "ana@example.org"}, {"email": "ana@example.org", "phone": "+15550109999"}),
    ],
    ids=[
        "same-email",
        "email-differing-in-case",
        "same-phone-typed-differently",
        "email-and-phone",
    ],
)
def test_signing_up_with_a_login_someone_uses_tells_its_owner_and_makes_nothing(
    first, second, django_capture_on_commit_callbacks
):
    signup(**first)
    with django_capture_on_commit_callbacks(execute=True):
        assert signup(**second) is None
    assert User.objects.count() == 1
    sent = [m.body for m in mail.outbox] + [t.body for t in sms.outbox]
    assert len(sent) == 1
    assert "/accounts/verify/" not in sent[0]
    assert "/accounts/login/" in sent[0]


@pytest.mark.parametrize(
    "fields", [{}, {"email": ""}, {"phone": "not a phone"}], ids=["none", "empty", "bad-phone"]
)
def test_person_cannot_sign_up_without_a_login(fields):
    with pytest.raises(DomainError) as excinfo:
        signup(**fields)
    assert excinfo.value.message == services.LOGIN_MISSING
    assert not User.objects.exists()


def test_person_can_change_their_display_name_and_language(user_factory):
    user = user_factory()
    services.user_update(user=user, display_name=" Bea ", language="es")
    user.refresh_from_db()
    assert (user.display_name, user.language) == ("Bea", "es")


def test_person_can_pick_a_language_in_the_switcher(user_factory):
    user = user_factory()
    services.user_set_language(user=user, language="es")
    user.refresh_from_db()
    assert user.language == "es"


def test_factory_users_can_log_in_with_the_shared_password(user_factory):
    assert user_factory().check_password(PASSWORD)
    assert user_factory(password="another secret").check_password("another secret")


# API tokens ------------------------------------------------------------------------------


def test_person_can_create_an_api_token_shown_once(user_factory, audit_verbs):
    user = user_factory()
    token, key = services.api_token_create(user=user, name=" phone line ")

    assert token.name == "phone line"
    assert key.startswith("pl_")
    assert token.prefix == key[3:9]
    assert key not in (token.key_hash, token.prefix)
    assert ApiToken.objects.matching(key).get() == token
    assert ApiToken.objects.matching(key + "x").count() == 0
    event = AuditEvent.objects.for_object(token).get()
    assert (event.verb, event.actor, event.network) == ("api_token.created", user, None)


def test_person_can_revoke_their_api_token(user_factory, audit_verbs):
    user = user_factory()
    token, key = services.api_token_create(user=user, name="script")
    services.api_token_revoke(user=user, token_id=token.pk)

    assert not ApiToken.objects.matching(key).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert audit_verbs(token) == ["api_token.created", "api_token.revoked"]


def test_person_cannot_revoke_someone_elses_api_token(user_factory):
    owner, other = user_factory(), user_factory()
    token, key = services.api_token_create(user=owner, name="script")

    with pytest.raises(DomainError) as excinfo:
        services.api_token_revoke(user=other, token_id=token.pk)

    assert excinfo.value.message == services.TOKEN_NOT_YOURS
    assert excinfo.value.status == 404
    assert ApiToken.objects.matching(key).get() == token


def test_person_cannot_revoke_a_token_twice_or_one_that_does_not_exist(user_factory):
    user = user_factory()
    token, _key = services.api_token_create(user=user, name="script")
    services.api_token_revoke(user=user, token_id=token.pk)
    for token_id in (token.pk, token.pk + 1000):
        with pytest.raises(DomainError) as excinfo:
            services.api_token_revoke(user=user, token_id=token_id)
        assert excinfo.value.message == services.TOKEN_NOT_YOURS
