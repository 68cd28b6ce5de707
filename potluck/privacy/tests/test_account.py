"""A person downloads everything Potluck holds about them, or deletes their account."""

import json
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from potluck.accounts.models import ApiToken, User
from potluck.accounts.services import api_token_create
from potluck.accounts.tests.factories import PASSWORD
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.needs import services as need_services
from potluck.needs.models import Claim, Match, MatchMessage, Need, NeedNote, Offer
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Membership, Role
from potluck.networks.tests.factories import MembershipFactory
from potluck.privacy import selectors, services
from potluck.privacy.classification import REGISTRY, Level, model_fields
from potluck.privacy.tests.builders import (
    CONTACT,
    DESCRIPTION,
    lived_need,
    offer_conversation,
)

pytestmark = pytest.mark.django_db


def everything_about(user: User, network) -> dict:
    """Give `user` a row in every table that can hold something about a person."""
    asked = lived_need(network, requester=user, close=False)
    helped = lived_need(network)
    need_services.need_claim(need=NeedFactory.create(network=network), volunteer=user)
    need_services.claims_expire(now=timezone.now() + timedelta(days=3))  # {"volunteer": id}
    need_services.need_claim(need=NeedFactory.create(network=network), volunteer=user)
    need_services.offer_create(network=network, author=user, kind="goods", title="Winter coats")
    match = offer_conversation(network, close=False)
    need_services.offer_respond(offer=match.offer, responder=user, message="Is it free this week?")
    api_token_create(user=user, name="phone line")
    TOTPDevice.objects.create(user=user, name="my phone")
    StaticToken.objects.create(
        device=StaticDevice.objects.create(user=user, name="backup"), token="abcd1234"
    )
    return {"asked": asked, "helped": helped}


@pytest.fixture
def person(network):
    user = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    user.phone = "+15550109999"
    user.save()
    return user


# Export ----------------------------------------------------------------------------------------


def test_export_holds_everything_about_the_person(person, network):
    everything_about(person, network)
    data = selectors.account_data(user=person)

    assert data["profile"]["email"] == person.email
    assert data["profile"]["phone"] == "+15550109999"
    assert [m["role"] for m in data["memberships"]] == [Role.VOLUNTEER]
    assert data["networks"] == [{"id": network.pk, "name": network.name, "slug": network.slug}]
    (asked,) = data["needs_asked"]
    assert (asked["description"], asked["contact_value"], asked["requester"]) == (
        DESCRIPTION,
        CONTACT,
        "you",
    )
    assert [m["body"] for m in asked["messages_sent"]] == ["The buzzer is broken, call me."]
    assert len(data["claims"]) == 2  # one ran out, one is current
    assert [o["title"] for o in data["offers"]] == ["Winter coats"]
    (conversation,) = data["conversations"]
    assert [(m["author"], m["body"]) for m in conversation["messages"]] == [
        ("you", "Is it free this week?")
    ]
    assert {"need.claimed", "offer.responded"} <= {e["verb"] for e in data["activity"]}
    assert [t["name"] for t in data["api_tokens"]] == ["phone line"]
    assert [d["name"] for d in data["two_factor_apps"]] == ["my phone"]
    assert [d["name"] for d in data["backup_code_sets"]] == ["backup"]
    json.dumps(data, cls=DjangoJSONEncoder)  # ready for the download as it is


def test_export_never_contains_a_secret(person, network):
    everything_about(person, network)
    data = json.dumps(selectors.account_data(user=person), cls=DjangoJSONEncoder)

    token = ApiToken.objects.get(user=person)
    for secret in (person.password, token.key_hash, TOTPDevice.objects.get(user=person).key):
        assert secret not in data
    for name in ("password", "key_hash", "status_token_hash", "email_hash", "phone_hash", "key"):
        assert f'"{name}":' not in data
    assert "abcd1234" not in data


def test_export_names_other_people_only_as_another_person(person, network):
    everything_about(person, network)
    data = json.dumps(selectors.account_data(user=person), cls=DjangoJSONEncoder)
    others = User.objects.exclude(pk=person.pk)
    assert not [u.display_name for u in others if u.display_name in data]
    assert not [u.email for u in others if u.email in data]


def test_every_link_to_an_account_is_exported_or_explained():
    links = {f"{model._meta.label}.{field.name}" for model, field in selectors.user_links()}
    assert links, "no model points at accounts?"
    assert not set(selectors.NOT_EXPORTED) - links, "NOT_EXPORTED names a link that is gone"
    exported = links - set(selectors.NOT_EXPORTED)
    assert not set(selectors.SECTION_NAMES) - links, "SECTION_NAMES names a link that is gone"
    assert exported  # each exported link becomes a section, named or not


def test_export_rows_hold_every_classified_field_but_secrets(person, network):
    everything_about(person, network)
    models_: list[type[models.Model]] = [User, Need, TOTPDevice, ApiToken]
    for model in models_:
        row = selectors.export_row(model._default_manager.all()[0], user=person)
        rules = REGISTRY[model._meta.label]
        expected = {f.name for f in model_fields(model) if rules[f.name].level != Level.SECRET}
        assert set(row) == expected


