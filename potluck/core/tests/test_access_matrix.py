"""Who may open which page and call which API operation: a declared policy, tested in full.

POLICY is the spec. Each line is one route and method, the state of the object the URL points
at, and whose object it is; the columns say what each kind of person gets in that object's
network. The test builds every case a line stands for (each kind of person, in their own
network and in another, with their own object or someone else's) and checks what happens.

    Y  allowed: the page shows (200); the action happens (2xx or a redirect, and rows change)
    C  allowed, and the answer shows what the person who asked told only their helpers:
       the need's contact details (every reveal is logged) or their messages
    x  may see it but not do it: the page redirects back with a message or shows the form
       again, the API answers 403; nothing changes
    .  hidden: 404, exactly as if it did not exist; nothing changes
    L  sign in first: pages redirect to the login page (before looking anything up, so they
       reveal nothing), the API answers 401; nothing changes
    >  sent elsewhere (a redirect) without acting
    -  not a case: anonymous people own nothing; a stranger has no membership of their own

A "stale" state means the person typed their password long enough ago that pages which change
how they log in ask for it (and a two-factor code) again; otherwise they have just logged in.
Coordinators, treasurers and admins have two-factor on and their session verified by a code.

Whose object: "-" someone else's (or nobody's), "own" their API token, "claimant" they hold
the need's claim, "author" they wrote the offer, "responder" they answered the offer,
"offerer" they wrote the offer the conversation is about, "self" their own membership (or
their own volunteer profile: "paused" resting, "asked" with a check-in question waiting),
"recipient" the need was sent to them to accept or decline (a dispatch), "asker" they asked
for the money (and would receive it), "donor" they pledged it.

In another network everyone is a stranger: each role gets the stranger column there, even
for things that are theirs (a former member still named as a claimant sees nothing). Links
that work by a secret token (status pages, invitations) work for whoever holds them.
"""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from potluck.accounts.models import User
from potluck.accounts.services import api_token_create
from potluck.core.tests.conftest import (
    api_client,
    changes,
    fingerprint,
    forget_password_typed,
    html_client,
)
from potluck.core.tests.routes import (
    ACTORS,
    CATALOGUE,
    MONEY_NEED_STATES,
    NETWORK_TARGETS,
    ROUTES,
    VOLUNTEER_STATES,
    LoginLink,
    PledgeLink,
    Route,
    Side,
    StatusLink,
    Target,
    World,
    body_for,
    invalid_reset_link,
    make_campaign,
    make_disbursement,
    make_dispatch,
    make_donation,
    make_import,
    make_login_link,
    make_match,
    make_money_need,
    make_need,
    make_offer,
    make_pledge,
    make_pledge_link,
    make_volunteer_state,
    resolver_routes,
    signature_headers,
    url_of,
)
from potluck.ledger.models import Disbursement, Pledge
from potluck.needs.models import Need, NeedNote
from potluck.networks.models import Invitation, Membership, Network, Role
from potluck.networks.tests.factories import InvitationFactory, MembershipFactory

