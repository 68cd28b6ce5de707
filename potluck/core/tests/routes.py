"""The route catalogue: every URL pattern of Potluck, what its URL points at, how to build it.

`CATALOGUE` names each route by URL name and pattern, with the methods it answers and the kind
of object its URL points at. `resolver_routes()` walks the real URL resolver, the JSON API's
operations included; test_access_matrix fails when the two disagree, and when a route has no
line in its POLICY, so nobody can add a route without declaring who may use it.

`build_world()` makes what the URLs point at: two networks, A and B, each with a person in
every role and one waiting to join, needs in every state that matters with their requesters'
status links, an offer and a conversation about it, an invitation, and an API key for everyone.
"""

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja.operation import PathView
from PIL import Image as PILImage
from twilio.request_validator import RequestValidator

from potluck.accounts.models import LoginVerification, User
from potluck.accounts.services import _link_create, api_token_create
from potluck.accounts.tests.factories import PASSWORD, UserFactory
from potluck.accounts.twofactor import setup_key_sign, two_factor_begin, two_factor_enabled
from potluck.conftest import with_two_factor
from potluck.ledger import services as money_services
from potluck.ledger.accounts import AID
from potluck.ledger.models import (
    Campaign,
    Disbursement,
    Donation,
    DonationImport,
    LedgerTransaction,
    Pledge,
    Receipt,
)
from potluck.ledger.tests.factories import fill_fund
from potluck.matching.models import Dispatch
from potluck.needs.models import Match, Need, NeedNote, Offer, new_status_token
from potluck.needs.tests.factories import ClaimFactory, MatchFactory, NeedFactory, OfferFactory
from potluck.networks.categories import Category
from potluck.networks.models import Invitation, Membership, Network, Role
from potluck.networks.selectors import ELEVATED_ROLES
from potluck.networks.tests.factories import InvitationFactory, MembershipFactory, NetworkFactory
from potluck.outreach.models import ChatHook
from potluck.volunteers.models import CheckIn, VolunteerProfile

GET, POST = ("GET",), ("POST",)
GET_POST = ("GET", "POST")
ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE")

ROLES = (Role.MEMBER, Role.VOLUNTEER, Role.COORDINATOR, Role.TREASURER, Role.ADMIN)
# Who someone is relative to a network: the columns of the access matrix.
ACTORS = ("anonymous", "stranger", "pending", *ROLES)


class Target(StrEnum):
    """What a route's URL points at."""

    SITE = "site"  # nothing: /, /accounts/me/, /api/v1/offers
    NETWORK = "network"  # a network, by slug (in the API: a ?network= filter or body field)
    NEED = "need"
    OFFER = "offer"
    MATCH = "match"  # the private conversation between an offer's author and a responder
    MEMBERSHIP = "membership"
    INVITATION = "invitation"  # by id, inside its network
    INVITE_LINK = "invite_link"  # by the secret token in the link
    STATUS_LINK = "status_link"  # a requester's status page, by the secret token in the link
    API_TOKEN = "api_token"  # one of a person's API tokens, by id
    RESET_LINK = "reset_link"  # a password reset link
    LOGIN_LINK = "login_link"  # a link that proves an email address or phone number
    API_PATH = "api_path"  # any address under /api/v1/ that no operation matches
    DISPATCH = "dispatch"  # a need sent to a volunteer to accept or decline, by id
    CAMPAIGN = "campaign"  # a fundraising campaign, by id inside its network
    DISBURSEMENT = "disbursement"  # a request for money (or to be paid back), by id
    DONATION = "donation"
    IMPORT = "import"  # an uploaded bank export waiting in preview
    PLEDGE = "pledge"  # a donor's promise to pay the person behind a money need directly
    PLEDGE_LINK = "pledge_link"  # a pledge, through its need's status link (by the token)


# Targets that live inside a network; the others are the same wherever one comes from.
NETWORK_TARGETS = frozenset(
    {
        Target.NETWORK,
        Target.NEED,
        Target.OFFER,
        Target.MATCH,
        Target.MEMBERSHIP,
        Target.INVITATION,
        Target.INVITE_LINK,
        Target.STATUS_LINK,
        Target.DISPATCH,
        Target.CAMPAIGN,
        Target.DISBURSEMENT,
        Target.DONATION,
        Target.IMPORT,
        Target.PLEDGE,
        Target.PLEDGE_LINK,
    }
)
# Targets whose pages are addressed /n/<network>/.../<id>/.
IN_A_NETWORK = (
    Target.NEED,
    Target.OFFER,
    Target.MATCH,
    Target.MEMBERSHIP,
    Target.INVITATION,
    Target.DISPATCH,
    Target.CAMPAIGN,
    Target.DISBURSEMENT,
    Target.DONATION,
    Target.IMPORT,
    Target.PLEDGE,
)


@dataclass(frozen=True)
class Route:
    name: str  # URL name, namespaced: "needs:claim", "api:claim_need"
    pattern: str  # as the resolver spells it, from the root
    methods: tuple[str, ...]
    target: Target
    # Succeeds without writing a row the fingerprint sees (a cookie, a session, an email).
    quiet: bool = False
    # Called by a provider, not a browser (Twilio's SMS webhook): no session and no CSRF token,
    # but a signature over each request (signature_headers); unsigned requests get 403.
    signed: bool = False

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")


