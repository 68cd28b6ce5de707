"""The accounts every network's ledger starts with."""

from django.utils.translation import gettext_noop

from potluck.ledger.models import Account

GENERAL_FUND = "general"
DONATIONS = "donations"
AID = "aid"
REIMBURSEMENTS = "reimbursements"
DIRECT_AID = "direct-aid"
DIRECT_AID_DONORS = "direct-aid-donors"

# slug: (kind, name). Names are stored in English and translated when shown.
SYSTEM_ACCOUNTS = {
    GENERAL_FUND: (Account.Kind.FUND, gettext_noop("General fund")),
    DONATIONS: (Account.Kind.INCOME, gettext_noop("Donations")),
    AID: (Account.Kind.EXPENSE, gettext_noop("Money given")),
    REIMBURSEMENTS: (Account.Kind.EXPENSE, gettext_noop("Volunteers paid back")),
    DIRECT_AID: (Account.Kind.EXPENSE, gettext_noop("Paid directly by donors")),
    DIRECT_AID_DONORS: (Account.Kind.INCOME, gettext_noop("Donors paying directly")),
}