POLICY = """
route                           method state     whose     anon strg pend memb volu coor trea admn
home                            GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
set_language                    POST   -         -         Y    Y    Y    Y    Y    Y    Y    Y
ops:live                        GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
ops:ready                       GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
ops:metrics                     GET    -         -         .    .    .    .    .    .    .    .
accounts:signup                 GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:signup                 POST   -         -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:signup_sent            GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:verify                 GET    signup    -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:verify                 GET    unknown   -         .    .    .    .    .    .    .    .
accounts:verify                 POST   signup    -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:verify                 POST   unknown   -         .    .    .    .    .    .    .    .
accounts:login                  GET    -         -         Y    >    >    >    >    >    >    >
accounts:login                  POST   -         -         Y    x    x    x    x    x    x    x
accounts:logout                 POST   -         -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:reauth                 GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
accounts:reauth                 POST   stale     -         L    Y    Y    Y    Y    Y    Y    Y
accounts:account                GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
accounts:account                POST   -         -         L    Y    Y    Y    Y    Y    Y    Y
accounts:login_change           GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
accounts:login_change           GET    stale     -         L    >    >    >    >    >    >    >
accounts:login_change           POST   -         -         L    Y    Y    Y    Y    Y    Y    Y
accounts:login_change           POST   stale     -         L    x    x    x    x    x    x    x
accounts:log_out_everywhere     POST   -         -         L    Y    Y    Y    Y    Y    Y    Y
accounts:two_factor             GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
accounts:two_factor_code        GET    -         -         >    >    >    >    >    >    >    >
accounts:two_factor_code        POST   -         -         x    x    x    x    x    x    x    x
accounts:two_factor_setup       GET    -         -         L    Y    Y    Y    Y    >    >    >
accounts:two_factor_setup       GET    stale     -         L    >    >    >    >    >    >    >
accounts:two_factor_setup       POST   -         -         L    Y    Y    Y    Y    x    x    x
accounts:two_factor_recovery    GET    -         -         L    >    >    >    >    >    >    >
accounts:two_factor_recovery_new POST  -         -         L    x    x    x    x    Y    Y    Y
accounts:two_factor_recovery_new POST  stale     -         L    x    x    x    x    x    x    x
accounts:two_factor_off         POST   -         -         L    x    x    x    x    x    x    x
accounts:token_new              POST   -         -         L    Y    Y    Y    Y    Y    Y    Y
accounts:token_revoke           POST   -         -         L    x    x    x    x    x    x    x
accounts:token_revoke           POST   -         own       -    Y    Y    Y    Y    Y    Y    Y
accounts:password_reset         GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:password_reset         POST   -         -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:password_reset_done    GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:password_reset_confirm GET    invalid   -         Y    Y    Y    Y    Y    Y    Y    Y
accounts:password_reset_confirm POST   invalid   -         x    x    x    x    x    x    x    x
accounts:password_reset_complete GET   -         -         Y    Y    Y    Y    Y    Y    Y    Y
privacy:data                    GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
privacy:export                  POST   -         -         L    Y    Y    C    Y    Y    Y    Y
privacy:delete                  GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
privacy:delete                  POST   -         -         L    Y    Y    Y    Y    Y    Y    x
notifications:inbox             GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
notifications:settings          GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
notifications:settings          POST   -         -         L    Y    Y    Y    Y    Y    Y    Y

networks:new                    GET    -         -         L    Y    Y    Y    Y    Y    Y    Y
networks:new                    POST   -         -         L    Y    Y    Y    Y    Y    Y    Y
networks:invitation             GET    usable    -         Y    Y    Y    Y    Y    Y    Y    Y
networks:invitation             GET    unknown   -         .    .    .    .    .    .    .    .
networks:invitation             POST   usable    -         L    Y    Y    x    x    x    x    x
networks:home                   GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
networks:home                   GET    unknown   -         .    .    .    .    .    .    .    .
networks:join                   POST   -         -         L    Y    x    x    x    x    x    x
networks:members                GET    -         -         L    .    .    .    .    Y    .    Y
networks:membership_answer      POST   pending   -         L    .    .    .    .    Y    .    Y
networks:membership_role        POST   member    -         L    .    .    .    .    Y    .    Y
networks:membership_role        POST   admin     -         L    .    .    .    .    x    .    Y
networks:membership_role        POST   -         self      -    -    .    .    .    Y    .    x
networks:invitation_new         POST   -         -         L    .    .    .    .    Y    .    Y
networks:invitation_revoke      POST   -         -         L    .    .    .    .    Y    .    Y
networks:reach                  GET    -         -         L    .    .    .    .    Y    .    Y
networks:reach                  POST   -         -         L    .    .    .    .    Y    .    Y
networks:flyer                  GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
networks:flyer                  GET    unknown   -         .    .    .    .    .    .    .    .
networks:noticeboard            GET    -         -         L    .    .    Y    Y    Y    Y    Y

needs:ask                       GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
needs:ask                       POST   -         -         Y    Y    Y    Y    Y    Y    Y    Y
needs:board                     GET    -         -         L    .    .    Y    Y    Y    Y    Y
needs:intake                    GET    -         -         L    .    .    .    Y    Y    Y    Y
needs:intake                    POST   -         -         L    .    .    .    Y    Y    Y    Y
needs:detail                    GET    open      -         L    .    .    Y    Y    C    Y    C
needs:detail                    GET    claimed   claimant  -    .    .    Y    C    C    C    C
needs:claim                     POST   open      -         L    .    .    x    Y    Y    Y    Y
needs:release                   POST   claimed   -         L    .    .    x    x    Y    x    Y
needs:release                   POST   claimed   claimant  -    .    .    Y    Y    Y    Y    Y
needs:deliver                   POST   claimed   -         L    .    .    x    x    Y    x    Y
needs:deliver                   POST   claimed   claimant  -    .    .    Y    Y    Y    Y    Y
needs:close                     POST   open      -         L    .    .    x    x    Y    x    Y
needs:close                     POST   delivered -         L    .    .    x    x    Y    x    Y
needs:close                     POST   delivered claimant  -    .    .    Y    Y    Y    Y    Y
needs:note                      POST   claimed   -         L    .    .    x    x    Y    x    Y
needs:note                      POST   claimed   claimant  -    .    .    x    Y    Y    Y    Y
needs:reveal                    POST   claimed   -         L    .    .    x    x    C    x    C
needs:reveal                    POST   claimed   claimant  -    .    .    x    C    C    C    C
needs:reveal                    POST   closed    claimant  -    .    .    x    x    x    x    x
needs:triage                    GET    -         -         L    .    .    .    .    Y    .    Y
needs:my_claims                 GET    -         -         L    .    .    Y    Y    Y    Y    Y
needs:offers                    GET    -         -         L    .    .    Y    Y    Y    Y    Y
needs:offer_new                 GET    -         -         L    .    .    Y    Y    Y    Y    Y
needs:offer_new                 POST   -         -         L    .    .    Y    Y    Y    Y    Y
needs:offer_detail              GET    open      -         L    .    .    Y    Y    Y    Y    Y
needs:offer_detail              GET    open      author    -    .    .    Y    Y    Y    Y    Y
needs:offer_detail              POST   open      -         L    .    .    Y    Y    Y    Y    Y
needs:offer_detail              POST   open      author    -    .    .    x    x    x    x    x
needs:offer_close               POST   open      -         L    .    .    x    x    Y    x    Y
needs:offer_close               POST   open      author    -    .    .    Y    Y    Y    Y    Y
needs:match_detail              GET    open      -         L    .    .    .    .    .    .    .
needs:match_detail              GET    open      responder -    .    .    Y    Y    Y    Y    Y
needs:match_detail              GET    open      offerer   -    .    .    Y    Y    Y    Y    Y
needs:match_detail              POST   open      -         L    .    .    .    .    .    .    .
needs:match_detail              POST   open      responder -    .    .    Y    Y    Y    Y    Y
needs:match_detail              POST   open      offerer   -    .    .    Y    Y    Y    Y    Y
needs:match_close               POST   open      -         L    .    .    .    .    .    .    .
needs:match_close               POST   open      responder -    .    .    Y    Y    Y    Y    Y
needs:match_close               POST   open      offerer   -    .    .    Y    Y    Y    Y    Y

volunteers:profile              GET    -         -         L    .    .    .    Y    Y    Y    Y
volunteers:profile              POST   -         -         L    .    .    .    Y    Y    Y    Y
volunteers:pause                POST   -         -         L    .    .    .    Y    Y    Y    Y
volunteers:resume               POST   -         -         L    .    .    .    x    x    x    x
volunteers:resume               POST   paused    self      -    -    .    .    Y    Y    Y    Y
volunteers:checkin              POST   -         -         L    .    .    .    x    x    x    x
volunteers:checkin              POST   asked     self      -    -    .    .    Y    Y    Y    Y
volunteers:workload             GET    -         -         L    .    .    .    .    Y    .    Y

matching:review                 GET    -         -         L    .    .    .    .    Y    .    Y
matching:suggest                POST   -         -         L    .    .    .    .    Y    .    Y
matching:dispatch               POST   -         -         L    .    .    .    .    Y    .    Y
matching:my_tasks               GET    -         -         L    .    .    .    Y    Y    Y    Y
matching:accept                 POST   pending   -         L    .    .    .    .    .    .    .
matching:accept                 POST   pending   recipient -    .    .    .    Y    Y    Y    Y
matching:decline                POST   pending   -         L    .    .    .    .    .    .    .
matching:decline                POST   pending   recipient -    .    .    .    Y    Y    Y    Y

outreach:broadcasts             GET    -         -         L    .    .    .    .    Y    .    Y
outreach:broadcasts             POST   -         -         L    .    .    .    .    Y    .    Y
outreach:chat_groups            GET    -         -         L    .    .    .    .    Y    .    Y
outreach:chat_groups            POST   -         -         L    .    .    .    .    Y    .    Y
outreach:chat_group_toggle      POST   -         -         L    .    .    .    .    Y    .    Y
outreach:chat_group_delete      POST   -         -         L    .    .    .    .    Y    .    Y
outreach:chat_group_test        POST   -         -         L    .    .    .    .    Y    .    Y

ledger:transparency             GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
ledger:transparency             GET    unknown   -         .    .    .    .    .    .    .    .
ledger:transparency_csv         GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
ledger:campaign                 GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
ledger:ask                      GET    -         -         L    .    .    Y    Y    Y    Y    Y
ledger:ask                      POST   -         -         L    .    .    Y    Y    Y    Y    Y
ledger:reimburse                GET    -         -         L    .    .    .    Y    Y    Y    Y
ledger:reimburse                POST   -         -         L    .    .    .    Y    Y    Y    Y
ledger:mine                     GET    -         -         L    .    .    Y    Y    Y    Y    Y
ledger:need_request             GET    money     -         L    .    .    >    >    Y    >    Y
ledger:need_request             GET    money_claimed claimant -  .    .    Y    Y    Y    Y    Y
ledger:need_request             POST   money     -         L    .    .    x    x    Y    x    Y
ledger:need_request             POST   money_claimed claimant -  .    .    Y    Y    Y    Y    Y
ledger:request                  GET    requested -         L    .    .    .    .    .    C    C
ledger:request                  GET    requested asker     -    .    .    C    C    C    C    C
ledger:receipt                  GET    receipt   -         L    .    .    .    .    .    Y    Y
ledger:receipt                  GET    receipt   asker     -    .    .    Y    Y    Y    Y    Y
ledger:approve                  POST   requested -         L    .    .    .    .    .    Y    Y
ledger:approve                  POST   requested asker     -    .    .    x    x    x    x    x
ledger:refuse                   POST   requested -         L    .    .    .    .    .    Y    Y
ledger:refuse                   POST   requested asker     -    .    .    x    x    x    x    x
ledger:pay                      POST   approved  -         L    .    .    .    .    .    Y    Y
ledger:pay                      POST   approved  asker     -    .    .    x    x    x    x    x
ledger:reverse                  POST   paid      -         L    .    .    .    .    .    Y    Y
ledger:reverse                  POST   paid      asker     -    .    .    x    x    x    x    x
ledger:cancel                   POST   requested -         L    .    .    .    .    .    x    x
ledger:cancel                   POST   requested asker     -    .    .    Y    Y    Y    Y    Y
ledger:pledge_new               POST   money     -         L    .    .    Y    Y    Y    Y    Y
ledger:pledge                   GET    pledged   -         L    .    .    .    .    Y    Y    Y
ledger:pledge                   GET    pledged   donor     -    .    .    C    C    C    C    C
ledger:pledge_paid              POST   pledged   -         L    .    .    .    .    x    x    x
ledger:pledge_paid              POST   pledged   donor     -    .    .    Y    Y    Y    Y    Y
ledger:pledge_received          POST   pledged   -         L    .    .    .    .    Y    x    Y
ledger:pledge_received          POST   pledged   donor     -    .    .    x    x    x    x    x
ledger:pledge_cancel            POST   pledged   -         L    .    .    .    .    x    x    x
ledger:pledge_cancel            POST   pledged   donor     -    .    .    Y    Y    Y    Y    Y
ledger:treasury                 GET    -         -         L    .    .    .    .    .    Y    Y
ledger:donations                GET    -         -         L    .    .    .    .    .    Y    Y
ledger:donation_new             GET    -         -         L    .    .    .    .    .    Y    Y
ledger:donation_new             POST   -         -         L    .    .    .    .    .    Y    Y
ledger:donation_reverse         POST   -         -         L    .    .    .    .    .    Y    Y
ledger:fund_new                 GET    -         -         L    .    .    .    .    .    Y    Y
ledger:fund_new                 POST   -         -         L    .    .    .    .    .    Y    Y
ledger:policy                   GET    -         -         L    .    .    .    .    .    Y    Y
ledger:policy                   POST   -         -         L    .    .    .    .    .    Y    Y
ledger:campaign_new             GET    -         -         L    .    .    .    .    .    Y    Y
ledger:campaign_new             POST   -         -         L    .    .    .    .    .    Y    Y
ledger:campaign_close           POST   -         -         L    .    .    .    .    .    Y    Y
ledger:import_new               GET    -         -         L    .    .    .    .    .    Y    Y
ledger:import_new               POST   -         -         L    .    .    .    .    .    Y    Y
ledger:import_preview           GET    -         -         L    .    .    .    .    .    Y    Y
ledger:import_preview           POST   -         -         L    .    .    .    .    .    Y    Y
ledger:ledger_csv               GET    -         -         L    .    .    .    .    .    Y    Y
ledger:balance_check            GET    -         -         L    .    .    .    .    .    Y    Y
ledger_status:pledge_handle     POST   pledged   -         Y    Y    Y    Y    Y    Y    Y    Y
ledger_status:pledge_handle     POST   unknown   -         .    .    .    .    .    .    .    .
ledger_status:pledge_received   POST   pledged   -         Y    Y    Y    Y    Y    Y    Y    Y

sms:twilio                      POST   -         -         Y    Y    Y    Y    Y    Y    Y    Y
status:detail                   GET    open      -         C    C    C    C    C    C    C    C
status:detail                   GET    unknown   -         .    .    .    .    .    .    .    .
status:message                  POST   open      -         Y    Y    Y    Y    Y    Y    Y    Y
status:confirm                  POST   delivered -         Y    Y    Y    Y    Y    Y    Y    Y
status:confirm                  POST   unknown   -         .    .    .    .    .    .    .    .
status:withdraw                 POST   open      -         Y    Y    Y    Y    Y    Y    Y    Y
status:language                 POST   open      -         Y    Y    Y    Y    Y    Y    Y    Y
status:still_needed             POST   open      -         Y    Y    Y    Y    Y    Y    Y    Y
status:still_needed             POST   closed    -         x    x    x    x    x    x    x    x
status:still_needed             POST   unknown   -         .    .    .    .    .    .    .    .

api:api-root                    GET    -         -         .    .    .    .    .    .    .    .
api:openapi-json                GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
api:list_needs                  GET    -         -         L    .    .    Y    Y    Y    Y    Y
api:create_need                 POST   -         -         L    .    .    Y    Y    Y    Y    Y
api:get_need                    GET    open      -         L    .    .    Y    Y    Y    Y    Y
api:get_need                    GET    claimed   claimant  -    .    .    Y    Y    Y    Y    Y
api:reveal_need_contact         POST   claimed   -         L    .    .    x    x    C    x    C
api:reveal_need_contact         POST   claimed   claimant  -    .    .    x    C    C    C    C
api:get_need                    GET    closed    -         L    .    .    Y    Y    Y    Y    Y
api:claim_need                  POST   open      -         L    .    .    x    Y    Y    Y    Y
api:release_need                POST   claimed   -         L    .    .    x    x    Y    x    Y
api:release_need                POST   claimed   claimant  -    .    .    Y    Y    Y    Y    Y
api:deliver_need                POST   claimed   -         L    .    .    x    x    Y    x    Y
api:deliver_need                POST   claimed   claimant  -    .    .    Y    Y    Y    Y    Y
api:close_need                  POST   delivered -         L    .    .    x    x    Y    x    Y
api:close_need                  POST   delivered claimant  -    .    .    Y    Y    Y    Y    Y
api:list_offers                 GET    -         -         L    .    .    Y    Y    Y    Y    Y
api:create_offer                POST   -         -         L    .    .    Y    Y    Y    Y    Y
api:get_offer                   GET    open      -         L    .    .    Y    Y    Y    Y    Y
api:get_offer                   GET    open      author    -    .    .    Y    Y    Y    Y    Y
api:respond_to_offer            POST   open      -         L    .    .    Y    Y    Y    Y    Y
api:respond_to_offer            POST   open      author    -    .    .    x    x    x    x    x
api:money_summary               GET    -         -         Y    Y    Y    Y    Y    Y    Y    Y
api:create_donation             POST   -         -         L    .    .    x    x    x    Y    Y
api:list_donations              GET    -         -         L    .    .    x    x    x    Y    Y
api:create_disbursement         POST   -         -         L    .    .    Y    Y    Y    Y    Y
api:list_disbursements          GET    -         -         L    .    .    C    Y    Y    C    C
api:get_disbursement            GET    requested -         L    .    .    .    .    .    C    C
api:get_disbursement            GET    requested asker     -    .    .    C    C    C    C    C
api:approve_disbursement        POST   requested -         L    .    .    .    .    .    C    C
api:approve_disbursement        POST   requested asker     -    .    .    x    x    x    x    x
api:refuse_disbursement         POST   requested -         L    .    .    .    .    .    C    C
api:refuse_disbursement         POST   requested asker     -    .    .    x    x    x    x    x
api:pay_disbursement            POST   approved  -         L    .    .    .    .    .    C    C
api:pay_disbursement            POST   approved  asker     -    .    .    x    x    x    x    x
api:reverse_disbursement        POST   paid      -         L    .    .    .    .    .    C    C
api:reverse_disbursement        POST   paid      asker     -    .    .    x    x    x    x    x
api:not_found                   GET    -         -         .    .    .    .    .    .    .    .
api:not_found                   POST   -         -         .    .    .    .    .    .    .    .
"""

