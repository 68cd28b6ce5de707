"""The retention job, run with a shifted clock: what is past its policy is gone, nothing else."""

from datetime import datetime, timedelta
from importlib import import_module
from typing import TypeVar

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from potluck.accounts.models import ApiToken
from potluck.accounts.services import api_token_create, api_token_revoke
from potluck.conftest import run_together
from potluck.core.models import AuditEvent
from potluck.needs import services as need_services
from potluck.needs.models import Claim, Match, MatchMessage, Need, NeedNote, hash_status_token
from potluck.needs.tests.factories import NeedFactory
from potluck.networks import services as network_services
from potluck.networks.models import Invitation, Network
from potluck.networks.tests.factories import InvitationFactory, NetworkFactory
from potluck.notifications.services import messages_deliver_due
from potluck.privacy import tasks
from potluck.privacy.classification import REGISTRY, Keep, Level, fields_at
from potluck.privacy.services import (
    ACTOR_MEMBER,
    AUDIT_DATA_KEPT,
    retention_enforce,
)
from potluck.privacy.tests.builders import (
    CONTACT,
    DESCRIPTION,
    lived_need,
    member,
    offer_conversation,
    settled_money,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
M = TypeVar("M", bound=models.Model)


def midnight(moment: datetime | None) -> bool:
    return moment is not None and (moment.hour, moment.minute, moment.second) == (0, 0, 0)


def fresh(obj: M) -> M:
    return type(obj)._default_manager.get(pk=obj.pk)


def closed_at(need: Need) -> datetime:
    assert need.closed_at is not None
    return need.closed_at


def need_events(need: Need) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(need))


# Needs -----------------------------------------------------------------------------------------


def test_job_erases_a_need_closed_longer_ago_than_its_networks_retention(network, client):
    lived = lived_need(network)
    past_retention = closed_at(lived.need) + timedelta(days=network.retention_days) + DAY

    counts = retention_enforce(now=past_retention)

    need = fresh(lived.need)
    assert counts["needs"] == 1
    assert (need.description, need.contact_value, need.contact_times) == ("", "", "")
    assert (need.requester, need.entered_by, need.claimant, need.claim_expires_at) == (None,) * 4
    assert need.erased_at is not None
    # The anonymous facts stay, for the network's statistics.
    assert (need.network, need.category, need.area, need.urgency, need.language, need.status) == (
        network,
        "groceries",
        "Eastgate, near the library",
        "today",
        "es",
        Need.Status.CLOSED,
    )
    assert all(midnight(moment) for moment in (need.created_at, need.delivered_at, need.closed_at))
    assert not NeedNote.objects.filter(need=need).exists()
    claims = Claim.objects.filter(need=need)
    assert claims.count() == 2
    assert all(claim.volunteer is None and midnight(claim.created_at) for claim in claims)
    # The requester's status link no longer opens anything.
    assert need.status_token_hash != hash_status_token(lived.token)
    assert client.get(f"/s/{lived.token}/").status_code == 404


def test_job_leaves_the_audit_trail_of_an_erased_need_anonymous(network):
    lived = lived_need(network)
    before = [event.verb for event in need_events(lived.need)]

    retention_enforce(now=closed_at(lived.need) + timedelta(days=365))

    events = need_events(lived.need)
    assert [event.verb for event in events] == before  # what happened stays countable
    assert "need.contact_revealed" in before
    for event in events:
        assert event.actor is None
        assert set(event.data) <= AUDIT_DATA_KEPT | {"actor"}
        assert midnight(event.created_at)
    assert {"actor": ACTOR_MEMBER, "outcome": "closed"} in [event.data for event in events]


def test_job_keeps_a_need_closed_more_recently_than_its_networks_retention(network):
    lived = lived_need(network)

    counts = retention_enforce(now=closed_at(lived.need) + timedelta(days=29))

    need = fresh(lived.need)
    assert counts["needs"] == 0
    assert (need.description, need.contact_value, need.requester) == (
        DESCRIPTION,
        CONTACT,
        lived.requester,
    )
    assert need.erased_at is None
    assert NeedNote.objects.filter(need=need).count() == 3


def test_job_never_touches_a_live_need_however_old(network):
    lived = lived_need(network, close=False)  # delivered, not closed
    actors = [(event.verb, event.actor_id) for event in need_events(lived.need)]

    retention_enforce(now=timezone.now() + timedelta(days=3650))

    need = fresh(lived.need)
    assert (need.status, need.description, need.claimant) == (
        Need.Status.DELIVERED,
        DESCRIPTION,
        lived.volunteer,
    )
    assert need.erased_at is None
    assert NeedNote.objects.filter(need=need).count() == 3
    assert [(event.verb, event.actor_id) for event in need_events(need)] == actors


