"""Receipts for reimbursements: an image or a PDF, checked by content and stripped of metadata.

Photos lose EXIF (GPS, device, owner) through core.images; PDFs are rewritten page by page
without their document information, XMP metadata, annotations, and the EXIF of the photos
they hold. Either way the cleaned bytes are what Potluck keeps, encrypted in the database
(see models.Receipt), never as a public file.
"""

import base64
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from potluck.core.images import image_without_metadata

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 20

RECEIPT_TOO_BIG = _("The receipt is larger than 5 MB. Please send a smaller photo or file.")
NOT_A_RECEIPT = _("The receipt must be a photo (JPEG, PNG or WebP) or a PDF.")
PDF_UNREADABLE = _("This PDF can't be read. Please send a photo of the receipt instead.")

# Keys of a page, or of anything it uses, that hold metadata, private application data or
# behaviour rather than what the page shows.
HIDDEN_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/Annots", "/AA", "/Thumb")

JPEG_FILTERS = ("/DCTDecode", ["/DCTDecode"])

# What pypdf raises on a broken file: its own errors and, deep inside, plain Python ones.
PDF_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    OSError,
    RecursionError,
    AssertionError,
)

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class CleanReceipt:
    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return "pdf" if self.content_type == "application/pdf" else self.content_type.split("/")[1]

    def encoded(self) -> str:
        return base64.b64encode(self.data).decode()


def receipt_clean(upload: UploadedFile) -> CleanReceipt:
    """The upload as Potluck keeps it; ValidationError (translated) when it is not a receipt."""
    if upload.size is None or upload.size > MAX_RECEIPT_BYTES:
        raise ValidationError(RECEIPT_TOO_BIG, code="receipt_too_big")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return CleanReceipt(_pdf_without_metadata(upload.read()), "application/pdf")
    try:
        image = image_without_metadata(upload)
    except ValidationError as error:
        if error.code == "not_an_image":
            raise ValidationError(NOT_A_RECEIPT, code="not_a_receipt") from error
        raise
    extension = image.name.rsplit(".", 1)[-1] if image.name else "jpg"
    return CleanReceipt(image.read(), CONTENT_TYPES[extension])


def _pdf_without_metadata(data: bytes) -> bytes:
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted or len(reader.pages) > MAX_PDF_PAGES:
            raise ValidationError(PDF_UNREADABLE, code="pdf_unreadable")
        writer = PdfWriter()
        for page in reader.pages:
            # Scrubbed before copying: the writer copies only what a page still refers to.
            _scrub(page)
            writer.add_page(page)
        # A fresh writer never copies the reader's /Info or catalog XMP, but it adds a
        # Producer line of its own: None drops the whole /Info dictionary.
        writer.metadata = None
        out = BytesIO()
        writer.write(out)
    except PDF_ERRORS as error:
        raise ValidationError(PDF_UNREADABLE, code="pdf_unreadable") from error
    return out.getvalue()


def _scrub(page: PageObject) -> None:
    """Drop what a page carries beside its content: XMP streams and application data on the
    page and on every image or form it draws, and annotations (comments with their authors,
    attached files, links that run actions)."""
    seen: set[int] = set()
    stack: list[Any] = [page]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            node = node.get_object()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, DictionaryObject):
            for key in HIDDEN_KEYS:
                node.pop(key, None)
            if isinstance(node, StreamObject) and node.get("/Filter") in JPEG_FILTERS:
                _jpeg_scrub(node)
            stack.extend(value for key, value in node.items() if key != "/Parent")
        elif isinstance(node, ArrayObject):
            stack.extend(node)


def _jpeg_scrub(stream: StreamObject) -> None:
    """A photo inside the PDF keeps its pixels, byte for byte, and loses its EXIF (GPS, camera,
    owner), XMP, IPTC and comments: every APPn segment but JFIF (APP0) and Adobe's colour
    transform (APP14), which say how to read the pixels. Raises ValueError if it isn't a JPEG."""
    data = stream.get_data()  # a DCT stream decodes to the JPEG file itself
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    kept, at = [data[:2]], 2
    while True:
        if at + 4 > len(data) or data[at] != 0xFF:
            raise ValueError("broken JPEG")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == 0xDA:  # start of scan: the pixels, to the end
            kept.append(data[at:])
            break
        end = at + 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        if not (0xE1 <= marker <= 0xEF and marker != 0xEE) and marker != 0xFE:
            kept.append(data[at:end])
        at = end
    StreamObject.set_data(stream, b"".join(kept))  # the raw bytes: DCT stays as it is
    stream.decoded_self = None