CATALOGUE: tuple[Route, ...] = (
    Route("home", "", GET, Target.SITE),
    Route("set_language", "language/", POST, Target.SITE, quiet=True),
    Route("ops:live", "health/live", GET, Target.SITE),
    Route("ops:ready", "health/ready", GET, Target.SITE),
    Route("ops:metrics", "health/metrics", GET, Target.SITE),
    # accounts
    Route("accounts:signup", "accounts/signup/", GET_POST, Target.SITE),
    Route("accounts:signup_sent", "accounts/signup/sent/", GET, Target.SITE),
    Route("accounts:verify", "accounts/verify/<str:token>/", GET_POST, Target.LOGIN_LINK),
    Route("accounts:login", "accounts/login/", GET_POST, Target.SITE),
    Route("accounts:logout", "accounts/logout/", POST, Target.SITE, quiet=True),
    Route("accounts:reauth", "accounts/confirm/", GET_POST, Target.SITE, quiet=True),
    Route("accounts:account", "accounts/me/", GET_POST, Target.SITE),
    Route("accounts:login_change", "accounts/me/login/", GET_POST, Target.SITE),
    Route("accounts:log_out_everywhere", "accounts/me/sessions/end/", POST, Target.SITE),
    Route("accounts:token_new", "accounts/me/tokens/", POST, Target.SITE),
    Route(
        "accounts:token_revoke",
        "accounts/me/tokens/<int:token_id>/revoke/",
        POST,
        Target.API_TOKEN,
    ),
    Route("accounts:two_factor", "accounts/2fa/", GET, Target.SITE),
    Route("accounts:two_factor_code", "accounts/2fa/code/", GET_POST, Target.SITE),
    Route("accounts:two_factor_setup", "accounts/2fa/setup/", GET_POST, Target.SITE),
    Route("accounts:two_factor_recovery", "accounts/2fa/recovery/", GET, Target.SITE),
    Route("accounts:two_factor_recovery_new", "accounts/2fa/recovery/new/", POST, Target.SITE),
    Route("accounts:two_factor_off", "accounts/2fa/off/", POST, Target.SITE),
    Route("accounts:password_reset", "accounts/password/reset/", GET_POST, Target.SITE, True),
    Route("accounts:password_reset_done", "accounts/password/reset/sent/", GET, Target.SITE),
    Route(
        "accounts:password_reset_confirm",
        "accounts/password/reset/<uidb64>/<token>/",
        GET_POST,
        Target.RESET_LINK,
    ),
    Route("accounts:password_reset_complete", "accounts/password/reset/done/", GET, Target.SITE),
    # a person's own data: see it, take it away, delete it
    Route("privacy:data", "accounts/me/data/", GET, Target.SITE),
    Route("privacy:export", "accounts/me/data/export/", POST, Target.SITE),
    Route("privacy:delete", "accounts/me/data/delete/", GET_POST, Target.SITE),
    # a person's notification settings and in-Potluck messages
    Route("notifications:inbox", "notifications/", GET, Target.SITE),
    Route("notifications:settings", "notifications/settings/", GET_POST, Target.SITE),
    # networks
    Route("networks:new", "n/new/", GET_POST, Target.SITE),
    Route("networks:invitation", "n/invite/<str:token>/", GET_POST, Target.INVITE_LINK),
    Route("networks:home", "n/<slug:slug>/", GET, Target.NETWORK),
    Route("networks:join", "n/<slug:slug>/join/", POST, Target.NETWORK),
    Route("networks:members", "n/<slug:slug>/members/", GET, Target.NETWORK),
    Route(
        "networks:membership_answer",
        "n/<slug:slug>/members/<int:membership_id>/answer/",
        POST,
        Target.MEMBERSHIP,
    ),
    Route(
        "networks:membership_role",
        "n/<slug:slug>/members/<int:membership_id>/role/",
        POST,
        Target.MEMBERSHIP,
    ),
    Route("networks:invitation_new", "n/<slug:slug>/invitations/", POST, Target.NETWORK),
    Route(
        "networks:invitation_revoke",
        "n/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        POST,
        Target.INVITATION,
    ),
    # paper and phone: reach settings, the public flyer (a PDF), the printable offers board
    Route("networks:reach", "n/<slug:slug>/reach/", GET_POST, Target.NETWORK),
    Route("networks:flyer", "n/<slug:slug>/flyer.pdf", GET, Target.NETWORK),
    Route("networks:noticeboard", "n/<slug:slug>/noticeboard/", GET, Target.NETWORK),
    # needs and offers
    Route("needs:ask", "n/<slug:slug>/ask/", GET_POST, Target.NETWORK),
    Route("needs:board", "n/<slug:slug>/needs/", GET, Target.NETWORK),
    Route("needs:intake", "n/<slug:slug>/needs/intake/", GET_POST, Target.NETWORK),
    Route("needs:detail", "n/<slug:slug>/needs/<int:need_id>/", GET, Target.NEED),
    Route("needs:claim", "n/<slug:slug>/needs/<int:need_id>/claim/", POST, Target.NEED),
    Route("needs:release", "n/<slug:slug>/needs/<int:need_id>/release/", POST, Target.NEED),
    Route("needs:deliver", "n/<slug:slug>/needs/<int:need_id>/deliver/", POST, Target.NEED),
    Route("needs:close", "n/<slug:slug>/needs/<int:need_id>/close/", POST, Target.NEED),
    Route("needs:note", "n/<slug:slug>/needs/<int:need_id>/note/", POST, Target.NEED),
    Route("needs:reveal", "n/<slug:slug>/needs/<int:need_id>/contact/", POST, Target.NEED),
    Route("needs:triage", "n/<slug:slug>/queue/", GET, Target.NETWORK),
    Route("needs:my_claims", "n/<slug:slug>/my-claims/", GET, Target.NETWORK),
    Route("needs:offers", "n/<slug:slug>/offers/", GET, Target.NETWORK),
    Route("needs:offer_new", "n/<slug:slug>/offers/new/", GET_POST, Target.NETWORK),
    Route("needs:offer_detail", "n/<slug:slug>/offers/<int:offer_id>/", GET_POST, Target.OFFER),
    Route("needs:offer_close", "n/<slug:slug>/offers/<int:offer_id>/close/", POST, Target.OFFER),
    Route("needs:match_detail", "n/<slug:slug>/matches/<int:match_id>/", GET_POST, Target.MATCH),
    Route("needs:match_close", "n/<slug:slug>/matches/<int:match_id>/close/", POST, Target.MATCH),
    # volunteers: their profile, resting, check-ins; the coordinators' workload view
    Route("volunteers:profile", "n/<slug:slug>/volunteer/", GET_POST, Target.NETWORK),
    Route("volunteers:pause", "n/<slug:slug>/volunteer/pause/", POST, Target.NETWORK),
    Route("volunteers:resume", "n/<slug:slug>/volunteer/resume/", POST, Target.NETWORK),
    Route("volunteers:checkin", "n/<slug:slug>/volunteer/checkin/", POST, Target.NETWORK),
    Route("volunteers:workload", "n/<slug:slug>/volunteers/", GET, Target.NETWORK),
    # matching: suggesting and dispatching, and a volunteer's tasks
    Route("matching:review", "n/<slug:slug>/matching/", GET, Target.NETWORK),
    Route("matching:suggest", "n/<slug:slug>/matching/suggest/", POST, Target.NETWORK),
    Route("matching:dispatch", "n/<slug:slug>/matching/dispatch/", POST, Target.NETWORK),
    Route("matching:my_tasks", "n/<slug:slug>/my-tasks/", GET, Target.NETWORK),
    Route(
        "matching:accept",
        "n/<slug:slug>/my-tasks/<int:dispatch_id>/accept/",
        POST,
        Target.DISPATCH,
    ),
    Route(
        "matching:decline",
        "n/<slug:slug>/my-tasks/<int:dispatch_id>/decline/",
        POST,
        Target.DISPATCH,
    ),
    # money: public transparency and campaigns; asking; treasurers; pledges
    Route("ledger:transparency", "n/<slug:slug>/money/", GET, Target.NETWORK),
    Route("ledger:transparency_csv", "n/<slug:slug>/money/transparency.csv", GET, Target.NETWORK),
    Route(
        "ledger:campaign", "n/<slug:slug>/money/campaigns/<int:campaign_id>/", GET, Target.CAMPAIGN
    ),
    Route("ledger:ask", "n/<slug:slug>/money/ask/", GET_POST, Target.NETWORK),
    Route("ledger:reimburse", "n/<slug:slug>/money/reimburse/", GET_POST, Target.NETWORK),
    Route("ledger:mine", "n/<slug:slug>/money/mine/", GET, Target.NETWORK),
    Route(
        "ledger:need_request", "n/<slug:slug>/money/for-need/<int:need_id>/", GET_POST, Target.NEED
    ),
    *(
        Route(
            f"ledger:{name}",
            f"n/<slug:slug>/money/requests/<int:disbursement_id>/{part}",
            GET if name in ("request", "receipt") else POST,
            Target.DISBURSEMENT,
        )
        for name, part in (
            ("request", ""),
            ("receipt", "receipt/"),
            ("approve", "approve/"),
            ("refuse", "refuse/"),
            ("pay", "pay/"),
            ("reverse", "reverse/"),
            ("cancel", "cancel/"),
        )
    ),
    Route("ledger:pledge_new", "n/<slug:slug>/money/pledge/<int:need_id>/", POST, Target.NEED),
    *(
        Route(
            f"ledger:{name}",
            f"n/<slug:slug>/money/pledges/<int:pledge_id>/{part}",
            GET if name == "pledge" else POST,
            Target.PLEDGE,
        )
        for name, part in (
            ("pledge", ""),
            ("pledge_paid", "paid/"),
            ("pledge_received", "received/"),
            ("pledge_cancel", "cancel/"),
        )
    ),
    Route("ledger:treasury", "n/<slug:slug>/money/treasury/", GET, Target.NETWORK),
    Route("ledger:donations", "n/<slug:slug>/money/donations/", GET, Target.NETWORK),
    Route("ledger:donation_new", "n/<slug:slug>/money/donations/new/", GET_POST, Target.NETWORK),
    Route(
        "ledger:donation_reverse",
        "n/<slug:slug>/money/donations/<int:donation_id>/reverse/",
        POST,
        Target.DONATION,
    ),
    Route("ledger:fund_new", "n/<slug:slug>/money/funds/new/", GET_POST, Target.NETWORK),
    Route("ledger:policy", "n/<slug:slug>/money/policy/", GET_POST, Target.NETWORK),
    Route("ledger:campaign_new", "n/<slug:slug>/money/campaigns/new/", GET_POST, Target.NETWORK),
    Route(
        "ledger:campaign_close",
        "n/<slug:slug>/money/campaigns/<int:campaign_id>/close/",
        POST,
        Target.CAMPAIGN,
    ),
    Route("ledger:import_new", "n/<slug:slug>/money/donations/import/", GET_POST, Target.NETWORK),
    Route(
        "ledger:import_preview",
        "n/<slug:slug>/money/donations/import/<int:import_id>/",
        GET_POST,
        Target.IMPORT,
    ),
    Route("ledger:ledger_csv", "n/<slug:slug>/money/ledger.csv", GET, Target.NETWORK),
    Route("ledger:balance_check", "n/<slug:slug>/money/check/", GET, Target.NETWORK),
    # outreach: coordinators' broadcasts to volunteers, and chat groups (hook id in the body)
    Route("outreach:broadcasts", "n/<slug:slug>/broadcasts/", GET_POST, Target.NETWORK),
    Route("outreach:chat_groups", "n/<slug:slug>/chat-groups/", GET_POST, Target.NETWORK),
    Route("outreach:chat_group_toggle", "n/<slug:slug>/chat-groups/toggle/", POST, Target.NETWORK),
    Route("outreach:chat_group_delete", "n/<slug:slug>/chat-groups/delete/", POST, Target.NETWORK),
    Route("outreach:chat_group_test", "n/<slug:slug>/chat-groups/test/", POST, Target.NETWORK),
    # SMS: Twilio calls this for every text sent to a network's number
    Route("sms:twilio", "sms/twilio/", POST, Target.SITE, signed=True),
    # the requester's status page
    Route("status:detail", "s/<str:token>/", GET, Target.STATUS_LINK),
    Route("status:message", "s/<str:token>/message/", POST, Target.STATUS_LINK),
    Route("status:confirm", "s/<str:token>/confirm/", POST, Target.STATUS_LINK),
    Route("status:withdraw", "s/<str:token>/withdraw/", POST, Target.STATUS_LINK),
    Route("status:language", "s/<str:token>/language/", POST, Target.STATUS_LINK),
    Route("status:still_needed", "s/<str:token>/still-needed/", POST, Target.STATUS_LINK),
    Route(
        "ledger_status:pledge_handle",
        "s/<str:token>/pledges/<int:pledge_id>/handle/",
        POST,
        Target.PLEDGE_LINK,
    ),
    Route(
        "ledger_status:pledge_received",
        "s/<str:token>/pledges/<int:pledge_id>/received/",
        POST,
        Target.PLEDGE_LINK,
    ),
    # the JSON API
    Route("api:api-root", "api/v1/", GET, Target.SITE),
    Route("api:openapi-json", "api/v1/openapi.json", GET, Target.SITE),
    Route("api:list_needs", "api/v1/needs", GET, Target.NETWORK),
    Route("api:create_need", "api/v1/needs", POST, Target.NETWORK),
    Route("api:get_need", "api/v1/needs/<need_id>", GET, Target.NEED),
    Route("api:reveal_need_contact", "api/v1/needs/<need_id>/contact", POST, Target.NEED),
    Route("api:claim_need", "api/v1/needs/<need_id>/claim", POST, Target.NEED),
    Route("api:release_need", "api/v1/needs/<need_id>/release", POST, Target.NEED),
    Route("api:deliver_need", "api/v1/needs/<need_id>/deliver", POST, Target.NEED),
    Route("api:close_need", "api/v1/needs/<need_id>/close", POST, Target.NEED),
    Route("api:list_offers", "api/v1/offers", GET, Target.NETWORK),
    Route("api:create_offer", "api/v1/offers", POST, Target.NETWORK),
    Route("api:get_offer", "api/v1/offers/<offer_id>", GET, Target.OFFER),
    Route("api:respond_to_offer", "api/v1/offers/<offer_id>/respond", POST, Target.OFFER),
    Route("api:money_summary", "api/v1/money/summary", GET, Target.NETWORK),
    Route("api:create_donation", "api/v1/donations", POST, Target.NETWORK),
    Route("api:list_donations", "api/v1/donations", GET, Target.NETWORK),
    Route("api:create_disbursement", "api/v1/disbursements", POST, Target.NETWORK),
    Route("api:list_disbursements", "api/v1/disbursements", GET, Target.NETWORK),
    Route(
        "api:get_disbursement", "api/v1/disbursements/<disbursement_id>", GET, Target.DISBURSEMENT
    ),
    *(
        Route(
            f"api:{verb}_disbursement",
            f"api/v1/disbursements/<disbursement_id>/{verb}",
            POST,
            Target.DISBURSEMENT,
        )
        for verb in ("approve", "refuse", "pay", "reverse")
    ),
    Route("api:not_found", "api/v1/<path:rest>", ANY_METHOD, Target.API_PATH),
)
ROUTES: dict[str, Route] = {route.name: route for route in CATALOGUE}


