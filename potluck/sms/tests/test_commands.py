"""Keywords, volunteers' commands and everything people might get wrong: each gets a helpful
answer (never silence, never a server error)."""

import pytest

from potluck.accounts.models import phone_hash
from potluck.needs import services as need_services
from potluck.needs.models import Need, NeedNote
from potluck.networks.models import Role
from potluck.notifications.models import Message
from potluck.notifications.services import messages_deliver_due, notify_address
from potluck.sms.models import Conversation, OptOut, Step
from potluck.sms.tests.conftest import text_in
from potluck.sms.tests.helpers import (
    ASKER,
    HELPER,
    NUMBER,
    Phone,
    phone_volunteer,
    sms_network,
)

pytestmark = pytest.mark.django_db

OTHER = "+15550005555"


@pytest.fixture
def network(network_factory):
    return sms_network(network_factory, languages=["en"], name="Riverside Mutual Aid")


@pytest.fixture
def asker(client, twilio_server, network):
    return Phone(client, twilio_server, ASKER)


def ask(asker: Phone) -> Need:
    """Go through the questions; the need they made."""
    for answer in ("Hi", "Groceries for two", "1", "Eastgate", "1"):
        asker.text(answer)
    need = Conversation.objects.get().need
    assert need is not None
    return need


# ---------------------------------------------------------------------------- STOP, START, HELP


def test_stop_opts_out_with_one_confirmation_and_start_opts_back_in(asker, network):
    [stopped] = asker.text("stop")
    assert stopped == "You will get no more texts from this number. Text START to get them again."
    assert OptOut.objects.filter(phone_hash=phone_hash(ASKER)).exists()

    assert asker.text("STOP") == []  # already out: no second confirmation
    notify_address(
        channel="sms",
        address=ASKER,
        language="en",
        kind="sms.reply",
        context={"reply": "ask_what"},
        network=network,
    )
    assert asker.text("Hi") == []  # nothing reaches a number that opted out
    assert set(
        Message.objects.filter(status=Message.Status.SKIPPED).values_list("last_error", flat=True)
    ) == {"OptedOut"}

    [started] = asker.text("Start")
    assert started == "You will get texts from this number again. Text HELP for help, STOP to stop."
    assert not OptOut.objects.exists()
    assert asker.text("Food") != []


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit"])
def test_every_carrier_stop_word_opts_out(asker, word):
    assert len(asker.text(word)) == 1
    assert OptOut.objects.count() == 1


@pytest.mark.parametrize("word", ["STOP", "START", "HELP"])
def test_what_twilios_advanced_opt_out_answered_is_not_answered_twice(client, asker, word):
    """With Advanced Opt-Out on, Twilio replies to these itself and says so (OptOutType)."""
    response = text_in(client, sender=ASKER, to=NUMBER, body=word, OptOutType=word)
    assert response.status_code == 200
    assert OptOut.objects.count() == (1 if word == "STOP" else 0)
    assert not Message.objects.exists()


def test_help_names_the_network_and_says_how_to_stop(asker):
    [answer] = asker.text("HELP")
    assert answer.startswith("Riverside Mutual Aid, neighbours helping neighbours.")
    assert "STOP to stop texts" in answer
    assert "DONE" in answer
    assert not Conversation.objects.exists()  # asking for help with texting starts nothing


def test_help_to_a_volunteer_explains_take(client, twilio_server, network, member_factory):
    phone_volunteer(member_factory, network, language="en")
    [answer] = Phone(client, twilio_server, HELPER).text("info")
    assert "text TAKE and a need's number" in answer
    assert "#12 on my way" in answer


# ---------------------------------------------------------------------------- the questions


def test_an_empty_or_unreadable_text_gets_a_hint(asker):
    asker.text("Hi")
    [hint] = asker.text("  ?! ")
    assert hint.startswith("Please tell us in a few words what you need")
    assert Conversation.objects.get().step == Step.WHAT


def test_a_wrong_category_number_asks_again_with_the_choices(asker):
    asker.text("Hi")
    asker.text("Some food please")
    for wrong in ("99", "0", "banana"):
        [again] = asker.text(wrong)
        assert again.startswith("Please reply with one number from 1 to 12: 1 Groceries, 2 Meals")
    assert Conversation.objects.get().step == Step.CATEGORY
    asker.text("meals")  # the name works too
    assert Conversation.objects.get().category == "meals"


