"""Demo money for `potluck demo`: funds, donations, a campaign, requests at every stage, a pledge.

Made through the same services as the pages, so the demo books obey every rule and balance.
"""

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from potluck.accounts.models import User
from potluck.ledger import services
from potluck.ledger.models import Account, Method
from potluck.ledger.receipts import receipt_clean
from potluck.needs import services as need_services
from potluck.networks.models import Network

DONATIONS = [
    # (days ago, amount in cents, method, donor, anonymous)
    (40, 25_000, Method.BANK, "Riverside Credit Union staff", False),
    (33, 5_000, Method.VENMO, "", True),
    (21, 12_000, Method.CASHAPP, "Maple Street Book Club", False),
    (12, 2_000, Method.CASH, "", True),
    (5, 7_500, Method.PAYPAL, "A neighbour on Elm", False),
]


def seed_money(*, network: Network, people: dict[str, User]) -> bool:
    """Riverside's books; False if it already has any donations."""
    if network.donations.exists():
        return False
    treasurer, admin = people["treasurer"], people["admin"]
    general = network.accounts.get(is_general=True)
    rent = services.fund_create(
        network=network, actor=treasurer, name="Rent fund", description="Help with rent, fast."
    )
    campaign = services.campaign_create(
        network=network,
        actor=treasurer,
        title="Winter groceries",
        description="Groceries for every household that asks, all winter.",
        goal=150_000,
        fund=general,
    )
    today = timezone.localdate()
    for days, amount, method, donor, anonymous in DONATIONS:
        services.donation_record(
            network=network,
            actor=treasurer,
            fund=rent if days == 21 else general,
            amount=amount,
            received_on=today - timedelta(days=days),
            method=method,
            donor_name=donor,
            anonymous=anonymous,
            campaign=campaign if days < 30 and days != 21 else None,
        )
    _seed_requests(network=network, people=people, treasurer=treasurer, admin=admin, rent=rent)
    _seed_pledge(network=network, people=people)
    return True


def _seed_requests(
    *, network: Network, people: dict[str, User], treasurer: User, admin: User, rent: Account
) -> None:
    # Five households helped with groceries: enough people for the category to show publicly.
    for key in ("member1", "member2", "volunteer1", "volunteer2", "volunteer3"):
        paid = services.disbursement_request(
            network=network,
            requested_by=people[key],
            amount=3_000,
            category="groceries",
            payout_method="venmo",
            payout_handle=f"@{people[key].display_name.lower()}-demo",
        )
        services.disbursement_approve(disbursement=paid, treasurer=treasurer)
        services.disbursement_pay(disbursement=paid, treasurer=treasurer)
    services.disbursement_request(
        network=network,
        requested_by=people["member1"],
        amount=4_000,
        category="groceries",
        payout_method="cashapp",
        payout_handle="$fern-demo",
        purpose="For this week's shop.",
    )
    rent_help = services.disbursement_request(
        network=network,
        requested_by=people["member2"],
        amount=9_000,
        category="housing",
        payout_method="cash",
        fund=rent,
        purpose="Para completar la renta de este mes.",
    )
    services.disbursement_approve(disbursement=rent_help, treasurer=treasurer)
    services.disbursement_request(
        network=network,
        requested_by=people["volunteer1"],
        amount=2_350,
        category="groceries",
        kind="reimbursement",
        payout_method="venmo",
        payout_handle="@wren-demo",
        receipt=receipt_clean(_receipt_photo()),
    )


def _seed_pledge(*, network: Network, people: dict[str, User]) -> None:
    need, _token = need_services.need_create(
        network=network,
        category="money",
        description="$60 to top up my phone and bus card this month.",
        area="Northside",
        urgency="few_days",
        contact_method="sms",
        contact_value="+15550100160",
        language="en",
    )
    services.pledge_make(need=need, donor=people["member1"], amount=6_000)


def _receipt_photo() -> SimpleUploadedFile:
    image = Image.new("RGB", (240, 320), (250, 250, 245))
    out = BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("receipt.png", out.getvalue(), content_type="image/png")
