from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from potluck.conftest import login
from potluck.ledger import services, tasks
from potluck.ledger.accounts import DIRECT_AID
from potluck.ledger.forms.pledges import HANDLE_EMPTY
from potluck.ledger.models import LedgerTransaction, Pledge
from potluck.ledger.services.pledges import CANT_PLEDGE, NOT_PLEDGED
from potluck.ledger.units import NOT_AN_AMOUNT
from potluck.needs.models import new_status_token

pytestmark = pytest.mark.django_db

HANDLE = "@canary-venmo"


def url(name, network, *args):
    return reverse(f"ledger:{name}", args=[network.slug, *args])


def status_url(name, token, *args):
    return reverse(name, args=[token, *args])


@pytest.fixture
def token():
    return new_status_token()


@pytest.fixture
def money_need(network, need_factory, token):
    """An open money need, with the token of its person's status link."""
    need = need_factory(network=network, category="money", status_token_hash=token[1])
    need.token = token[0]
    return need


def pledge_for(need, donor, amount=2500):
    return services.pledge_make(need=need, donor=donor, amount=amount)


def page(client, address):
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def test_pledge_flow_end_to_end(client, network, member, money_need, audit_verbs):
    token = money_need.token
    login(client, member)
    need_page = page(client, money_need.get_absolute_url())
    assert "Pledge to pay them directly" in need_page
    assert url("pledge_new", network, money_need.pk) in need_page

    response = client.post(url("pledge_new", network, money_need.pk), {"amount": "25"})
    pledge = Pledge.objects.get()
    assert response["Location"] == url("pledge", network, pledge.pk)
    assert (pledge.donor, pledge.amount, pledge.status) == (member, 2500, Pledge.Status.PLEDGED)
    donor_page = page(client, response["Location"])
    assert "$25.00" in donor_page
    assert "told us yet how" in donor_page
    assert url("pledge", network, pledge.pk) in page(client, money_need.get_absolute_url())

    person = Client()  # the person behind the need: no account, only their link
    status_page = page(person, status_url("status:detail", token))
    assert "$25.00" in status_page
    assert "The money arrived" in status_page
    response = person.post(
        status_url("ledger_status:pledge_handle", token, pledge.pk), {"payout_handle": HANDLE}
    )
    assert response["Location"] == status_url("status:detail", token)
    assert response["Cache-Control"] == "no-store"
    pledge.refresh_from_db()
    assert pledge.payout_handle == HANDLE

    assert HANDLE in page(client, url("pledge", network, pledge.pk))
    client.post(url("pledge_paid", network, pledge.pk))
    pledge.refresh_from_db()
    assert pledge.donor_confirmed_at is not None
    assert "The donor says they have paid you." in page(person, status_url("status:detail", token))

    person.post(status_url("ledger_status:pledge_received", token, pledge.pk))
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    txn = pledge.transaction
    assert txn is not None
    assert txn.kind == LedgerTransaction.Kind.DIRECT_AID
    assert txn.category == "money"
    assert services.system_account(network, DIRECT_AID).balance == 2500
    assert audit_verbs(pledge) == [
        "pledge.made",
        "pledge.handle_given",
        "pledge.paid",
        "pledge.received",
        "pledge.confirmed",
    ]
    # Nothing is waiting any more: the status page no longer offers anything.
    assert "The money arrived" not in page(person, status_url("status:detail", token))
    assert "Paid and received" in page(client, url("pledge", network, pledge.pk))


def test_a_need_that_is_not_about_money_has_no_money_panel(client, network, member, need):
    login(client, member)
    assert "Pledge to pay them directly" not in page(client, need.get_absolute_url())
    response = client.post(url("pledge_new", network, need.pk), {"amount": "25"}, follow=True)
    assert escape(str(CANT_PLEDGE)) in response.content.decode()
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("amount", ["", "lots", "0", "-4", "1.001"])
def test_a_bad_pledge_amount_is_refused_with_a_translated_error(
    client, network, member, money_need, amount
):
    login(client, member)
    response = client.post(url("pledge_new", network, money_need.pk), {"amount": amount})
    assert response["Location"] == money_need.get_absolute_url()
    assert not Pledge.objects.exists()
    shown = client.get(response["Location"]).content.decode()
    assert 'class="message error"' in shown


