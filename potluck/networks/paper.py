"""The printable flyer: one page per language, drawn as a PDF on the server.

Everything on it is public (the network's name, what help it gives, its phone line and text
number, the address of the ask-for-help form), so anyone may print it and put it up. The
text is set in one font (settings.POTLUCK_FLYER_FONT) that must cover every language's
script; right-to-left languages are shaped by HarfBuzz (fpdf2's text shaping).
"""

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from potluck.core.errors import DomainError
from potluck.networks.models import Network

NO_FONT = _(
    "The flyer can't be made on this server: its font is missing. "
    "Ask the people who run this site to install one (see docs/paper.md)."
)
FONT_LACKS_LANGUAGE = _(
    "The flyer's font can't write %(language)s. "
    "Ask the people who run this site to choose a font that can (see docs/paper.md)."
)

# fontTools lists every glyph it keeps when fpdf2 subsets the font: noise in the logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

PAPER_SIZES = {"a4": "A4", "letter": "Letter"}
MARGIN_MM = 16
QR_MM = 60
PT_TO_MM = 0.3528
# Shrink everything by these steps until a page's text fits on its sheet.
SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)


@dataclass(frozen=True)
class FlyerPage:
    """What one language's page says, already translated."""

    language: str
    rtl: bool
    name: str
    area: str
    headline: str
    intro: str
    kinds_heading: str
    kinds: str
    call: str  # "" when the network has no phone line
    text: str  # "" when it has no number to text
    online: str
    url: str
    privacy: str


@dataclass(frozen=True)
class Block:
    """One paragraph of the page (or the QR code, when `qr` is set)."""

    text: str = ""
    size: float = 16
    bold: bool = False
    gap_mm: float = 4
    qr: bool = False


def ask_url(network: Network) -> str:
    """The ask-for-help form's full address, for the QR code and to type in."""
    return settings.SITE_URL + reverse("needs:ask", args=[network.slug])


def flyer_languages(*, network: Network, wanted: str = "") -> list[str]:
    """The languages to print: `wanted` if the network uses it, otherwise all it uses."""
    known = dict(settings.LANGUAGES)
    languages = [code for code in network.languages if code in known]
    if wanted in languages:
        return [wanted]
    return languages or [settings.LANGUAGE_CODE]


def flyer_page(*, network: Network, language: str) -> FlyerPage:
    """The page's words in `language`."""
    with translation.override(language):
        kinds = " · ".join(str(label) for _code, label in network.category_choices())
        rtl = translation.get_language_bidi()
        keep = _left_to_right if rtl else str
        return FlyerPage(
            language=language,
            rtl=rtl,
            name=network.name,
            area=network.area_served,
            headline=gettext("Need help? Ask us."),
            intro=gettext("Neighbours helping neighbours. It's free, and no account is needed."),
            kinds_heading=gettext("We can help with:") if kinds else "",
            kinds=kinds,
            call=_call_line(network, keep),
            text=_text_line(network, keep),
            online=gettext("Or scan the code to ask online:"),
            url=keep(ask_url(network)),
            privacy=gettext(
                "We never ask why you need help, or about money or papers. "
                "Your details stay private."
            ),
        )


def _left_to_right(text: str) -> str:
    """`text` between left-to-right marks, so a right-to-left line keeps "+1555…" (and a
    web address) in its own order instead of reading "1555…+"."""
    return f"\u200e{text}\u200e"


def _call_line(network: Network, keep: Callable[[str], str]) -> str:
    if not network.phone_number:
        return ""
    return gettext("Call %(number)s") % {"number": keep(network.phone_number)}


def _text_line(network: Network, keep: Callable[[str], str]) -> str:
    if not network.sms_number:
        return ""
    number = keep(network.sms_number)
    if network.sms_keyword:
        word = keep(network.sms_keyword)
        return gettext("Text %(word)s to %(number)s") % {"word": word, "number": number}
    return gettext("Text us at %(number)s") % {"number": number}


def flyer_pdf(*, network: Network, languages: list[str], paper: str = "a4") -> bytes:
    """The flyer as a PDF: one page per language in `languages`, on A4 or US letter."""
    font = flyer_font()
    pages = [flyer_page(network=network, language=language) for language in languages]
    covered = font_characters(str(font))
    for page in pages:
        _check_font_writes(page, covered)
    pdf = FPDF(format=PAPER_SIZES.get(paper, "A4"))
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.add_font("flyer", "", str(font))
    pdf.add_font("flyer", "B", str(_bold_of(font)))
    pdf.set_title(network.name)
    pdf.set_lang(languages[0])
    pdf.set_creator("Potluck")
    qr = qr_png(pages[0].url)
    for page in pages:
        draw_page(pdf, page=page, qr=qr, covered=covered)
    return bytes(pdf.output())


def flyer_font() -> Path:
    """The font file to set the flyer in; a DomainError the page shows if there is none."""
    path = Path(settings.POTLUCK_FLYER_FONT or "")
    if not path.is_file() or not font_characters(str(path)):
        raise DomainError(NO_FONT, code="no_font", status=503)
    return path


