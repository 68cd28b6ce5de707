"""Money pages. Public: the transparency page, its CSV and campaign pages. Members ask; volunteers
ask to be paid back; treasurers record, decide, pay and reconcile."""

from django.urls import path

from potluck.ledger.views import asking, imports, pledges, transparency, treasury

app_name = "ledger"
urlpatterns = [
    # Public: transparency and campaigns (views/transparency.py, views/treasury.py)
    path("<slug:slug>/money/", transparency.transparency, name="transparency"),
    path(
        "<slug:slug>/money/transparency.csv",
        transparency.transparency_csv,
        name="transparency_csv",
    ),
    path("<slug:slug>/money/campaigns/<int:campaign_id>/", treasury.campaign, name="campaign"),
    # Members and volunteers asking (views/asking.py)
    path("<slug:slug>/money/ask/", asking.ask, name="ask"),
    path("<slug:slug>/money/reimburse/", asking.reimburse, name="reimburse"),
    path("<slug:slug>/money/mine/", asking.mine, name="mine"),
    path("<slug:slug>/money/for-need/<int:need_id>/", asking.need_request, name="need_request"),
    path(
        "<slug:slug>/money/requests/<int:disbursement_id>/", asking.request_detail, name="request"
    ),
    path(
        "<slug:slug>/money/requests/<int:disbursement_id>/receipt/",
        asking.receipt,
        name="receipt",
    ),
    path(
        "<slug:slug>/money/requests/<int:disbursement_id>/approve/",
        asking.approve,
        name="approve",
    ),
    path("<slug:slug>/money/requests/<int:disbursement_id>/refuse/", asking.refuse, name="refuse"),
    path("<slug:slug>/money/requests/<int:disbursement_id>/pay/", asking.pay, name="pay"),
    path(
        "<slug:slug>/money/requests/<int:disbursement_id>/reverse/",
        asking.reverse_payment,
        name="reverse",
    ),
    path("<slug:slug>/money/requests/<int:disbursement_id>/cancel/", asking.cancel, name="cancel"),
    # Pledges: paying someone directly (views/pledges.py)
    path("<slug:slug>/money/pledge/<int:need_id>/", pledges.pledge_new, name="pledge_new"),
    path("<slug:slug>/money/pledges/<int:pledge_id>/", pledges.pledge_detail, name="pledge"),
    path(
        "<slug:slug>/money/pledges/<int:pledge_id>/paid/", pledges.pledge_paid, name="pledge_paid"
    ),
    path(
        "<slug:slug>/money/pledges/<int:pledge_id>/received/",
        pledges.pledge_received,
        name="pledge_received",
    ),
    path(
        "<slug:slug>/money/pledges/<int:pledge_id>/cancel/",
        pledges.pledge_cancel,
        name="pledge_cancel",
    ),
    # Treasurers (views/treasury.py)
    path("<slug:slug>/money/treasury/", treasury.treasury, name="treasury"),
    path("<slug:slug>/money/donations/", treasury.donations, name="donations"),
    path("<slug:slug>/money/donations/new/", treasury.donation_new, name="donation_new"),
    path(
        "<slug:slug>/money/donations/<int:donation_id>/reverse/",
        treasury.donation_reverse,
        name="donation_reverse",
    ),
    path("<slug:slug>/money/funds/new/", treasury.fund_new, name="fund_new"),
    path("<slug:slug>/money/policy/", treasury.policy, name="policy"),
    path("<slug:slug>/money/campaigns/new/", treasury.campaign_new, name="campaign_new"),
    path(
        "<slug:slug>/money/campaigns/<int:campaign_id>/close/",
        treasury.campaign_close,
        name="campaign_close",
    ),
    # Importing bank and payment-app exports (views/imports.py)
    path("<slug:slug>/money/donations/import/", imports.import_new, name="import_new"),
    path(
        "<slug:slug>/money/donations/import/<int:import_id>/",
        imports.import_preview,
        name="import_preview",
    ),
    # Reconciliation (views/transparency.py)
    path("<slug:slug>/money/ledger.csv", transparency.ledger_csv, name="ledger_csv"),
    path("<slug:slug>/money/check/", transparency.balance_check, name="balance_check"),
]
