"""Receipts keep what they show and lose what they'd give away: EXIF, document info, XMP."""

import base64
from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from potluck.core.tests.test_images import photo
from potluck.ledger.receipts import (
    MAX_PDF_PAGES,
    MAX_RECEIPT_BYTES,
    NOT_A_RECEIPT,
    PDF_UNREADABLE,
    RECEIPT_TOO_BIG,
    receipt_clean,
)

# pypdf writes "-" in strings as \055: canaries are letters only, so a byte search finds them.
CANARY = b"CanaryOwnerName"
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:creator><rdf:Seq><rdf:li>" + CANARY + b"</rdf:li></rdf:Seq></dc:creator>"
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>'
)


def pdf_bytes(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def stream(data: bytes, **entries: Any) -> DecodedStreamObject:
    obj = DecodedStreamObject()
    obj.set_data(data)
    obj.update({NameObject(key): value for key, value in entries.items()})
    return obj


def pdf_with_metadata(pages: int = 1) -> bytes:
    """A PDF that names its author everywhere a PDF can: the document information, the
    catalog's XMP, a page's own XMP and application data, and a comment on the page."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 100)
    writer.add_metadata({"/Author": CANARY.decode(), "/Title": "Receipt"})
    writer.xmp_metadata = XMP
    page = writer.pages[0]
    page[NameObject("/Metadata")] = writer._add_object(
        stream(XMP, **{"/Type": NameObject("/Metadata")})
    )
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/Editor"): TextStringObject(CANARY.decode())}
    )
    comment = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/T"): TextStringObject(CANARY.decode()),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(comment)])
    return pdf_bytes(writer)


def pdf_with_photo() -> bytes:
    """A scanned receipt: one page showing a JPEG that still carries the phone's EXIF."""
    jpeg = photo("JPEG", size=(40, 20)).read()
    assert b"Canary Owner Name" in jpeg
    writer = PdfWriter()
    page = writer.add_blank_page(40, 20)
    image = stream(
        jpeg,
        **{
            "/Type": NameObject("/XObject"),
            "/Subtype": NameObject("/Image"),
            "/Width": NumberObject(40),
            "/Height": NumberObject(20),
            "/ColorSpace": NameObject("/DeviceRGB"),
            "/BitsPerComponent": NumberObject(8),
            "/Filter": NameObject("/DCTDecode"),
        },
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})}
    )
    page[NameObject("/Contents")] = writer._add_object(stream(b"q 40 0 0 20 0 0 cm /Im0 Do Q"))
    return pdf_bytes(writer)