def _bold_of(font: Path) -> Path:
    """DejaVuSans.ttf -> DejaVuSans-Bold.ttf beside it, or the font itself when there is none."""
    bold = font.with_name(f"{font.stem}-Bold{font.suffix}")
    return bold if bold.is_file() else font


@lru_cache(maxsize=8)
def font_characters(path: str) -> frozenset[int]:
    """The code points the font at `path` has glyphs for; empty if it can't be read."""
    try:
        with TTFont(path, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception:  # any unreadable or non-font file means "no usable font"
        return frozenset()


def _check_font_writes(page: FlyerPage, covered: frozenset[int]) -> None:
    """Refuse, in words, a language whose script the font lacks (rather than blank boxes)."""
    fixed = page.headline + page.intro + page.kinds + page.privacy
    if any(ord(char) not in covered for char in fixed if not char.isspace()):
        names = dict(settings.LANGUAGES)
        language = str(names.get(page.language, page.language))
        raise DomainError(FONT_LACKS_LANGUAGE % {"language": language}, code="font_lacks_language")


def _drawable(text: str, covered: frozenset[int]) -> str:
    """`text` without characters the font has no glyph for (say, an emoji in a name)."""
    return "".join(char for char in text if char.isspace() or ord(char) in covered)


def blocks_of(page: FlyerPage) -> list[Block]:
    """The page from top to bottom; lines the network has nothing for are left out."""
    blocks = [
        Block(page.name, 22, bold=True, gap_mm=1),
        Block(page.area, 13, gap_mm=8),
        Block(page.headline, 40, bold=True, gap_mm=5),
        Block(page.intro, 16, gap_mm=7),
        Block(page.kinds_heading, 16, bold=True, gap_mm=1),
        Block(page.kinds, 16, gap_mm=9),
        Block(page.call, 28, bold=True, gap_mm=4),
        Block(page.text, 28, bold=True, gap_mm=9),
        Block(page.online, 15, gap_mm=3),
        Block(qr=True, gap_mm=3),
        Block(page.url, 12, gap_mm=9),
        Block(page.privacy, 14, bold=True, gap_mm=0),
    ]
    return [block for block in blocks if block.qr or block.text]


def draw_page(pdf: FPDF, *, page: FlyerPage, qr: bytes, covered: frozenset[int]) -> None:
    """Add `page` to `pdf`, shrunk as little as needed to fit one sheet."""
    pdf.add_page()
    # HarfBuzz shapes every script (joining Arabic letters, for one) and the page's base
    # direction decides how a line mixing scripts, like "اتصل +1555…", reads.
    pdf.set_text_shaping(True, direction="rtl" if page.rtl else "ltr")
    blocks = [
        Block(_drawable(block.text, covered), block.size, block.bold, block.gap_mm, block.qr)
        for block in blocks_of(page)
    ]
    room = pdf.h - 2 * MARGIN_MM
    scale = next((s for s in SCALES if _height(pdf, blocks, s) <= room), SCALES[-1])
    pdf.set_y(MARGIN_MM)
    for block in blocks:
        _draw(pdf, block, scale=scale, qr=qr, alt=page.online)


def _height(pdf: FPDF, blocks: list[Block], scale: float) -> float:
    total = 0.0
    for block in blocks:
        if block.qr:
            total += QR_MM * scale
        else:
            pdf.set_font("flyer", "B" if block.bold else "", block.size * scale)
            height = pdf.multi_cell(
                0,
                _line_mm(block.size * scale),
                block.text,
                align="C",
                dry_run=True,
                output="HEIGHT",
            )
            total += cast(float, height)
        total += block.gap_mm * scale
    return total


def _draw(pdf: FPDF, block: Block, *, scale: float, qr: bytes, alt: str) -> None:
    if block.qr:
        size = QR_MM * scale
        pdf.image(io.BytesIO(qr), x=(pdf.w - size) / 2, y=pdf.get_y(), w=size, alt_text=alt)
        pdf.set_y(pdf.get_y() + size + block.gap_mm * scale)
        return
    pdf.set_font("flyer", "B" if block.bold else "", block.size * scale)
    pdf.multi_cell(
        0,
        _line_mm(block.size * scale),
        block.text,
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_y(pdf.get_y() + block.gap_mm * scale)


def _line_mm(size_pt: float) -> float:
    return size_pt * PT_TO_MM * 1.25


def qr_code(url: str) -> segno.QRCode:
    """The QR code for `url`; error level M survives a crease or a smudge on paper."""
    return segno.make(url, error="m", micro=False)


def qr_png(url: str) -> bytes:
    """The QR code as a black-and-white PNG, 10 pixels a module, with the quiet zone."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def qr_svg(url: str, *, title: str) -> str:
    """The QR code as inline SVG for a page: only paths and a <title> segno escapes."""
    svg: str = qr_code(url).svg_inline(scale=4, omitsize=True, title=title)
    return svg.replace("<svg ", '<svg role="img" ', 1)