# The smallest believable matrix: it only grows as routes and rules are added.
MATRIX_FLOOR = 1500


@dataclass(frozen=True)
class Line:
    route: Route
    method: str
    state: str
    whose: str
    allowed: dict[str, str]  # actor -> outcome

    def __str__(self) -> str:
        return f"{self.route.name} {self.method} {self.state} {self.whose}"


@dataclass(frozen=True)
class Case:
    line: Line
    actor: str
    where: str  # "own" network or "other"
    expected: str


def parse(text: str) -> list[Line]:
    header, *rows = [line.split() for line in text.strip().splitlines() if line.strip()]
    assert header[4:] == ["anon", "strg", "pend", "memb", "volu", "coor", "trea", "admn"]
    lines = []
    for name, method, state, whose, *cells in rows:
        assert len(cells) == len(ACTORS), name
        lines.append(
            Line(ROUTES[name], method, state, whose, dict(zip(ACTORS, cells, strict=True)))
        )
    return lines


LINES = parse(POLICY)


def cases(line: Line) -> list[Case]:
    """Every case `line` stands for: each person, in their own network and another."""
    wheres = ("own", "other") if line.route.target in NETWORK_TARGETS else ("own",)
    found = []
    for actor in ACTORS:
        for where in wheres:
            expected = line.allowed[actor if where == "own" or actor == "anonymous" else "stranger"]
            if line.allowed[actor] == "-" or (line.whose == "self" and where == "other"):
                continue  # nobody to be: anonymous owns nothing, strangers have no membership
            found.append(Case(line, actor, where, expected))
    return found


