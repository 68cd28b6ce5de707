"""The money side: a double-entry ledger, and the requests, donations and pledges that post to it.

Every movement of money is a LedgerTransaction made of Entries whose amounts add up to zero
per unit: money leaves one account and arrives in another. Entries are written once and never
changed (the database refuses an UPDATE; a correction is a reversing transaction). An account's
`balance` is the running sum of its entries, kept in step in the same database transaction,
and a fund's balance can never go below zero (a conditional update and a check constraint).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from potluck.core.fields import EncryptedTextField
from potluck.core.models import BaseModel
from potluck.needs.models import Need
from potluck.networks.models import Network

DEFAULT_CURRENCY = "USD"


class Account(BaseModel):
    """Somewhere money sits (a fund) or comes from or goes to (outside the network)."""

    class Kind(models.TextChoices):
        FUND = "fund", _("Fund")
        INCOME = "income", _("Money in")
        EXPENSE = "expense", _("Money out")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="accounts")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("short name"), max_length=60)
    description = models.CharField(_("what it is for"), max_length=300, blank=True)
    # A currency code, or later "HOURS" or a kind of goods: entries only add up within a unit.
    unit = models.CharField(_("unit"), max_length=8, default=DEFAULT_CURRENCY)
    is_general = models.BooleanField(default=False)
    # The running sum of this account's entries (see services.books.transaction_post).
    balance = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["kind", "-is_general", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"], name="account_slug_once"),
            models.UniqueConstraint(
                fields=["network"], condition=Q(is_general=True), name="account_one_general"
            ),
            models.CheckConstraint(
                condition=~Q(kind="fund") | Q(balance__gte=0), name="fund_never_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_fund(self) -> bool:
        return self.kind == self.Kind.FUND


class LedgerTransaction(models.Model):
    """One movement of money: balanced entries, written once."""

    class Kind(models.TextChoices):
        DONATION = "donation", _("Donation")
        DISBURSEMENT = "disbursement", _("Money given")
        REIMBURSEMENT = "reimbursement", _("Reimbursement")
        DIRECT_AID = "direct_aid", _("Paid directly by a donor")
        REVERSAL = "reversal", _("Reversal")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # For money out: the need category it was for (potluck.networks.categories).
    category = models.CharField(_("category"), max_length=20, blank=True)
    occurred_on = models.DateField(_("date"))
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A transaction is undone at most once, by one reversing transaction.
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )

    class Meta:
        ordering = ["occurred_on", "pk"]
        indexes = [models.Index(fields=["network", "occurred_on"], name="ledger_txn_network_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} on {self.occurred_on}"


class EntryQuerySet(models.QuerySet["Entry"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Ledger entries are never changed; post a reversing transaction.")

    def delete(self) -> Any:
        raise TypeError("Ledger entries are never deleted; post a reversing transaction.")


class Entry(models.Model):
    """One side of a transaction: `amount` into an account (positive) or out of it (negative)."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount:+d} to {self.account_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Ledger entries are never changed; post a reversing transaction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Ledger entries are never deleted; post a reversing transaction.")


