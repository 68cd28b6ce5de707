"""Reading a text message: the carriers' keywords, ours, and numbered answers. Pure Python."""

import re
import unicodedata
from dataclasses import dataclass

# Carriers require these (CTIA): STOP words end all texts to the number, START words resume
# them, HELP words get a short answer saying who we are and how to stop.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
# Ours, in each language: "help arrived" and a volunteer taking a need on.
DONE_WORDS = {"DONE": "en", "LISTO": "es"}
TAKE_WORDS = {"TAKE": "en", "TOMAR": "es"}
# Words that show the language of a first text (a greeting, "help"); the keyword list of the
# network decides which languages are offered.
LANGUAGE_HINTS = {
    "es": frozenset({"HOLA", "AYUDA", "NECESITO", "BUENAS", "BUENOS", "AYUDENME", "POR", "LISTO"}),
    "en": frozenset({"HELLO", "HI", "HELP", "NEED", "PLEASE", "DONE"}),
}

_TAKE = re.compile(r"^(?P<word>[A-Z]+)\s*#?\s*(?P<ref>\d{1,12})$")
_REFERENCE = re.compile(r"^#\s*(?P<ref>\d{1,12})\s*[:,.-]?\s*(?P<rest>.*)$", re.S)


def fold(text: str) -> str:
    """Upper case without accents or punctuation at the ends: "¡Listo!" -> "LISTO"."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return plain.strip().strip("¡!¿?.,;:'\"").strip().upper()


def words(text: str) -> list[str]:
    return re.findall(r"[A-Z0-9]+", fold(text))


def keyword(text: str) -> str:
    """The whole text as one folded word, or "" when it is more than one word."""
    folded = fold(text)
    return folded if folded and " " not in folded else ""


def first_word(text: str) -> str:
    found = words(text)
    return found[0] if found else ""


@dataclass(frozen=True)
class Take:
    need_id: int
    language: str


def take_command(text: str) -> Take | None:
    """ "TAKE 12", "tomar #12" -> the need number and the language the word is in."""
    match = _TAKE.match(fold(text))
    if match is None or match["word"] not in TAKE_WORDS:
        return None
    return Take(int(match["ref"]), TAKE_WORDS[match["word"]])


def looks_like_take(text: str) -> bool:
    """A TAKE word with something wrong after it ("TAKE it", "TOMAR"): worth a hint."""
    return first_word(text) in TAKE_WORDS


def addressed(text: str) -> tuple[int, str] | None:
    """ "#12 on my way" -> (12, "on my way"): a message for the person behind need 12."""
    match = _REFERENCE.match(text.strip())
    if match is None:
        return None
    return int(match["ref"]), match["rest"].strip()


def number_answer(text: str, *, choices: int) -> int | None:
    """The 1-based choice in a numbered answer ("2", "2.", "#2"), if it is one of `choices`."""
    folded = fold(text).lstrip("#").strip()
    if not folded.isdigit():
        return None
    value = int(folded)
    return value if 1 <= value <= choices else None


def language_of(text: str, offered: list[str]) -> str | None:
    """The language a text is clearly in, among `offered`: its words hint at one and only one."""
    found = set(words(text))
    hinted = [code for code in offered if found & LANGUAGE_HINTS.get(code, frozenset())]
    return hinted[0] if len(hinted) == 1 else None
