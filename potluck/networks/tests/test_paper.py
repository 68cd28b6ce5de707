"""The printable flyer: a real PDF, read back with pypdf, one page per language."""

import html
import io
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from fontTools.ttLib import TTFont
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader

from potluck.conftest import login
from potluck.core.errors import DomainError
from potluck.networks import paper
from potluck.networks.categories import Category
from potluck.networks.models import Network
from potluck.networks.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db

PHONE = "+15550100100"
SMS = "+15550100200"
LRM = "\u200e"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Flyers are cached by network and time of change; each test starts without any."""
    cache.clear()


@pytest.fixture
def reachable(network: Network) -> Network:
    network.phone_number, network.sms_number, network.sms_keyword = PHONE, SMS, "RIVER"
    network.save()
    return network


def pages_of(content: bytes) -> list[str]:
    """Each page's text, without the invisible direction marks right-to-left pages carry, and
    with line breaks as spaces: a headline may wrap differently in each language."""
    pages = PdfReader(io.BytesIO(content)).pages
    return [" ".join(page.extract_text().replace(LRM, "").split()) for page in pages]


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def flyer_url(network: Network, query: str = "") -> str:
    return reverse("networks:flyer", args=[network.slug]) + query


def test_anyone_gets_the_flyer_as_a_pdf_with_a_page_per_language(client, reachable):
    response = client.get(flyer_url(reachable))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{reachable.slug}-flyer.pdf"'
    english, spanish = pages_of(response.content)  # the factory's network: en and es
    ask = settings.SITE_URL + reverse("needs:ask", args=[reachable.slug])
    for text in (english, spanish):
        assert reachable.name in text
        assert PHONE in text
        assert "RIVER" in text
        assert SMS in text
        assert ask in text
    assert in_language("en", "Need help? Ask us.") in english
    assert in_language("es", "Need help? Ask us.") in spanish
    # Each page in its own language: the kinds of help, already translated in the catalogue.
    groceries_es = in_language("es", str(Category.GROCERIES.label))
    assert groceries_es != "Groceries"
    assert groceries_es in spanish
    assert groceries_es not in english
    assert "Groceries" in english


def test_flyer_in_one_language_has_one_page(client, reachable):
    (page,) = pages_of(client.get(flyer_url(reachable, "?language=es")).content)
    assert in_language("es", "Need help? Ask us.") in page


def test_a_language_the_network_does_not_use_prints_all_of_them(client, reachable):
    content = client.get(flyer_url(reachable, "?language=xx")).content
    assert len(pages_of(content)) == len(reachable.languages)


@pytest.mark.parametrize(
    ("query", "width_pt"), [("", 595.28), ("?paper=letter", 612.0), ("?paper=huge", 595.28)]
)
def test_flyer_is_a4_unless_letter_is_asked_for(client, reachable, query, width_pt):
    content = client.get(flyer_url(reachable, query)).content
    for page in PdfReader(io.BytesIO(content)).pages:
        assert float(page.mediabox.width) == pytest.approx(width_pt, abs=0.1)


def test_flyer_leaves_out_the_lines_the_network_has_no_number_for(client, network):
    network.phone_number = PHONE
    network.save()
    text = pages_of(client.get(flyer_url(network, "?language=en")).content)[0]
    assert f"Call {PHONE}" in text
    assert "Text" not in text


def test_flyer_says_text_us_when_the_number_has_no_word(client, network):
    network.sms_number = SMS
    network.save()
    text = pages_of(client.get(flyer_url(network, "?language=en")).content)[0]
    assert f"Text us at {SMS}" in text
    assert "Call" not in text


def test_flyer_lists_only_the_networks_kinds_of_help(client, network_factory):
    network = network_factory(categories=["rides", "meals"], languages=["en"])
    text = pages_of(client.get(flyer_url(network)).content)[0]
    assert "Rides" in text
    assert "Meals" in text
    assert "Groceries" not in text


def test_flyer_of_an_unknown_network_is_404(client, db):
    assert client.get(reverse("networks:flyer", args=["no-such"])).status_code == 404


def test_a_change_to_the_network_shows_on_the_next_flyer(client, reachable):
    assert PHONE in pages_of(client.get(flyer_url(reachable, "?language=en")).content)[0]
    reachable.phone_number = "+15550100999"
    reachable.save()
    assert "+15550100999" in pages_of(client.get(flyer_url(reachable, "?language=en")).content)[0]


def test_without_a_font_the_flyer_page_says_why_instead_of_failing(client, reachable, settings):
    settings.POTLUCK_FLYER_FONT = "/nonexistent/font.ttf"
    response = client.get(flyer_url(reachable))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert str(paper.NO_FONT) in html.unescape(response.content.decode())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish = html.unescape(client.get(flyer_url(reachable)).content.decode())
    assert in_language("es", str(paper.NO_FONT)) in spanish
    assert '<html lang="es"' in spanish


def test_a_file_that_is_not_a_font_counts_as_no_font(client, reachable, settings, tmp_path):
    fake = tmp_path / "fake.ttf"
    fake.write_bytes(b"not a font at all")
    settings.POTLUCK_FLYER_FONT = str(fake)
    assert client.get(flyer_url(reachable)).status_code == 503


def test_a_font_without_a_languages_script_is_refused_in_words():
    latin_only = frozenset(range(0x20, 0x250))
    with pytest.raises(DomainError) as refused:
        paper._check_font_writes(_arabic_page(), latin_only)
    assert refused.value.code == "font_lacks_language"
    paper._check_font_writes(_arabic_page(), paper.font_characters(str(paper.flyer_font())))


# ---------------------------------------------------------------------------- the QR code


def qr_modules(content: bytes, page: int = 0) -> list[list[bool]]:
    """The dark and light modules of the QR code drawn on a page, read from its pixels."""
    image: Any = PdfReader(io.BytesIO(content)).pages[page].images[0].image
    image = image.convert("L")
    border, scale = 4, 10  # as paper.qr_png draws it
    size = image.width // scale - 2 * border
    return [
        [
            image.getpixel(
                ((col + border) * scale + scale // 2, (row + border) * scale + scale // 2)
            )
            < 128
            for col in range(size)
        ]
        for row in range(size)
    ]


def test_the_qr_code_is_the_ask_for_help_address(client, reachable):
    """No QR decoder is installed; the code read off the page's pixels must be exactly the one
    segno makes for the ask-for-help address (and not the one for another address)."""
    content = client.get(flyer_url(reachable)).content
    ask = settings.SITE_URL + reverse("needs:ask", args=[reachable.slug])
    expected = [[bool(cell) for cell in row] for row in paper.qr_code(ask).matrix]
    for page in range(len(reachable.languages)):
        assert qr_modules(content, page) == expected
    other = paper.qr_code(ask.replace(reachable.slug, "elsewhere")).matrix
    assert qr_modules(content) != [[bool(cell) for cell in row] for row in other]


def test_qr_png_draws_every_module(db):
    url = "https://potluck.example.org/n/riverside/ask/"
    image: Any = Image.open(io.BytesIO(paper.qr_png(url))).convert("L")
    matrix = paper.qr_code(url).matrix
    assert image.width == (len(matrix) + 8) * 10
    assert image.getpixel((45, 45)) < 128  # the top-left finder pattern's corner


# ---------------------------------------------------------------------------- right to left


def _arabic_page() -> paper.FlyerPage:
    return paper.FlyerPage(
        language="ar",
        rtl=True,
        name="شبكة ريفرسايد",
        area="",
        headline="تحتاج مساعدة؟ اسألنا.",
        intro="جيران يساعدون جيرانهم.",
        kinds_heading="نساعد في:",
        kinds="بقالة · وجبات",
        call="اتصل " + paper._left_to_right(PHONE),
        text="",
        online="أو امسح الرمز:",
        url=paper._left_to_right("https://potluck.example.org/n/riverside/ask/"),
        privacy="بياناتك تبقى خاصة.",
    )


def shaped_pdf(page: paper.FlyerPage) -> bytes:
    font = paper.flyer_font()
    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    pdf.add_font("flyer", "", str(font))
    pdf.add_font("flyer", "B", str(font))
    covered = paper.font_characters(str(font))
    paper.draw_page(pdf, page=page, qr=paper.qr_png("https://x.example/"), covered=covered)
    return bytes(pdf.output())


def glyph_names(content: bytes) -> set[str]:
    """The glyphs embedded in a PDF's fonts, by name (uniFE8E: alef, final form)."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        fonts: Any = page["/Resources"]
        for font in fonts["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            data = descendant["/FontDescriptor"]["/FontFile2"].get_data()
            names.update(TTFont(io.BytesIO(data)).getGlyphOrder())
    return names


def test_arabic_is_shaped_into_joined_letter_forms():
    names = glyph_names(shaped_pdf(_arabic_page()))
    # Joined (initial, medial, final) forms live in Arabic Presentation Forms-B, U+FE70-FEFF;
    # unshaped text would use only the letters' plain code points (uni0627...).
    joined = {name for name in names if name.startswith("uniFE")}
    assert len(joined) >= 5, names


def test_arabic_lines_run_right_to_left_with_numbers_kept_in_order():
    rtl = pages_of(shaped_pdf(_arabic_page()))[0]
    ltr = pages_of(shaped_pdf(paper.FlyerPage(**{**_arabic_page().__dict__, "rtl": False})))[0]
    # A sentence's full stop ends a right-to-left line on its left; drawn left to right it
    # would land on the wrong side.
    assert "تحتاج مساعدة؟ اسألنا." in rtl
    assert "تحتاج مساعدة؟ اسألنا." not in ltr
    # The marks around the number keep "+1555..." whole; the web address keeps its slashes.
    assert f"{PHONE} اتصل" in rtl
    assert "https://potluck.example.org/n/riverside/ask/" in rtl


def test_without_the_marks_a_right_to_left_line_would_move_the_plus_sign():
    unmarked = paper.FlyerPage(**{**_arabic_page().__dict__, "call": f"اتصل {PHONE}"})
    assert PHONE not in pages_of(shaped_pdf(unmarked))[0]


@pytest.mark.skipif(
    "ar" not in dict(settings.LANGUAGES), reason="Arabic is not an interface language here"
)
def test_a_network_printing_in_arabic_gets_a_shaped_right_to_left_page(client, reachable):
    reachable.languages = ["en", "es", "ar"]
    reachable.save()
    content = client.get(flyer_url(reachable)).content
    pages = pages_of(content)
    assert len(pages) == 3
    arabic = pages[2]
    assert PHONE in arabic
    assert SMS in arabic
    groceries_ar = in_language("ar", str(Category.GROCERIES.label))
    if groceries_ar != "Groceries":  # the Arabic catalogue has the categories
        assert groceries_ar in arabic
    assert any(name.startswith("uniFE") for name in glyph_names(content))


# ---------------------------------------------------------------------------- fitting the page


def test_a_long_name_and_every_kind_of_help_still_fit_one_sheet_per_language(client):
    network = NetworkFactory.create(
        # As long as the fields allow.
        name=("The Very Long Named Mutual Aid Network of Riverside, Eastgate, Old Mill " * 2)[:120],
        area_served=("Riverside, Eastgate, Old Mill, Northside and the villages around " * 4)[:200],
        phone_number=PHONE,
        sms_number=SMS,
        sms_keyword="RIVERSIDEMUTUALAID20",
        languages=["en", "es"],
    )
    content = client.get(flyer_url(network, "?paper=letter")).content
    assert len(PdfReader(io.BytesIO(content)).pages) == 2
    privacy = "We never ask why you need help, or about money or papers. Your details stay private."
    for language, text in zip(("en", "es"), pages_of(content), strict=True):
        assert "RIVERSIDEMUTUALAID20" in text  # drawn, not pushed off the sheet
        assert in_language(language, privacy).split()[-1] in text  # the last line, too


def test_a_name_with_a_character_the_font_lacks_still_prints(client, network_factory):
    network = network_factory(name="Riverside 🍲 Aid", languages=["en"])
    text = pages_of(client.get(flyer_url(network)).content)[0]
    assert "Riverside" in text
    assert "Aid" in text


def test_home_page_links_everyone_to_the_flyer(client, network):
    page = client.get(network.get_absolute_url()).content.decode()
    assert flyer_url(network) in page


def test_members_see_the_flyer_too(client, network, member):
    login(client, member)
    response: Any = client.get(flyer_url(network))
    assert response.status_code == 200