CASES = [case for line in LINES for case in cases(line)]


# ---------------------------------------------------------------------------- the catalogue


def test_catalogue_knows_every_route_and_nothing_else() -> None:
    """A new URL pattern fails here until it is in routes.CATALOGUE with its target."""
    found = {(route.name, route.pattern) for route in resolver_routes()}
    known = {(route.name, route.pattern) for route in CATALOGUE}
    assert not found - known, f"routes nobody declared a policy for: {sorted(found - known)}"
    assert not known - found, f"catalogued routes that no longer exist: {sorted(known - found)}"


def test_catalogue_declares_each_api_operations_methods() -> None:
    for route in resolver_routes():
        if route.methods is not None:
            assert ROUTES[route.name].methods == route.methods, route.name


def test_every_route_and_method_has_a_policy_line() -> None:
    declared = {(line.route.name, line.method) for line in LINES}
    needed = {
        (route.name, method)
        for route in CATALOGUE
        for method in route.methods
        if method in ("GET", "POST")
    }
    assert not needed - declared, f"no policy for: {sorted(needed - declared)}"
    assert not declared - needed, f"policy for methods a route does not take: {declared - needed}"


def test_policy_lines_are_consistent() -> None:
    for line in LINES:
        owned = line.whose != "-"
        assert (line.allowed["anonymous"] == "-") == owned, f"{line}: anonymous owns nothing"
        assert set(line.allowed.values()) <= set("YCx.L>-"), line
        assert ("-" in line.allowed.values()) == owned, line


