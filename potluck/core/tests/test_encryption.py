"""Sensitive values are encrypted at rest: proven on the real database file or pg_dump."""

import shutil
import subprocess
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from potluck.accounts.backends import user_for_login
from potluck.accounts.models import User
from potluck.core.fields import EncryptedTextField
from potluck.needs.models import Need, NeedNote
from potluck.networks.models import Membership, Network, Role
from potluck.networks.tests.factories import MembershipFactory
from potluck.privacy.management.commands.rotate_keys import encrypted_columns

# Distinctive strings that must never appear in plaintext in the database or its dumps.
CANARIES = {
    "description": "CanaryDescription-7f3a need insulin fridge",
    "contact": "canary-requester-7f3a@example.org",
    "times": "CanaryTimes-7f3a after the night shift",
    "note": "CanaryNote-7f3a the side door code is 4471",
    "offer": "CanaryOfferDetails-7f3a spare room above the bakery",
    "message": "CanaryMessage-7f3a call me on my other number",
    "member_note": "CanaryMemberNote-7f3a I speak Tigrinya",
    "email": "canary-member-7f3a@example.org",
    "phone": "+15557330147",
}


def database_bytes() -> bytes:
    """Everything the database server would hand over if seized: the file, or a full dump."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        name = connection.settings_dict["NAME"]
        data = b""
        for suffix in ("", "-wal", "-journal"):
            try:
                with open(f"{name}{suffix}", "rb") as file:
                    data += file.read()
            except FileNotFoundError:
                pass
        return data
    settings = connection.settings_dict
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump is needed to check PostgreSQL dumps (apt install postgresql-client)")
    command = [pg_dump, "--no-owner", "-h", settings["HOST"] or "127.0.0.1"]
    command += ["-p", str(settings["PORT"] or 5432), "-U", settings["USER"] or "postgres"]
    environment = {"PGPASSWORD": settings["PASSWORD"] or ""}
    result = subprocess.run(
        [*command, settings["NAME"]], capture_output=True, check=True, env=environment
    )
    return result.stdout


def write_canaries_through_the_app(network: Network) -> dict[str, Any]:
    """Ask for help, note, offer, answer and join the way people do: through the pages."""
    anonymous = Client()
    response = anonymous.post(
        reverse("needs:ask", args=[network.slug]),
        {
            "category": network.categories[0],
            "description": CANARIES["description"],
            "area": "Riverside",
            "urgency": "today",
            "contact_method": "email",
            "contact_value": CANARIES["contact"],
            "contact_times": CANARIES["times"],
            "language": "en",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    need = Need.objects.get()

    coordinator = User.objects.create_user(
        display_name="Coordinator", email=CANARIES["email"], phone=CANARIES["phone"], password="x"
    )
    MembershipFactory.create(network=network, user=coordinator, role=Role.VOLUNTEER)
    volunteer = Client()
    volunteer.force_login(coordinator)
    claim_url = reverse("needs:claim", args=[network.slug, need.pk])
    assert volunteer.post(claim_url).status_code in {200, 302}
    reveal_url = reverse("needs:reveal", args=[network.slug, need.pk])
    assert CANARIES["contact"] in volunteer.post(reveal_url).content.decode()
    note_url = reverse("needs:note", args=[network.slug, need.pk])
    assert volunteer.post(note_url, {"body": CANARIES["note"]}).status_code in {200, 302}

    offer_url = reverse("needs:offer_new", args=[network.slug])
    response = volunteer.post(
        offer_url, {"kind": "room", "title": "A room", "description": CANARIES["offer"]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    offer = network.offers.get()

    responder = User.objects.create_user(display_name="Responder", email="r@x.org", password="x")
    MembershipFactory.create(network=network, user=responder, role=Role.MEMBER)
    answering = Client()
    answering.force_login(responder)
    detail_url = reverse("needs:offer_detail", args=[network.slug, offer.pk])
    assert answering.post(detail_url, {"body": CANARIES["message"]}).status_code == 302

    joiner = User.objects.create_user(display_name="Joiner", email="j@x.org", password="x")
    Membership.objects.create(network=network, user=joiner, note=CANARIES["member_note"])
    return {"need": need, "user": coordinator}


@pytest.mark.django_db(transaction=True)
def test_canaries_never_reach_the_database_in_plaintext(network: Network) -> None:
    written = write_canaries_through_the_app(network)

    dump = database_bytes()

    # Positive control: plaintext columns (the coarse area) are visible in this dump.
    assert b"Riverside" in dump
    leaks = [name for name, canary in CANARIES.items() if canary.encode() in dump]
    assert leaks == []
    # ...yet the app reads every value back, and finds the account by its login.
    need = Need.objects.get(pk=written["need"].pk)
    assert need.description == CANARIES["description"]
    assert need.contact_value == CANARIES["contact"]
    assert NeedNote.objects.get(need=need).body == CANARIES["note"]
    assert user_for_login(CANARIES["email"].upper()) == written["user"]
    assert user_for_login("+1 555 733 0147") == written["user"]


@pytest.mark.django_db(transaction=True)
def test_no_ip_address_is_stored(network: Network) -> None:
    write_canaries_through_the_app(network)
    assert b"127.0.0.1" not in database_bytes()


def every_encrypted_value() -> list[str]:
    values: list[str] = []
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        for row in model._base_manager.values_list(*fields) if fields else []:
            values.extend(value for value in row if value)
    return values


@pytest.mark.django_db(transaction=True)
def test_rotation_re_encrypts_every_row_so_the_old_key_can_go(network: Network) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(POTLUCK_FIELD_KEYS=[old]):
        written = write_canaries_through_the_app(network)
        before = sorted(every_encrypted_value())
    assert len(before) >= len(CANARIES)

    with override_settings(POTLUCK_FIELD_KEYS=[new, old], POTLUCK_HASH_KEY="f" * 64):
        call_command("rotate_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    with override_settings(POTLUCK_FIELD_KEYS=[new], POTLUCK_HASH_KEY="f" * 64):
        assert sorted(every_encrypted_value()) == before
        call_command("rotate_keys", "--check", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert user_for_login(CANARIES["email"]) == written["user"]
        assert user_for_login(CANARIES["phone"]) == written["user"]
    assert not any(c.encode() in database_bytes() for c in CANARIES.values())

    with (
        override_settings(POTLUCK_FIELD_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(CommandError, match="opens with none of the configured keys"),
    ):
        call_command("rotate_keys", "--check", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_every_encrypted_column_is_found_for_rotation() -> None:
    labels = {label for label, _table, _column in encrypted_columns()}
    assert {
        "accounts.User.email",
        "accounts.User.phone",
        "needs.Need.description",
        "needs.Need.contact_value",
        "needs.Need.contact_times",
        "needs.NeedNote.body",
        "needs.Offer.description",
        "needs.MatchMessage.body",
        "networks.Membership.note",
    } <= labels


@pytest.mark.django_db
def test_encrypted_fields_refuse_lookups_that_cannot_work(need: Need) -> None:
    with pytest.raises(FieldError, match="encrypted"):
        Need.objects.filter(description="anything").exists()
    assert Need.objects.filter(description__isnull=False).exists()


@pytest.mark.django_db
def test_empty_values_stay_empty(network: Network) -> None:
    member = User.objects.create_user(display_name="No phone", email="a@b.org", password="x")
    member.refresh_from_db()
    assert member.phone is None
    assert member.phone_hash is None
    membership = Membership.objects.create(network=network, user=member)
    membership.refresh_from_db()
    assert membership.note == ""
