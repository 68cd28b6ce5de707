"""Reads for privacy: everything Potluck holds about one person, built from the registry.

Every model with a link to the person is found through the app registry, and every field
that is not secret goes into the export, so a new model or field is exported without anyone
remembering to add it here. Links to other people say only "another person".
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from potluck.accounts.models import User
from potluck.needs.models import Match, NeedNote
from potluck.networks.models import Network
from potluck.privacy.classification import REGISTRY, Level, model_fields, stored_models
from potluck.volunteers.models import CheckIn

EXPORT_FORMAT = "potluck-export/1"
YOU, SOMEONE_ELSE = "you", "another person"

# Readable section names for links to the person; any other link gets its "app.Model.field".
SECTION_NAMES = {
    "networks.Membership.user": "memberships",
    "needs.Need.requester": "needs_asked",
    "needs.Claim.volunteer": "claims",
    "needs.NeedNote.author": "notes_written",
    "needs.Offer.author": "offers",
    "networks.Invitation.created_by": "invitations_created",
    "core.AuditEvent.actor": "activity",
    "accounts.ApiToken.user": "api_tokens",
    "accounts.LoginVerification.user": "login_confirmations",
    "otp_totp.TOTPDevice.user": "two_factor_apps",
    "otp_static.StaticDevice.user": "backup_code_sets",
    "volunteers.VolunteerProfile.user": "volunteer_profiles",
    "matching.Dispatch.volunteer": "needs_sent_to_you",
    "matching.Dispatch.dispatched_by": "needs_you_sent",
    "matching.Suggestion.volunteer": "suggestions_of_you",
    "matching.MatchRun.started_by": "matching_runs_started",
    "ledger.Disbursement.recipient": "money_asked_for",
    "ledger.Approval.treasurer": "money_approved",
    "ledger.Pledge.donor": "pledges_made",
    "ledger.LedgerTransaction.created_by": "ledger_transactions_recorded",
    "ledger.Campaign.created_by": "campaigns_started",
}
# Links that are exported some other way, or that hold nothing about the person.
NOT_EXPORTED = {
    "needs.Need.claimant": "the claims section has every need they claimed",
    "needs.Need.entered_by": "a need written down for a caller is the caller's, not theirs",
    "needs.Match.responder": "in the conversations section",
    "needs.MatchMessage.author": "in the conversations section",
    "ledger.Disbursement.requested_by": (
        "their own requests are in the recipient section; one made for a need is its person's"
    ),
    "ledger.Donation.recorded_by": "the network's books; they name donors, not the treasurer",
    "ledger.DonationImport.uploaded_by": "a bank export names donors, not the treasurer",
}
# Fields of exported rows that are someone else's details, not the person's.
FIELDS_NOT_EXPORTED = {
    "ledger.Pledge.payout_handle": "how the person paid asked to be paid, not the donor's",
}


def user_links() -> list[tuple[type[models.Model], models.Field]]:  # type: ignore[type-arg]
    """Every (model, field) whose field points at an account."""
    return [
        (model, field)
        for model in stored_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is User
    ]


def _value(field: models.Field, obj: models.Model, user: User) -> Any:  # type: ignore[type-arg]
    if field.many_to_many:
        return sorted(getattr(obj, field.name).values_list("pk", flat=True))
    raw = getattr(obj, field.attname)
    if field.is_relation and raw is not None:
        if field.related_model is User:
            return YOU if raw == user.pk else SOMEONE_ELSE
        if field.related_model is ContentType:
            content_type = ContentType.objects.get_for_id(raw)
            return f"{content_type.app_label}.{content_type.model}"
    if isinstance(raw, Decimal | UUID):
        return str(raw)
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return raw


def export_row(obj: models.Model, *, user: User) -> dict[str, Any]:
    """Every classified, non-secret field of `obj`; unclassified fields count as secret."""
    label = obj._meta.label
    rules = REGISTRY.get(label, {})
    return {
        field.name: _value(field, obj, user)
        for field in model_fields(obj._meta.model)
        if field.name in rules
        and rules[field.name].level != Level.SECRET
        and f"{label}.{field.name}" not in FIELDS_NOT_EXPORTED
    }


def _rows(queryset: models.QuerySet[Any], user: User) -> list[dict[str, Any]]:
    return [export_row(obj, user=user) for obj in queryset.order_by("pk")]


def _conversations(user: User) -> list[dict[str, Any]]:
    matches = Match.objects.filter(Q(responder=user) | Q(offer__author=user))
    return [
        {**export_row(match, user=user), "messages": _rows(match.messages.all(), user)}
        for match in matches.order_by("pk")
    ]


def _networks(user: User) -> list[dict[str, Any]]:
    networks = Network.objects.filter(memberships__user=user).order_by("pk")
    return [{"id": n.pk, "name": n.name, "slug": n.slug} for n in networks]


def account_data(*, user: User) -> dict[str, Any]:
    """Everything Potluck holds about `user`, as plain data ready for JSON."""
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "profile": export_row(user, user=user),
        "networks": _networks(user),
    }
    for model, field in user_links():
        key = f"{model._meta.label}.{field.name}"
        if key not in NOT_EXPORTED:
            rows = _rows(model._default_manager.filter(**{field.name: user}), user)
            data[SECTION_NAMES.get(key, key)] = rows
    for need in data.get("needs_asked", []):
        messages = NeedNote.objects.filter(need_id=need["id"], kind=NeedNote.Kind.REQUESTER)
        need["messages_sent"] = _rows(messages, user)
    for profile in data.get("volunteer_profiles", []):
        profile["check_ins"] = _rows(CheckIn.objects.filter(profile_id=profile["id"]), user)
    data["conversations"] = _conversations(user)
    return data
