"""Every field Potluck stores, in one place: how sensitive it is and how long it is kept.

The registry below covers every model of every installed app (Potluck's and the third-party
ones that hold rows). Tests fail when a field is missing here, when an entry names a field that
no longer exists, and when a "sensitive" text field is not encrypted at rest. The retention job,
the data export and docs/threat-model.md are all built from or checked against this registry.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.db import models


class Level(StrEnum):
    """How bad a leak would be, and so who may see a value."""

    # No personal information: may be shown to anyone.
    PUBLIC = "public"
    # Personal metadata (pseudonymous names, roles, areas, times): shown to the person and,
    # at most, to members of the same network. Stored in plain text.
    MEMBER = "member"
    # Personal details that could harm someone if disclosed: encrypted at rest, shown only to
    # the people who need them, erased on a schedule.
    SENSITIVE = "sensitive"
    # Credentials and keys: never shown, never exported; hashed where the software allows.
    SECRET = "secret"  # noqa: S105 (a level, not a password)


class Keep(StrEnum):
    """Retention rules; the text is what docs/threat-model.md says about each."""

    SOFTWARE = "part of the software; holds nothing about people"
    NETWORK = "kept while the network exists"
    ACCOUNT = "kept until the person deletes their account"
    MEMBERSHIP = "kept while the person is in the network; deleted with the membership"
    NEED = "erased retention_days after the need closes"
    NEED_FACT = "kept without a person attached, for statistics; dates cut to the day"
    CONVERSATION = "deleted retention_days after the conversation or its offer ends"
    MATCH_RUN = "deleted retention_days after the run, or with the need or the volunteer"
    OFFER = "erased retention_days after the offer closes, or when its author leaves"
    MEMBERSHIP_NOTE = "erased retention_days after the person is let in"
    INVITATION = "deleted retention_days after it expires or is revoked"
    AUDIT_ACTOR = "kept; becomes 'a former member' when the account is deleted"
    AUDIT_DATA = "people's ids removed after retention_days; kept otherwise"
    REVOKED_TOKEN = "deleted default retention days after it is revoked"  # noqa: S105
    SESSION = "deleted at logout, when it expires, or with the account"
    ON_USE = "deleted when used"
    TASK_RESULT = "deleted default retention days after the task finished"
    VERIFICATION = "deleted default retention days after it was used or ran out"
    THROTTLE = "deleted once older than the longest rate-limit window"
    BOOKS = "kept with the network's books; a person's link is cleared with their account"
    MONEY_PERSONAL = "erased retention_days after the request or pledge is settled"
    DONOR = "erased a year after the donation was received"
    IMPORT_FILE = "emptied once imported or discarded; an abandoned upload is deleted in a day"
    IDEMPOTENCY = "deleted a day after the request"
    SCHEDULE = "deleted a week after the job's turn"
    MESSAGE = "deleted retention_days after it was sent, skipped or given up on"
    SMS_CONVERSATION = (
        "deleted once quiet for retention_days and its need (if any) ended retention_days ago"
    )
    SMS_OPT_OUT = "kept while the number stays opted out; deleted when it texts START"


@dataclass(frozen=True)
class Rule:
    level: Level
    keep: Keep
    note: str = ""


P, M, S, X = Level.PUBLIC, Level.MEMBER, Level.SENSITIVE, Level.SECRET


def _base(keep: Keep) -> dict[str, Rule]:
    """The id and timestamps every BaseModel row carries."""
    return {
        "id": Rule(M, keep, "Row number."),
        "created_at": Rule(M, keep, "When it was made."),
        "updated_at": Rule(M, keep, "When it last changed."),
    }


def _need_base() -> dict[str, Rule]:
    return {
        "id": Rule(M, Keep.NEED_FACT, "Row number."),
        "created_at": Rule(M, Keep.NEED_FACT, "When it was made."),
        "updated_at": Rule(M, Keep.NEED_FACT, "When it last changed; the erasure time after."),
    }


_SOFTWARE = {
    "id": Rule(P, Keep.SOFTWARE, "Row number."),
}
_OTP_DEVICE = {
    "id": Rule(M, Keep.ACCOUNT, "Row number."),
    "user": Rule(M, Keep.ACCOUNT, "Whose second factor it is."),
    "name": Rule(M, Keep.ACCOUNT, "The name the person gave the device."),
    "confirmed": Rule(M, Keep.ACCOUNT, "Whether set-up finished."),
    "throttling_failure_timestamp": Rule(M, Keep.ACCOUNT, "Last wrong code."),
    "throttling_failure_count": Rule(M, Keep.ACCOUNT, "Wrong codes in a row."),
    "created_at": Rule(M, Keep.ACCOUNT, "When it was added."),
    "last_used_at": Rule(M, Keep.ACCOUNT, "When it was last used."),
}

REGISTRY: dict[str, dict[str, Rule]] = {
    "core.AuditEvent": {
        "id": Rule(M, Keep.NETWORK, "Row number."),
        "network": Rule(M, Keep.NETWORK, "The network it happened in."),
        "actor": Rule(M, Keep.AUDIT_ACTOR, "Who did it; cleared with the need's details."),
        "verb": Rule(M, Keep.NETWORK, "What happened, e.g. need.contact_revealed."),
        "target_type": Rule(M, Keep.NETWORK, "Kind of object it happened to."),
        "target_id": Rule(M, Keep.NETWORK, "Which object."),
        "data": Rule(M, Keep.AUDIT_DATA, "Facts such as the outcome; never personal text."),
        "created_at": Rule(M, Keep.NETWORK, "When; cut to the day with the need's details."),
    },
    "accounts.User": {
        "id": Rule(M, Keep.ACCOUNT, "Account number."),
        "password": Rule(X, Keep.ACCOUNT, "Argon2 hash of the password."),
        "last_login": Rule(M, Keep.ACCOUNT, "When they last logged in."),
        "is_superuser": Rule(M, Keep.ACCOUNT, "Operator with every permission."),
        "display_name": Rule(M, Keep.ACCOUNT, "What others see; need not be a real name."),
        "email": Rule(S, Keep.ACCOUNT, "Login email; encrypted."),
        "email_hash": Rule(X, Keep.ACCOUNT, "Keyed hash of the email, to find it at login."),
        "phone": Rule(S, Keep.ACCOUNT, "Login phone number; encrypted."),
        "phone_hash": Rule(X, Keep.ACCOUNT, "Keyed hash of the phone, to find it at login."),
        "language": Rule(M, Keep.ACCOUNT, "Language Potluck speaks to them."),
        "is_active": Rule(M, Keep.ACCOUNT, "Whether the account may log in."),
        "is_staff": Rule(M, Keep.ACCOUNT, "Server operator."),
        "date_joined": Rule(M, Keep.ACCOUNT, "When the account was made."),
        "verified_at": Rule(M, Keep.ACCOUNT, "When they proved they get messages at their login."),
        "groups": Rule(M, Keep.ACCOUNT, "Django permission groups (unused)."),
        "user_permissions": Rule(M, Keep.ACCOUNT, "Django permissions (unused)."),
    },
    "accounts.ApiToken": {
        **_base(Keep.ACCOUNT),
        "user": Rule(M, Keep.ACCOUNT, "Whose token."),
        "name": Rule(M, Keep.ACCOUNT, "The name they gave it."),
        "prefix": Rule(M, Keep.ACCOUNT, "First characters of the key, to tell tokens apart."),
        "key_hash": Rule(X, Keep.ACCOUNT, "SHA-256 of the key; the key itself is never kept."),
        "last_used_at": Rule(M, Keep.ACCOUNT, "When it was last used."),
        "revoked_at": Rule(M, Keep.REVOKED_TOKEN, "When it stopped working."),
    },
    "accounts.LoginVerification": {
        **_base(Keep.VERIFICATION),
        "user": Rule(M, Keep.VERIFICATION, "Whose login it confirms."),
        "purpose": Rule(M, Keep.VERIFICATION, "Finishing a signup, or changing a login."),
        "email": Rule(S, Keep.VERIFICATION, "The new email to confirm; encrypted."),
        "phone": Rule(S, Keep.VERIFICATION, "The new phone number to confirm; encrypted."),
        "token_hash": Rule(X, Keep.VERIFICATION, "Keyed hash of the link's secret."),
        "expires_at": Rule(M, Keep.VERIFICATION, "When the link stops working."),
        "used_at": Rule(M, Keep.VERIFICATION, "When it was opened."),
    },
    "accounts.Attempt": {
        "id": Rule(P, Keep.THROTTLE, "Row number."),
        "scope": Rule(P, Keep.THROTTLE, "What was tried: a login, a public form."),
        "key_hash": Rule(X, Keep.THROTTLE, "Keyed hash of the login or client address."),
        "created_at": Rule(M, Keep.THROTTLE, "When."),
    },
    "accounts.UserSession": {
        "session_key": Rule(X, Keep.SESSION, "The secret in the session cookie."),
        "session_data": Rule(
            X, Keep.SESSION, "Signed, not encrypted: the account id, flash messages."
        ),
        "expire_date": Rule(M, Keep.SESSION, "When it runs out."),
        "user_id": Rule(M, Keep.SESSION, "Whose session, so all of them can be ended."),
    },
    "networks.Network": {
        **_base(Keep.NETWORK),
        "name": Rule(P, Keep.NETWORK, "Shown on its landing page."),
        "slug": Rule(P, Keep.NETWORK, "In its web address."),
        "description": Rule(P, Keep.NETWORK, "Shown on its landing page."),
        "area_served": Rule(P, Keep.NETWORK, "Shown on its landing page."),
        "areas": Rule(P, Keep.NETWORK, "Neighbourhood names offered on forms."),
        "languages": Rule(P, Keep.NETWORK, "Languages it works in."),
        "join_policy": Rule(P, Keep.NETWORK, "Open, or by approval."),
        "categories": Rule(P, Keep.NETWORK, "Kinds of help it handles."),
        "claim_hours": Rule(P, Keep.NETWORK, "How long a claim lasts."),
        "is_listed": Rule(P, Keep.NETWORK, "Whether the home page lists it."),
        "retention_days": Rule(P, Keep.NETWORK, "Days personal details outlive a closed need."),
        "area_locations": Rule(P, Keep.NETWORK, "A map point per neighbourhood, for distances."),
        "dispatch_answer_hours": Rule(P, Keep.NETWORK, "Time to accept a need sent to you."),
        "auto_match_minutes": Rule(P, Keep.NETWORK, "How often matches are suggested."),
        "claim_reminder_hours": Rule(P, Keep.NETWORK, "When claims are reminded."),
        "still_needed_days": Rule(P, Keep.NETWORK, "When requesters are asked 'still needed?'"),
        "checkin_after_deliveries": Rule(P, Keep.NETWORK, "When volunteers are checked on."),
        "checkin_period_days": Rule(P, Keep.NETWORK, "The period deliveries are counted in."),
        "phone_number": Rule(P, Keep.NETWORK, "The network's own phone line, on its flyer."),
        "sms_number": Rule(P, Keep.NETWORK, "The network's own number people text."),
        "sms_keyword": Rule(P, Keep.NETWORK, "The word people text to start asking."),
    },
    "networks.Membership": {
        **_base(Keep.ACCOUNT),
        "network": Rule(M, Keep.ACCOUNT, "Which network: membership itself is not hidden."),
        "user": Rule(M, Keep.ACCOUNT, "Who."),
        "role": Rule(M, Keep.ACCOUNT, "Member, volunteer, coordinator, treasurer or admin."),
        "status": Rule(M, Keep.ACCOUNT, "Waiting for approval, or in."),
        "note": Rule(S, Keep.MEMBERSHIP_NOTE, "What they told coordinators when asking to join."),
    },
    "networks.Invitation": {
        **_base(Keep.INVITATION),
        "network": Rule(M, Keep.INVITATION, "Which network it lets people into."),
        "token": Rule(X, Keep.INVITATION, "The secret in the link, stored as is."),
        "role": Rule(M, Keep.INVITATION, "The role it gives."),
        "created_by": Rule(M, Keep.INVITATION, "Who made it; cleared if they leave."),
        "expires_at": Rule(M, Keep.INVITATION, "When it stops working."),
        "max_uses": Rule(M, Keep.INVITATION, "How many people may use it."),
        "use_count": Rule(M, Keep.INVITATION, "How many did."),
        "revoked_at": Rule(M, Keep.INVITATION, "When a coordinator cancelled it."),
    },
    "volunteers.VolunteerProfile": {
        **_base(Keep.MEMBERSHIP),
        "membership": Rule(M, Keep.MEMBERSHIP, "The membership it belongs to."),
        "network": Rule(M, Keep.MEMBERSHIP, "Which network they volunteer in."),
        "user": Rule(M, Keep.MEMBERSHIP, "Who."),
        "categories": Rule(M, Keep.MEMBERSHIP, "Kinds of help they take on."),
        "skills": Rule(M, Keep.MEMBERSHIP, "Short skill tags they typed, e.g. first aid."),
        "languages": Rule(M, Keep.MEMBERSHIP, "Languages they speak."),
        "areas": Rule(M, Keep.MEMBERSHIP, "Neighbourhoods they cover."),
        "home_area": Rule(M, Keep.MEMBERSHIP, "Their home neighbourhood (never an address)."),
        "radius_km": Rule(M, Keep.MEMBERSHIP, "How far from it they go."),
        "travel": Rule(M, Keep.MEMBERSHIP, "On foot, by bike or by car."),
        "slots": Rule(M, Keep.MEMBERSHIP, "Half-days of the week they are usually free."),
        "weekly_cap": Rule(M, Keep.MEMBERSHIP, "Most tasks they take in a week."),
        "paused_until": Rule(M, Keep.MEMBERSHIP, "Resting until then; never why."),
    },
    "volunteers.CheckIn": {
        **_base(Keep.MEMBERSHIP),
        "profile": Rule(M, Keep.MEMBERSHIP, "Whose check-in."),
        "network": Rule(M, Keep.MEMBERSHIP, "Where."),
        "deliveries": Rule(M, Keep.MEMBERSHIP, "Deliveries that prompted the question."),
        "answer": Rule(M, Keep.MEMBERSHIP, "Fine, a break, or not yet; never any free text."),
        "answered_at": Rule(M, Keep.MEMBERSHIP, "When they answered."),
    },
    "needs.Need": {
        **_need_base(),
        "network": Rule(M, Keep.NEED_FACT, "Which network was asked."),
        "category": Rule(M, Keep.NEED_FACT, "Kind of help, e.g. groceries."),
        "description": Rule(S, Keep.NEED, "What they need, in their words; encrypted."),
        "area": Rule(M, Keep.NEED_FACT, "Roughly where: a neighbourhood or cross streets."),
        "urgency": Rule(M, Keep.NEED_FACT, "How soon."),
        "language": Rule(M, Keep.NEED_FACT, "Language of the person who asked."),
        "contact_method": Rule(M, Keep.NEED_FACT, "Phone, SMS or email: the channel only."),
        "contact_value": Rule(S, Keep.NEED, "Their phone number or email; encrypted."),
        "contact_hash": Rule(X, Keep.NEED, "Keyed hash of their SMS number, to know their texts."),
        "contact_times": Rule(S, Keep.NEED, "When to reach them; encrypted."),
        "needs_car": Rule(M, Keep.NEED_FACT, "Whether it takes a car."),
        "any_language": Rule(M, Keep.NEED_FACT, "Whether any language will do."),
        "slots": Rule(M, Keep.NEED_FACT, "Half-days of the week it can be done in."),
        "still_needed_asked_at": Rule(M, Keep.NEED, "When they were asked if it's still needed."),
        "status": Rule(M, Keep.NEED_FACT, "Where it is in its life."),
        "status_token_hash": Rule(X, Keep.NEED, "Hash of the status link; random once erased."),
        "requester": Rule(S, Keep.NEED, "The account that asked, if they had one."),
        "entered_by": Rule(M, Keep.NEED, "The volunteer who wrote it down from a call."),
        "claimant": Rule(M, Keep.NEED, "The volunteer who took it on."),
        "claim_expires_at": Rule(M, Keep.NEED, "When the current claim runs out."),
        "delivered_at": Rule(M, Keep.NEED_FACT, "When help was delivered."),
        "closed_at": Rule(M, Keep.NEED_FACT, "When it ended."),
        "erased_at": Rule(M, Keep.NEED_FACT, "When its personal details were erased."),
        "urgency_rank": Rule(M, Keep.NEED_FACT, "How soon, as a number to sort by."),
    },
    "needs.Claim": {
        **_need_base(),
        "need": Rule(M, Keep.NEED_FACT, "Which need."),
        "volunteer": Rule(M, Keep.NEED, "Who claimed it."),
        "expires_at": Rule(M, Keep.NEED_FACT, "When the claim was due to run out."),
        "outcome": Rule(M, Keep.NEED_FACT, "Delivered, released, expired…"),
        "ended_at": Rule(M, Keep.NEED_FACT, "When the claim ended."),
        "reminded_at": Rule(M, Keep.NEED, "When the volunteer was reminded it runs out."),
    },
    "needs.NeedNote": {
        **_base(Keep.NEED),
        "need": Rule(M, Keep.NEED, "Which need."),
        "author": Rule(M, Keep.NEED, "The helper who wrote it; empty for the requester."),
        "kind": Rule(M, Keep.NEED, "Requester's message, helper's note or Potluck's."),
        "body": Rule(S, Keep.NEED, "The text; encrypted."),
    },
    "needs.Offer": {
        **_base(Keep.NETWORK),
        "network": Rule(M, Keep.NETWORK, "Where it was offered."),
        "author": Rule(M, Keep.ACCOUNT, "Who offers it."),
        "kind": Rule(M, Keep.NETWORK, "Skills, goods, rides…"),
        "title": Rule(M, Keep.NETWORK, "A short line shown on the offer board."),
        "description": Rule(S, Keep.OFFER, "Details; encrypted."),
        "area": Rule(M, Keep.NETWORK, "Roughly where."),
        "status": Rule(M, Keep.NETWORK, "Open or closed."),
    },
    "needs.Match": {
        **_base(Keep.CONVERSATION),
        "offer": Rule(M, Keep.CONVERSATION, "Which offer was answered."),
        "network": Rule(M, Keep.CONVERSATION, "Where."),
        "responder": Rule(M, Keep.CONVERSATION, "Who answered it."),
        "status": Rule(M, Keep.CONVERSATION, "Open or closed."),
    },
    "needs.MatchMessage": {
        **_base(Keep.CONVERSATION),
        "match": Rule(M, Keep.CONVERSATION, "Which conversation."),
        "author": Rule(M, Keep.CONVERSATION, "Who wrote it."),
        "body": Rule(S, Keep.CONVERSATION, "The text; encrypted."),
    },
    "matching.MatchRun": {
        **_base(Keep.MATCH_RUN),
        "network": Rule(M, Keep.MATCH_RUN, "Where matches were suggested."),
        "started_by": Rule(M, Keep.MATCH_RUN, "The coordinator who asked; empty if automatic."),
        "kind": Rule(M, Keep.MATCH_RUN, "Asked for by a coordinator, or automatic."),
        "needs_count": Rule(M, Keep.MATCH_RUN, "Open needs it looked at."),
        "volunteers_count": Rule(M, Keep.MATCH_RUN, "Volunteers it looked at."),
        "matched_count": Rule(M, Keep.MATCH_RUN, "Needs it found a volunteer for."),
        "objective": Rule(M, Keep.MATCH_RUN, "The engine's total cost."),
        "duration_ms": Rule(M, Keep.MATCH_RUN, "How long the engine took."),
        "unmatched": Rule(M, Keep.MATCH_RUN, "Need numbers left unmatched, with a reason code."),
    },
    "matching.Suggestion": {
        **_base(Keep.MATCH_RUN),
        "run": Rule(M, Keep.MATCH_RUN, "Which run suggested it."),
        "need": Rule(M, Keep.MATCH_RUN, "Which need."),
        "volunteer": Rule(M, Keep.MATCH_RUN, "Who was suggested."),
        "rank": Rule(M, Keep.MATCH_RUN, "0 for the engine's pick, then alternatives."),
        "cost": Rule(M, Keep.MATCH_RUN, "Travel and load cost the engine counted."),
        "distance_km": Rule(M, Keep.MATCH_RUN, "Distance between neighbourhoods, if known."),
        "reasons": Rule(M, Keep.MATCH_RUN, "Why they fit, as short codes; never free text."),
    },
    "matching.Dispatch": {
        **_base(Keep.NEED),
        "network": Rule(M, Keep.NEED, "Where."),
        "need": Rule(M, Keep.NEED, "Which need a volunteer was asked to take on."),
        "volunteer": Rule(M, Keep.NEED, "Who was asked; deleted with their account."),
        "dispatched_by": Rule(M, Keep.NEED, "The coordinator who asked; cleared if they leave."),
        "status": Rule(M, Keep.NEED, "Waiting, accepted, declined, expired or cancelled."),
        "expires_at": Rule(M, Keep.NEED, "When an answer was due."),
        "answered_at": Rule(M, Keep.NEED, "When they answered."),
    },
    "ops.ScheduledRun": {
        "id": Rule(M, Keep.SCHEDULE, "Row number."),
        "job": Rule(M, Keep.SCHEDULE, "Which periodic job, e.g. deliver_messages."),
        "slot": Rule(M, Keep.SCHEDULE, "Which turn: the start of its time slot."),
        "enqueued_at": Rule(M, Keep.SCHEDULE, "When a worker enqueued it."),
    },
    "api.IdempotencyKey": {
        "id": Rule(M, Keep.IDEMPOTENCY, "Row number."),
        "user": Rule(M, Keep.IDEMPOTENCY, "Whose request."),
        "key": Rule(M, Keep.IDEMPOTENCY, "The client's Idempotency-Key header."),
        "fingerprint": Rule(X, Keep.IDEMPOTENCY, "Keyed hash of the request, to spot reuse."),
        "state": Rule(M, Keep.IDEMPOTENCY, "In flight or done."),
        "response_status": Rule(M, Keep.IDEMPOTENCY, "The HTTP status sent."),
        "response_body": Rule(S, Keep.IDEMPOTENCY, "The answer sent, to replay it; encrypted."),
        "created_at": Rule(M, Keep.IDEMPOTENCY, "When the request came."),
    },
    "notifications.Preference": {
        **_base(Keep.ACCOUNT),
        "user": Rule(M, Keep.ACCOUNT, "Whose preferences."),
        "channels": Rule(M, Keep.ACCOUNT, "Email, SMS, in Potluck."),
        "mode": Rule(M, Keep.ACCOUNT, "Right away or a daily digest."),
        "quiet_start": Rule(M, Keep.ACCOUNT, "Quiet hours start."),
        "quiet_end": Rule(M, Keep.ACCOUNT, "Quiet hours end."),
    },
    "notifications.Message": {
        **_base(Keep.MESSAGE),
        "recipient": Rule(M, Keep.MESSAGE, "Who it is for; empty when sent to an address."),
        "network": Rule(M, Keep.MESSAGE, "The network it is about."),
        "channel": Rule(M, Keep.MESSAGE, "Email, SMS or in Potluck."),
        "kind": Rule(M, Keep.MESSAGE, "What happened, e.g. need.claimed."),
        "context": Rule(M, Keep.MESSAGE, "Ids and short non-personal values for the text."),
        "language": Rule(M, Keep.MESSAGE, "The language it is written in."),
        "address": Rule(S, Keep.MESSAGE, "The email, phone or hook it goes to; encrypted."),
        "subject": Rule(S, Keep.MESSAGE, "The subject as sent; encrypted."),
        "body": Rule(S, Keep.MESSAGE, "The text as sent; encrypted."),
        "status": Rule(M, Keep.MESSAGE, "Waiting, sending, sent, failed or skipped."),
        "attempts": Rule(M, Keep.MESSAGE, "How many times sending was tried."),
        "next_attempt_at": Rule(M, Keep.MESSAGE, "When it is tried next."),
        "sent_at": Rule(M, Keep.MESSAGE, "When it went out."),
        "last_error": Rule(M, Keep.MESSAGE, "An error class and code; never an address."),
        "dedupe_key": Rule(M, Keep.MESSAGE, "Names the event, so it is never sent twice."),
        "digest": Rule(M, Keep.MESSAGE, "The daily digest a held message went out in."),
    },
    "sms.Conversation": {
        **_base(Keep.SMS_CONVERSATION),
        "number": Rule(P, Keep.SMS_CONVERSATION, "The network's public number that was texted."),
        "phone": Rule(S, Keep.SMS_CONVERSATION, "The texter's phone number; encrypted."),
        "phone_hash": Rule(X, Keep.SMS_CONVERSATION, "Keyed hash of the phone, to find it."),
        "network": Rule(M, Keep.SMS_CONVERSATION, "The network they are texting."),
        "language": Rule(M, Keep.SMS_CONVERSATION, "The language they chose."),
        "step": Rule(M, Keep.SMS_CONVERSATION, "The question asked last."),
        "description": Rule(
            S, Keep.SMS_CONVERSATION, "What they need, until the need is made; encrypted."
        ),
        "category": Rule(M, Keep.SMS_CONVERSATION, "Kind of help, until the need is made."),
        "area": Rule(M, Keep.SMS_CONVERSATION, "Roughly where, until the need is made."),
        "need": Rule(M, Keep.SMS_CONVERSATION, "The need their answers made."),
    },
    "sms.OptOut": {
        "id": Rule(M, Keep.SMS_OPT_OUT, "Row number."),
        "phone_hash": Rule(X, Keep.SMS_OPT_OUT, "Keyed hash of a number that texted STOP."),
        "created_at": Rule(M, Keep.SMS_OPT_OUT, "When it opted out."),
    },
    "sms.ReceivedMessage": {
        "id": Rule(M, Keep.IDEMPOTENCY, "Row number."),
        "sid": Rule(M, Keep.IDEMPOTENCY, "Twilio's id of a text, so a retried webhook is ignored."),
        "received_at": Rule(M, Keep.IDEMPOTENCY, "When it arrived."),
    },
    "outreach.Broadcast": {
        **_base(Keep.NETWORK),
        "network": Rule(M, Keep.NETWORK, "The network it went out in."),
        "sender": Rule(M, Keep.AUDIT_ACTOR, "The coordinator who sent it."),
        "body": Rule(S, Keep.NETWORK, "The coordinators' message to volunteers; encrypted."),
        "filters": Rule(M, Keep.NETWORK, "Skills, neighbourhoods, languages it was for."),
        "channels": Rule(M, Keep.NETWORK, "Email, SMS, in Potluck."),
        "token": Rule(M, Keep.NETWORK, "Random; stops a form sent twice sending it twice."),
        "recipient_count": Rule(M, Keep.NETWORK, "How many people it reached."),
        "email_count": Rule(M, Keep.NETWORK, "How many by email."),
        "sms_count": Rule(M, Keep.NETWORK, "How many by SMS."),
        "web_count": Rule(M, Keep.NETWORK, "How many in Potluck."),
    },
    "outreach.ChatHook": {
        **_base(Keep.NETWORK),
        "network": Rule(M, Keep.NETWORK, "Whose chat group."),
        "name": Rule(M, Keep.NETWORK, "What coordinators call the group."),
        "kind": Rule(M, Keep.NETWORK, "Slack, Discord, Matrix or generic JSON."),
        "url": Rule(S, Keep.NETWORK, "The incoming-webhook address, a credential; encrypted."),
        "secret": Rule(S, Keep.NETWORK, "Signs each post; shown once; a secret, encrypted."),
        "is_active": Rule(M, Keep.NETWORK, "Whether new needs are posted."),
        "created_by": Rule(M, Keep.AUDIT_ACTOR, "The coordinator who added it."),
    },
    "ledger.Account": {
        **_base(Keep.BOOKS),
        "network": Rule(P, Keep.BOOKS, "Whose books."),
        "kind": Rule(P, Keep.BOOKS, "A fund, money in, or money out."),
        "name": Rule(P, Keep.BOOKS, "Fund names are public, e.g. Rent fund."),
        "slug": Rule(P, Keep.BOOKS, "Short name."),
        "description": Rule(P, Keep.BOOKS, "What the fund is for."),
        "unit": Rule(P, Keep.BOOKS, "Currency (or hours)."),
        "is_general": Rule(P, Keep.BOOKS, "Whether it is the general fund."),
        "balance": Rule(P, Keep.BOOKS, "Sum of its entries; public for funds."),
    },
    "ledger.LedgerTransaction": {
        "id": Rule(M, Keep.BOOKS, "Row number."),
        "network": Rule(M, Keep.BOOKS, "Whose books."),
        "kind": Rule(M, Keep.BOOKS, "Donation, money given, reimbursement, direct aid, reversal."),
        "category": Rule(M, Keep.BOOKS, "Kind of help it paid for; public only in totals."),
        "occurred_on": Rule(M, Keep.BOOKS, "The day."),
        "memo": Rule(M, Keep.BOOKS, "Written by Potluck, e.g. 'request 12'; never a name."),
        "created_by": Rule(M, Keep.BOOKS, "The treasurer who recorded it."),
        "created_at": Rule(M, Keep.BOOKS, "When it was recorded."),
        "reverses": Rule(M, Keep.BOOKS, "The transaction it undoes."),
    },
    "ledger.Entry": {
        "id": Rule(M, Keep.BOOKS, "Row number."),
        "transaction": Rule(M, Keep.BOOKS, "Which transaction."),
        "account": Rule(M, Keep.BOOKS, "Which account."),
        "amount": Rule(M, Keep.BOOKS, "In or out of the account, in cents."),
    },
    "ledger.MoneyPolicy": {
        **_base(Keep.NETWORK),
        "network": Rule(P, Keep.NETWORK, "Whose policy."),
        "currency": Rule(P, Keep.NETWORK, "The network's currency."),
        "max_per_request": Rule(P, Keep.NETWORK, "Most per request."),
        "max_per_person_month": Rule(P, Keep.NETWORK, "Most per person per month."),
        "second_approval_above": Rule(P, Keep.NETWORK, "Above this, two treasurers approve."),
        "pledge_days": Rule(P, Keep.NETWORK, "How long a pledge waits."),
    },
    "ledger.Campaign": {
        **_base(Keep.BOOKS),
        "network": Rule(P, Keep.BOOKS, "Whose campaign."),
        "fund": Rule(P, Keep.BOOKS, "The fund it raises for."),
        "need": Rule(M, Keep.BOOKS, "A need it raises for; its page never shows the need."),
        "title": Rule(P, Keep.BOOKS, "Shown on its public page."),
        "description": Rule(P, Keep.BOOKS, "Shown on its public page."),
        "goal": Rule(P, Keep.BOOKS, "Shown on its public page."),
        "ends_on": Rule(P, Keep.BOOKS, "Shown on its public page."),
        "is_open": Rule(P, Keep.BOOKS, "Whether it still takes donations."),
        "created_by": Rule(M, Keep.BOOKS, "The treasurer who started it."),
    },
    "ledger.Donation": {
        **_base(Keep.BOOKS),
        "network": Rule(M, Keep.BOOKS, "Who received it."),
        "fund": Rule(M, Keep.BOOKS, "The fund it went into."),
        "campaign": Rule(M, Keep.BOOKS, "The campaign it counts toward."),
        "amount": Rule(M, Keep.BOOKS, "How much."),
        "received_on": Rule(M, Keep.BOOKS, "The day it arrived."),
        "method": Rule(M, Keep.BOOKS, "Cash, bank, Venmo…"),
        "donor_name": Rule(S, Keep.DONOR, "The donor's name, for treasurers only; encrypted."),
        "anonymous": Rule(M, Keep.BOOKS, "The donor asked to stay anonymous."),
        "status": Rule(M, Keep.BOOKS, "Recorded or reversed."),
        "source": Rule(M, Keep.BOOKS, "Typed in, imported or sent through the API."),
        "row_hash": Rule(X, Keep.BOOKS, "Keyed hash of an imported row, to skip duplicates."),
        "recorded_by": Rule(M, Keep.BOOKS, "The treasurer who recorded it."),
        "transaction": Rule(M, Keep.BOOKS, "Its ledger transaction."),
    },
    "ledger.DonationImport": {
        **_base(Keep.IMPORT_FILE),
        "network": Rule(M, Keep.IMPORT_FILE, "Whose books."),
        "uploaded_by": Rule(M, Keep.IMPORT_FILE, "The treasurer who uploaded it."),
        "fund": Rule(M, Keep.IMPORT_FILE, "The fund its donations go into."),
        "filename": Rule(M, Keep.IMPORT_FILE, "The uploaded file's name."),
        "content": Rule(S, Keep.IMPORT_FILE, "The bank export's text (names donors); encrypted."),
        "mapping": Rule(M, Keep.IMPORT_FILE, "Which column holds the date, amount, name…"),
        "status": Rule(M, Keep.IMPORT_FILE, "Preview, imported or discarded."),
        "imported": Rule(M, Keep.IMPORT_FILE, "Rows imported."),
        "skipped": Rule(M, Keep.IMPORT_FILE, "Rows skipped."),
    },
    "ledger.Disbursement": {
        **_base(Keep.BOOKS),
        "network": Rule(M, Keep.BOOKS, "Whose money."),
        "kind": Rule(M, Keep.BOOKS, "Aid for someone, or paying a volunteer back."),
        "fund": Rule(M, Keep.BOOKS, "The fund it comes from."),
        "amount": Rule(M, Keep.BOOKS, "How much."),
        "category": Rule(M, Keep.BOOKS, "What it is for, as a category; public only in totals."),
        "purpose": Rule(S, Keep.MONEY_PERSONAL, "A note to the treasurers; encrypted."),
        "requested_by": Rule(M, Keep.BOOKS, "Who asked; treasurers only."),
        "recipient": Rule(M, Keep.BOOKS, "Who receives it; treasurers only, never public."),
        "need": Rule(M, Keep.BOOKS, "The need it is for, if any."),
        "payout_method": Rule(M, Keep.BOOKS, "Cash, Venmo, Cash App…"),
        "payout_handle": Rule(S, Keep.MONEY_PERSONAL, "Where to send it; encrypted."),
        "status": Rule(M, Keep.BOOKS, "Waiting, approved, paid, refused, cancelled, reversed."),
        "approvals_needed": Rule(M, Keep.BOOKS, "One or two treasurers."),
        "approval_count": Rule(M, Keep.BOOKS, "How many approved."),
        "refusal_reason": Rule(S, Keep.MONEY_PERSONAL, "Why it was refused; encrypted."),
        "decided_at": Rule(M, Keep.BOOKS, "When it was approved or refused."),
        "paid_at": Rule(M, Keep.BOOKS, "When it was paid."),
        "transaction": Rule(M, Keep.BOOKS, "Its ledger transaction."),
    },
    "ledger.Approval": {
        "id": Rule(M, Keep.BOOKS, "Row number."),
        "disbursement": Rule(M, Keep.BOOKS, "Which request."),
        "treasurer": Rule(M, Keep.BOOKS, "Who approved it."),
        "created_at": Rule(M, Keep.BOOKS, "When."),
    },
    "ledger.Receipt": {
        **_base(Keep.MONEY_PERSONAL),
        "disbursement": Rule(M, Keep.MONEY_PERSONAL, "Which reimbursement."),
        "content_type": Rule(M, Keep.MONEY_PERSONAL, "Image or PDF."),
        "size": Rule(M, Keep.MONEY_PERSONAL, "Bytes."),
        "data": Rule(S, Keep.MONEY_PERSONAL, "The receipt, without metadata; encrypted."),
    },
    "ledger.Pledge": {
        **_base(Keep.BOOKS),
        "network": Rule(M, Keep.BOOKS, "Where."),
        "need": Rule(M, Keep.BOOKS, "The need it pays for."),
        "donor": Rule(M, Keep.BOOKS, "The member who pays directly."),
        "amount": Rule(M, Keep.BOOKS, "How much."),
        "payout_handle": Rule(
            S, Keep.MONEY_PERSONAL, "How the person asked to be paid; encrypted."
        ),
        "status": Rule(M, Keep.BOOKS, "Promised, confirmed, ran out, cancelled."),
        "expires_at": Rule(M, Keep.BOOKS, "When it runs out unconfirmed."),
        "donor_confirmed_at": Rule(M, Keep.BOOKS, "When the donor said they paid."),
        "recipient_confirmed_at": Rule(M, Keep.BOOKS, "When the person said it arrived."),
        "transaction": Rule(M, Keep.BOOKS, "Its ledger transaction."),
    },
    "auth.Permission": {
        **_SOFTWARE,
        "name": Rule(P, Keep.SOFTWARE, "Built-in permission names."),
        "content_type": Rule(P, Keep.SOFTWARE, "The model it is about."),
        "codename": Rule(P, Keep.SOFTWARE, "Built-in permission codes."),
    },
    "auth.Group": {
        **_SOFTWARE,
        "name": Rule(P, Keep.SOFTWARE, "Django groups (unused)."),
        "permissions": Rule(P, Keep.SOFTWARE, "Their permissions."),
    },
    "contenttypes.ContentType": {
        **_SOFTWARE,
        "app_label": Rule(P, Keep.SOFTWARE, "App name."),
        "model": Rule(P, Keep.SOFTWARE, "Model name."),
    },
    "sessions.Session": {
        "session_key": Rule(X, Keep.SESSION, "The secret in the session cookie."),
        "session_data": Rule(
            X, Keep.SESSION, "Signed, not encrypted: the account id, flash messages."
        ),
        "expire_date": Rule(M, Keep.SESSION, "When it runs out."),
    },
    "otp_totp.TOTPDevice": {
        **_OTP_DEVICE,
        "key": Rule(X, Keep.ACCOUNT, "The TOTP secret, stored in plain text by django-otp."),
        "step": Rule(P, Keep.ACCOUNT, "Code length in seconds."),
        "t0": Rule(P, Keep.ACCOUNT, "Start of time steps."),
        "digits": Rule(P, Keep.ACCOUNT, "Digits per code."),
        "tolerance": Rule(P, Keep.ACCOUNT, "Steps of clock drift allowed."),
        "drift": Rule(M, Keep.ACCOUNT, "The phone's measured clock drift."),
        "last_t": Rule(M, Keep.ACCOUNT, "Time step of the last code used."),
    },
    "otp_static.StaticDevice": dict(_OTP_DEVICE),
    "otp_static.StaticToken": {
        "id": Rule(M, Keep.ON_USE, "Row number."),
        "device": Rule(M, Keep.ON_USE, "Whose backup codes."),
        "token": Rule(X, Keep.ON_USE, "A backup code, stored in plain text by django-otp."),
    },
    "django_tasks_database.DBTaskResult": {
        "id": Rule(P, Keep.TASK_RESULT, "Task number."),
        "status": Rule(P, Keep.TASK_RESULT, "Queued, running, done or failed."),
        "enqueued_at": Rule(P, Keep.TASK_RESULT, "When it was queued."),
        "started_at": Rule(P, Keep.TASK_RESULT, "When it started."),
        "finished_at": Rule(P, Keep.TASK_RESULT, "When it finished."),
        "args_kwargs": Rule(M, Keep.TASK_RESULT, "Arguments: row ids only, never personal text."),
        "priority": Rule(P, Keep.TASK_RESULT, "Queue order."),
        "task_path": Rule(P, Keep.TASK_RESULT, "Which task."),
        "worker_ids": Rule(P, Keep.TASK_RESULT, "Which worker ran it."),
        "queue_name": Rule(P, Keep.TASK_RESULT, "Which queue."),
        "backend_name": Rule(P, Keep.TASK_RESULT, "Which backend."),
        "run_after": Rule(P, Keep.TASK_RESULT, "Earliest start."),
        "return_value": Rule(M, Keep.TASK_RESULT, "Result: counts and ids only."),
        "exception_class_path": Rule(P, Keep.TASK_RESULT, "Error type if it failed."),
        "traceback": Rule(M, Keep.TASK_RESULT, "Where it failed; logs are redacted."),
    },
}


def model_fields(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    """The fields of `model` that hold data: columns and many-to-many links."""
    return [*model._meta.concrete_fields, *model._meta.many_to_many]  # type: ignore[list-item]


def stored_models() -> list[type[models.Model]]:
    """Every model of every installed app that has its own table."""
    return [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and not model._meta.abstract
    ]


def rule_for(model: type[models.Model], field_name: str) -> Rule:
    """The classification of one field; KeyError if it is unclassified."""
    return REGISTRY[model._meta.label][field_name]


def fields_at(level: Level) -> list[tuple[type[models.Model], models.Field]]:  # type: ignore[type-arg]
    """Every stored (model, field) classified at `level`."""
    return [
        (model, field)
        for model in stored_models()
        for field in model_fields(model)
        if (rule := REGISTRY.get(model._meta.label, {}).get(field.name)) and rule.level == level
    ]


def unclassified() -> list[str]:
    """ "app.Model.field" of every stored field that the registry does not mention."""
    return [
        f"{model._meta.label}.{field.name}"
        for model in stored_models()
        for field in model_fields(model)
        if field.name not in REGISTRY.get(model._meta.label, {})
    ]


def stale() -> list[str]:
    """Registry entries that no longer match a stored field."""
    existing = {
        f"{model._meta.label}.{field.name}"
        for model in stored_models()
        for field in model_fields(model)
    }
    named = {f"{label}.{name}" for label, rules in REGISTRY.items() for name in rules}
    return sorted(named - existing)


def inventory_markdown() -> str:
    """The field table of docs/threat-model.md, generated from the registry."""
    lines = ["| field | class | kept | note |", "|---|---|---|---|"]
    for label in sorted(REGISTRY):
        for name, rule in REGISTRY[label].items():
            lines.append(f"| `{label}.{name}` | {rule.level} | {rule.keep} | {rule.note} |")
    return "\n".join(lines)
