"""The shared upload handling: images lose their metadata (GPS above all) and stay upright; downloads
get a safe name and an attachment header. No database: plain values in, plain values out."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import ExifTags, Image, PngImagePlugin

from opc_community.core.errors import DomainError
from opc_community.core.uploads import content_disposition, safe_download_name, validate_upload
from tests.factories import image_bytes

ALL = ("pdf", "jpeg", "png")


def phone_exif(orientation: int = 1) -> Image.Exif:
    """What a phone writes: camera, time, the GPS position (Nansha), the orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.DateTime] = "2026:10:08 09:30:00"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (22.0, 47.0, 55.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (113.0, 33.0, 12.0),
    }
    return exif


def _check(upload) -> tuple[str, Image.Image, bytes]:
    content_type, _digest = validate_upload(upload, field="file", allowed=ALL, max_mb=10)
    upload.seek(0)
    data = upload.read()
    assert upload.size == len(data)
    return content_type, Image.open(BytesIO(data)), data


def test_a_jpeg_loses_its_gps_and_camera_data():
    photo = image_bytes("jpeg", size=(40, 20), exif=phone_exif(), comment=b"taken at home")
    assert Image.open(BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture has GPS

    content_type, stored, data = _check(SimpleUploadedFile("身份证.jpg", photo, content_type="image/jpeg"))

    assert content_type == "image/jpeg" and stored.format == "JPEG"
    assert len(stored.getexif()) == 0 and b"Exif" not in data and b"PhoneMaker" not in data
    assert "comment" not in stored.info
    assert stored.size == (40, 20)


@pytest.mark.parametrize(("orientation", "size"), [(1, (40, 20)), (3, (40, 20)), (6, (20, 40)), (8, (20, 40))])
def test_the_orientation_is_applied_before_the_tag_goes(orientation, size):
    photo = image_bytes("jpeg", size=(40, 20), exif=phone_exif(orientation))
    _type, stored, _data = _check(SimpleUploadedFile("id.jpg", photo))
    assert stored.size == size and ExifTags.Base.Orientation not in stored.getexif()


def test_a_png_loses_exif_xmp_and_text_chunks_but_keeps_its_transparency():
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "张三")
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
    picture = Image.new("RGBA", (10, 10), (10, 20, 30, 0))
    buffer = BytesIO()
    picture.save(buffer, "PNG", pnginfo=text, exif=phone_exif())

    _type, stored, data = _check(SimpleUploadedFile("licence.png", buffer.getvalue()))

    assert stored.format == "PNG" and stored.mode == "RGBA" and stored.getpixel((0, 0)) == (10, 20, 30, 0)
    assert set(stored.info) <= {"dpi", "gamma", "srgb"}
    assert b"eXIf" not in data and b"Author" not in data and b"xmpmeta" not in data


def test_a_clean_image_is_stored_byte_for_byte():
    for kind in ("jpeg", "png"):
        clean = image_bytes(kind)
        assert _check(SimpleUploadedFile("x", clean))[2] == clean  # so checking twice re-encodes once


def test_a_file_uploaded_to_disk_is_cleaned_in_place():
    photo = image_bytes("jpeg", exif=phone_exif())
    upload = TemporaryUploadedFile("big.jpg", "image/jpeg", len(photo), None)
    upload.write(photo)
    with upload:
        _type, stored, _data = _check(upload)
        with open(upload.temporary_file_path(), "rb") as on_disk:  # what the storage moves into place
            assert len(Image.open(on_disk).getexif()) == 0


def test_a_picture_that_does_not_decode_is_refused_by_field():
    broken = SimpleUploadedFile("fake.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(DomainError) as refused:
        validate_upload(broken, field="id_card", allowed=ALL, max_mb=10)
    assert refused.value.field == "id_card" and "fake.png" in str(refused.value.message)


def test_a_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 40×40 = 1,600 pixels: over the limit
    with pytest.raises(DomainError) as refused:
        validate_upload(SimpleUploadedFile("b.png", image_bytes("png", size=(40, 40))), field="f", allowed=ALL,
                        max_mb=10)
    assert refused.value.field == "f"


def test_a_pdf_is_left_alone():
    pdf = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n"
    upload = SimpleUploadedFile("plan.pdf", pdf)
    assert validate_upload(upload, field="f", allowed=ALL, max_mb=10)[0] == "application/pdf"
    upload.seek(0)
    assert upload.read() == pdf


# --- Download names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "safe"),
    [
        ("张三-身份证.png", "image/png", "张三-身份证.png"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),  # no folders
        ("C:\\Users\\x\\plan.pdf", "application/pdf", "plan.pdf"),
        ("page.html", "image/jpeg", "page.jpg"),  # the content's extension, not the name's
        ("scan.JPEG", "image/jpeg", "scan.jpg"),
        (".htaccess", "application/pdf", "download.pdf"),  # never hidden, never empty
        ('a"b;c\r\n%d.pdf', "application/pdf", "a_b_c_d.pdf"),  # nothing that breaks the header
        ("项目 计划书 v2.pdf", "application/pdf", "项目_计划书_v2.pdf"),
        ("x" * 300 + ".pdf", "application/pdf", "x" * 100 + ".pdf"),
        ("visitors-20261108.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "visitors-20261108.xlsx"),  # generated files keep the extension their view names
        ("booking-7.ics", "text/calendar; charset=utf-8", "booking-7.ics"),
    ],
)
def test_download_names_are_made_safe(name, content_type, safe):
    assert safe_download_name(name, content_type=content_type) == safe


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("report.xlsx", 'attachment; filename="report.xlsx"'),
        ("张三-身份证.png",
         "attachment; filename=\"download.png\"; filename*=UTF-8''%E5%BC%A0%E4%B8%89-%E8%BA%AB%E4%BB%BD%E8%AF%81.png"),
        ("KH-2026Q3-00042-报告.pdf",
         "attachment; filename=\"KH-2026Q3-00042.pdf\"; filename*=UTF-8''KH-2026Q3-00042-%E6%8A%A5%E5%91%8A.pdf"),
    ],
)
def test_the_disposition_has_an_ascii_name_and_the_rfc_5987_one(name, header):
    assert content_disposition(name) == header
