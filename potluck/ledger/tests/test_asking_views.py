"""Asking for money and deciding on it, at the HTTP level: the pages members, volunteers,
coordinators and treasurers use."""

from io import BytesIO
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfWriter

from potluck.accounts.models import User
from potluck.conftest import login
from potluck.core.tests.conftest import changes, fingerprint
from potluck.core.tests.test_images import photo
from potluck.ledger import services
from potluck.ledger.forms.asking import HANDLE_NEEDED
from potluck.ledger.models import Disbursement, Receipt
from potluck.ledger.receipts import NOT_A_RECEIPT, receipt_clean
from potluck.ledger.services.disbursements import (
    NOT_A_TREASURER,
    NOT_FOR_THIS_NEED,
    OVER_REQUEST_LIMIT,
    OWN_REQUEST,
)
from potluck.ledger.tests.factories import fill_fund, general_fund, make_approved, make_request
from potluck.ledger.units import AMOUNT_NOT_POSITIVE, AMOUNT_TOO_PRECISE, NOT_AN_AMOUNT
from potluck.ledger.views.asking import NOT_A_MONEY_NEED
from potluck.needs.models import Need
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Network, Role

pytestmark = pytest.mark.django_db

CANARY_HANDLE = "@canary-handle"


def url(name: str, network: Network, *args: Any) -> str:
    return reverse(f"ledger:{name}", args=[network.slug, *args])