def test_a_word_for_an_amount_gets_the_amount_message(client, network, member, money_need):
    login(client, member)
    response = client.post(
        url("pledge_new", network, money_need.pk), {"amount": "lots"}, follow=True
    )
    assert str(NOT_AN_AMOUNT) in response.content.decode()


def test_a_stranger_cannot_pledge_or_see_a_pledge(client, network, member, money_need, stranger):
    pledge = pledge_for(money_need, member)
    login(client, stranger)
    assert (
        client.post(url("pledge_new", network, money_need.pk), {"amount": "5"}).status_code == 404
    )
    assert client.get(url("pledge", network, pledge.pk)).status_code == 404
    assert client.post(url("pledge_paid", network, pledge.pk)).status_code == 404
    assert Pledge.objects.count() == 1


def test_another_member_cannot_see_someone_elses_pledge(
    client, network, member, money_need, member_factory
):
    pledge = pledge_for(money_need, member)
    other = member_factory(network=network, role="volunteer").user
    login(client, other)
    assert client.get(url("pledge", network, pledge.pk)).status_code == 404
    assert client.post(url("pledge_cancel", network, pledge.pk)).status_code == 404
    need_page = page(client, money_need.get_absolute_url())
    assert "$25.00" in need_page
    assert url("pledge", network, pledge.pk) not in need_page


def test_the_need_page_links_coordinators_and_the_claimant_to_ask_the_treasurers(
    client, network, coordinator, member, money_need
):
    ask = url("need_request", network, money_need.pk)
    login(client, member)
    assert ask not in page(client, money_need.get_absolute_url())
    login(client, coordinator)
    assert ask in page(client, money_need.get_absolute_url())


def test_a_coordinator_sees_a_pledge_but_not_how_to_pay_and_confirms_for_the_person(
    client, network, member, coordinator, money_need, audit_verbs
):
    pledge = pledge_for(money_need, member)
    services.pledge_handle_give(pledge=pledge, payout_handle=HANDLE)
    services.pledge_confirm_paid(pledge=pledge, donor=member)
    login(client, coordinator)
    shown = page(client, url("pledge", network, pledge.pk))
    assert HANDLE not in shown
    assert "They told us it arrived" in shown
    assert url("pledge_paid", network, pledge.pk) not in shown
    client.post(url("pledge_received", network, pledge.pk))
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CONFIRMED
    assert pledge.transaction is not None


def test_the_donor_cannot_confirm_for_the_person(client, network, member, money_need):
    pledge = pledge_for(money_need, member)
    login(client, member)
    assert "They told us it arrived" not in page(client, url("pledge", network, pledge.pk))
    client.post(url("pledge_received", network, pledge.pk))
    pledge.refresh_from_db()
    assert pledge.recipient_confirmed_at is None


def test_the_donor_cancels_their_pledge(client, network, member, money_need, token):
    pledge = pledge_for(money_need, member)
    login(client, member)
    response = client.post(url("pledge_cancel", network, pledge.pk), follow=True)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.CANCELLED
    assert "The donor cancelled this pledge." in response.content.decode()
    assert "The money arrived" not in page(Client(), status_url("status:detail", token[0]))