class MoneyPolicy(BaseModel):
    """A network's rules for money out: limits, never eligibility."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="money_policy")
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    # In smallest units; 0 means no limit.
    max_per_request = models.BigIntegerField(_("most per request"), default=10_000)
    max_per_person_month = models.BigIntegerField(_("most per person per month"), default=20_000)
    second_approval_above = models.BigIntegerField(
        _("two treasurers approve requests above"), default=5_000
    )
    pledge_days = models.PositiveSmallIntegerField(
        _("days a donor's pledge waits to be confirmed"), default=7
    )

    def __str__(self) -> str:
        return f"money policy of {self.network_id}"


class Campaign(BaseModel):
    """A drive with a goal and a public page, raising money for a fund (and maybe one need)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="campaigns")
    fund = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="campaigns")
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what it is for (shown to everyone)"), max_length=2000)
    goal = models.BigIntegerField(_("goal"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-is_open", "-created_at"]
        constraints = [models.CheckConstraint(condition=Q(goal__gt=0), name="campaign_goal")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ledger:campaign", args=[self.network.slug, self.pk])


class Method(models.TextChoices):
    """How money moved in or out."""

    CASH = "cash", _("Cash")
    BANK = "bank", _("Bank transfer")
    CARD = "card", _("Card")
    CHEQUE = "cheque", _("Cheque")
    VENMO = "venmo", _("Venmo")
    CASHAPP = "cashapp", _("Cash App")
    PAYPAL = "paypal", _("PayPal")
    ZELLE = "zelle", _("Zelle")
    OTHER = "other", _("Other")


class Donation(BaseModel):
    """Money given to the network, as a treasurer recorded or imported it."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        REVERSED = "reversed", _("Reversed")

    class Source(models.TextChoices):
        FORM = "form", _("Typed in")
        IMPORT = "import", _("Imported")
        API = "api", _("API")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="donations")
    fund = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="donations")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="donations"
    )
    amount = models.BigIntegerField(_("amount"))
    received_on = models.DateField(_("received on"))
    method = models.CharField(_("how it came"), max_length=8, choices=Method.choices)
    donor_name = EncryptedTextField(_("donor's name (kept private)"), max_length=120, blank=True)
    anonymous = models.BooleanField(_("the donor asked to stay anonymous"), default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RECORDED)
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.FORM)
    # For imported rows: a keyed hash of the row, so the same row is never imported twice.
    # NULL (not "") for typed-in donations, so the unique constraint skips them.
    row_hash = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="donation"
    )

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_positive"),
            models.UniqueConstraint(
                fields=["network", "row_hash"],
                condition=Q(row_hash__isnull=False),
                name="donation_row_once",
            ),
        ]

    def __str__(self) -> str:
        return f"donation {self.pk}"


class DonationImport(BaseModel):
    """An uploaded bank or payment-app export, between upload, preview and import."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for you to check it")
        IMPORTED = "imported", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fund = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    # The file's text, encrypted (it names donors); emptied once imported or discarded.
    content = EncryptedTextField(blank=True)
    # Which column holds the date, amount, name, reference...: {"date": "Date", ...}
    mapping: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    imported = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk}"


class PayoutMethod(models.TextChoices):
    CASH = "cash", _("Cash in hand")
    VENMO = "venmo", _("Venmo")
    CASHAPP = "cashapp", _("Cash App")
    PAYPAL = "paypal", _("PayPal")
    ZELLE = "zelle", _("Zelle")
    BANK = "bank", _("Bank transfer")
    OTHER = "other", _("Other")


class DisbursementQuerySet(models.QuerySet["Disbursement"]):
    def waiting(self) -> "DisbursementQuerySet":
        return self.filter(status__in=[Disbursement.Status.REQUESTED, Disbursement.Status.APPROVED])


class Disbursement(BaseModel):
    """A request for money out: aid for someone, or paying back a volunteer who bought things.

    Nobody is asked why they deserve it. The network's policy sets limits; above a threshold
    two different treasurers approve; whoever asked (or receives) never approves or pays.
    """

    class Kind(models.TextChoices):
        AID = "aid", _("Money for someone")
        REIMBURSEMENT = "reimbursement", _("Paying back a volunteer")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        APPROVED = "approved", _("Approved, waiting to be paid")
        PAID = "paid", _("Paid")
        REFUSED = "refused", _("Not approved")
        CANCELLED = "cancelled", _("Cancelled")
        REVERSED = "reversed", _("Reversed")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="disbursements")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.AID)
    fund = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="disbursements")
    amount = models.BigIntegerField(_("amount"))
    category = models.CharField(_("what it is for"), max_length=20)
    purpose = EncryptedTextField(
        _("anything the treasurers should know"), max_length=300, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who gets the money: a member asking for themselves, a volunteer paid back, or the
    # person behind a need (then `recipient` is empty and `need` is set).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="disbursements_received",
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="disbursements"
    )
    payout_method = models.CharField(
        _("how to pay"), max_length=8, choices=PayoutMethod.choices, default=PayoutMethod.CASH
    )
    payout_handle = EncryptedTextField(
        _("where to send it (e.g. @name on Venmo)"), max_length=120, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    approvals_needed = models.PositiveSmallIntegerField(default=1)
    approval_count = models.PositiveSmallIntegerField(default=0)
    refusal_reason = EncryptedTextField(max_length=300, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursement",
    )

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive"),
            models.CheckConstraint(
                condition=Q(approval_count__lte=models.F("approvals_needed")),
                name="disbursement_approvals_within_needed",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "status"], name="disbursement_status_idx"),
            models.Index(fields=["recipient", "created_at"], name="disbursement_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"disbursement {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:request", args=[self.network.slug, self.pk])

    @property
    def recipient_key(self) -> str:
        """Who the money is for, for per-person limits: the member, or the need's person."""
        return f"user:{self.recipient_id}" if self.recipient_id else f"need:{self.need_id}"


class Approval(models.Model):
    """One treasurer's yes to a disbursement request."""

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.CASCADE, related_name="approvals"
    )
    treasurer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["disbursement", "treasurer"], name="approval_once_per_treasurer"
            )
        ]

    def __str__(self) -> str:
        return f"approval of {self.disbursement_id} by {self.treasurer_id}"


class Receipt(BaseModel):
    """A reimbursement's receipt: re-encoded without metadata, encrypted, never a public file."""

    disbursement = models.OneToOneField(
        Disbursement, on_delete=models.CASCADE, related_name="receipt"
    )
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    # The file as base64, encrypted like every sensitive field; emptied when erased.
    data = EncryptedTextField(blank=True)

    def __str__(self) -> str:
        return f"receipt of {self.disbursement_id}"


class Pledge(BaseModel):
    """Direct aid: a donor promises to pay the person behind a need themselves.

    Both sides confirm (the donor that they paid, the person that it arrived) and the ledger
    records it; a pledge not confirmed in time expires.
    """

    class Status(models.TextChoices):
        PLEDGED = "pledged", _("Promised")
        CONFIRMED = "confirmed", _("Paid and received")
        EXPIRED = "expired", _("Ran out")
        CANCELLED = "cancelled", _("Cancelled")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="pledges")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="pledges")
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.BigIntegerField(_("amount"))
    # How the person would like to be paid, given by them on their status page.
    payout_handle = EncryptedTextField(_("how to pay you"), max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLEDGED)
    expires_at = models.DateTimeField()
    donor_confirmed_at = models.DateTimeField(null=True, blank=True)
    recipient_confirmed_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="pledge"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_positive")]
        indexes = [models.Index(fields=["status", "expires_at"], name="pledge_expiry_idx")]

    def __str__(self) -> str:
        return f"pledge {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:pledge", args=[self.network.slug, self.pk])