def test_a_wrong_urgency_asks_again(asker):
    for answer in ("Hi", "A ride", "4", "Old Mill"):
        asker.text(answer)
    [again] = asker.text("soon please")
    assert again.startswith("Please reply with just one number: 1 today")
    assert not Need.objects.exists()
    asker.text("3")
    assert Need.objects.get().urgency == "this_week"


def test_an_area_outside_the_list_is_kept_as_written(asker):
    for answer in ("Hi", "Groceries", "1", "Elm & 3rd", "1"):
        asker.text(answer)
    assert Need.objects.get().area == "Elm & 3rd"
    conversation = Conversation.objects.get()
    assert (conversation.description, conversation.area, conversation.category) == ("", "", "")


def test_a_first_text_in_no_clear_language_asks_which(client, twilio_server, network_factory):
    sms_network(network_factory)  # English and Spanish
    asker = Phone(client, twilio_server, ASKER)
    [question] = asker.text("food")
    assert question == "Reply 1 for English. Responde 2 para español."
    [again] = asker.text("french")
    assert again == question
    asker.text("2")
    assert Conversation.objects.get().language == "es"


def test_several_networks_on_one_number_pick_by_keyword_or_ask(
    client, twilio_server, network_factory
):
    first = sms_network(network_factory, languages=["en"], sms_keyword="RIVER", name="River")
    second = sms_network(network_factory, languages=["en"], sms_keyword="HILL", name="Hill")
    by_keyword = Phone(client, twilio_server, ASKER)
    [answer] = by_keyword.text("hill hello")
    assert answer.startswith("Hill: Hello!")
    asker = Phone(client, twilio_server, OTHER)
    [question] = asker.text("Hello")
    assert question == "Which group are you texting? Reply with a number: 1 River, 2 Hill"
    assert asker.text("3") == [question]
    [answer] = asker.text("1")
    assert answer.startswith("River: Hello!")
    networks = dict(Conversation.objects.values_list("phone_hash", "network"))
    assert networks == {phone_hash(ASKER): second.pk, phone_hash(OTHER): first.pk}


def test_a_number_no_network_uses_gets_an_answer(client, twilio_server):
    [answer] = Phone(client, twilio_server, ASKER, to="+15559999999").text("Help me")
    assert answer == "Sorry, this number is not taking requests for help at the moment."


@pytest.mark.parametrize("body", ["", "x" * 5000, "🙂🙂", "#", "TAKE", "#12", "\x00\x01"])
def test_odd_texts_always_get_an_answer(asker, body):
    assert len(asker.text(body)) == 1


# ---------------------------------------------------------------------------- after asking


def test_texts_before_anyone_takes_the_need_are_kept_and_acknowledged(asker):
    need = ask(asker)
    [answer] = asker.text("The buzzer is broken")
    assert answer == (
        f"We added your message to request #{need.pk}. Whoever takes it on will see it."
    )
    assert NeedNote.objects.get(need=need).body == "The buzzer is broken"


def test_done_before_anyone_took_it_on_withdraws_it(asker):
    need = ask(asker)
    assert f"Request #{need.pk} is closed." in asker.text("done")[-1]
    need.refresh_from_db()
    assert need.status == Need.Status.WITHDRAWN


def test_a_text_after_the_need_ended_starts_again(asker, coordinator, network):
    need = ask(asker)
    need_services.need_close(need=need, by=coordinator)
    answers = asker.text("Hello again")
    assert any(f"Request #{need.pk} is finished. If you need" in text for text in answers)
    assert Conversation.objects.get().step == Step.WHAT


def test_an_empty_text_after_asking_explains_what_to_text(asker):
    need = ask(asker)
    [answer] = asker.text("...")
    assert answer.startswith(f"Your request is #{need.pk}. Write a message for your volunteer")


# ---------------------------------------------------------------------------- volunteers


@pytest.fixture
def helper(network, member_factory):
    return phone_volunteer(member_factory, network, language="en")


