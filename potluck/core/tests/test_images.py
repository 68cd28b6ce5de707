from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image

from potluck.core.images import image_without_metadata

GPS_IFD = 0x8825
ORIENTATION = 0x0112
ARTIST = 0x013B


def photo(kind: str = "JPEG", *, size: tuple[int, int] = (40, 20)) -> ContentFile[bytes]:
    """A photo as a phone would send it: GPS position, owner name, rotated by a tag."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ARTIST] = "Canary Owner Name"
    exif[ORIENTATION] = 6  # "rotate 90° clockwise to display"
    exif.get_ifd(GPS_IFD)[2] = (40.0, 26.0, 46.0)  # latitude
    out = BytesIO()
    image.save(out, format=kind, exif=exif.tobytes())
    return ContentFile(out.getvalue(), name="holiday.jpg")


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_metadata_is_gone_and_the_picture_stays_upright(kind: str) -> None:
    upload = photo(kind)
    assert b"Canary Owner Name" in upload.read()

    clean = image_without_metadata(upload)

    data = clean.read()
    assert b"Canary Owner Name" not in data
    with Image.open(BytesIO(data)) as image:
        assert image.format == kind
        assert not image.getexif()
        assert "exif" not in image.info
        assert image.size == (20, 40)  # the orientation tag was applied, then dropped
    assert clean.name == f"image.{ {'JPEG': 'jpg', 'PNG': 'png', 'WEBP': 'webp'}[kind] }"


def test_type_comes_from_content_not_name() -> None:
    fake = ContentFile(b"%PDF-1.4 not an image at all", name="photo.jpg")
    with pytest.raises(ValidationError) as error:
        image_without_metadata(fake)
    assert error.value.code == "not_an_image"


def test_unsupported_format_is_refused() -> None:
    out = BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="BMP")
    with pytest.raises(ValidationError) as error:
        image_without_metadata(ContentFile(out.getvalue(), name="x.bmp"))
    assert error.value.code == "not_an_image"


def test_huge_dimensions_are_refused_before_decoding() -> None:
    out = BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # tiny file, 81 megapixels
    with pytest.raises(ValidationError) as error:
        image_without_metadata(ContentFile(out.getvalue(), name="bomb.png"))
    assert error.value.code == "image_too_large"


def test_palette_images_keep_their_colours() -> None:
    original = Image.new("RGB", (8, 8), (10, 120, 250)).convert("P")
    out = BytesIO()
    original.save(out, format="PNG")
    clean = image_without_metadata(ContentFile(out.getvalue(), name="p.png"))
    with Image.open(BytesIO(clean.read())) as image:
        assert image.mode == "P"
        assert image.convert("RGB").getpixel((0, 0)) == original.convert("RGB").getpixel((0, 0))


# Every model field that stores an upload, with how its metadata is removed. A new upload
# field fails the test below until it is added here, after routing it through
# image_without_metadata (or, for non-images, an equivalent metadata-free re-encoding).
UPLOAD_FIELDS_WITHOUT_METADATA: set[str] = set()


def test_every_upload_field_is_stripped_of_metadata() -> None:
    from django.apps import apps
    from django.db.models import FileField

    uploads = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField)
    }
    assert uploads <= UPLOAD_FIELDS_WITHOUT_METADATA
