"""The Spanish catalogue stays complete and in step with the code.

No database needed. When one of these fails, run `make messages`, translate the new
strings in potluck/locale/es/LC_MESSAGES/django.po, and run `make messages` again to
compile them.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "potluck"
LOCALE_DIR = PACKAGE / "locale" / "es" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
PYTHON_SOURCES = [ROOT / "config" / "settings.py"]

HOW_TO_FIX = (
    "run `make messages`, translate the new strings in "
    "potluck/locale/es/LC_MESSAGES/django.po, then run `make messages` again to compile"
)

# The names makemessages hands to xgettext, and where each one's context and msgid sit.
GETTEXT_CALLS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}

Key = tuple[str | None, str]  # (msgctxt, msgid)


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)


def _unquote(text: str) -> str:
    value = ast.literal_eval(text.strip())
    assert isinstance(value, str), text
    return value


def parse_po(path: Path) -> list[Entry]:
    """A small reader for the .po files makemessages writes (obsolete entries skipped)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if target is not None and target[0] == "msgstr":
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: a string outside any entry"
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
        else:
            keyword, _space, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword == "msgstr" or match:
                index = int(match.group(1)) if match else 0
                entry.msgstr[index] = _unquote(rest)
                target = ("msgstr", index)
            elif keyword in ("msgctxt", "msgid", "msgid_plural"):
                setattr(entry, keyword, _unquote(rest))
                if keyword == "msgid":
                    entry.line = number
                target = (keyword, 0)
            else:
                raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def catalogue() -> list[Entry]:
    return [entry for entry in parse_po(PO_FILE) if entry.msgid]


def header() -> Entry:
    return next(entry for entry in parse_po(PO_FILE) if not entry.msgid)


def describe(entry: Entry) -> str:
    context = f" (context {entry.msgctxt!r})" if entry.msgctxt is not None else ""
    return f"line {entry.line}: {entry.msgid!r}{context}"


def test_the_catalogue_is_spanish_and_not_fuzzy():
    entries = catalogue()
    assert len(entries) > 100
    top = header()
    assert "fuzzy" not in top.flags
    assert "Language: es\n" in top.msgstr[0]
    assert "charset=UTF-8" in top.msgstr[0]
    assert len({entry.key for entry in entries}) == len(entries), "duplicate msgids"


def test_every_string_is_translated_and_none_is_fuzzy():
    nplurals = int(re.search(r"nplurals=(\d+)", header().msgstr[0]).group(1))  # type: ignore[union-attr]
    problems = []
    for entry in catalogue():
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy, check and remove the flag: {describe(entry)}")
        expected = set(range(nplurals)) if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected:
            problems.append(f"needs msgstr forms {sorted(expected)}: {describe(entry)}")
        if not all(text.strip() for text in entry.msgstr.values()):
            problems.append(f"untranslated: {describe(entry)}")
    assert not problems, f"{len(problems)} entries to fix; {HOW_TO_FIX}:\n" + "\n".join(problems)


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-zA-Z_]\w*\)[sd]|\{[a-zA-Z_]\w*\}", text))


def test_translations_keep_the_placeholders():
    problems = []
    for entry in catalogue():
        wanted = _placeholders(entry.msgid)
        for text in entry.msgstr.values():
            found = _placeholders(text)
            if entry.msgid_plural is None:
                ok = found == wanted
            else:  # a plural form may leave out the count, never add a placeholder
                ok = set(found) <= set(wanted) | set(_placeholders(entry.msgid_plural))
            if not ok:
                problems.append(f"{describe(entry)} -> {text!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_the_compiled_catalogue_matches_the_po_file():
    assert MO_FILE.exists(), f"django.mo is missing; {HOW_TO_FIX}"
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    raw = compiled._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in catalogue():
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(msgid, index)] = text
    actual = {key: value for key, value in raw.items() if key != ""}
    stale = sorted(
        str(key) for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key)
    )
    assert not stale, (
        f"django.mo is out of date with django.po for {len(stale)} strings; {HOW_TO_FIX}:\n"
        + "\n".join(stale[:20])
    )


def _template_files() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("templates/**/*")
        if path.is_file() and path.suffix in (".html", ".txt")
    )


def _python_files() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or path.name == "conftest.py":
            continue
        files.append(path)
    return files + PYTHON_SOURCES


_STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_TEMPLATE_CALL = re.compile(
    rf"\b(?P<name>npgettext|pgettext|ngettext|gettext|_)\(\s*(?P<args>{_STRING}(?:\s*,\s*{_STRING})*)"
)


def strings_in_template(path: Path) -> set[Key]:
    """The msgids makemessages would find, using Django's own template-to-gettext step."""
    found: set[Key] = set()
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in _TEMPLATE_CALL.finditer(code):
        args = ast.literal_eval("(" + match.group("args") + ",)")
        context_at, msgid_at = GETTEXT_CALLS[match.group("name")]
        if len(args) > msgid_at:
            found.add((args[context_at] if context_at is not None else None, args[msgid_at]))
    return found


def strings_in_python(path: Path) -> set[Key]:
    found: set[Key] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        context_at, msgid_at = GETTEXT_CALLS[name]
        args = node.args
        if len(args) <= msgid_at or not all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            for arg in args[: msgid_at + 1]
        ):
            continue
        context = args[context_at].value if context_at is not None else None  # type: ignore[attr-defined]
        found.add((context, args[msgid_at].value))  # type: ignore[attr-defined]
    return found


def _missing(files: list[Path], reader) -> list[str]:
    known = {entry.key for entry in catalogue()}
    missing = []
    for path in files:
        for context, msgid in sorted(reader(path) - known, key=str):
            if not msgid:
                continue
            where = path.relative_to(ROOT)
            context_note = f" (context {context!r})" if context is not None else ""
            missing.append(f"{where}: {msgid!r}{context_note}")
    return missing


def test_the_scanners_find_strings():
    status = PACKAGE / "needs" / "templates" / "needs" / "status.html"
    assert (None, "Your request to %(name)s") in strings_in_template(status)
    assert (None, "Groceries") in strings_in_python(PACKAGE / "networks" / "categories.py")


@pytest.mark.parametrize(
    ("kind", "files", "reader"),
    [
        ("template", _template_files, strings_in_template),
        ("python", _python_files, strings_in_python),
    ],
)
def test_every_marked_string_is_in_the_catalogue(kind, files, reader):
    paths = files()
    assert paths, f"no {kind} files found"
    missing = _missing(paths, reader)
    assert not missing, (
        f"{len(missing)} {kind} strings are not in the Spanish catalogue; {HOW_TO_FIX}:\n"
        + "\n".join(missing)
    )