def test_job_removes_peoples_ids_from_old_events_of_a_live_need(network):
    lived = lived_need(network, close=False)
    expired = AuditEvent.objects.for_object(lived.need).get(verb="need.claim_expired")
    assert "volunteer" in expired.data

    retention_enforce(now=timezone.now() + timedelta(days=network.retention_days + 1))

    assert "volunteer" not in fresh(expired).data


def test_job_uses_each_networks_own_retention(db):
    short = NetworkFactory.create(retention_days=7)
    long = NetworkFactory.create(retention_days=60)
    quick, slow = lived_need(short).need, lived_need(long).need

    retention_enforce(now=timezone.now() + timedelta(days=10))

    assert fresh(quick).erased_at is not None
    assert fresh(slow).erased_at is None


def test_need_without_a_closing_time_counts_from_its_last_change(network):
    need = NeedFactory.create(network=network, status=Need.Status.DUPLICATE, closed_at=None)
    Need.objects.filter(pk=need.pk).update(updated_at=timezone.now() - timedelta(days=40))

    retention_enforce()

    need = fresh(need)
    assert (need.description, need.erased_at is not None) == ("", True)
    assert midnight(need.closed_at)


def test_job_can_run_again_and_again(network):
    lived_need(network)
    later = timezone.now() + timedelta(days=365)
    first = retention_enforce(now=later)
    second = retention_enforce(now=later)
    assert first["needs"] == 1
    assert set(second.values()) == {0}


def test_job_works_through_needs_in_small_batches(network):
    needs = [NeedFactory.create(network=network, status=Need.Status.CLOSED) for _ in range(5)]
    Need.objects.update(closed_at=timezone.now() - timedelta(days=90))

    assert retention_enforce(batch_size=2)["needs"] == 5
    assert not Need.objects.filter(pk__in=[n.pk for n in needs], erased_at__isnull=True).exists()


# Other personal rows ---------------------------------------------------------------------------


def test_job_deletes_conversations_that_ended_long_ago_and_keeps_live_ones(network):
    ended = offer_conversation(network)
    live = offer_conversation(network, close=False)

    counts = retention_enforce(now=timezone.now() + timedelta(days=network.retention_days + 1))

    assert counts["conversations"] == 1
    assert not Match.objects.filter(pk=ended.pk).exists()
    assert not MatchMessage.objects.filter(match_id=ended.pk).exists()
    assert MatchMessage.objects.filter(match=live).count() == 2
    assert fresh(ended.offer).description == ""
    assert fresh(live.offer).description != ""


def test_conversation_on_a_closed_offer_stays_while_people_still_write(network):
    match = offer_conversation(network, close=False)
    assert match.offer.author is not None
    need_services.offer_close(offer=match.offer, by=match.offer.author)
    later = timezone.now() + timedelta(days=network.retention_days + 1)
    MatchMessage.objects.create(match=match, author=match.responder, body="Still there?")
    MatchMessage.objects.filter(match=match).update(created_at=later - DAY)

    assert retention_enforce(now=later)["conversations"] == 0
    assert Match.objects.filter(pk=match.pk).exists()


def test_note_to_coordinators_is_erased_after_the_person_got_in(network, coordinator, db):
    waiting = NetworkFactory.create()
    admitted = network_services.network_join(
        network=network, user=member(waiting), note="I was referred by the clinic."
    )
    pending = network_services.network_join(
        network=network, user=member(waiting), note="My cousin is a member."
    )
    network_services.membership_approve(membership=admitted, by=coordinator)

    retention_enforce(now=timezone.now() + timedelta(days=network.retention_days + 1))

    assert fresh(admitted).note == ""
    assert fresh(pending).note == "My cousin is a member."


def test_old_invitations_and_revoked_tokens_are_deleted(network, member):
    old = InvitationFactory.create(network=network, expires_at=timezone.now() - timedelta(days=40))
    usable = InvitationFactory.create(network=network)
    revoked, _key = api_token_create(user=member, name="old script")
    api_token_revoke(user=member, token_id=revoked.pk)
    active, _key = api_token_create(user=member, name="phone line")

    retention_enforce(now=timezone.now() + timedelta(days=31))

    assert set(Invitation.objects.all()) == {usable}
    assert set(ApiToken.objects.all()) == {active}
    assert Invitation.objects.filter(pk=old.pk).count() == 0