def test_matrix_size(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\naccess matrix: {len(LINES)} policy lines, {len(CASES)} cases")
    assert len(CASES) >= MATRIX_FLOOR


# ---------------------------------------------------------------------------- the matrix


@pytest.mark.django_db
@pytest.mark.parametrize("line", LINES, ids=str)
def test_policy(world: World, line: Line) -> None:
    failures = [failure for case in cases(line) if (failure := check(world, case)) is not None]
    assert not failures, f"{line}\n" + "\n".join(failures)


def check(world: World, case: Case) -> str | None:
    """Run one case in a savepoint that is rolled back; describe it if it went against policy."""
    line, route = case.line, case.line.route
    side = world.a if case.where == "own" else world.b
    user = world.actor(case.actor)
    with transaction.atomic():
        target = make_target(line, side, owner=user if line.whose != "-" else None)
        client = api_client(world, user) if route.is_api else html_client(user)
        if line.state == "stale" and user is not None:
            forget_password_typed(client)
        url = url_of(route, target)
        secrets = private_details()
        before = fingerprint(sessions=False, attempts=False) if line.method == "POST" else {}
        response = send(client, route, line.method, url, target, user)
        wrote = (
            changes(before, fingerprint(sessions=False, attempts=False))
            if line.method == "POST"
            else []
        )
        transaction.set_rollback(True)
    got = outcome(route, line.method, response, wrote=bool(wrote), secrets=secrets)
    if got == case.expected:
        return None
    where = response.get("Location", "")
    return (
        f"  {case.actor} ({case.where} network): expected {case.expected}, got {got}"
        f" — {line.method} {url} -> {response.status_code} {where} {wrote or ''}"
    )


def send(
    client: Client, route: Route, method: str, url: str, target: Any, sender: User | None
) -> HttpResponse:
    if method == "GET":
        return client.get(url)  # type: ignore[return-value]
    body = body_for(route, target, sender)
    if route.is_api:
        return client.post(url, json.dumps(body), content_type="application/json")  # type: ignore[return-value]
    # A signed route (the SMS webhook) works for whoever holds the provider's signature.
    headers = signature_headers(route, url, body)
    return client.post(url, body, headers=headers)  # type: ignore[return-value]


def outcome(
    route: Route, method: str, response: HttpResponse, *, wrote: bool, secrets: set[str]
) -> str:
    """What happened, as one of the POLICY codes."""
    status = response.status_code
    if route.is_api:
        code = {401: "L", 403: "x", 404: "."}.get(status) or ("Y" if status < 300 else str(status))
        if code in ("L", "x", ".") and not _json_error(response, route):
            code += " without the JSON error shape"
    elif status == 404:
        code = "."
    elif status == 302 and _to_login(response["Location"]):
        code = "L"
    elif method == "GET":
        code = {200: "Y", 302: ">"}.get(status, str(status))
    elif status in (200, 302):
        code = "Y" if wrote or route.quiet else "x"
    else:
        code = str(status)
    body = (
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        if response.streaming
        else response.content
    )
    text = body.decode(errors="replace")
    if code == "Y" and any(secret in text for secret in secrets):
        code = "C"
    if method == "POST" and code in ("Y", "C") and not wrote and not route.quiet:
        code += " but nothing changed"
    if wrote and code not in ("Y", "C"):
        code += " and rows changed"
    return code


ERROR_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}


