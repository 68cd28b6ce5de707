"""How people reach a network without the internet: its phone line, the number they text and
the word they text first. All three are public: they go on the flyer."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import User
from potluck.accounts.phones import normalize_phone
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.networks.models import Network
from potluck.networks.permissions import is_coordinator

# Words carriers answer themselves (STOP, START and HELP and their kin) and the replies Potluck's
# text conversation understands (DONE, TAKE <ref>, in English and Spanish): a network's word
# must not be one of them, or texting it would do something else.
RESERVED_KEYWORDS = frozenset(
    {
        *("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"),
        *("START", "YES", "UNSTOP"),
        *("HELP", "INFO"),
        *("DONE", "LISTO", "TAKE", "TOMAR"),
    }
)
KEYWORD_SHAPE = re.compile(r"[A-Z0-9]{2,20}")

NOT_ALLOWED = _("You are not allowed to do that.")
BAD_NUMBER = _("Write the number with its country code, for example +1 555 010 2030.")
BAD_KEYWORD = _("Use 2 to 20 letters (A to Z) or digits, with no spaces.")
RESERVED_KEYWORD = _("Phones already use %(word)s for something else. Choose another word.")
KEYWORD_TAKEN = _("Another network already uses this word on this number. Choose another word.")
KEYWORD_WITHOUT_NUMBER = _("Add the number people text, or leave the word empty.")

REACH_FIELDS = ("phone_number", "sms_number", "sms_keyword")


def reach_number_clean(raw: str, *, code: str) -> str:
    """'+1 (555) 010-2030' -> '+15550102030' (E.164); '' stays ''; anything else is refused."""
    if not raw.strip():
        return ""
    number = normalize_phone(raw)
    if number is None or not number.startswith("+"):
        raise DomainError(BAD_NUMBER, code=code)
    return number


def reach_keyword_clean(raw: str) -> str:
    """' riverside ' -> 'RIVERSIDE'; '' stays ''; the wrong shape or a reserved word is refused."""
    keyword = raw.strip().upper()
    if not keyword:
        return ""
    if not KEYWORD_SHAPE.fullmatch(keyword):
        raise DomainError(BAD_KEYWORD, code="bad_keyword")
    if keyword in RESERVED_KEYWORDS:
        raise DomainError(RESERVED_KEYWORD % {"word": keyword}, code="reserved_keyword")
    return keyword


@transaction.atomic
def network_reach_update(
    *,
    network: Network,
    by: User,
    phone_number: str = "",
    sms_number: str = "",
    sms_keyword: str = "",
) -> Network:
    """Set the network's phone line, the number people text and the word they text first."""
    if not is_coordinator(by, network.pk):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    values = {
        "phone_number": reach_number_clean(phone_number, code="bad_phone_number"),
        "sms_number": reach_number_clean(sms_number, code="bad_sms_number"),
        "sms_keyword": reach_keyword_clean(sms_keyword),
    }
    if values["sms_keyword"] and not values["sms_number"]:
        raise DomainError(KEYWORD_WITHOUT_NUMBER, code="keyword_without_number")
    if _keyword_taken(network=network, number=values["sms_number"], word=values["sms_keyword"]):
        raise DomainError(KEYWORD_TAKEN, code="keyword_taken")
    changed = [field for field in REACH_FIELDS if getattr(network, field) != values[field]]
    if not changed:
        return network
    for field in changed:
        setattr(network, field, values[field])
    try:
        with transaction.atomic():
            network.save(update_fields=[*changed, "updated_at"])
    except IntegrityError as error:  # another network took the word on this number just now
        network.refresh_from_db(fields=changed)
        raise DomainError(KEYWORD_TAKEN, code="keyword_taken") from error
    # Which fields changed, never the numbers themselves: audit data stays free of numbers.
    audit_record(actor=by, verb="network.reach_changed", target=network, data={"changed": changed})
    return network


def _keyword_taken(*, network: Network, number: str, word: str) -> bool:
    if not word:
        return False
    others = Network.objects.exclude(pk=network.pk)
    return others.filter(sms_number=number, sms_keyword=word).exists()
