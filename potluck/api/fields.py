"""Input field types shared by API schemas: text that is safe to store on any database."""

from typing import Annotated

from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, StringConstraints

# Django's own wording, so its catalogues already translate it.
NULL_CHARACTERS = _("Null characters are not allowed.")


def _no_null_characters(value: str) -> str:
    # PostgreSQL refuses NUL in text; refuse it here as bad input rather than fail later.
    if "\x00" in value:
        raise ValueError(str(NULL_CHARACTERS))
    return value


# Stripped text; give the length limits with Field(min_length=..., max_length=...).
Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_no_null_characters)]

# A network's short name as it appears in URLs (Network.slug).
Slug = Annotated[str, StringConstraints(max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")]

# Ids the database can hold; larger numbers would overflow a query instead of finding nothing.
MAX_ID = 2**63 - 1
