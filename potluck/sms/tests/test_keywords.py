"""Reading texts: keywords, commands and numbered answers, as people actually type them."""

import pytest

from potluck.sms import keywords


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TAKE 12", (12, "en")),
        ("tomar #7", (7, "es")),
        (" Take#3 ", (3, "en")),
        ("TOMAR 12!", (12, "es")),
    ],
)
def test_take_commands_are_read_in_both_languages(text, expected):
    take = keywords.take_command(text)
    assert take is not None
    assert (take.need_id, take.language) == expected


@pytest.mark.parametrize("text", ["TAKE", "take it", "TAKE 12 13", "MISTAKE 12", "12", ""])
def test_other_texts_are_not_take_commands(text):
    assert keywords.take_command(text) is None


def test_keywords_ignore_case_accents_and_punctuation():
    assert keywords.keyword("¡Listo!") == "LISTO"
    assert keywords.keyword(" stop. ") == "STOP"
    assert keywords.keyword("stop please") == ""


def test_a_message_to_a_need_starts_with_its_number():
    assert keywords.addressed("#12 on my way") == (12, "on my way")
    assert keywords.addressed("# 12: ok") == (12, "ok")
    assert keywords.addressed("on my way #12") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2", 2), ("#2", 2), (" 2. ", 2), ("0", None), ("13", None), ("two", None)],
)
def test_numbered_answers(text, expected):
    assert keywords.number_answer(text, choices=12) == expected


def test_the_language_of_a_first_text_is_guessed_only_when_clear():
    assert keywords.language_of("Hola, necesito ayuda", ["en", "es"]) == "es"
    assert keywords.language_of("Hello", ["en", "es"]) == "en"
    assert keywords.language_of("Hola hello", ["en", "es"]) is None
    assert keywords.language_of("Hola", ["en"]) is None
    assert keywords.language_of("food", ["en", "es"]) is None