def _json_error(response: HttpResponse, route: Route) -> bool:
    """Whether an API refusal has the one error shape, {"error": {"code", "message"}}."""
    if route.name == "api:api-root":
        return True  # django-ninja's own view for /api/v1/ itself: Django's plain 404 page
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    error = json.loads(response.content).get("error", {})
    if response.status_code == 403:  # a service's refusal names its own reason, e.g. own_request
        return bool(error.get("message")) and bool(error.get("code"))
    return bool(error.get("message")) and error.get("code") == ERROR_CODES[response.status_code]


def _to_login(location: str) -> bool:
    """Sent to log in first, and brought back after (not just shown the login page)."""
    url = urlsplit(location)
    return url.path == reverse(settings.LOGIN_URL) and "next" in parse_qs(url.query)


def private_details() -> set[str]:
    """What people asking for help tell only their helpers: contact details and messages."""
    contacts = Need.objects.values_list("contact_value", flat=True)
    messages = NeedNote.objects.filter(kind=NeedNote.Kind.REQUESTER).values_list("body", flat=True)
    # Where to send someone money: for them, the treasurers deciding, and a pledge's donor.
    handles = [
        *Disbursement.objects.values_list("payout_handle", flat=True),
        *Pledge.objects.values_list("payout_handle", flat=True),
    ]
    return {*contacts, *messages, *(handle for handle in handles if handle)}


