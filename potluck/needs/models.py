import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import phone_hash
from potluck.accounts.phones import normalize_phone
from potluck.core.fields import EncryptedTextField
from potluck.core.models import BaseModel
from potluck.networks.categories import Category
from potluck.networks.models import Membership, Network


def hash_status_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_status_token() -> tuple[str, str]:
    """An unguessable token for the requester's link, and the hash we keep of it."""
    token = secrets.token_urlsafe(24)
    return token, hash_status_token(token)


class Urgency(models.TextChoices):
    TODAY = "today", _("Today")
    FEW_DAYS = "few_days", _("In the next few days")
    THIS_WEEK = "this_week", _("This week")
    FLEXIBLE = "flexible", _("Whenever someone can")


URGENCY_ORDER = {Urgency.TODAY: 0, Urgency.FEW_DAYS: 1, Urgency.THIS_WEEK: 2, Urgency.FLEXIBLE: 3}


def urgency_rank_expression() -> models.Case:
    """0 for "today" up to 3 for "whenever": the first key of every list of needs."""
    return models.Case(
        *[
            models.When(urgency=code, then=models.Value(rank))
            for code, rank in URGENCY_ORDER.items()
        ],
        default=models.Value(len(URGENCY_ORDER)),
        output_field=models.SmallIntegerField(),
    )


NEED_EVENT_LABELS = {
    "need.created": _("asked for help"),
    "need.claimed": _("claimed it"),
    "need.released": _("gave it back"),
    "need.claim_expired": _("the claim ran out"),
    "need.delivered": _("marked it delivered"),
    "need.confirmed": _("the person who asked confirmed help arrived"),
    "need.withdrawn": _("the person who asked withdrew it"),
    "need.closed": _("closed it"),
    "need.contact_revealed": _("looked at the contact details"),
    "need.requester_message": _("the person who asked sent a message"),
    "need.noted": _("added a note"),
}


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("Text message (SMS)")
    EMAIL = "email", _("Email")


class NeedQuerySet(models.QuerySet["Need"]):
    def visible_to(self, user: Any) -> "NeedQuerySet":
        """Needs in networks where `user` is an active member."""
        if not user.is_authenticated:
            return self.none()
        networks = Membership.objects.active().filter(user_id=user.pk).values("network_id")
        return self.filter(network_id__in=networks)

    def open(self) -> "NeedQuerySet":
        return self.filter(status=Need.Status.OPEN)

    def active(self) -> "NeedQuerySet":
        return self.filter(status__in=Need.ACTIVE_STATUSES)


