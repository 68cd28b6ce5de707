"""The questions someone answers by text to ask for help, one step per text, and what their
texts do once the need exists. Called by potluck.sms.services inside its transaction."""

from django.utils import translation

from potluck.accounts.models import phone_hash
from potluck.core.errors import DomainError
from potluck.needs import services as need_services
from potluck.needs.models import ContactMethod, Need
from potluck.networks.categories import Category
from potluck.networks.models import Network
from potluck.sms import keywords
from potluck.sms.models import Conversation, Step
from potluck.sms.outbound import Inbound, default_language, relay_to_claimant, reply
from potluck.sms.replies import URGENCY_CHOICES

AREA_EXAMPLES = 3


def conversation_start(inbound: Inbound) -> None:
    """A first text from this number: find the network and language, then ask what they need."""
    conversation, _created = Conversation.objects.get_or_create(
        number=inbound.number,
        phone_hash=phone_hash(inbound.phone),
        defaults={"phone": inbound.phone, "step": Step.NETWORK},
    )
    network = _network_by_keyword(inbound) or inbound.network
    if network is None:
        _ask_network(conversation, inbound)
    else:
        _choose(conversation, inbound, network)


def conversation_resume(inbound: Inbound, need: Need) -> None:
    """A first text from someone who asked another way and gave this number: it is about
    their need, so it goes where texts about a need go (the volunteer, or DONE)."""
    conversation, _created = Conversation.objects.get_or_create(
        number=inbound.number,
        phone_hash=phone_hash(inbound.phone),
        defaults={
            "phone": inbound.phone,
            "network": need.network,
            "language": need.language,
            "step": Step.ASKED,
            "need": need,
        },
    )
    conversation_continue(conversation, inbound)


def conversation_continue(conversation: Conversation, inbound: Inbound) -> None:
    """The next text in a conversation answers the question asked last."""
    handlers = {
        Step.NETWORK: _answer_network,
        Step.LANGUAGE: _answer_language,
        Step.WHAT: _answer_what,
        Step.CATEGORY: _answer_category,
        Step.AREA: _answer_area,
        Step.URGENCY: _answer_urgency,
        Step.ASKED: _after_asking,
    }
    if conversation.network is None and conversation.step != Step.NETWORK:
        conversation.step = Step.NETWORK  # the network was deleted meanwhile
    with translation.override(_language(conversation)):
        handlers[Step(conversation.step)](conversation, inbound)


def _language(conversation: Conversation) -> str:
    return conversation.language or default_language(conversation.network)


def _save(conversation: Conversation, step: str, **fields: object) -> None:
    conversation.step = step
    for name, value in fields.items():
        setattr(conversation, name, value)
    conversation.save()


def _say(conversation: Conversation, inbound: Inbound, code: str, **context: object) -> None:
    reply(
        inbound,
        code,
        language=_language(conversation),
        network=conversation.network,
        **context,
    )


# ---------------------------------------------------------------------------- network, language


def _network_by_keyword(inbound: Inbound) -> Network | None:
    word = keywords.first_word(inbound.body)
    for network in inbound.networks:
        if word and keywords.fold(network.sms_keyword) == word:
            return network
    return None


def _ask_network(conversation: Conversation, inbound: Inbound) -> None:
    language = keywords.language_of(inbound.body, _all_languages(inbound)) or ""
    _save(conversation, Step.NETWORK, network=None, language=language)
    with translation.override(_language(conversation)):
        _say(conversation, inbound, "choose_network", networks=[n.pk for n in inbound.networks])


def _all_languages(inbound: Inbound) -> list[str]:
    return list(dict.fromkeys(code for n in inbound.networks for code in n.languages))


def _answer_network(conversation: Conversation, inbound: Inbound) -> None:
    choice = keywords.number_answer(inbound.body, choices=len(inbound.networks))
    chosen = inbound.networks[choice - 1] if choice is not None else None
    network = _network_by_keyword(inbound) or inbound.network or chosen
    if network is None:
        _ask_network(conversation, inbound)
    else:
        _choose(conversation, inbound, network)


def _choose(conversation: Conversation, inbound: Inbound, network: Network) -> None:
    """The network is known: settle the language (asking if need be), then ask what is needed."""
    conversation.network = network
    offered = list(network.languages) or [default_language(network)]
    known = conversation.language if conversation.language in offered else None
    language = known or keywords.language_of(inbound.body, offered)
    if language is None and len(offered) > 1:
        _save(conversation, Step.LANGUAGE, language="")
        _say(conversation, inbound, "choose_language", languages=offered)
        return
    _save(conversation, Step.WHAT, language=language or offered[0])
    with translation.override(conversation.language):
        _say(conversation, inbound, "ask_what")


def _answer_language(conversation: Conversation, inbound: Inbound) -> None:
    assert conversation.network is not None
    offered = list(conversation.network.languages)
    choice = keywords.number_answer(inbound.body, choices=len(offered))
    language = offered[choice - 1] if choice is not None else None
    if language is None:
        language = keywords.language_of(inbound.body, offered)
    if language is None:
        _say(conversation, inbound, "choose_language", languages=offered)
        return
    _save(conversation, Step.WHAT, language=language)
    with translation.override(language):
        _say(conversation, inbound, "ask_what")


# ---------------------------------------------------------------------------- the questions


