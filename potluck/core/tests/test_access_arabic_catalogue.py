"""The Arabic catalogue: well formed, compiled, placeholders intact, and complete for the core
flows (ask for help, its status page, sign up, log in, the board, claim, deliver, confirm).

The rest of Arabic may lag behind: an untranslated string shows in English. Spanish stays
complete (test_translations.py). To update Arabic, see docs/accessibility.md.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

from potluck.core.tests.test_translations import (
    PACKAGE,
    Entry,
    Key,
    _placeholders,
    parse_po,
    strings_in_python,
    strings_in_template,
)

LOCALE_DIR = PACKAGE / "locale" / "ar" / "LC_MESSAGES"
PO_FILE, MO_FILE = LOCALE_DIR / "django.po", LOCALE_DIR / "django.mo"
PLURALS = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;"
)
MIN_SHARE = 0.35  # of every string; the core flows below must be complete

CORE_TEMPLATES = [
    "templates/base.html",
    "templates/components/form.html",
    "templates/components/language_switcher.html",
    "templates/components/messages.html",
    "templates/components/pager.html",
    "templates/core/home.html",
    "accounts/templates/accounts/signup.html",
    "accounts/templates/accounts/signup_sent.html",
    "accounts/templates/accounts/verify.html",
    "accounts/templates/accounts/login.html",
    "needs/templates/needs/ask.html",
    "needs/templates/needs/status.html",
    "needs/templates/needs/board.html",
    "needs/templates/needs/need_row.html",
    "needs/templates/needs/need_detail.html",
    "needs/templates/needs/my_claims.html",
]
CORE_PYTHON = [
    "networks/categories.py",
    "needs/forms.py",
    "needs/services.py",
    "needs/views.py",
    "needs/status_views.py",
    "accounts/views.py",
]
ARABIC = re.compile(r"[\u0600-\u06ff]")


def entries() -> list[Entry]:
    return [entry for entry in parse_po(PO_FILE) if entry.msgid]


def translated(entry: Entry) -> bool:
    return bool(entry.msgstr) and all(text.strip() for text in entry.msgstr.values())


def test_the_catalogue_is_arabic_with_six_plural_forms():
    top = next(entry for entry in parse_po(PO_FILE) if not entry.msgid)
    assert "fuzzy" not in top.flags
    assert "Language: ar\n" in top.msgstr[0]
    assert f"Plural-Forms: {PLURALS}\n" in top.msgstr[0]
    all_entries = entries()
    assert len({entry.key for entry in all_entries}) == len(all_entries), "duplicate msgids"
    for entry in all_entries:
        if entry.msgid_plural is not None and translated(entry):
            assert set(entry.msgstr) == set(range(6)), entry.msgid


def test_translations_are_arabic_and_keep_every_placeholder():
    problems = []
    for entry in filter(translated, entries()):
        wanted = _placeholders(entry.msgid)
        for text in entry.msgstr.values():
            if _placeholders(text) != wanted:
                problems.append(f"line {entry.line}: {entry.msgid!r} -> {text!r}")
            if "fuzzy" in entry.flags:
                problems.append(f"line {entry.line}: fuzzy {entry.msgid!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)
    share = sum(map(translated, entries())) / len(entries())
    assert share >= MIN_SHARE, f"only {share:.0%} of the Arabic catalogue is translated"


def test_the_compiled_catalogue_matches_the_po_file():
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    raw = compiled._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in filter(translated, entries()):
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            found = {0: raw.get(msgid)}
        else:
            found = {index: raw.get((msgid, index)) for index in entry.msgstr}
        if found != entry.msgstr:
            stale.append(entry.msgid)
    assert not stale, "django.mo is out of date; compile it (see docs/accessibility.md):\n" + (
        "\n".join(stale[:20])
    )


def _core_strings() -> set[Key]:
    keys: set[Key] = set()
    for name in CORE_TEMPLATES:
        keys |= strings_in_template(PACKAGE / name)
    for name in CORE_PYTHON:
        keys |= strings_in_python(PACKAGE / name)
    return {key for key in keys if key[1]}


def test_the_core_flows_are_completely_arabic():
    core = _core_strings()
    assert len(core) > 120
    done = {entry.key for entry in entries() if translated(entry)}
    missing = sorted(str(key[1]) for key in core - done)
    assert not missing, f"{len(missing)} core-flow strings are not in Arabic:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize(
    "msgid",
    [
        "Ask for help",
        "Send my request",
        "Claim this need",
        "Mark as delivered",
        "Yes, help arrived",
        "Create account",
        "Log in",
        "Skip to main content",
    ],
)
def test_django_serves_the_arabic_text(msgid):
    with translation.override("ar"):
        text = translation.gettext(msgid)
    assert text != msgid
    assert ARABIC.search(text)
    assert Path(MO_FILE).stat().st_size > 10_000
