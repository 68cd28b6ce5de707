"""Two-factor authentication: setting it up, logging in with it, recovery codes, turning it off,
and the gate in front of coordinator, treasurer and admin pages."""

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from potluck.accounts import twofactor
from potluck.accounts.sessions import REAUTH_AT
from potluck.accounts.tests.factories import PASSWORD
from potluck.conftest import login, with_two_factor
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.networks.models import Role
from potluck.networks.permissions import COORDINATOR_ROLES, held_role, role_in
from potluck.networks.selectors import (
    access_membership,
    access_network,
    membership_list_for_network,
)
from potluck.networks.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, *, ahead: int = 0) -> str:
    """What the person's app shows now (or `ahead` steps later: each code works only once,
    and django-otp accepts the next step too)."""
    return (
        f"{totp(device.bin_key, device.step, device.t0 - ahead * device.step, device.digits):06d}"
    )


def shown_key(page) -> tuple[TOTPDevice, str]:
    """The (unsaved) authenticator the set-up page shows, and its signed form field."""
    signed = page.context["setup"]
    key = signing.loads(signed, salt=twofactor.SETUP_SALT)["key"]
    return TOTPDevice(key=key), signed


def set_up(client: Client) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor on for the logged-in person through the pages."""
    shown, signed = shown_key(client.get(reverse("accounts:two_factor_setup")))
    client.post(reverse("accounts:two_factor_setup"), {"code": code_for(shown), "setup": signed})
    page = client.get(reverse("accounts:two_factor_recovery"))
    return TOTPDevice.objects.get(key=shown.key, confirmed=True), page.context["codes"]


def password_step(client: Client, user, **data: str):
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD, **data}
    )


# Setting up ------------------------------------------------------------------------------


def test_person_sets_up_two_factor_with_a_qr_code_and_a_key(client, user_factory, audit_verbs):
    user = user_factory()
    client.force_login(user)
    page = client.get(reverse("accounts:two_factor_setup"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg role="img"' in html
    assert "<title>" in html
    assert "<script" not in html.split("<main")[1]
    assert "style=" not in html
    assert not TOTPDevice.objects.exists()  # showing the page stores nothing
    shown, signed = shown_key(page)
    shown.user = user
    assert page.context["key"].replace(" ", "") in twofactor.otpauth_url(shown)
    assert user.email not in twofactor.otpauth_url(shown)

    setup = reverse("accounts:two_factor_setup")
    wrong = client.post(setup, {"code": "000000", "setup": signed})
    assert wrong.context["form"].errors["code"] == [str(twofactor.WRONG_CODE)]
    # The same key, to try again (signed anew, so its timestamp may differ).
    again = twofactor.setup_key_open(user=user, signed=wrong.context["setup"])
    assert again is not None
    assert again.key == shown.key

    done = client.post(setup, {"code": code_for(shown), "setup": signed})
    assert done["Location"] == reverse("accounts:two_factor_recovery")
    device = TOTPDevice.objects.get(user=user)
    assert (device.key, device.confirmed) == (shown.key, True)
    assert audit_verbs(user) == ["two_factor.enabled"]
    codes = client.get(reverse("accounts:two_factor_recovery")).context["codes"]
    assert len(codes) == len(set(codes)) == 10
    # Shown once.
    assert client.get(reverse("accounts:two_factor_recovery"))["Location"] == reverse(
        "accounts:two_factor"
    )
    assert client.session.get("otp_device_id") == device.persistent_id


def test_set_up_refuses_a_key_the_page_did_not_sign(client, user_factory):
    someone, other = user_factory(), user_factory()
    client.force_login(other)
    _, others_form = shown_key(client.get(reverse("accounts:two_factor_setup")))
    client.force_login(someone)
    _, signed = shown_key(client.get(reverse("accounts:two_factor_setup")))
    setup = reverse("accounts:two_factor_setup")
    own_key = TOTPDevice(key="ab" * 20)
    for forged in [signed[:-2] + "xx", others_form, "", "x" * 300]:
        response = client.post(setup, {"code": code_for(own_key), "setup": forged})
        assert response.status_code == 200
        assert response.context["setup"] != forged  # a fresh key to start again
    assert not TOTPDevice.objects.exists()


def test_setting_up_needs_a_recent_password(client, user_factory):
    client.force_login(user_factory())
    session = client.session
    session[REAUTH_AT] = int(time.time()) - 11 * 60
    session.save()
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response["Location"].startswith(reverse("accounts:reauth"))
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200


def test_setup_service_refuses_twice(user_factory):
    user = user_factory()
    device = with_two_factor(user)
    with pytest.raises(DomainError) as excinfo:
        twofactor.two_factor_begin(user=user)
    assert excinfo.value.message == twofactor.ALREADY_ON
    with pytest.raises(DomainError) as excinfo:
        twofactor.two_factor_enable(user=user, device=device, code=code_for(device))
    assert excinfo.value.message == twofactor.ALREADY_ON


# Logging in ------------------------------------------------------------------------------


def test_login_asks_for_a_code_after_the_password(client, user_factory):
    user = user_factory()
    device = with_two_factor(user)
    response = password_step(client, user, next="/accounts/me/")
    assert response["Location"] == reverse("accounts:two_factor_code") + "?next=%2Faccounts%2Fme%2F"
    assert "_auth_user_id" not in client.session  # not logged in before the code

    wrong = client.post(response["Location"], {"code": "123456", "next": "/accounts/me/"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    right = client.post(response["Location"], {"code": code_for(device), "next": "/accounts/me/"})
    assert right["Location"] == "/accounts/me/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_recovery_code_logs_in_once(client, user_factory):
    user = user_factory()
    client.force_login(user)
    _device, codes = set_up(client)
    client.logout()
    password_step(client, user)
    response = client.post(reverse("accounts:two_factor_code"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert twofactor.recovery_codes_left(user=user) == 9

    other = Client()
    password_step(other, user)
    again = other.post(reverse("accounts:two_factor_code"), {"code": codes[0]})
    assert again.status_code == 200
    assert "_auth_user_id" not in other.session


def test_a_code_is_not_accepted_twice(client, user_factory):
    user = user_factory()
    device = with_two_factor(user)
    code = code_for(device)
    password_step(client, user)
    client.post(reverse("accounts:two_factor_code"), {"code": code})
    other = Client()
    password_step(other, user)
    assert other.post(reverse("accounts:two_factor_code"), {"code": code}).status_code == 200
    assert "_auth_user_id" not in other.session


def test_the_code_page_without_a_password_first_sends_to_login(client):
    response = client.get(reverse("accounts:two_factor_code"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_code_step_runs_out_after_five_minutes(client, user_factory):
    user = user_factory()
    device = with_two_factor(user)
    password_step(client, user)
    session = client.session
    session["potluck:pending_login"]["at"] -= 301
    session.save()
    response = client.post(reverse("accounts:two_factor_code"), {"code": code_for(device)})
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_login_limit(client, user_factory):
    user = user_factory()
    device = with_two_factor(user)
    password_step(client, user)
    for _ in range(5):
        client.post(reverse("accounts:two_factor_code"), {"code": "000000"})
    response = client.post(reverse("accounts:two_factor_code"), {"code": code_for(device)})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_does_not_forgive_wrong_codes(client, user_factory):
    # Otherwise someone with a stolen password could guess codes forever, five at a time.
    user = user_factory()
    device = with_two_factor(user)
    password_step(client, user)
    for _ in range(3):
        client.post(reverse("accounts:two_factor_code"), {"code": "000000"})
    assert password_step(client, user).status_code == 302
    for _ in range(2):
        client.post(reverse("accounts:two_factor_code"), {"code": "000000"})
    response = client.post(reverse("accounts:two_factor_code"), {"code": code_for(device)})
    assert response.status_code == 429


# Recovery codes and turning off -----------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(client, user_factory, audit_verbs):
    user = user_factory()
    client.force_login(user)
    _device, old = set_up(client)
    client.post(reverse("accounts:two_factor_recovery_new"))
    new = client.get(reverse("accounts:two_factor_recovery")).context["codes"]
    tokens = set(StaticToken.objects.values_list("token", flat=True))
    assert tokens == set(new)
    assert not tokens & set(old)
    assert audit_verbs(user)[-1] == "two_factor.recovery_codes_replaced"


def test_a_member_can_turn_two_factor_off(client, member, audit_verbs):
    client.force_login(member)
    set_up(client)
    assert client.get(reverse("accounts:two_factor")).context["enabled"]
    client.post(reverse("accounts:two_factor_off"))
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()
    assert audit_verbs(member)[-1] == "two_factor.disabled"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TREASURER, Role.ADMIN])
def test_an_elevated_role_cannot_turn_two_factor_off(client, network, role):
    user = MembershipFactory.create(network=network, role=role).user
    with_two_factor(user)
    login(client, user)
    page = client.get(reverse("accounts:two_factor"))
    assert page.context["role_needs_it"]
    client.post(reverse("accounts:two_factor_off"))
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    with pytest.raises(DomainError) as excinfo:
        twofactor.two_factor_disable(user=user)
    assert excinfo.value.message == twofactor.ROLE_NEEDS_TWO_FACTOR


def test_turning_off_or_new_codes_need_the_password_and_a_code_again(client, user_factory):
    user = user_factory()
    device = with_two_factor(user)
    login(client, user)
    session = client.session
    session[REAUTH_AT] = 0
    session.save()
    response = client.post(reverse("accounts:two_factor_off"))
    assert response["Location"] == (
        reverse("accounts:reauth") + "?next=" + reverse("accounts:two_factor").replace("/", "%2F")
    )
    assert TOTPDevice.objects.filter(user=user).exists()
    no_code = client.post(reverse("accounts:reauth"), {"password": PASSWORD})
    assert "code" in no_code.context["form"].errors
    client.post(reverse("accounts:reauth"), {"password": PASSWORD, "code": code_for(device)})
    client.post(reverse("accounts:two_factor_off"))
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_two_factor_services_refuse_when_it_is_off(user_factory):
    user = user_factory()
    for service in (twofactor.two_factor_disable, twofactor.recovery_codes_regenerate):
        with pytest.raises(DomainError) as excinfo:
            service(user=user)
        assert excinfo.value.message == twofactor.NOT_ON


# The gate in front of elevated roles ------------------------------------------------------


def elevated_pages(network, membership_id: int) -> list[str]:
    return [
        reverse("needs:triage", args=[network.slug]),
        reverse("networks:members", args=[network.slug]),
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_elevated_role_without_two_factor_is_sent_to_set_it_up(client, network, role):
    user = MembershipFactory.create(network=network, role=role).user
    client.force_login(user)
    response = client.get(reverse("needs:triage", args=[network.slug]), follow=True)
    assert response.redirect_chain[0][0] == (
        reverse("accounts:two_factor_setup") + f"?next=%2Fn%2F{network.slug}%2Fqueue%2F"
    )
    assert str(twofactor.TWO_FACTOR_SETUP_NEEDED) in response.content.decode()


def test_elevated_role_with_an_unverified_session_is_asked_for_a_code(client, coordinator, network):
    client.force_login(coordinator)  # the password, but no code
    response = client.get(reverse("networks:members", args=[network.slug]))
    assert response["Location"].startswith(reverse("accounts:two_factor_code"))
    device = TOTPDevice.objects.get(user=coordinator)
    after = client.post(
        response["Location"],
        {"code": code_for(device), "next": reverse("networks:members", args=[network.slug])},
    )
    assert client.get(after["Location"]).status_code == 200


def test_elevated_role_with_two_factor_and_a_verified_session_gets_in(client, coordinator, network):
    login(client, coordinator)
    assert client.get(reverse("needs:triage", args=[network.slug])).status_code == 200


def test_plain_member_pages_are_not_gated(client, network):
    coordinator = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    client.force_login(coordinator)
    assert client.get(reverse("needs:board", args=[network.slug])).status_code == 200


def test_a_stranger_still_gets_404_not_a_two_factor_page(client, network, user_factory):
    outsider = MembershipFactory.create(role=Role.COORDINATOR).user
    client.force_login(outsider)
    assert client.get(reverse("needs:triage", args=[network.slug])).status_code == 404


def test_managing_a_membership_is_gated_too(network, member, coordinator):
    membership = member.memberships.get()
    unverified = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    with pytest.raises(twofactor.TwoFactorRequired):
        access_membership(user=unverified, slug=network.slug, membership_id=membership.pk)
    assert access_membership(user=coordinator, slug=network.slug, membership_id=membership.pk)


def test_api_users_need_two_factor_on_for_elevated_roles(network):
    # An API token's user has no session to verify: two-factor being on is what counts.
    user = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    with pytest.raises(twofactor.TwoFactorRequired) as excinfo:
        access_network(user=user, slug=network.slug, roles=COORDINATOR_ROLES)
    assert (excinfo.value.status, excinfo.value.code) == (403, "two_factor_required")
    with_two_factor(user)
    assert access_network(user=user, slug=network.slug, roles=COORDINATOR_ROLES) == network


def test_a_role_given_to_someone_without_two_factor_waits_for_it(network, coordinator):
    newcomer = MembershipFactory.create(network=network, role=Role.TREASURER).user
    memberships = membership_list_for_network(network=network)
    rows = {m.user_id: m.role_waits_for_two_factor for m in memberships}  # type: ignore[attr-defined]
    assert rows[newcomer.pk] is True
    assert rows[coordinator.pk] is False


def test_creating_an_api_token_needs_a_verified_session_when_two_factor_is_on(client, user_factory):
    user = user_factory()
    device = with_two_factor(user)
    client.force_login(user)
    response = client.post(reverse("accounts:token_new"), {"name": "script"})
    assert response["Location"].startswith(reverse("accounts:two_factor_code"))
    assert not user.api_tokens.exists()
    client.post(reverse("accounts:two_factor_code"), {"code": code_for(device)})
    client.post(reverse("accounts:token_new"), {"name": "script"})
    assert user.api_tokens.count() == 1


def test_coordinator_powers_on_member_pages_wait_for_two_factor(client, network, need):
    """The need page is a member page, but revealing a stranger's contact details or
    closing their need is a coordinator's power: without two-factor, it is not there."""
    coordinator = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    client.force_login(coordinator)
    detail = reverse("needs:detail", args=[network.slug, need.pk])
    assert client.get(detail).status_code == 200
    assert need.contact_value not in client.post(f"{detail}contact/").content.decode()
    client.post(f"{detail}close/", {"outcome": "closed"})
    need.refresh_from_db()
    assert need.status == need.Status.OPEN
    assert not AuditEvent.objects.filter(verb="need.contact_revealed").exists()

    device = with_two_factor(coordinator)
    assert need.contact_value not in client.post(f"{detail}contact/").content.decode()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # the code step passed
    session.save()
    assert need.contact_value in client.post(f"{detail}contact/").content.decode()


def test_role_in_counts_an_elevated_role_only_with_two_factor(network):
    user = MembershipFactory.create(network=network, role=Role.ADMIN).user
    assert role_in(user, network.pk) == Role.VOLUNTEER
    assert held_role(user, network.pk) == Role.ADMIN
    with_two_factor(user)
    assert role_in(user, network.pk) == Role.ADMIN  # an API token: two-factor on suffices
    user.is_verified = lambda: False  # type: ignore[attr-defined]  # a browser session that hasn't passed the code step
    assert role_in(user, network.pk) == Role.VOLUNTEER


def test_members_page_says_whose_role_waits_for_two_factor(client, network, coordinator):
    MembershipFactory.create(network=network, role=Role.TREASURER)
    login(client, coordinator)
    page = client.get(reverse("networks:members", args=[network.slug])).content.decode()
    assert page.count("once they turn on two-factor authentication") == 1
