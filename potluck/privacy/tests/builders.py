"""Data with every kind of personal detail in it, made through the real services."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from potluck.accounts.models import User
from potluck.conftest import with_two_factor
from potluck.needs import services as need_services
from potluck.needs.models import Match, Need, Offer
from potluck.networks.models import Network, Role
from potluck.networks.permissions import ELEVATED_ROLES
from potluck.networks.tests.factories import MembershipFactory

DESCRIPTION = "Insulin and groceries; I can't leave the flat, my ex is outside."
CONTACT = "+15550107777"
TIMES = "Only after 9pm"


@dataclass
class LivedNeed:
    need: Need
    token: str
    requester: User
    volunteer: User
    coordinator: User


def member(network: Network, role: str = Role.MEMBER) -> User:
    user = MembershipFactory.create(network=network, role=role).user
    if role in ELEVATED_ROLES:
        with_two_factor(user)  # elevated roles act as such only with two-factor on
    return user


def lived_need(network: Network, *, requester: User | None = None, close: bool = True) -> LivedNeed:
    """A need asked by a member, claimed twice (the first claim ran out), revealed, messaged,
    noted, delivered and closed: every table that holds a need's details gets a row."""
    requester = requester or member(network)
    first, volunteer = member(network, Role.VOLUNTEER), member(network, Role.VOLUNTEER)
    coordinator = member(network, Role.COORDINATOR)
    need, token = need_services.need_create(
        network=network,
        category="groceries",
        description=DESCRIPTION,
        area="Eastgate, near the library",
        urgency="today",
        contact_method="sms",
        contact_value=CONTACT,
        contact_times=TIMES,
        language="es",
        requester=requester,
    )
    need_services.need_claim(need=need, volunteer=first)
    need_services.claims_expire(now=timezone.now() + timedelta(days=3))  # {"volunteer": id}
    need.refresh_from_db()
    need_services.need_claim(need=need, volunteer=volunteer)
    need_services.need_reveal_contact(need=need, by=volunteer)
    need_services.need_reveal_contact(need=need, by=coordinator)
    need_services.need_add_requester_message(need=need, body="The buzzer is broken, call me.")
    need_services.need_add_note(need=need, author=volunteer, body="Left a voicemail at 9:10pm.")
    need_services.need_mark_delivered(need=need, by=volunteer)
    if close:
        need_services.need_close(need=need, by=coordinator)
    need.refresh_from_db()
    return LivedNeed(need, token, requester, volunteer, coordinator)


def offer_conversation(network: Network, *, close: bool = True) -> Match:
    """An offer answered by another member, a few messages, then both closed."""
    author, responder = member(network), member(network)
    offer = need_services.offer_create(
        network=network,
        author=author,
        kind=Offer.Kind.ROOM,
        title="A spare room for a week",
        description="Ground floor, my address is 12 Elm Street.",
    )
    match = need_services.offer_respond(
        offer=offer, responder=responder, message="I need somewhere safe, I'm at the shelter."
    )
    need_services.match_message_add(match=match, author=author, body="Call me on 555 0101.")
    if close:
        need_services.match_close(match=match, by=author)
        need_services.offer_close(offer=offer, by=author)
    match.refresh_from_db()
    return match


PAYOUT_HANDLE = "@canary-venmo-handle"
DONOR_NAME = "Canary Donor Name"


def settled_money(network: Network) -> None:
    """Money asked for, paid, refused, reimbursed with a receipt, pledged and confirmed, given
    by a named donor, and a bank export left in preview: every money table with a detail."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from potluck.core.tests.test_images import photo
    from potluck.ledger import services as money
    from potluck.ledger.models import DonationImport, Method
    from potluck.ledger.receipts import receipt_clean

    first, second = member(network, Role.TREASURER), member(network, Role.ADMIN)
    asker, helper = member(network), member(network, Role.VOLUNTEER)
    fund = network.accounts.get(is_general=True)
    money.donation_record(
        network=network,
        actor=first,
        fund=fund,
        amount=50_000,
        received_on=timezone.localdate(),
        method=Method.VENMO,
        donor_name=DONOR_NAME,
    )
    ask = {"category": network.categories[0], "payout_method": "venmo"}
    paid = money.disbursement_request(
        network=network,
        requested_by=asker,
        amount=2000,
        payout_handle=PAYOUT_HANDLE,
        purpose="Rent is late, please",
        **ask,
    )
    money.disbursement_approve(disbursement=paid, treasurer=first)
    money.disbursement_pay(disbursement=paid, treasurer=second)
    refused = money.disbursement_request(
        network=network, requested_by=asker, amount=1000, payout_handle=PAYOUT_HANDLE, **ask
    )
    money.disbursement_refuse(disbursement=refused, treasurer=first, reason="The fund is empty")
    image = photo()
    upload = SimpleUploadedFile("receipt.jpg", image.read(), content_type="image/jpeg")
    reimbursed = money.disbursement_request(
        network=network,
        requested_by=helper,
        amount=1500,
        kind="reimbursement",
        receipt=receipt_clean(upload),
        payout_handle=PAYOUT_HANDLE,
        **ask,
    )
    money.disbursement_approve(disbursement=reimbursed, treasurer=first)
    money.disbursement_pay(disbursement=reimbursed, treasurer=first)
    need, _token = need_services.need_create(
        network=network,
        category="money",
        description=DESCRIPTION,
        area="Eastgate",
        urgency="today",
        contact_method="sms",
        contact_value=CONTACT,
        language="en",
    )
    pledge = money.pledge_make(need=need, donor=member(network), amount=3000)
    money.pledge_handle_give(pledge=pledge, payout_handle=PAYOUT_HANDLE)
    money.pledge_confirm_paid(pledge=pledge, donor=pledge.donor)
    money.pledge_confirm_received(pledge=pledge)
    need_services.need_close(need=need, by=member(network, Role.COORDINATOR))
    DonationImport.objects.create(
        network=network, uploaded_by=first, fund=fund, content=f"Date,Amount,Name\n,1,{DONOR_NAME}"
    )