# ---------------------------------------------------------------------------- the resolver


@dataclass(frozen=True)
class Found:
    """A URL pattern as the resolver has it; `methods` only where they can be read (the API)."""

    name: str
    pattern: str
    methods: tuple[str, ...] | None


def resolver_routes() -> list[Found]:
    """Every URL pattern of the project, the API's operations one by one; static files aside."""
    return [
        found
        for found in _walk(get_resolver().url_patterns, prefix="", namespace="")
        if not found.pattern.startswith(settings.STATIC_URL.lstrip("/"))
    ]


def _walk(patterns: list[Any], *, prefix: str, namespace: str) -> Iterator[Found]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(
                entry.url_patterns, prefix=prefix + str(entry.pattern), namespace=inner
            )
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"<unnamed {entry.callback!r}>"
            yield Found(name, prefix + str(entry.pattern), _api_methods(entry))


def _api_methods(entry: URLPattern) -> tuple[str, ...] | None:
    """The HTTP methods of the django-ninja operation behind `entry`, if it is one."""
    cells = getattr(entry.callback, "__closure__", None) or ()
    views = [cell.cell_contents for cell in cells if isinstance(cell.cell_contents, PathView)]
    if not views:
        return None
    for operation in views[0].operations:
        if operation.view_func.__name__ == entry.name:
            return tuple(operation.methods)
    return None


