"""Uploaded images are re-encoded without metadata: EXIF can carry GPS, device and owner."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats browsers show everywhere; anything else is refused rather than passed through.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # about 7,000 by 5,700: more than any phone camera, less than a bomb

NOT_AN_IMAGE = _("This file is not a JPEG, PNG or WebP image.")
IMAGE_TOO_LARGE = _("This image is too large. Please send a smaller photo.")


def image_without_metadata(upload: UploadedFile | ContentFile[bytes]) -> ContentFile[bytes]:
    """The image in `upload`, rotated upright and saved again with no EXIF, XMP or comments.

    The type is decided by the file's content, never its name; the result's name has the
    matching extension. Raises ValidationError with a translated message on anything else.
    """
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            kind = probe.format or ""
            width, height = probe.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from error
    if kind not in ALLOWED_FORMATS:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image")
    if width * height > MAX_PIXELS:
        raise ValidationError(IMAGE_TOO_LARGE, code="image_too_large")
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            # A fresh image holds pixels only: no exif, xmp, comment or text chunks survive.
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if upright.mode == "P":
                clean.putpalette(upright.getpalette() or [])
    except (OSError, ValueError) as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from error
    out = BytesIO()
    options = {"quality": 88} if kind in {"JPEG", "WEBP"} else {}
    clean.save(out, format=kind, **options)
    return ContentFile(out.getvalue(), name=f"image.{ALLOWED_FORMATS[kind]}")