# ---------------------------------------------------------------------------- targets


def make_target(line: Line, side: Side, *, owner: User | None) -> Any:
    """The object a case's URL points at, in `line.state`, owned by `owner` if it is theirs."""
    network, state, whose = side.network, line.state, line.whose
    helper, neighbour = side.people["helper"], side.people["neighbour"]
    match line.route.target:
        case Target.SITE:
            return None
        case Target.NETWORK if state in VOLUNTEER_STATES:
            assert owner is not None
            return make_volunteer_state(network=network, user=owner, state=state)
        case Target.NETWORK:
            return Network(slug="no-such-network") if state == "unknown" else network
        case Target.NEED if state in MONEY_NEED_STATES:
            claimant = owner or (helper if state == "money_claimed" else None)
            return make_money_need(network=network, claimant=claimant).need
        case Target.NEED:
            claimant = owner or (helper if state != Need.Status.OPEN else None)
            return make_need(network=network, status=state, claimant=claimant).need
        case Target.STATUS_LINK if state == "unknown":
            return StatusLink("no-such-link", None)
        case Target.STATUS_LINK:
            claimant = helper if state != Need.Status.OPEN else None
            return make_need(network=network, status=state, claimant=claimant)
        case Target.OFFER:
            return make_offer(network=network, author=owner or neighbour)
        case Target.MATCH if whose == "offerer":
            assert owner is not None
            return make_match(offer=make_offer(network=network, author=owner), responder=helper)
        case Target.MATCH:
            offer = make_offer(network=network, author=neighbour)
            return make_match(offer=offer, responder=owner or helper)
        case Target.MEMBERSHIP:
            return _membership(network, state, owner)
        case Target.INVITATION:
            return InvitationFactory.create(network=network, created_by=neighbour, max_uses=5)
        case Target.INVITE_LINK if state == "unknown":
            return Invitation(network=network, token="no-such-invitation")
        case Target.INVITE_LINK:
            return InvitationFactory.create(network=network, max_uses=5)
        case Target.API_TOKEN:
            return api_token_create(user=owner or helper, name="spare")[0]
        case Target.RESET_LINK:
            return invalid_reset_link(helper)
        case Target.LOGIN_LINK if state == "unknown":
            return LoginLink("no-such-link")
        case Target.LOGIN_LINK:
            return make_login_link()
        case Target.API_PATH:
            return "no/such/operation"
        case Target.DISPATCH:
            return make_dispatch(network=network, volunteer=owner or helper)
        case Target.CAMPAIGN:
            return make_campaign(network=network)
        case Target.DISBURSEMENT:
            return make_disbursement(network=network, state=state, asker=owner or helper)
        case Target.DONATION:
            return make_donation(network=network)
        case Target.IMPORT:
            return make_import(network=network)
        case Target.PLEDGE:
            return make_pledge(network=network, donor=owner or neighbour)
        case Target.PLEDGE_LINK if state == "unknown":
            return PledgeLink("no-such-link", make_pledge(network=network, donor=neighbour))
        case Target.PLEDGE_LINK:
            return make_pledge_link(network=network, donor=neighbour)
    raise AssertionError(f"no target for {line}")