def upload(data: bytes, name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# ---------------------------------------------------------------------------- photos


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
def test_a_photo_receipt_loses_its_exif_and_keeps_its_picture(kind: str, content_type: str) -> None:
    original = photo(kind)
    assert b"Canary Owner Name" in original.read()

    clean = receipt_clean(original)  # type: ignore[arg-type]

    assert clean.content_type == content_type
    assert clean.extension == content_type.split("/")[1]
    assert b"Canary Owner Name" not in clean.data
    with Image.open(BytesIO(clean.data)) as image:
        assert image.format == kind
        assert not image.getexif()
        assert image.size == (20, 40)  # turned upright by its orientation tag, then dropped


def test_the_type_of_a_photo_comes_from_its_content_not_its_name() -> None:
    png = photo("PNG").read()
    clean = receipt_clean(upload(png, "receipt.pdf"))
    assert clean.content_type == "image/png"


def test_what_is_kept_is_the_clean_file_in_base64() -> None:
    clean = receipt_clean(photo("JPEG"))  # type: ignore[arg-type]
    assert base64.b64decode(clean.encoded()) == clean.data


# ---------------------------------------------------------------------------- PDFs


def test_a_pdf_receipt_loses_its_author_and_xmp_everywhere() -> None:
    original = pdf_with_metadata(pages=2)
    assert original.count(CANARY) == 5
    reader = PdfReader(BytesIO(original))
    assert reader.metadata is not None
    assert reader.metadata.author == CANARY.decode()
    assert reader.xmp_metadata is not None

    clean = receipt_clean(upload(original))

    assert (clean.content_type, clean.extension) == ("application/pdf", "pdf")
    assert CANARY not in clean.data
    assert b"/Producer" not in clean.data
    reader = PdfReader(BytesIO(clean.data))
    assert reader.metadata is None
    assert reader.xmp_metadata is None
    assert len(reader.pages) == 2
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (200, 100)
    for key in ("/Metadata", "/PieceInfo", "/Annots"):
        assert key not in page


def test_a_photo_inside_a_pdf_loses_its_exif_and_keeps_its_pixels() -> None:
    original = pdf_with_photo()
    with Image.open(BytesIO(PdfReader(BytesIO(original)).pages[0].images[0].data)) as before:
        pixels = before.tobytes()

    clean = receipt_clean(upload(original))

    assert b"Canary Owner Name" not in clean.data
    (image,) = PdfReader(BytesIO(clean.data)).pages[0].images
    with Image.open(BytesIO(image.data)) as after:
        assert after.format == "JPEG"
        assert after.size == (40, 20)
        assert not after.getexif()
        assert after.tobytes() == pixels  # the same JPEG scan, byte for byte


def test_a_pdf_whose_photo_is_not_a_jpeg_after_all_is_refused() -> None:
    original = pdf_with_photo().replace(b"\xff\xd8", b"\x00\x00", 1)
    with pytest.raises(ValidationError) as error:
        receipt_clean(upload(original))
    assert error.value.code == "pdf_unreadable"
    assert error.value.message == PDF_UNREADABLE


def test_a_pdf_without_metadata_comes_through_readable() -> None:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    clean = receipt_clean(upload(pdf_bytes(writer)))
    assert len(PdfReader(BytesIO(clean.data)).pages) == 1


def test_an_encrypted_pdf_is_refused() -> None:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt(user_password="", owner_password="owner")  # opens without a password, too
    with pytest.raises(ValidationError) as error:
        receipt_clean(upload(pdf_bytes(writer)))
    assert error.value.code == "pdf_unreadable"
    assert error.value.message == PDF_UNREADABLE


def test_a_pdf_with_too_many_pages_is_refused() -> None:
    writer = PdfWriter()
    for _ in range(MAX_PDF_PAGES + 1):
        writer.add_blank_page(10, 10)
    with pytest.raises(ValidationError) as error:
        receipt_clean(upload(pdf_bytes(writer)))
    assert error.value.code == "pdf_unreadable"


def test_a_broken_pdf_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        receipt_clean(upload(b"%PDF-1.7\nthis is not a pdf at all"))
    assert error.value.code == "pdf_unreadable"


def outcome(data: bytes) -> str | None:
    """The cleaned file's type, or the code of the refusal."""
    try:
        return receipt_clean(upload(data)).content_type
    except ValidationError as error:
        return error.code


@hypothesis_settings(max_examples=150, deadline=None, database=None)
@given(
    cuts=st.lists(
        st.tuples(st.integers(8, 10_000), st.integers(0, 30), st.binary(max_size=12)),
        min_size=1,
        max_size=6,
    )
)
def test_a_damaged_pdf_is_refused_never_an_error(cuts: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(pdf_with_metadata())
    for at, length, replacement in cuts:
        at %= len(data)
        data[at : at + length] = replacement
    assert outcome(bytes(data)) in {"application/pdf", "pdf_unreadable", "not_a_receipt"}


# ---------------------------------------------------------------------------- not receipts


@pytest.mark.parametrize("name", ["receipt.pdf", "receipt.jpg", "receipt.png", "receipt.txt"])
def test_a_text_file_is_refused_whatever_its_name(name: str) -> None:
    with pytest.raises(ValidationError) as error:
        receipt_clean(upload(b"Groceries $40, paid by Ada Lovelace, 12 Elm St", name))
    assert error.value.code == "not_a_receipt"
    assert error.value.message == NOT_A_RECEIPT


def test_an_image_of_another_kind_is_refused() -> None:
    out = BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    with pytest.raises(ValidationError) as error:
        receipt_clean(upload(out.getvalue(), "receipt.gif"))
    assert error.value.code == "not_a_receipt"


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        receipt_clean(upload(b"", "receipt.jpg"))
    assert error.value.code == "not_a_receipt"


def test_a_file_over_five_megabytes_is_refused_before_it_is_read() -> None:
    big = ContentFile(b"%PDF-" + b"0" * MAX_RECEIPT_BYTES, name="receipt.pdf")
    with pytest.raises(ValidationError) as error:
        receipt_clean(big)  # type: ignore[arg-type]
    assert error.value.code == "receipt_too_big"
    assert error.value.message == RECEIPT_TOO_BIG


def test_a_file_of_exactly_five_megabytes_is_read() -> None:
    writer = PdfWriter()
    writer.add_blank_page(10, 10)
    data = pdf_bytes(writer)
    data += b"%" * (MAX_RECEIPT_BYTES - len(data))  # comments after %%EOF: still a PDF
    assert len(data) == MAX_RECEIPT_BYTES
    assert receipt_clean(upload(data)).content_type == "application/pdf"


def test_a_huge_photo_is_refused_as_too_large() -> None:
    out = BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # a small file, 81 megapixels
    with pytest.raises(ValidationError) as error:
        receipt_clean(upload(out.getvalue(), "receipt.png"))
    assert error.value.code == "image_too_large"