# ---------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class StatusLink:
    """A requester's private link: the token (kept only as a hash) and its need."""

    token: str
    need: Need | None


@dataclass(frozen=True)
class ResetLink:
    uidb64: str
    token: str


@dataclass(frozen=True)
class LoginLink:
    """The link that finishes a signup, by the secret in it."""

    token: str


def make_login_link() -> LoginLink:
    """A signup waiting for its link to be opened: a new, inactive account."""
    user = UserFactory.create(is_active=False, verified_at=None)
    return LoginLink(_link_create(user=user, purpose=LoginVerification.Purpose.SIGNUP))


def totp_code(user: User | None) -> str:
    """The code `user`'s authenticator app shows now; "" if two-factor is off."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
    return _code_of(device) if device is not None else ""


def _code_of(device: TOTPDevice) -> str:
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return str(code).zfill(device.digits)


@dataclass
class Side:
    """One network of the world and everything in it."""

    network: Network
    # pending (asked to join as a volunteer), the five roles, and two more people to own
    # "someone else's" things: "neighbour" (a member) and "helper" (a volunteer).
    people: dict[str, User]
    # by status: open, claimed and delivered (by the helper), closed
    links: dict[str, StatusLink]
    offer: Offer  # by the member
    match: Match  # the volunteer answering the member's offer
    invitation: Invitation
    waiting: Membership  # the pending person's request to join
    dispatch: Dispatch | None = None  # an open need sent to the helper, waiting for an answer
    # A campaign, the member's request and the helper's reimbursement, a donation, an import
    # in preview, the member's pledge, and a pledge reached by its need's status link.
    money: dict[str, Any] = field(default_factory=dict)

    def need(self, status: str) -> Need:
        need = self.links[status].need
        assert need is not None
        return need


@dataclass
class World:
    a: Side
    b: Side
    stranger: User  # signed in, a member of no network
    signup: LoginLink  # someone who signed up and has yet to open the link
    keys: dict[int, str] = field(default_factory=dict)  # user pk -> API key

    def actor(self, actor: str) -> User | None:
        """The person who is `actor` (one of ACTORS) in network A; None for anonymous."""
        if actor == "anonymous":
            return None
        if actor == "stranger":
            return self.stranger
        return self.a.people[actor]

    def key(self, user: User) -> str:
        """An API key of `user`'s, made on first use."""
        if user.pk not in self.keys:
            self.keys[user.pk] = api_token_create(user=user, name="world")[1]
        return self.keys[user.pk]