def test_an_expired_pledge_cannot_be_confirmed(client, network, member, money_need):
    pledge = pledge_for(money_need, member)
    services.pledge_confirm_paid(pledge=pledge, donor=member)
    Pledge.objects.filter(pk=pledge.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    person = Client()
    token = money_need.token
    assert "The money arrived" not in page(person, status_url("status:detail", token))
    response = person.post(
        status_url("ledger_status:pledge_received", token, pledge.pk), follow=True
    )
    assert escape(str(NOT_PLEDGED)) in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.recipient_confirmed_at is None
    assert pledge.transaction is None
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.DIRECT_AID).exists()
    login(client, member)
    assert "ran out" in page(client, url("pledge", network, pledge.pk))


def test_an_empty_payout_handle_is_refused(network, member, money_need):
    pledge = pledge_for(money_need, member)
    person = Client()
    response = person.post(
        status_url("ledger_status:pledge_handle", money_need.token, pledge.pk),
        {"payout_handle": "  "},
        follow=True,
    )
    assert escape(str(HANDLE_EMPTY)) in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.payout_handle == ""


def test_a_bad_status_token_or_another_needs_pledge_is_404(
    network, member, money_need, need_factory
):
    pledge = pledge_for(money_need, member)
    other_token, other_hash = new_status_token()
    need_factory(network=network, category="money", status_token_hash=other_hash)
    person = Client()
    for name in ("ledger_status:pledge_handle", "ledger_status:pledge_received"):
        data = {"payout_handle": HANDLE}
        assert person.post(status_url(name, "not-a-token", pledge.pk), data).status_code == 404
        assert person.post(status_url(name, other_token, pledge.pk), data).status_code == 404
        assert person.post(status_url(name, money_need.token, 999_999), data).status_code == 404
    pledge.refresh_from_db()
    assert (pledge.payout_handle, pledge.recipient_confirmed_at) == ("", None)


def test_status_pledge_routes_answer_only_post(network, member, money_need):
    pledge = pledge_for(money_need, member)
    for name in ("ledger_status:pledge_handle", "ledger_status:pledge_received"):
        address = status_url(name, money_need.token, pledge.pk)
        assert Client().get(address).status_code == 405


def test_the_pledges_expire_command_lets_late_pledges_run_out(network, member, money_need):
    late = pledge_for(money_need, member)
    on_time = pledge_for(money_need, member, amount=1000)
    Pledge.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("pledges_expire", stdout=out)
    assert out.getvalue().strip() == "1 pledge(s) expired."
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (late.status, on_time.status) == (Pledge.Status.EXPIRED, Pledge.Status.PLEDGED)


def test_the_expire_pledges_task_does_the_same(network, member, money_need):
    late = pledge_for(money_need, member)
    Pledge.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    result = tasks.expire_pledges.enqueue()
    assert result.return_value == 1
    late.refresh_from_db()
    assert late.status == Pledge.Status.EXPIRED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pledge_pages_pass_axe_in_a_browser(page, live_server, browser):
    from potluck.core.tests.browser import axe_check, log_in, submit
    from potluck.needs.tests.factories import NeedFactory
    from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

    network = NetworkFactory.create()
    member = MembershipFactory.create(network=network, role="member").user
    token, token_hash = new_status_token()
    need = NeedFactory.create(network=network, category="money", status_token_hash=token_hash)
    log_in(page, member, live_server.url)
    page.goto(need.get_absolute_url())
    axe_check(page)
    page.fill("input#id_pledge_amount", "25")
    submit(page, f"form[action='{url('pledge_new', network, need.pk)}'] button[type=submit]")
    pledge = Pledge.objects.get()
    assert page.url.endswith(url("pledge", network, pledge.pk))
    axe_check(page)

    person = browser.new_context(base_url=live_server.url).new_page()
    person.goto(status_url("status:detail", token))
    axe_check(person)
    person.fill(f"input#id_pledge_{pledge.pk}_payout_handle", HANDLE)
    handle_action = status_url("ledger_status:pledge_handle", token, pledge.pk)
    submit(person, f"form[action='{handle_action}'] button[type=submit]")
    axe_check(person)
    person.context.close()
    pledge.refresh_from_db()
    assert pledge.payout_handle == HANDLE