class Need(BaseModel):
    """Someone's request for help, from asking to closing."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLAIMED = "claimed", _("Claimed")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", _("Closed")
        NO_ANSWER = "no_answer", _("No answer")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DUPLICATE = "duplicate", _("Duplicate")
        REFERRED = "referred", _("Referred elsewhere")

    ACTIVE_STATUSES = (Status.OPEN, Status.CLAIMED, Status.DELIVERED)
    FINAL_STATUSES = (
        Status.CLOSED,
        Status.NO_ANSWER,
        Status.WITHDRAWN,
        Status.DUPLICATE,
        Status.REFERRED,
    )

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="needs")
    category = models.CharField(_("what kind of help"), max_length=20, choices=Category.choices)
    description = EncryptedTextField(_("what do you need"), max_length=2000)
    area = models.CharField(_("roughly where"), max_length=120)
    urgency = models.CharField(
        _("how soon"), max_length=10, choices=Urgency.choices, default=Urgency.FEW_DAYS
    )
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    contact_method = models.CharField(
        _("how to reach you"), max_length=8, choices=ContactMethod.choices
    )
    contact_value = EncryptedTextField(_("phone number or email"), max_length=254)
    contact_times = EncryptedTextField(_("when to reach you"), max_length=120, blank=True)
    # A keyed hash of the number when they asked to be texted, so a text from that number
    # finds their need without decrypting anyone's contact details (potluck/sms).
    contact_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    # For matching: a need met by car, a requester happy with any language, and the weekly
    # half-day slots it can be met in (empty: any time; see potluck.volunteers.SLOTS).
    needs_car = models.BooleanField(_("needs someone with a car"), default=False)
    any_language = models.BooleanField(_("any language is fine"), default=False)
    slots: models.JSONField[Any, Any] = models.JSONField(
        _("when it can be done"), default=list, blank=True
    )
    still_needed_asked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    status_token_hash = models.CharField(max_length=64, unique=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_asked",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_entered",
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_claimed",
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the retention job erased the personal details (see potluck/privacy).
    erased_at = models.DateTimeField(null=True, blank=True)
    # Stored by the database from `urgency`, so that an index can give the board its order
    # (most urgent, then longest waiting) without sorting every open need on each page.
    urgency_rank = models.GeneratedField(
        expression=urgency_rank_expression(),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Each list of needs walks one of these in order (see potluck/core/keyset.py), so a
        # page reads about as many rows as it shows, however many needs there are.
        indexes = [
            models.Index(
                fields=["network", "status", "urgency_rank", "created_at", "id"],
                name="need_board_rank_idx",
            ),
            models.Index(
                fields=["network", "urgency_rank", "created_at", "id"],
                condition=Q(status__in=["open", "claimed", "delivered"]),
                name="need_active_rank_idx",
            ),
            models.Index(
                fields=["network", "urgency_rank", "created_at", "id"], name="need_all_rank_idx"
            ),
            models.Index(
                fields=["network", "status", "claim_expires_at", "id"], name="need_triage_claim_idx"
            ),
            models.Index(
                fields=["network", "status", "delivered_at", "id"], name="need_triage_done_idx"
            ),
            models.Index(fields=["network", "status", "created_at"], name="need_board_idx"),
            models.Index(fields=["claimant", "status"], name="need_claimant_idx"),
            models.Index(fields=["status", "claim_expires_at"], name="need_claim_expiry_idx"),
            models.Index(
                fields=["contact_hash"],
                condition=~Q(contact_hash=""),
                name="need_contact_hash_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(claimant__isnull=False),
                name="need_claimed_has_claimant",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()} ({self.area})"

    def get_absolute_url(self) -> str:
        return reverse("needs:detail", args=[self.network.slug, self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the lookup hash in step with the encrypted SMS contact (like User.save)."""
        phone = normalize_phone(self.contact_value or "")
        sms = self.contact_method == ContactMethod.SMS and phone is not None
        self.contact_hash = phone_hash(phone) if sms and phone else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"contact_value", "contact_method"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "contact_hash"}
        super().save(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES


class Claim(BaseModel):
    """A volunteer's time-boxed promise to meet one need."""

    class Outcome(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", _("Closed")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="claims")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="claims"
    )
    expires_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ACTIVE)
    ended_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["need"], condition=Q(outcome="active"), name="claim_one_active_per_need"
            ),
        ]

    def __str__(self) -> str:
        return f"claim of need {self.need_id} by {self.volunteer_id}"


class NeedNote(BaseModel):
    """A line in a need's conversation: the requester's messages and helpers' notes."""

    class Kind(models.TextChoices):
        REQUESTER = "requester", _("From the person who asked")
        NOTE = "note", _("Note")
        SYSTEM = "system", _("Potluck")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    body = EncryptedTextField(max_length=2000)

    # System notes store a code and are shown in the reader's language.
    CLAIM_EXPIRED = "claim_expired"
    SYSTEM_TEXTS = {
        CLAIM_EXPIRED: _(
            "The claim ran out before the need was delivered, so it is back in the queue."
        ),
    }

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on need {self.need_id}"

    @property
    def text(self) -> str:
        if self.kind == self.Kind.SYSTEM:
            return str(self.SYSTEM_TEXTS.get(self.body, self.body))
        return self.body


class OfferQuerySet(models.QuerySet["Offer"]):
    def visible_to(self, user: Any) -> "OfferQuerySet":
        if not user.is_authenticated:
            return self.none()
        networks = Membership.objects.active().filter(user_id=user.pk).values("network_id")
        return self.filter(network_id__in=networks)

    def open(self) -> "OfferQuerySet":
        return self.filter(status=Offer.Status.OPEN)


class Offer(BaseModel):
    """Something a member can give: a skill, goods, time, a ride, a room, money."""

    class Kind(models.TextChoices):
        SKILLS = "skills", _("Skills")
        GOODS = "goods", _("Goods")
        TIME = "time", _("Time")
        RIDES = "rides", _("Rides")
        ROOM = "room", _("A spare room")
        MONEY = "money", _("Money")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="offers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="offers"
    )
    kind = models.CharField(_("kind of offer"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("what are you offering"), max_length=120)
    description = EncryptedTextField(_("details"), max_length=2000, blank=True)
    area = models.CharField(_("roughly where"), max_length=120, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["network", "status", "created_at", "id"], name="offer_board_key_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("needs:offer_detail", args=[self.network.slug, self.pk])


class Match(BaseModel):
    """A member answering an offer: a private conversation between the two."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="matches")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="matches"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "responder"],
                condition=Q(status="open"),
                name="match_one_open_per_responder",
            ),
        ]

    def __str__(self) -> str:
        return f"match on offer {self.offer_id}"

    def get_absolute_url(self) -> str:
        return reverse("needs:match_detail", args=[self.network.slug, self.pk])


class MatchMessage(BaseModel):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedTextField(max_length=2000)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message in match {self.match_id}"