_phones = itertools.count(1000)


def make_need(
    *, network: Network, status: str = "open", claimant: User | None = None
) -> StatusLink:
    """A need in `status`, claimed or delivered by `claimant`, with its requester's link."""
    token, token_hash = new_status_token()
    now = timezone.now()
    final = status in Need.FINAL_STATUSES
    need = NeedFactory.create(
        network=network,
        status=status,
        claimant=claimant,
        status_token_hash=token_hash,
        # Each need's own number, so a page showing one is caught (see can_see_contact).
        contact_value=f"+1555019{next(_phones) % 10000:04d}",
        claim_expires_at=now + timedelta(hours=48) if status == Need.Status.CLAIMED else None,
        delivered_at=now if status == Need.Status.DELIVERED or final else None,
        closed_at=now if final else None,
    )
    if status == Need.Status.CLAIMED and claimant is not None:
        ClaimFactory.create(need=need, volunteer=claimant, expires_at=need.claim_expires_at)
    # For the claimant and coordinators only, like the contact details.
    NeedNote.objects.create(
        need=need, kind=NeedNote.Kind.REQUESTER, body=f"Private message {need.pk}: ring twice"
    )
    return StatusLink(token, need)


# States of a person's own volunteer profile, for routes that act on it (Target.NETWORK).
VOLUNTEER_STATES = frozenset({"paused", "asked"})


def make_volunteer_state(*, network: Network, user: User, state: str) -> Network:
    """Give `user` a volunteer profile in `network` that is paused, or has a check-in waiting."""
    membership = Membership.objects.get(network=network, user=user)
    profile = VolunteerProfile.objects.create(membership=membership, network=network, user=user)
    if state == "paused":
        profile.paused_until = timezone.now() + timedelta(days=3)
        profile.save(update_fields=["paused_until"])
    else:
        CheckIn.objects.create(profile=profile, network=network, deliveries=5)
    return network


def make_dispatch(*, network: Network, volunteer: User) -> Dispatch:
    """An open need sent to `volunteer`, waiting for their answer."""
    need = make_need(network=network).need
    assert need is not None
    return Dispatch.objects.create(
        network=network,
        need=need,
        volunteer=volunteer,
        expires_at=timezone.now() + timedelta(hours=network.dispatch_answer_hours),
    )


# ---------------------------------------------------------------------------- money

# States of a need in the money category: open, or claimed by its owner or the helper.
MONEY_NEED_STATES = frozenset({"money", "money_claimed"})
PAYOUT_HANDLE = "@world-payout-handle"


@dataclass(frozen=True)
class PledgeLink:
    """A pledge, reached by the person it pays through their need's status link."""

    token: str
    pledge: Pledge


def make_money_need(*, network: Network, claimant: User | None = None) -> StatusLink:
    status = Need.Status.CLAIMED if claimant is not None else Need.Status.OPEN
    link = make_need(network=network, status=status, claimant=claimant)
    Need.objects.filter(pk=link.need.pk).update(category=Category.MONEY)  # type: ignore[union-attr]
    assert link.need is not None
    link.need.refresh_from_db()
    return link