def said(response: Any) -> list[str]:
    """The messages a response left for the next page."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def shows(response: Any, text: Any) -> bool:
    return escape(str(text)) in response.content.decode()


def asking(**overrides: Any) -> dict[str, Any]:
    data = {
        "amount": "40",
        "category": "groceries",
        "payout_method": "venmo",
        "payout_handle": CANARY_HANDLE,
        "purpose": "",
    }
    data.update(overrides)
    return data


def pdf(*, author: str = "Canary PDF Author") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.add_metadata({"/Author": author})
    out = BytesIO()
    writer.write(out)
    return SimpleUploadedFile("receipt.pdf", out.getvalue(), content_type="application/pdf")


def jpeg_with_exif() -> SimpleUploadedFile:
    return SimpleUploadedFile("receipt.jpg", photo().read(), content_type="image/jpeg")


def second_treasurer(network: Network, member_factory: Any) -> User:
    user: User = member_factory(network=network, role=Role.TREASURER).user
    return user


# ---------------------------------------------------------------------------- asking


def test_member_can_ask_for_money_and_lands_on_the_request(
    client: Client, network: Network, member: User
) -> None:
    login(client, member)
    response = client.post(url("ask", network), asking())

    disbursement = Disbursement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == disbursement.get_absolute_url()
    assert (disbursement.amount, disbursement.kind) == (4000, Disbursement.Kind.AID)
    assert disbursement.requested_by == member
    assert disbursement.recipient == member
    assert disbursement.payout_handle == CANARY_HANDLE
    assert said(response) == ["Your request is with the treasurers."]


def test_ask_page_states_the_limits_in_plain_words(
    client: Client, network: Network, member: User
) -> None:
    login(client, member)
    response = client.get(url("ask", network))

    assert response.status_code == 200
    assert shows(response, "You can ask for up to $100.00 at a time.")
    assert shows(response, "Each person can receive up to $200.00 a month.")
    assert shows(response, "Above $50.00, two treasurers approve the request.")
    assert 'name="fund"' not in response.content.decode()  # one fund: nothing to choose


def test_ask_page_offers_a_fund_only_when_there_are_several(
    client: Client, network: Network, member: User, treasurer: User
) -> None:
    services.fund_create(network=network, actor=treasurer, name="Rent")
    login(client, member)
    assert 'name="fund"' in client.get(url("ask", network)).content.decode()


def test_member_asking_over_the_limit_sees_why_and_nothing_is_created(
    client: Client, network: Network, member: User
) -> None:
    login(client, member)
    response = client.post(url("ask", network), asking(amount="150"))

    assert response.status_code == 200
    assert shows(response, OVER_REQUEST_LIMIT % {"limit": "$100.00"})
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("abc", NOT_AN_AMOUNT),
        ("-5", AMOUNT_NOT_POSITIVE),
        ("0", AMOUNT_NOT_POSITIVE),
        ("1.234", AMOUNT_TOO_PRECISE % {"places": 2}),
    ],
)
def test_member_typing_a_bad_amount_is_told_what_is_wrong(
    client: Client, network: Network, member: User, amount: str, error: Any
) -> None:
    login(client, member)
    response = client.post(url("ask", network), asking(amount=amount))

    assert response.status_code == 200
    assert shows(response, error)
    assert not Disbursement.objects.exists()


def test_member_must_say_where_to_send_it_unless_cash(
    client: Client, network: Network, member: User
) -> None:
    login(client, member)
    response = client.post(url("ask", network), asking(payout_handle=""))
    assert shows(response, HANDLE_NEEDED)
    assert not Disbursement.objects.exists()

    response = client.post(url("ask", network), asking(payout_method="cash", payout_handle=""))
    assert response.status_code == 302
    assert Disbursement.objects.get().payout_method == "cash"


def test_member_sees_their_own_requests_with_status(
    client: Client, network: Network, member: User, member_factory: Any
) -> None:
    make_request(network=network, asker=member, amount=4000)
    other = member_factory(network=network, role=Role.MEMBER).user
    make_request(network=network, asker=other, amount=1234)
    login(client, member)

    response = client.get(url("mine", network))

    assert shows(response, "$40.00")
    assert shows(response, "Waiting for approval")
    assert not shows(response, "$12.34")
    assert CANARY_HANDLE not in response.content.decode()


# ---------------------------------------------------------------------------- reimbursements


def test_volunteer_is_paid_back_with_a_photo_whose_metadata_is_gone(
    client: Client, network: Network, volunteer: User
) -> None:
    login(client, volunteer)
    response = client.post(url("reimburse", network), asking(receipt=jpeg_with_exif()))

    disbursement = Disbursement.objects.get()
    assert response.status_code == 302
    assert disbursement.kind == Disbursement.Kind.REIMBURSEMENT
    assert Receipt.objects.get(disbursement=disbursement).content_type == "image/jpeg"

    download = client.get(url("receipt", network, disbursement.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"] == (
        f'attachment; filename="receipt-{disbursement.pk}.jpeg"'
    )
    assert download.content.startswith(b"\xff\xd8")
    assert b"Canary Owner Name" not in download.content


def test_volunteer_is_paid_back_with_a_pdf_without_its_metadata(
    client: Client, network: Network, volunteer: User
) -> None:
    login(client, volunteer)
    response = client.post(url("reimburse", network), asking(receipt=pdf()))

    disbursement = Disbursement.objects.get()
    assert response.status_code == 302
    download = client.get(url("receipt", network, disbursement.pk))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].endswith(f'filename="receipt-{disbursement.pk}.pdf"')
    assert download.content.startswith(b"%PDF-")
    assert b"Canary PDF Author" not in download.content


def test_text_file_named_like_a_photo_is_refused_as_a_receipt(
    client: Client, network: Network, volunteer: User
) -> None:
    fake = SimpleUploadedFile("receipt.jpg", b"just some text, honest", content_type="image/jpeg")
    login(client, volunteer)
    response = client.post(url("reimburse", network), asking(receipt=fake))

    assert response.status_code == 200
    assert shows(response, NOT_A_RECEIPT)
    assert not Disbursement.objects.exists()


def test_reimbursement_form_is_sent_as_multipart(
    client: Client, network: Network, volunteer: User
) -> None:
    login(client, volunteer)
    page = client.get(url("reimburse", network)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page


def test_member_cannot_ask_to_be_paid_back(client: Client, network: Network, member: User) -> None:
    login(client, member)
    assert client.get(url("reimburse", network)).status_code == 404
    assert client.post(url("reimburse", network), asking(receipt=pdf())).status_code == 404
    assert not Disbursement.objects.exists()


def test_receipt_is_not_found_when_there_is_none(
    client: Client, network: Network, member: User
) -> None:
    disbursement = make_request(network=network, asker=member)
    login(client, member)
    assert client.get(url("receipt", network, disbursement.pk)).status_code == 404


# ---------------------------------------------------------------------------- for a need


def money_need(network: Network, **kwargs: Any) -> Need:
    need: Need = NeedFactory.create(network=network, category="money", **kwargs)
    return need


def test_coordinator_asks_for_money_on_behalf_of_a_needs_person(
    client: Client, network: Network, coordinator: User
) -> None:
    need = money_need(network)
    login(client, coordinator)
    assert client.get(url("need_request", network, need.pk)).status_code == 200

    response = client.post(url("need_request", network, need.pk), asking(category="money"))

    disbursement = Disbursement.objects.get()
    assert response["Location"] == disbursement.get_absolute_url()
    assert disbursement.need == need
    assert disbursement.recipient is None
    assert disbursement.requested_by == coordinator


def test_volunteer_not_helping_with_the_need_is_sent_back_to_it(
    client: Client, network: Network, volunteer: User
) -> None:
    need = money_need(network)
    login(client, volunteer)

    response = client.post(url("need_request", network, need.pk), asking(category="money"))

    assert response["Location"] == need.get_absolute_url()
    assert said(response) == [str(NOT_FOR_THIS_NEED)]
    assert not Disbursement.objects.exists()


def test_coordinator_cannot_ask_for_money_for_a_groceries_need(
    client: Client, network: Network, coordinator: User
) -> None:
    need: Need = NeedFactory.create(network=network, category="groceries")
    login(client, coordinator)

    response = client.get(url("need_request", network, need.pk))

    assert response["Location"] == need.get_absolute_url()
    assert said(response) == [str(NOT_A_MONEY_NEED)]


# ---------------------------------------------------------------------------- who sees what


ROUTES = [
    ("ask", "get", False),
    ("ask", "post", False),
    ("reimburse", "get", False),
    ("mine", "get", False),
    ("need_request", "get", "need"),
    ("need_request", "post", "need"),
    ("request", "get", True),
    ("receipt", "get", True),
    ("approve", "post", True),
    ("refuse", "post", True),
    ("pay", "post", True),
    ("reverse", "post", True),
    ("cancel", "post", True),
]


@pytest.mark.parametrize(("name", "method", "target"), ROUTES)
def test_stranger_gets_not_found_on_every_money_request_page(
    client: Client,
    network: Network,
    member: User,
    stranger: User,
    name: str,
    method: str,
    target: Any,
) -> None:
    disbursement = make_request(network=network, asker=member)
    args = {True: [disbursement.pk], "need": [money_need(network).pk], False: []}[target]
    login(client, stranger)

    response = getattr(client, method)(url(name, network, *args), asking())

    assert response.status_code == 404
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REQUESTED
    assert Disbursement.objects.count() == 1


@pytest.mark.parametrize(("name", "method", "target"), ROUTES)
def test_anonymous_people_are_sent_to_log_in(
    client: Client, network: Network, member: User, name: str, method: str, target: Any
) -> None:
    disbursement = make_request(network=network, asker=member)
    args = {True: [disbursement.pk], "need": [money_need(network).pk], False: []}[target]

    response = getattr(client, method)(url(name, network, *args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["request", "receipt"])
def test_member_cannot_open_another_members_request(
    client: Client, network: Network, member: User, member_factory: Any, name: str
) -> None:
    other = member_factory(network=network, role=Role.VOLUNTEER).user
    disbursement = make_request(
        network=network,
        asker=other,
        kind=Disbursement.Kind.REIMBURSEMENT,
        receipt=receipt_clean(pdf()),
    )
    login(client, member)
    assert client.get(url(name, network, disbursement.pk)).status_code == 404
    assert client.post(url("cancel", network, disbursement.pk)).status_code == 404
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REQUESTED


def test_payout_details_show_to_the_person_and_the_deciding_treasurer_only(
    client: Client, network: Network, member: User, treasurer: User, member_factory: Any
) -> None:
    disbursement = make_request(network=network, asker=member)
    page = url("request", network, disbursement.pk)

    login(client, member)
    assert CANARY_HANDLE in client.get(page).content.decode()

    login(client, treasurer)
    assert CANARY_HANDLE in client.get(page).content.decode()

    # A treasurer whose session hasn't passed two-factor acts as a volunteer: not theirs to see.
    unverified = member_factory(network=network, role=Role.TREASURER).user
    client.logout()
    client.force_login(unverified)
    assert client.get(page).status_code == 404


def test_treasurer_asking_for_themselves_gets_no_decision_buttons(
    client: Client, network: Network, treasurer: User
) -> None:
    disbursement = make_request(network=network, asker=treasurer)
    login(client, treasurer)

    page = client.get(url("request", network, disbursement.pk)).content.decode()

    assert url("approve", network, disbursement.pk) not in page
    assert url("pay", network, disbursement.pk) not in page
    assert url("cancel", network, disbursement.pk) in page


# ---------------------------------------------------------------------------- deciding


def test_treasurer_approves_and_pays_and_the_fund_goes_down(
    client: Client, network: Network, member: User, treasurer: User
) -> None:
    fill_fund(network, 10_000)
    disbursement = make_request(network=network, asker=member, amount=4000)
    login(client, treasurer)
    page = client.get(url("request", network, disbursement.pk)).content.decode()
    assert url("approve", network, disbursement.pk) in page

    response = client.post(url("approve", network, disbursement.pk))
    assert response["Location"] == disbursement.get_absolute_url()
    assert said(response) == ["Approved. It can be paid now."]

    response = client.post(url("pay", network, disbursement.pk))
    assert said(response)[-1] == "Marked as paid. The money has left the fund."
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.PAID
    assert general_fund(network).balance == 6000


def test_a_large_request_shows_one_of_two_approvals_after_the_first(
    client: Client, network: Network, member: User, treasurer: User
) -> None:
    disbursement = make_request(network=network, asker=member, amount=8000)
    login(client, treasurer)

    response = client.post(url("approve", network, disbursement.pk))

    assert said(response) == [
        "Your approval is recorded. Another treasurer needs to approve it too."
    ]
    page = client.get(url("request", network, disbursement.pk))
    assert shows(page, "1 of 2 approvals")
    assert shows(page, "Approved (1 of 2)")
    assert url("approve", network, disbursement.pk) not in page.content.decode()


def test_requester_pressing_approve_is_told_no_and_nothing_changes(
    client: Client, network: Network, member: User
) -> None:
    disbursement = make_request(network=network, asker=member)
    login(client, member)

    response = client.post(url("approve", network, disbursement.pk))

    assert response["Location"] == disbursement.get_absolute_url()
    assert said(response) == [str(NOT_A_TREASURER)]
    disbursement.refresh_from_db()
    assert (disbursement.status, disbursement.approval_count) == ("requested", 0)


def test_treasurer_cannot_approve_their_own_request(
    client: Client, network: Network, treasurer: User
) -> None:
    disbursement = make_request(network=network, asker=treasurer)
    login(client, treasurer)

    response = client.post(url("approve", network, disbursement.pk))

    assert said(response) == [str(OWN_REQUEST)]
    disbursement.refresh_from_db()
    assert disbursement.approval_count == 0


def test_paying_more_than_the_fund_holds_is_refused_and_nothing_moves(
    client: Client, network: Network, member: User, treasurer: User
) -> None:
    fill_fund(network, 1000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer], amount=4000)
    login(client, treasurer)

    response = client.post(url("pay", network, disbursement.pk))

    assert said(response) == [str(services.NOT_ENOUGH_IN_FUND)]
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.APPROVED
    assert general_fund(network).balance == 1000


def test_treasurer_refuses_with_a_reason_the_requester_then_reads(
    client: Client, network: Network, member: User, treasurer: User
) -> None:
    disbursement = make_request(network=network, asker=member)
    login(client, treasurer)

    response = client.post(
        url("refuse", network, disbursement.pk), {"reason": "The fund is empty until Friday."}
    )

    assert said(response) == ["The request was not approved."]
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REFUSED
    login(client, member)
    page = client.get(url("request", network, disbursement.pk))
    assert shows(page, "The fund is empty until Friday.")
    assert shows(page, "Not approved")


def test_too_long_a_refusal_reason_refuses_nothing(
    client: Client, network: Network, member: User, treasurer: User
) -> None:
    disbursement = make_request(network=network, asker=member)
    login(client, treasurer)

    response = client.post(url("refuse", network, disbursement.pk), {"reason": "x" * 301})

    assert len(said(response)) == 1
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REQUESTED


def test_treasurer_reverses_a_payment_and_the_money_returns(
    client: Client, network: Network, member: User, treasurer: User
) -> None:
    fill_fund(network, 10_000)
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    services.disbursement_pay(disbursement=disbursement, treasurer=treasurer)
    login(client, treasurer)
    assert (
        url("reverse", network, disbursement.pk)
        in client.get(url("request", network, disbursement.pk)).content.decode()
    )

    response = client.post(url("reverse", network, disbursement.pk))

    assert said(response) == ["The payment was reversed. The money is back in the fund."]
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REVERSED
    assert general_fund(network).balance == 10_000


def test_requester_cancels_while_it_waits(client: Client, network: Network, member: User) -> None:
    disbursement = make_request(network=network, asker=member)
    login(client, member)
    assert (
        url("cancel", network, disbursement.pk)
        in client.get(url("request", network, disbursement.pk)).content.decode()
    )

    response = client.post(url("cancel", network, disbursement.pk))

    assert said(response) == ["Your request is cancelled."]
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.CANCELLED


def test_request_page_tells_its_history(
    client: Client, network: Network, member: User, treasurer: User
) -> None:
    disbursement = make_approved(network=network, asker=member, treasurers=[treasurer])
    login(client, member)

    page = client.get(url("request", network, disbursement.pk))

    assert shows(page, f"{member.display_name}: Asked")
    assert shows(page, f"{treasurer.display_name}: Approved")
    assert shows(page, "1 of 1 approval")


@pytest.mark.parametrize("name", ["approve", "refuse", "pay", "reverse", "cancel"])
def test_decisions_are_never_made_by_a_get(
    client: Client, network: Network, member: User, treasurer: User, name: str
) -> None:
    disbursement = make_request(network=network, asker=member)
    login(client, treasurer)
    assert client.get(url(name, network, disbursement.pk)).status_code == 405


def test_ask_page_speaks_spanish(client: Client, network: Network, member: User) -> None:
    member.language = "es"
    member.save(update_fields=["language"])
    login(client, member)
    response = client.get(url("ask", network))
    assert shows(response, "Pedir dinero")


def test_looking_at_the_pages_writes_nothing(
    client: Client, network: Network, volunteer: User, treasurer: User
) -> None:
    disbursement = make_request(
        network=network,
        asker=volunteer,
        kind=Disbursement.Kind.REIMBURSEMENT,
        receipt=receipt_clean(pdf()),
    )
    need = money_need(network)
    pages = [
        url("ask", network),
        url("reimburse", network),
        url("mine", network),
        url("need_request", network, need.pk),
        url("request", network, disbursement.pk),
        url("receipt", network, disbursement.pk),
    ]
    for user in (volunteer, treasurer):
        login(client, user)
        client.get(pages[0])  # the session settles on the first page
        before = fingerprint()
        for page in pages:
            assert client.get(page).status_code in (200, 302), page
        assert changes(before, fingerprint()) == []
