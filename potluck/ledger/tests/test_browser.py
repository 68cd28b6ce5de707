"""Money in a real browser: a treasurer records a donation, a member asks for $40, two
treasurers approve and one pays, and the public transparency page shows the totals and no name.
Real Chromium, axe on every page, and the whole flow again with JavaScript off."""

from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.ledger.models import Disbursement, Donation, MoneyPolicy
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DONOR = "Canary Donor Household"
HANDLE = "@canary-member-venmo"


def _as(page: Any, user: Any, live_server: Any) -> None:
    page.context.clear_cookies()
    log_in(page, user, live_server.url)


def no_check(page: Any) -> None:
    """Stands in for axe_check without JavaScript (axe runs in the page; the JS run checks)."""


@pytest.mark.parametrize(
    ("page", "check"),
    [({}, axe_check), ({"java_script_enabled": False}, no_check)],
    indirect=["page"],
    ids=["js", "no-js"],
)
def test_donation_request_two_approvals_payment_and_public_totals(
    page: Any, live_server: Any, check: Callable[[Any], None]
):
    network = NetworkFactory.create()
    slug = network.slug
    # Above $30, two different treasurers approve.
    MoneyPolicy.objects.filter(network=network).update(second_approval_above=3000)
    treasurer = MembershipFactory.create(network=network, role=Role.TREASURER).user
    second = MembershipFactory.create(network=network, role=Role.ADMIN).user
    member = MembershipFactory.create(network=network, role=Role.MEMBER).user

    # A treasurer records a donation of $100 from a named donor.
    _as(page, treasurer, live_server)
    page.goto(f"/n/{slug}/")
    submit(page, f"nav a[href='/n/{slug}/money/treasury/']")
    check(page)
    submit(page, f"main a[href='/n/{slug}/money/donations/new/']")
    check(page)
    page.fill("input[name=amount]", "100")
    page.select_option("select[name=method]", "venmo")
    page.fill("input[name=donor_name]", DONOR)
    submit(page, "main form button[type=submit]")
    check(page)
    assert Donation.objects.get().amount == 10_000

    # A member asks for $40 for groceries: nobody asks them why.
    _as(page, member, live_server)
    page.goto(f"/n/{slug}/money/ask/")
    check(page)
    page.fill("input[name=amount]", "40")
    page.select_option("select[name=category]", "groceries")
    page.select_option("select[name=payout_method]", "venmo")
    page.fill("input[name=payout_handle]", HANDLE)
    submit(page, "main form button[type=submit]")
    check(page)
    request = Disbursement.objects.get()
    assert (request.amount, request.approvals_needed) == (4000, 2)
    assert page.locator("main").get_by_text(HANDLE).count() == 1  # they see their own handle
    assert page.locator(f"form[action$='/requests/{request.pk}/approve/']").count() == 0

    # Two treasurers approve; the second then marks it paid.
    for approver in (treasurer, second):
        _as(page, approver, live_server)
        page.goto(f"/n/{slug}/money/treasury/")
        submit(page, f"main a[href='/n/{slug}/money/requests/{request.pk}/']")
        check(page)
        submit(page, f"form[action$='/requests/{request.pk}/approve/'] button")
        check(page)
    request.refresh_from_db()
    assert (request.status, request.approval_count) == (Disbursement.Status.APPROVED, 2)
    submit(page, f"form[action$='/requests/{request.pk}/pay/'] button")
    request.refresh_from_db()
    assert request.status == Disbursement.Status.PAID

    # Anyone sees the totals, and no name, handle or donor.
    page.context.clear_cookies()
    page.goto(f"/n/{slug}/money/")
    check(page)
    text = page.locator("main").inner_text()
    for figure in ("$100.00", "$40.00", "$60.00"):  # in, out, and what the fund holds
        assert figure in text
    for secret in (DONOR, HANDLE, member.display_name, treasurer.display_name):
        assert secret not in page.content()
    csv = page.request.get(f"/n/{slug}/money/transparency.csv")
    assert csv.ok
    assert "40.00" in csv.text()
    assert DONOR not in csv.text()
    assert member.display_name not in csv.text()


def test_asking_and_import_pages_pass_axe_and_work(page: Any, live_server: Any, tmp_path: Any):
    """The pages the main flow doesn't visit: paid back against a receipt, "my requests", asking
    for a need, and importing a bank export through its preview."""
    network = NetworkFactory.create()
    slug = network.slug
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    receipt = tmp_path / "receipt.png"
    Image.new("RGB", (40, 60), (250, 250, 240)).save(receipt, format="PNG")

    _as(page, volunteer, live_server)
    page.goto(f"/n/{slug}/money/reimburse/")
    axe_check(page)
    page.fill("input[name=amount]", "12.50")
    page.select_option("select[name=category]", "groceries")
    page.select_option("select[name=payout_method]", "cash")
    page.set_input_files("input[name=receipt]", str(receipt))
    submit(page, "main form button[type=submit]")
    axe_check(page)
    assert Disbursement.objects.get().kind == Disbursement.Kind.REIMBURSEMENT
    page.goto(f"/n/{slug}/money/mine/")
    axe_check(page)
    assert page.locator("main table tbody tr").count() == 1

    need = NeedFactory.create(
        network=network, category="money", status="claimed", claimant=volunteer
    )
    page.goto(f"/n/{slug}/money/for-need/{need.pk}/")
    axe_check(page)

    treasurer = MembershipFactory.create(network=network, role=Role.TREASURER).user
    export = tmp_path / "bank.csv"
    export.write_text("Date,Amount,Name,Reference\n2026-11-02,15.00,Bo Canary,REF-1\n")
    _as(page, treasurer, live_server)
    page.goto(f"/n/{slug}/money/donations/import/")
    axe_check(page)
    page.set_input_files("input[name=file]", str(export))
    submit(page, "main form button[type=submit]")
    axe_check(page)
    submit(page, "main form button[name=import]")
    axe_check(page)
    assert Donation.objects.get().amount == 1500