def make_disbursement(*, network: Network, state: str, asker: User) -> Disbursement:
    """A request by `asker` for themselves: waiting ("requested"), "approved", "paid", or a
    volunteer's reimbursement with a receipt ("receipt")."""
    fund = network.accounts.get(is_general=True)
    status = Disbursement.Status.REQUESTED if state == "receipt" else state
    disbursement = Disbursement.objects.create(
        network=network,
        kind=Disbursement.Kind.REIMBURSEMENT if state == "receipt" else Disbursement.Kind.AID,
        fund=fund,
        amount=1000,
        category=network.categories[0],
        requested_by=asker,
        recipient=asker,
        payout_method="venmo",
        payout_handle=f"{PAYOUT_HANDLE}-{next(_phones)}",
        status=status,
        approval_count=0 if status == Disbursement.Status.REQUESTED else 1,
    )
    if state == "receipt":
        Receipt.objects.create(
            disbursement=disbursement, content_type="image/png", size=4, data="iVBORw=="
        )
    if state == Disbursement.Status.PAID:
        txn = money_services.transaction_post(
            network=network,
            kind=LedgerTransaction.Kind.DISBURSEMENT,
            lines=[(fund, -1000), (money_services.system_account(network, AID), 1000)],
            category=disbursement.category,
        )
        Disbursement.objects.filter(pk=disbursement.pk).update(transaction=txn)
    return disbursement


def make_campaign(*, network: Network) -> Campaign:
    return Campaign.objects.create(
        network=network,
        fund=network.accounts.get(is_general=True),
        title="Winter coats",
        description="Coats for the cold months.",
        goal=50_000,
    )


def make_donation(*, network: Network) -> Donation:
    treasurer = Membership.objects.filter(network=network, role=Role.TREASURER).first()
    assert treasurer is not None
    return money_services.donation_record(
        network=network,
        actor=treasurer.user,
        fund=network.accounts.get(is_general=True),
        amount=2500,
        received_on=timezone.localdate(),
        method="cash",
        donor_name="World Donor",
    )


def make_import(*, network: Network) -> DonationImport:
    """A bank export waiting in preview, as the upload page leaves it."""
    return DonationImport.objects.create(
        network=network,
        fund=network.accounts.get(is_general=True),
        filename="bank.csv",
        content="Date,Amount,Name,Reference\n2026-11-01,12.50,Ann Example,REF-1\n",
        mapping=IMPORT_MAPPING,
    )


def make_pledge(*, network: Network, donor: User) -> Pledge:
    need = make_money_need(network=network).need
    assert need is not None
    return Pledge.objects.create(
        network=network,
        need=need,
        donor=donor,
        amount=2000,
        payout_handle=f"{PAYOUT_HANDLE}-{next(_phones)}",
        expires_at=timezone.now() + timedelta(days=7),
    )


def make_pledge_link(*, network: Network, donor: User) -> PledgeLink:
    link = make_money_need(network=network)
    assert link.need is not None
    pledge = Pledge.objects.create(
        network=network,
        need=link.need,
        donor=donor,
        amount=2000,
        expires_at=timezone.now() + timedelta(days=7),
    )
    return PledgeLink(link.token, pledge)


def make_offer(*, network: Network, author: User) -> Offer:
    return OfferFactory.create(network=network, author=author)


def make_match(*, offer: Offer, responder: User) -> Match:
    return MatchFactory.create(offer=offer, network=offer.network, responder=responder)


def _side(label: str) -> Side:
    network = NetworkFactory.create(name=f"World {label}", slug=f"world-{label.lower()}")
    people: dict[str, User] = {role: _join(network, role) for role in ROLES}
    people["neighbour"] = _join(network, Role.MEMBER)
    people["helper"] = _join(network, Role.VOLUNTEER)
    waiting = MembershipFactory.create(
        network=network, role=Role.VOLUNTEER, status=Membership.Status.PENDING
    )
    people["pending"] = waiting.user
    helper = people["helper"]
    links: dict[str, StatusLink] = {
        status: make_need(network=network, status=status, claimant=claimant)
        for status, claimant in (
            (Need.Status.OPEN, None),
            (Need.Status.CLAIMED, helper),
            (Need.Status.DELIVERED, helper),
            (Need.Status.CLOSED, helper),
        )
    }
    offer = make_offer(network=network, author=people[Role.MEMBER])
    fill_fund(network, 100_000)  # so approved requests can be paid
    # The helper volunteers for anything, anywhere, so a coordinator may dispatch to them.
    VolunteerProfile.objects.create(
        membership=Membership.objects.get(network=network, user=helper),
        network=network,
        user=helper,
        categories=list(network.categories),
        languages=list(network.languages),
        weekly_cap=21,
    )
    # A chat group the outreach routes act on (by its id in the body; see _world_hook).
    ChatHook.objects.create(
        network=network, name="World chat", kind="slack", url=WORLD_HOOK_URL, secret="world"
    )
    return Side(
        network=network,
        people=people,
        links=links,
        offer=offer,
        match=make_match(offer=offer, responder=people[Role.VOLUNTEER]),
        invitation=InvitationFactory.create(
            network=network, created_by=people[Role.COORDINATOR], max_uses=5
        ),
        waiting=waiting,
        dispatch=make_dispatch(network=network, volunteer=helper),
        money={
            "campaign": make_campaign(network=network),
            "request": make_disbursement(
                network=network, state="requested", asker=people[Role.MEMBER]
            ),
            "reimbursement": make_disbursement(network=network, state="receipt", asker=helper),
            "donation": make_donation(network=network),
            "import": make_import(network=network),
            "pledge": make_pledge(network=network, donor=people[Role.MEMBER]),
            "pledge_link": make_pledge_link(network=network, donor=people["neighbour"]),
        },
    )


# Never contacted: messages written in the access tests are rolled back before delivery.
WORLD_HOOK_URL = "https://hooks.example.org/world"


def _world_hook(network: Network) -> dict[str, Any]:
    """The body naming the chat group of `network` that build_world made."""
    return {"hook": ChatHook.objects.filter(network=network).values_list("pk", flat=True).first()}


def _join(network: Network, role: str) -> User:
    """An active member; coordinators, treasurers and admins need two-factor on to act."""
    user = MembershipFactory.create(network=network, role=role).user
    if role in ELEVATED_ROLES:
        with_two_factor(user)
    return user


