"""What Potluck texts back. An outbox message of kind "sms.reply" carries a reply code and
ids in its context (never personal details); `reply_text` turns them into words at send time,
in the message's language."""

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from potluck.needs.models import Urgency
from potluck.networks.categories import Category
from potluck.networks.models import Network

URGENCY_CHOICES = (Urgency.TODAY, Urgency.FEW_DAYS, Urgency.THIS_WEEK, Urgency.FLEXIBLE)

REPLIES = {
    "not_in_use": _("Sorry, this number is not taking requests for help at the moment."),
    "choose_network": _("Which group are you texting? Reply with a number: %(choices)s"),
    "ask_what": _(
        "%(network)s: Hello! What do you need help with? Tell us in a few words. "
        "(Text STOP to stop texts, HELP for help.)"
    ),
    "what_empty": _("Please tell us in a few words what you need, for example: food for 3 people."),
    "ask_category": _("What kind of help is it? Reply with a number: %(choices)s"),
    "bad_category": _("Please reply with one number from 1 to %(count)s: %(choices)s"),
    "ask_area": _(
        "Roughly where are you? A neighbourhood or cross streets is enough, not your address."
    ),
    "ask_area_named": _(
        "Roughly where are you? A neighbourhood (like %(areas)s) or cross streets is enough, "
        "not your address."
    ),
    "area_empty": _("Please tell us roughly where you are: a neighbourhood or cross streets."),
    "ask_urgency": _(
        "How soon do you need it? Reply 1 today, 2 in the next few days, 3 this week, "
        "4 whenever someone can."
    ),
    "bad_urgency": _(
        "Please reply with just one number: 1 today, 2 in the next few days, 3 this week, "
        "4 whenever someone can."
    ),
    "need_created": _(
        "Thank you. Your request is #%(need_id)s. A volunteer will text you from this number, "
        "and your numbers stay private. Reply here to write to them; text DONE when help has "
        "arrived."
    ),
    "intake_failed": _(
        "Sorry, we could not save your request. Please tell us again what you need."
    ),
    "passed_on": _(
        "We added your message to request #%(need_id)s. Whoever takes it on will see it."
    ),
    "asked_empty": _(
        "Your request is #%(need_id)s. Write a message for your volunteer, text DONE when help "
        "has arrived, or STOP to stop texts."
    ),
    "done": _("Thank you! Request #%(need_id)s is closed. We are glad help arrived."),
    "withdrawn": _("Request #%(need_id)s is closed. Text us again whenever you need help."),
    "finished": _(
        "Request #%(need_id)s is finished. If you need something new, tell us in a few words "
        "what it is."
    ),
    "stopped": _("You will get no more texts from this number. Text START to get them again."),
    "started": _("You will get texts from this number again. Text HELP for help, STOP to stop."),
    "help": _(
        "%(network)s, neighbours helping neighbours. Text us what you need and a volunteer will "
        "help. Text DONE when help has arrived, STOP to stop texts. Message and data rates "
        "may apply."
    ),
    "help_shared": _(
        "This number is shared by %(choices)s. Text us what you need and a volunteer will "
        "help. Text STOP to stop texts. Message and data rates may apply."
    ),
    "help_volunteer": _(
        "%(network)s. Volunteers: text TAKE and a need's number to take it on (TAKE 12); start "
        "a text with the number to write to the person (#12 on my way). STOP to stop texts."
    ),
    "claimed": _(
        "Need #%(need_id)s is yours. Start a text with #%(need_id)s to write to the person who "
        "asked; they will not see your number, nor you theirs."
    ),
    "take_not_open": _("Need #%(need_id)s has already been taken on, or is no longer open."),
    "take_not_allowed": _("Only volunteers of this network can take needs on. Text HELP for help."),
    "take_unknown": _("There is no need #%(need_id)s here. Check the number and try again."),
    "take_failed": _("Need #%(need_id)s could not be taken on: %(reason)s"),
    "take_hint": _("To take a need on, text TAKE and its number, for example: TAKE 12"),
    "relay_not_yours": _(
        "You are not taking on need #%(need_id)s at the moment, so we did not pass that on."
    ),
    "relay_which": _(
        "Which need is this about? Start your text with its number, for example: "
        "#%(need_id)s on my way"
    ),
    "relay_empty": _("Write your message after the number, for example: #%(need_id)s on my way"),
    "relay_call": _(
        "The person who asked for #%(need_id)s would like a phone call; their number is on "
        "the need's page."
    ),
}
# Reasons a claim can fail, by DomainError code, shown as their own replies.
TAKE_REPLIES = {"not_open": "take_not_open", "forbidden": "take_not_allowed"}


def reply_text(context: dict[str, Any]) -> str:
    """The words of a reply, in the active language, from an outbox message's context."""
    code = context.get("reply", "")
    if code == "choose_language":
        return _choose_language(context.get("languages", []))
    params = {
        "network": context.get("network_name", ""),
        "need_id": context.get("need_id", ""),
        "reason": context.get("reason", ""),
        "choices": _choices(code, context),
        "count": len(context.get("categories", [])),
        "areas": ", ".join(context.get("areas", [])),
    }
    return str(REPLIES.get(code, REPLIES["not_in_use"])) % params


def _choices(code: str, context: dict[str, Any]) -> str:
    if code in ("choose_network", "help_shared"):
        names = dict(
            Network.objects.filter(pk__in=context.get("networks", [])).values_list("pk", "name")
        )
        labels = [names.get(pk, "") for pk in context.get("networks", [])]
    else:
        known = dict(Category.choices)
        labels = [str(known.get(code, code)) for code in context.get("categories", [])]
    return ", ".join(f"{number} {label}" for number, label in enumerate(labels, start=1))


def _choose_language(languages: list[str]) -> str:
    """ "Reply 1 for English. Responde 2 para español.": each choice in its own language."""
    lines = []
    for number, code in enumerate(languages, start=1):
        name = get_language_info(code)["name_local"] if _known(code) else code
        with translation.override(code):
            lines.append(
                str(_("Reply %(number)s for %(language)s.")) % {"number": number, "language": name}
            )
    return " ".join(lines)


def _known(code: str) -> bool:
    return code in dict(settings.LANGUAGES)
