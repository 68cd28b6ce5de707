"""Input and output schemas for the needs and offers API."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from ninja.params import P, PathEx
from pydantic import ConfigDict, ValidationInfo, field_validator

from potluck.accounts.phones import normalize_phone
from potluck.api.fields import MAX_ID, Slug, Text
from potluck.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from potluck.needs.models import ContactMethod, Need, Offer, Urgency
from potluck.networks.categories import Category

BAD_EMAIL = _("Enter a valid email address.")
BAD_PHONE = _("Enter a phone number of 7 to 15 digits, for example +1 555 010 2030.")
BAD_STATUS_FILTER = _("Choose a status, “active” or “all”.")

ANY_STATUS = "all"
STATUS_FILTERS = frozenset({*Need.Status.values, "active", ANY_STATUS})

NeedId = PathEx[int, P(ge=1, le=MAX_ID)]
OfferId = PathEx[int, P(ge=1, le=MAX_ID)]


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


# ---------------------------------------------------------------------------- schemas


class NeedFilters(Schema):
    network: Slug | None = None
    status: str = Field(Need.Status.OPEN, description="A need status, “active” or “all”.")
    category: Category | None = None
    urgency: Urgency | None = None
    language: Text = Field("", max_length=8)
    area: Text = Field("", max_length=120)
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)

    @field_validator("network", "category", "urgency", "cursor", mode="before")
    @classmethod
    def blank_is_none(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("status")
    @classmethod
    def known_status(cls, value: str) -> str:
        if value not in STATUS_FILTERS:
            raise ValueError(str(BAD_STATUS_FILTER))
        return value


class NeedIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "network": "riverside",
                    "category": "groceries",
                    "description": "Rice, beans and milk for two, please.",
                    "area": "Eastgate, near the library",
                    "urgency": "few_days",
                    "language": "en",
                    "contact_method": "sms",
                    "contact_value": "+1 555 010 2030",
                    "contact_times": "Evenings after 6",
                }
            ]
        }
    )

    network: Slug
    category: Category
    description: Text = Field(min_length=1, max_length=2000)
    area: Text = Field(min_length=1, max_length=120)
    urgency: Urgency = Urgency.FEW_DAYS
    language: Text = Field(min_length=1, max_length=8)
    contact_method: ContactMethod
    contact_value: Text = Field(min_length=1, max_length=254)
    contact_times: Text = Field("", max_length=120)

    @field_validator("contact_value")
    @classmethod
    def fits_contact_method(cls, value: str, info: ValidationInfo) -> str:
        method = info.data.get("contact_method")
        if method == ContactMethod.EMAIL:
            try:
                validate_email(value)
            except DjangoValidationError:
                raise ValueError(str(BAD_EMAIL)) from None
        elif method in (ContactMethod.PHONE, ContactMethod.SMS):
            phone = normalize_phone(value)
            if phone is None:
                raise ValueError(str(BAD_PHONE))
            return phone
        return value


class NeedOut(Schema):
    id: int
    network: str
    category: str
    category_label: str
    description: str
    area: str
    urgency: str
    urgency_label: str
    language: str
    status: str
    status_label: str
    created_at: datetime
    claim_expires_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_network(need: Need) -> str:
        return need.network.slug

    @staticmethod
    def resolve_category_label(need: Need) -> str:
        return str(need.get_category_display())

    @staticmethod
    def resolve_urgency_label(need: Need) -> str:
        return str(need.get_urgency_display())

    @staticmethod
    def resolve_status_label(need: Need) -> str:
        return str(need.get_status_display())


class ContactOut(Schema):
    method: str
    method_label: str
    value: str
    times: str


class NeedCreatedOut(Schema):
    need: NeedOut
    status_url: str = Field(description="The requester's private status page: give it to them.")


class NeedPage(Schema):
    items: list[NeedOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")


class ClaimOut(Schema):
    id: int
    need_id: int
    expires_at: datetime
    outcome: str


class ReleaseIn(Schema):
    reason: Text = Field("", max_length=2000)


class CloseIn(Schema):
    outcome: Text = Field(Need.Status.CLOSED, max_length=20)


class OfferFilters(Schema):
    network: Slug | None = None
    kind: Offer.Kind | None = None
    area: Text = Field("", max_length=120)
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)

    @field_validator("network", "kind", "cursor", mode="before")
    @classmethod
    def blank_is_none(cls, value: Any) -> Any:
        return _blank_is_none(value)


class OfferIn(Schema):
    network: Slug
    kind: Offer.Kind
    title: Text = Field(min_length=1, max_length=120)
    description: Text = Field("", max_length=2000)
    area: Text = Field("", max_length=120)


class OfferOut(Schema):
    id: int
    network: str
    kind: str
    kind_label: str
    title: str
    description: str
    area: str
    status: str
    author: str
    created_at: datetime

    @staticmethod
    def resolve_network(offer: Offer) -> str:
        return offer.network.slug

    @staticmethod
    def resolve_kind_label(offer: Offer) -> str:
        return str(offer.get_kind_display())

    @staticmethod
    def resolve_author(offer: Offer) -> str:
        return offer.author.display_name if offer.author else ""


class OfferPage(Schema):
    items: list[OfferOut]
    next: str | None


class RespondIn(Schema):
    message: Text = Field(min_length=1, max_length=2000)


class MatchOut(Schema):
    id: int
    offer_id: int
    status: str
    created_at: datetime