# The stranger's login, for the login form.
LOGIN_EMAIL = "stranger@example.org"


def build_world() -> World:
    world = World(
        a=_side("A"),
        b=_side("B"),
        stranger=UserFactory.create(email=LOGIN_EMAIL),
        signup=make_login_link(),
    )
    for side in (world.a, world.b):
        for person in side.people.values():
            world.key(person)
    world.key(world.stranger)
    return world


# ---------------------------------------------------------------------------- URLs and bodies

# The column mapping an import preview starts with (see potluck/ledger/imports.py).
IMPORT_MAPPING: dict[str, Any] = {}


def url_of(route: Route, obj: Any) -> str:
    """The concrete URL of `route` for `obj`, an object of the route's target kind."""
    api = route.is_api
    match route.target:
        case Target.SITE:
            return reverse(route.name)
        case Target.NETWORK if api:
            query = f"?{urlencode({'network': obj.slug})}" if "GET" in route.methods else ""
            return reverse(route.name) + query
        case Target.NETWORK:
            return reverse(route.name, args=[obj.slug])
        case Target.NEED if api:
            return reverse(route.name, kwargs={"need_id": obj.pk})
        case Target.OFFER if api:
            return reverse(route.name, kwargs={"offer_id": obj.pk})
        case Target.DISBURSEMENT if api:
            return reverse(route.name, kwargs={"disbursement_id": obj.pk})
        case target if target in IN_A_NETWORK:
            return reverse(route.name, args=[obj.network.slug, obj.pk])
        case Target.PLEDGE_LINK:
            return reverse(route.name, args=[obj.token, obj.pledge.pk])
        case Target.INVITE_LINK | Target.STATUS_LINK | Target.LOGIN_LINK:
            return reverse(route.name, args=[obj.token])
        case Target.API_TOKEN:
            return reverse(route.name, args=[obj.pk])
        case Target.RESET_LINK:
            return reverse(route.name, args=[obj.uidb64, obj.token])
        case Target.API_PATH:
            return reverse(route.name, kwargs={"rest": obj})
    raise AssertionError(f"no URL for {route.name}")


def invalid_reset_link(user: User) -> ResetLink:
    return ResetLink(urlsafe_base64_encode(force_bytes(user.pk)), "not-a-valid-token")


def _ask(network: Network) -> dict[str, Any]:
    return {
        "category": network.categories[0],
        "description": "Groceries for two, please.",
        "area": "Old Mill",
        "urgency": "few_days",
        "contact_method": "phone",
        "contact_value": "+1 555 010 9999",
        "contact_times": "",
        "language": network.languages[0],
    }


def _new_network(_obj: Any) -> dict[str, Any]:
    return {
        "name": "Hillside",
        "slug": "world-hillside",
        "languages": ["en"],
        "join_policy": "approval",
        "categories": ["groceries"],
    }


# A valid body for each route that takes one, from the object the URL points at; the others
# are posted empty. Pages that ask for a password or a code again get the sender's.
def _sms_text(_obj: Any) -> dict[str, Any]:
    """A text Twilio passes on: someone asks a network's number for help (HELP)."""
    return {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "From": "+15550100999",
        "To": "+15550100000",
        "Body": "HELP",
    }


BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "sms:twilio": _sms_text,
    "set_language": lambda _obj: {"language": "es", "next": "/"},
    "accounts:signup": lambda _obj: {
        "display_name": "Newcomer",
        "login": "newcomer@example.org",
        "password": "a long enough passphrase",
        "language": "en",
    },
    "accounts:login": lambda _obj: {"username": LOGIN_EMAIL, "password": PASSWORD},
    "accounts:account": lambda _obj: {"display_name": "Renamed", "language": "es"},
    "accounts:login_change": lambda _obj: {"login": "new-address@example.org"},
    "accounts:two_factor_code": lambda _obj: {"code": "000000"},
    "accounts:token_new": lambda _obj: {"name": "laptop"},
    "accounts:password_reset": lambda _obj: {"email": "nobody@example.org"},
    "accounts:password_reset_confirm": lambda _obj: {
        "new_password1": "another long passphrase",
        "new_password2": "another long passphrase",
    },
    "privacy:delete": lambda _obj: {"password": PASSWORD},
    "notifications:settings": lambda _obj: {
        "channels": ["web"],
        "mode": "digest",
        "quiet_start": "22",
        "quiet_end": "7",
        "language": "en",
    },
    "networks:new": _new_network,
    "networks:join": lambda _obj: {"note": "Hello"},
    "networks:membership_answer": lambda _obj: {"answer": "approve"},
    "networks:membership_role": lambda _obj: {"role": Role.VOLUNTEER},
    "networks:invitation_new": lambda _obj: {"role": Role.MEMBER, "max_uses": "1"},
    "networks:reach": lambda _obj: {
        "phone_number": "+1 555 010 0100",
        "sms_number": "+1 555 010 0200",
        "sms_keyword": "riverside",
    },
    "needs:ask": _ask,
    "needs:intake": _ask,
    "needs:release": lambda _obj: {"reason": "I can't make it after all."},
    "needs:close": lambda _obj: {"outcome": Need.Status.CLOSED},
    "needs:note": lambda _obj: {"body": "Left a voicemail."},
    "needs:offer_new": lambda _obj: {"kind": "rides", "title": "Rides on Sundays"},
    "needs:offer_detail": lambda _obj: {"body": "I could use a ride on Sunday."},
    "needs:match_detail": lambda _obj: {"body": "See you at five."},
    "volunteers:profile": lambda network: {
        "categories": network.categories[:2],
        "skills": "first aid, cooking",
        "languages": network.languages[:1],
        "where": "areas",
        "areas": network.areas[:1],
        "travel": "bike",
        "slots": ["mon-am", "sat-pm"],
        "weekly_cap": "3",
    },
    "volunteers:pause": lambda _obj: {"week": "1"},
    "volunteers:checkin": lambda _obj: {"answer": "break"},
    "matching:dispatch": lambda network: _dispatch_form(network),
    "outreach:broadcasts": lambda network: {
        "message": "Can anyone help at the pantry on Saturday?",
        "channels": ["email", "web"],
        "token": "world-broadcast-token",
        "confirm": "1",
    },
    "outreach:chat_groups": lambda _obj: {
        "name": "Volunteers",
        "kind": "discord",
        "url": "https://discord.example.org/api/webhooks/1/world",
    },
    "outreach:chat_group_toggle": _world_hook,
    "outreach:chat_group_delete": _world_hook,
    "outreach:chat_group_test": _world_hook,
    "status:message": lambda _obj: {"body": "Thank you, evenings are best."},
    "status:language": lambda _obj: {"language": "es"},
    "api:create_need": lambda network: {**_ask(network), "network": network.slug},
    "api:release_need": lambda _obj: {"reason": ""},
    "api:close_need": lambda _obj: {"outcome": Need.Status.CLOSED},
    "api:create_offer": lambda network: {
        "network": network.slug,
        "kind": "rides",
        "title": "Rides on Sundays",
    },
    "api:respond_to_offer": lambda _obj: {"message": "I could use a ride on Sunday."},
    "ledger:ask": lambda network: _money_ask(network),
    "ledger:need_request": lambda need: _money_ask(need.network),
    "ledger:reimburse": lambda network: {**_money_ask(network), "receipt": _receipt_upload()},
    "ledger:import_new": lambda network: {
        "file": SimpleUploadedFile(
            "bank.csv", b"Date,Amount,Name\n2026-11-02,15.00,Bo\n", content_type="text/csv"
        ),
        "fund": network.accounts.get(is_general=True).pk,
    },
    "ledger:pledge_new": lambda _obj: {"amount": "20"},
    "ledger:refuse": lambda _obj: {"reason": "The fund is empty this week."},
    "ledger:donation_new": lambda network: {
        "amount": "25",
        "received_on": timezone.localdate().isoformat(),
        "method": "cash",
        "fund": network.accounts.get(is_general=True).pk,
    },
    "ledger:fund_new": lambda _obj: {"name": "Bail fund", "description": "Bail, fast."},
    "ledger:policy": lambda _obj: {
        "currency": "USD",
        "max_per_request": "100",
        "max_per_person_month": "200",
        "second_approval_above": "50",
        "pledge_days": "7",
    },
    "ledger:campaign_new": lambda network: {
        "title": "Winter coats",
        "description": "Coats for the cold months.",
        "goal": "500",
        "fund": network.accounts.get(is_general=True).pk,
    },
    "ledger:import_preview": lambda _obj: {"discard": "1"},
    "ledger_status:pledge_handle": lambda _obj: {"payout_handle": "@my-venmo"},
    "api:create_donation": lambda network: {
        "network": network.slug,
        "amount": 2500,
        "received_on": timezone.localdate().isoformat(),
        "method": "cash",
    },
    "api:create_disbursement": lambda network: {
        **_money_ask(network),
        "network": network.slug,
        "amount": 2000,
    },
    "api:refuse_disbursement": lambda _obj: {"reason": "The fund is empty this week."},
}


def _receipt_upload() -> SimpleUploadedFile:
    image = BytesIO()
    PILImage.new("RGB", (8, 8), (200, 200, 200)).save(image, format="PNG")
    return SimpleUploadedFile("receipt.png", image.getvalue(), content_type="image/png")


def _money_ask(network: Network) -> dict[str, Any]:
    return {
        "amount": "20",
        "category": network.categories[0],
        "payout_method": "venmo",
        "payout_handle": "@asker-handle",
    }


def _dispatch_form(network: Network) -> dict[str, Any]:
    """The review form with one row ticked: the open need nobody was asked to take yet, sent
    to the network's helper (the one volunteer with a profile)."""
    waiting = Dispatch.objects.filter(status=Dispatch.Status.PENDING).values("need_id")
    need = Need.objects.filter(network=network, status=Need.Status.OPEN).exclude(pk__in=waiting)
    first = need.order_by("pk").first()
    profile = VolunteerProfile.objects.filter(network=network).order_by("pk").first()
    if first is None or profile is None:
        return {}
    return {"include": [first.pk], f"volunteer-{first.pk}": profile.user_id}


def signature_headers(route: Route, url: str, body: dict[str, Any]) -> dict[str, str]:
    """What the provider behind a signed route adds to each request (Twilio signs the public
    URL and the form fields with the auth token); nothing for other routes."""
    if not route.signed:
        return {}
    validator = RequestValidator(settings.POTLUCK_TWILIO_AUTH_TOKEN)
    return {"X-Twilio-Signature": validator.compute_signature(settings.SITE_URL + url, body)}


def body_for(route: Route, obj: Any, sender: User | None = None) -> dict[str, Any]:
    make = BODIES.get(route.name)
    body = make(obj) if make else {}
    if route.name in CONFIRMING:
        body.update({"password": PASSWORD, "code": totp_code(sender)})
    if route.name == "accounts:two_factor_setup":
        body.update(_setup_fields(sender))
    return body


def _setup_fields(user: User | None) -> dict[str, str]:
    """What the set-up form sends: its signed key and the first code the app shows for it."""
    if user is None or two_factor_enabled(user):
        return {"code": "000000"}
    device = two_factor_begin(user=user)
    return {"code": _code_of(device), "setup": setup_key_sign(device)}


# Pages where people type their password (and code) again.
CONFIRMING = frozenset({"accounts:reauth"})