def _membership(network: Network, state: str, owner: User | None) -> Membership:
    if owner is not None:  # "self"
        return Membership.objects.get(network=network, user=owner)
    if state == "pending":
        return MembershipFactory.create(
            network=network, role=Role.MEMBER, status=Membership.Status.PENDING
        )
    return MembershipFactory.create(network=network, role=state)


# ---------------------------------------------------------------------------- addresses

# Pages of a network's objects name the network in their address as well as the object.
NAMED_IN_A_NETWORK = [
    route
    for route in CATALOGUE
    if not route.is_api
    and route.target
    in (
        Target.NEED,
        Target.OFFER,
        Target.MATCH,
        Target.MEMBERSHIP,
        Target.INVITATION,
        Target.DISPATCH,
        Target.CAMPAIGN,
        Target.DISBURSEMENT,
        Target.PLEDGE,
    )
]


@pytest.mark.django_db
def test_a_networks_address_does_not_reach_another_networks_objects(world: World) -> None:
    """Someone who coordinates A and is a member of B gets 404 for B's things at A's address,
    so their role in A never applies to B's objects; at B's address they see them."""
    user = world.a.people[Role.COORDINATOR]
    MembershipFactory.create(network=world.b.network, user=user, role=Role.MEMBER)
    theirs_in_b = {
        Target.NEED: world.b.need(Need.Status.CLAIMED),
        Target.OFFER: world.b.offer,
        Target.MATCH: make_match(offer=world.b.offer, responder=user),
        Target.MEMBERSHIP: world.b.waiting,
        Target.INVITATION: world.b.invitation,
        Target.DISPATCH: make_dispatch(network=world.b.network, volunteer=user),
        Target.CAMPAIGN: make_campaign(network=world.b.network),
        Target.DISBURSEMENT: make_disbursement(
            network=world.b.network, state="receipt", asker=user
        ),
        Target.PLEDGE: make_pledge(network=world.b.network, donor=user),
    }
    browser = html_client(user)
    failures = []
    for route in NAMED_IN_A_NETWORK:
        target: Any = theirs_in_b[route.target]
        if route.name.startswith("ledger:") and route.target == Target.NEED:
            target = make_money_need(network=world.b.network, claimant=user).need
        for slug in (world.a.network.slug, world.b.network.slug) if "GET" in route.methods else ():
            url = reverse(route.name, args=[slug, target.pk])
            status = browser.get(url).status_code
            expected = 404 if slug == world.a.network.slug else 200
            if status != expected:
                failures.append(f"GET {url} -> {status}, not {expected}")
        url = reverse(route.name, args=[world.a.network.slug, target.pk])
        if "POST" in route.methods:
            with transaction.atomic():
                before = fingerprint(sessions=False, attempts=False)
                status = send(browser, route, "POST", url, target, user).status_code
                wrote = changes(before, fingerprint(sessions=False, attempts=False))
                transaction.set_rollback(True)
            if status != 404 or wrote:
                failures.append(f"POST {url} -> {status} {wrote}")
    assert not failures, "\n".join(failures)