def _answer_what(conversation: Conversation, inbound: Inbound) -> None:
    text = inbound.body.strip()
    if len(keywords.words(text)) == 0:
        _say(conversation, inbound, "what_empty")
        return
    conversation.description = text[:2000]
    categories = _categories(conversation)
    if len(categories) == 1:
        _ask_area(conversation, inbound, category=categories[0])
    else:
        _save(conversation, Step.CATEGORY)
        _say(conversation, inbound, "ask_category", categories=categories)


def _categories(conversation: Conversation) -> list[str]:
    assert conversation.network is not None
    known = set(Category.values)
    return [code for code in conversation.network.categories if code in known]


def _answer_category(conversation: Conversation, inbound: Inbound) -> None:
    categories = _categories(conversation)
    choice = keywords.number_answer(inbound.body, choices=len(categories))
    category = (
        categories[choice - 1] if choice is not None else _category_named(inbound, categories)
    )
    if category is None:
        _say(conversation, inbound, "bad_category", categories=categories)
    else:
        _ask_area(conversation, inbound, category=category)


def _category_named(inbound: Inbound, categories: list[str]) -> str | None:
    """A category typed by its name in the conversation's language ("groceries")."""
    said = keywords.fold(inbound.body)
    labels = dict(Category.choices)
    return next((code for code in categories if keywords.fold(str(labels[code])) == said), None)


def _ask_area(conversation: Conversation, inbound: Inbound, *, category: str) -> None:
    _save(conversation, Step.AREA, category=category)
    assert conversation.network is not None
    areas = [str(area) for area in conversation.network.areas][:AREA_EXAMPLES]
    if areas:
        _say(conversation, inbound, "ask_area_named", areas=areas)
    else:
        _say(conversation, inbound, "ask_area")


def _answer_area(conversation: Conversation, inbound: Inbound) -> None:
    text = inbound.body.strip()
    if not keywords.words(text):
        _say(conversation, inbound, "area_empty")
        return
    assert conversation.network is not None
    said = keywords.fold(text)
    known = next(
        (str(a) for a in conversation.network.areas if keywords.fold(str(a)) == said), None
    )
    _save(conversation, Step.URGENCY, area=(known or text)[:120])
    _say(conversation, inbound, "ask_urgency")


def _answer_urgency(conversation: Conversation, inbound: Inbound) -> None:
    choice = keywords.number_answer(inbound.body, choices=len(URGENCY_CHOICES))
    if choice is None:
        _say(conversation, inbound, "bad_urgency")
        return
    assert conversation.network is not None
    try:
        need, _token = need_services.need_create(
            network=conversation.network,
            category=conversation.category,
            description=conversation.description,
            area=conversation.area,
            urgency=URGENCY_CHOICES[choice - 1],
            contact_method=ContactMethod.SMS,
            contact_value=inbound.phone,
            language=_language(conversation),
            intake="sms",
        )
    except DomainError:  # the network changed its categories or languages meanwhile
        _save(conversation, Step.WHAT, description="", category="", area="")
        _say(conversation, inbound, "intake_failed")
        return
    # The answers now live in the need (and are erased with it); the conversation points at it.
    _save(conversation, Step.ASKED, need=need, description="", category="", area="")
    _say(conversation, inbound, "need_created", need_id=need.pk)


# ---------------------------------------------------------------------------- after asking


def _after_asking(conversation: Conversation, inbound: Inbound) -> None:
    """DONE closes the need; other texts go to whoever took it on (or wait for them)."""
    need = conversation.need
    if need is None or need.is_final:
        _start_again(conversation, inbound, need)
        return
    if keywords.keyword(inbound.body) in keywords.DONE_WORDS:
        _done(conversation, inbound, need)
    elif not keywords.words(inbound.body):
        _say(conversation, inbound, "asked_empty", need_id=need.pk)
    else:
        _pass_on(conversation, inbound, need)


def _start_again(conversation: Conversation, inbound: Inbound, need: Need | None) -> None:
    _save(conversation, Step.WHAT, need=None)
    if need is None:
        _say(conversation, inbound, "ask_what")
    else:
        _say(conversation, inbound, "finished", need_id=need.pk)


def _done(conversation: Conversation, inbound: Inbound, need: Need) -> None:
    """Help arrived: the need closes. Nobody took it on yet: it is withdrawn instead."""
    try:
        if need.status == Need.Status.OPEN:
            need_services.need_withdraw_by_requester(need=need)
            _say(conversation, inbound, "withdrawn", need_id=need.pk)
        else:
            need_services.need_confirm_by_requester(need=need)
            _say(conversation, inbound, "done", need_id=need.pk)
    except DomainError:  # finished meanwhile
        _say(conversation, inbound, "finished", need_id=need.pk)
    conversation.save(update_fields=["updated_at"])


def _pass_on(conversation: Conversation, inbound: Inbound, need: Need) -> None:
    try:
        note = need_services.need_add_requester_message(need=need, body=inbound.body[:2000])
    except DomainError:  # finished meanwhile
        _start_again(conversation, inbound, need)
        return
    conversation.save(update_fields=["updated_at"])
    claimed = need.status in (Need.Status.CLAIMED, Need.Status.DELIVERED)
    if claimed and need.claimant is not None:
        relay_to_claimant(inbound, need=need, claimant=need.claimant, note=note)
    else:
        _say(conversation, inbound, "passed_on", need_id=need.pk)