def test_take_by_someone_who_is_not_a_volunteer_here_is_refused(
    client, twilio_server, asker, network, stranger
):
    need = ask(asker)
    stranger.phone = OTHER
    stranger.save()
    [answer] = Phone(client, twilio_server, OTHER).text(f"TAKE {need.pk}")
    assert answer == "Only volunteers of this network can take needs on. Text HELP for help."
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_take_from_a_number_without_an_account_is_refused(client, twilio_server, asker):
    need = ask(asker)
    [answer] = Phone(client, twilio_server, OTHER).text(f"take #{need.pk}")
    assert answer.startswith("Only volunteers of this network")
    assert Need.objects.get().status == Need.Status.OPEN


def test_take_of_a_need_already_taken_says_so(
    client, twilio_server, asker, helper, member_factory, network
):
    need = ask(asker)
    other = member_factory(network=network, role=Role.VOLUNTEER).user
    need_services.need_claim(need=need, volunteer=other)
    [answer] = Phone(client, twilio_server, HELPER).text(f"TAKE {need.pk}")
    assert answer == f"Need #{need.pk} has already been taken on, or is no longer open."
    assert Need.objects.get().claimant == other


def test_take_of_an_unknown_need_or_another_networks_says_so(
    client, twilio_server, helper, need_factory
):
    elsewhere = need_factory()  # another network, not reached through this number
    phone = Phone(client, twilio_server, HELPER)
    for ref in (elsewhere.pk, 999999):
        [answer] = phone.text(f"TAKE {ref}")
        assert answer == f"There is no need #{ref} here. Check the number and try again."
    assert Need.objects.get(pk=elsewhere.pk).status == Need.Status.OPEN


def test_a_malformed_take_gets_an_example(client, twilio_server, helper):
    [answer] = Phone(client, twilio_server, HELPER).text("take the one in Eastgate")
    assert answer == "To take a need on, text TAKE and its number, for example: TAKE 12"


def test_a_volunteer_with_several_needs_is_asked_which(
    client, twilio_server, helper, network, need_factory
):
    needs = [need_factory(network=network, contact_method="sms") for _ in range(2)]
    for need in needs:
        need_services.need_claim(need=need, volunteer=helper)
    phone = Phone(client, twilio_server, HELPER)
    [answer] = phone.text("On my way")
    assert answer.startswith("Which need is this about?")
    [answer] = phone.text("#999 hello")
    assert answer.startswith("You are not taking on need #999")
    [answer] = phone.text(f"#{needs[1].pk}")
    assert answer == f"Write your message after the number, for example: #{needs[1].pk} on my way"
    assert phone.text(f"#{needs[1].pk} on my way") == []
    assert NeedNote.objects.filter(need=needs[1], author=helper).count() == 1


def test_help_on_a_shared_number_names_every_network(client, twilio_server, network_factory):
    sms_network(network_factory, languages=["en"], sms_keyword="RIVER", name="River")
    sms_network(network_factory, languages=["en"], sms_keyword="HILL", name="Hill")
    [answer] = Phone(client, twilio_server, ASKER).text("help")
    assert answer.startswith("This number is shared by 1 River, 2 Hill.")
    assert "STOP to stop texts" in answer


def test_help_to_a_member_who_is_not_a_volunteer_is_the_plain_help(
    client, twilio_server, network, member
):
    member.phone = OTHER
    member.save()
    [answer] = Phone(client, twilio_server, OTHER).text("HELP")
    assert answer.startswith("Riverside Mutual Aid, neighbours helping neighbours.")


def test_someone_who_asked_on_the_web_can_answer_by_text(
    client, twilio_server, network, helper, need_factory
):
    """They gave their number for texts; the status texts say to reply: a reply is about it."""
    need = need_factory(
        network=network, contact_method="sms", contact_value="+1 (555) 000-4444", language="en"
    )
    need_services.need_claim(need=need, volunteer=helper)
    asker, volunteer = Phone(client, twilio_server, ASKER), Phone(client, twilio_server, HELPER)
    messages_deliver_due()  # whatever the claim itself sends them
    asker.news()

    assert asker.text("I am home after 5") == []
    assert volunteer.news() == [
        f"#{need.pk} from the person who asked: I am home after 5\n"
        f"To answer by text, start your reply with #{need.pk}. "
        f"See the need: http://127.0.0.1:8000{need.get_absolute_url()}"
    ]
    volunteer.text("See you then")
    assert asker.news() == [f"#{need.pk} from your volunteer: See you then"]
    asker.text("DONE")
    assert Need.objects.get(pk=need.pk).status == Need.Status.CLOSED
