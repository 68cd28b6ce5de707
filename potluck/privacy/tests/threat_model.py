"""Reading the machine-checked parts of docs/threat-model.md."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "threat-model.md"


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def block(name: str) -> str:
    """The text between <!-- name:start --> and <!-- name:end -->."""
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", doc_text(), re.S)
    assert match, f"docs/threat-model.md has no {name} block"
    return match.group(1).strip()


def listed_fields(name: str) -> set[str]:
    """ "app.Model.field" for each backticked name in a list block."""
    return set(re.findall(r"`([a-z_]+\.[A-Z]\w*\.\w+)`", block(name)))


def remaining_after_retention() -> dict[str, set[str]]:
    """Model label → the fields the document says survive retention."""
    remaining = {}
    for line in block("after-retention").splitlines():
        label, _, names = line.removeprefix("- ").partition(":")
        remaining[label.strip("` ")] = {name.strip() for name in names.split(",")}
    return remaining