def test_expired_sessions_and_old_task_results_are_deleted(db):
    sessions = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class().objects
    sessions.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - DAY)
    live = sessions.create(session_key="y" * 32, session_data="", expire_date=timezone.now() + DAY)
    old = timezone.now() - timedelta(days=40)
    DBTaskResult.objects.create(
        status="SUCCESSFUL",
        finished_at=old,
        run_after=old,
        args_kwargs={},
        task_path="potluck.privacy.tasks.erase_expired",
        backend_name="default",
    )

    counts = retention_enforce()

    assert list(sessions.all()) == [live]
    assert counts["task_results"] == 1
    assert not DBTaskResult.objects.exists()


# Every sensitive value, found through the registry ----------------------------------------------


def finished_world() -> Network:
    """One of everything personal, all of it over: closed needs, closed conversations…"""
    network = NetworkFactory.create(retention_days=14)
    lived_need(network)
    NeedFactory.create(network=network, status=Need.Status.NO_ANSWER)
    offer_conversation(network)
    joined = network_services.network_join(
        network=network, user=member(NetworkFactory.create()), note="Please let me in."
    )
    admin = member(network, "admin")
    network_services.membership_approve(membership=joined, by=admin)
    network_services.invitation_revoke(
        invitation=network_services.invitation_create(network=network, by=admin), by=admin
    )
    settled_money(network)
    return network


def _empty(value: object) -> bool:
    return value in (None, "", [], {})


def test_no_sensitive_value_outlives_its_policy_in_any_table(db):
    finished_world()
    messages_deliver_due()  # what its events told people went out (the outbox keeps unsent ones)
    Need.objects.update(closed_at=timezone.now())
    now = timezone.now() + timedelta(days=365)

    retention_enforce(now=now)

    leftovers, checked = [], []
    for model, field in fields_at(Level.SENSITIVE):
        if REGISTRY[model._meta.label][field.name].keep == Keep.ACCOUNT:
            continue  # kept, by policy, while the account exists
        checked.append(field)
        values = model._default_manager.values_list(field.attname, flat=True)
        leftovers += [f"{model._meta.label}.{field.name}" for v in values if not _empty(v)]
    assert leftovers == []
    assert len(checked) >= 8
    assert Need.objects.count() == 3  # two closed needs and the money need pledged to


def test_no_value_kept_only_while_a_need_is_live_survives_it(db):
    finished_world()
    retention_enforce(now=timezone.now() + timedelta(days=365))

    leftovers = []
    for label, rules in REGISTRY.items():
        model = apps.get_model(label)
        for name, rule in rules.items():
            # The status link's hash must stay unique: it is replaced by a random one instead.
            if rule.keep == Keep.NEED and rule.level != Level.SECRET:
                values = model._default_manager.values_list(name, flat=True)
                leftovers += [f"{label}.{name}" for v in values if not _empty(v)]
        if {rule.keep for rule in rules.values()} <= {Keep.CONVERSATION, Keep.INVITATION}:
            leftovers += [label] * model._default_manager.count()
    assert leftovers == []


# Running beside people using the site ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_jobs_and_a_volunteer_at_once_erase_each_need_once_and_leave_live_ones():
    network = NetworkFactory.create()
    finished = [lived_need(network).need for _ in range(3)]
    live = lived_need(network, close=False)
    later = timezone.now() + timedelta(days=365)

    results = run_together(
        lambda: retention_enforce(now=later, batch_size=1),
        lambda: retention_enforce(now=later, batch_size=1),
        lambda: need_services.need_add_note(
            need=fresh(live.need), author=live.volunteer, body="On my way."
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert results[0]["needs"] + results[1]["needs"] == len(finished)
    assert not Need.objects.filter(pk__in=[n.pk for n in finished], erased_at=None).exists()
    need = fresh(live.need)
    assert (need.description, need.erased_at) == (DESCRIPTION, None)
    assert NeedNote.objects.filter(need=need).count() == 4


# Interfaces ------------------------------------------------------------------------------------


def test_command_runs_the_job_and_explains_how_to_schedule_it(network, capsys):
    lived = lived_need(network)
    Need.objects.filter(pk=lived.need.pk).update(closed_at=timezone.now() - timedelta(days=40))

    call_command("erase_expired")

    out = capsys.readouterr().out
    assert "needs: 1" in out
    assert fresh(lived.need).erased_at is not None
    from potluck.privacy.management.commands.erase_expired import HELP

    assert "cron" in HELP
    assert "OnCalendar" in HELP


def test_task_runs_the_job(network):
    lived = lived_need(network)
    Need.objects.filter(pk=lived.need.pk).update(closed_at=timezone.now() - timedelta(days=40))

    result = tasks.erase_expired.enqueue()

    assert (result.return_value or {})["needs"] == 1
    assert fresh(lived.need).erased_at is not None