def test_downloading_is_audited_without_details(person):
    services.account_export(user=person)
    event = AuditEvent.objects.get(verb="account.exported")
    assert (event.actor, event.data) == (person, {})


# Deleting --------------------------------------------------------------------------------------


def test_wrong_password_deletes_nothing(person, network):
    with pytest.raises(DomainError) as excinfo:
        services.account_delete(user=person, password="not my password")
    assert excinfo.value.message == services.WRONG_PASSWORD
    assert User.objects.filter(pk=person.pk).exists()


def test_only_admin_of_a_network_with_members_cannot_leave_it_adminless(network, member):
    admin = MembershipFactory.create(network=network, role=Role.ADMIN).user
    with pytest.raises(DomainError) as excinfo:
        services.account_delete(user=admin, password=PASSWORD)
    assert excinfo.value.code == "last_admin"
    assert network.name in str(excinfo.value)
    assert User.objects.filter(pk=admin.pk).exists()


def test_admin_can_leave_when_another_admin_remains(network, member):
    admin, _other = (
        MembershipFactory.create(network=network, role=Role.ADMIN).user,
        MembershipFactory.create(network=network, role=Role.ADMIN).user,
    )
    services.account_delete(user=admin, password=PASSWORD)
    assert not User.objects.filter(pk=admin.pk).exists()


def test_deleting_an_account_erases_its_details_and_keeps_its_history_unnamed(person, network):
    rows = everything_about(person, network)
    claimed = Need.objects.get(claimant=person)
    note = NeedNote.objects.create(
        need=rows["helped"].need, author=person, kind=NeedNote.Kind.NOTE, body="Dropped it off."
    )
    user_id = person.pk
    written = list(MatchMessage.objects.filter(author=person).values_list("pk", flat=True))
    assert written

    services.account_delete(user=person, password=PASSWORD)

    assert not User.objects.filter(pk=user_id).exists()
    asked = Need.objects.get(pk=rows["asked"].need.pk)
    assert (asked.status, asked.description, asked.contact_value, asked.requester) == (
        Need.Status.WITHDRAWN,
        "",
        "",
        None,
    )
    assert asked.erased_at is not None
    assert not NeedNote.objects.filter(need=asked).exists()
    claimed.refresh_from_db()
    assert (claimed.status, claimed.claimant) == (Need.Status.OPEN, None)
    assert Claim.objects.filter(need=claimed, volunteer=None).exists()
    offer = Offer.objects.get(title="Winter coats")
    assert (offer.status, offer.description, offer.author) == (Offer.Status.CLOSED, "", None)
    assert not MatchMessage.objects.filter(pk__in=written).exists()
    assert not Match.objects.filter(status=Match.Status.OPEN, responder=None).exists()
    note.refresh_from_db()
    assert (note.author, note.body) == (None, "Dropped it off.")
    assert not Membership.objects.filter(user_id=user_id).exists()
    assert not ApiToken.objects.filter(user_id=user_id).exists()
    assert not TOTPDevice.objects.filter(user_id=user_id).exists()
    assert not StaticToken.objects.exists()


def test_deleted_accounts_events_are_credited_to_a_former_member(person, network):
    rows = everything_about(person, network)
    done = AuditEvent.objects.filter(actor=person).count()
    expired_before = AuditEvent.objects.filter(data__volunteer=person.pk).count()

    services.account_delete(user=person, password=PASSWORD)

    marked = AuditEvent.objects.filter(data__actor=services.ACTOR_FORMER_MEMBER)
    # Their own need was erased at once: its events say only "a member".
    assert marked.count() + AuditEvent.objects.for_object(rows["asked"].need).count() >= done
    assert marked.filter(verb="need.claimed").exists()
    assert expired_before == 1
    assert not AuditEvent.objects.filter(data__volunteer=person.pk).exists()
    deleted = AuditEvent.objects.get(verb="account.deleted")
    assert (deleted.actor, deleted.network, deleted.data) == (None, None, {})


def test_deleting_an_account_leaves_no_row_pointing_at_it(person, network):
    everything_about(person, network)
    user_id = person.pk

    services.account_delete(user=person, password=PASSWORD)

    pointing = [
        f"{model._meta.label}.{field.name}"
        for model, field in selectors.user_links()
        if model._default_manager.filter(**{field.attname: user_id}).exists()
    ]
    assert pointing == []


def test_every_link_to_an_account_lets_it_be_deleted():
    rules = {models.CASCADE, models.SET_NULL}
    blocking = [
        f"{model._meta.label}.{field.name}"
        for model, field in selectors.user_links()
        if getattr(field.remote_field, "on_delete", None) not in rules
    ]
    assert blocking == []


def test_deleting_an_account_ends_its_sessions_everywhere(person, client, django_user_model):
    other = django_user_model.objects.create_user(display_name="Other", email="o@example.org")
    client.force_login(person)
    Client().force_login(person)
    Client().force_login(other)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = store.get_model_class().objects
    assert sessions.count() == 3

    services.account_delete(user=person, password=PASSWORD)

    remaining = [store().decode(s.session_data).get(SESSION_KEY) for s in sessions.all()]
    assert remaining == [str(other.pk)]
