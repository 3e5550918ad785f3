"""Uploaded files: checked by content, size-limited, cleaned, stored privately, served only through views.

Identity documents, licences and evidence are never publicly reachable: the
storage has no URL (``MEDIA_URL`` is unset) and every download goes through a
view that checks who asks (:func:`private_file_response`). Every file the site
hands out — stored or generated (PDF, Excel, calendar) — is an attachment under
a name made here (:func:`safe_download_name`), never rendered by the browser.
"""

import hashlib
import re
import unicodedata
import warnings
from io import BytesIO
from typing import IO, Any
from urllib.parse import quote

from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _

from opc_community.core.errors import DomainError

#: File type → (content type, leading bytes that identify it).
SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}
TYPE_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}

#: What Pillow reports about an image that is not about the person or the place: the encoding,
#: resolution, transparency and colour profile. Anything else (EXIF with GPS and camera,
#: XMP, IPTC, comments, PNG text chunks) is removed by :func:`strip_image_metadata`.
STRUCTURAL_IMAGE_INFO = frozenset({
    "jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression",
    "adobe", "adobe_transform", "icc_profile", "transparency", "gamma", "srgb", "chromaticity",
    "aspect", "interlace",
})
JPEG_QUALITY = 95


def sniff(head: bytes) -> str | None:
    """The file type whose signature starts ``head``, or None."""
    return next((kind for kind, (_, magics) in SIGNATURES.items() if head.startswith(magics)), None)


def validate_upload(
    upload: UploadedFile, *, field: str, allowed: tuple[str, ...], max_mb: int
) -> tuple[str, str]:
    """Check an upload by its content and size, strip an image's metadata; return (content type, sha256).

    Raises a DomainError naming the field and the rule (第三章第二条: PDF/JPEG/PNG, ≤ 10 MB).
    Images are cleaned in place (:func:`strip_image_metadata`), so every path that stores
    an upload after this check stores the cleaned file; the digest is the stored file's.
    """
    if upload.size > max_mb * 1024 * 1024:
        raise DomainError(
            _("%(name)s is larger than %(limit)s MB.") % {"name": upload.name, "limit": max_mb}, field=field
        )
    upload.seek(0)
    kind = sniff(upload.read(16))
    upload.seek(0)
    if kind not in allowed:
        raise DomainError(
            _("%(name)s is not a %(types)s file (checked by its content, not its name).")
            % {"name": upload.name, "types": " / ".join(TYPE_LABELS[k] for k in allowed)},
            field=field,
        )
    if kind in ("jpeg", "png"):
        strip_image_metadata(upload, kind=kind, field=field)
    return SIGNATURES[kind][0], _sha256(upload)


def strip_image_metadata(upload: UploadedFile, *, kind: str, field: str) -> None:
    """Re-encode a JPEG/PNG upload in place without its metadata (GPS position, camera, author, comments).

    A photo of an ID card taken with a phone carries where and when it was taken (PIPL Art. 6:
    collect no more than needed). The EXIF orientation is applied to the pixels before the tag
    goes, so the picture stays upright; the colour profile stays. A file that carries no such
    metadata is left byte for byte, so checking a file twice re-encodes it once.
    """
    from PIL import Image, ImageOps

    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise DomainError(
            _("%(name)s has too many pixels (at most %(limit)s million).")
            % {"name": upload.name, "limit": Image.MAX_IMAGE_PIXELS // 1_000_000},
            field=field,
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise DomainError(_("%(name)s cannot be read as an image.") % {"name": upload.name}, field=field) from error
    if set(image.info) <= STRUCTURAL_IMAGE_INFO:
        upload.seek(0)
        return
    clean = ImageOps.exif_transpose(image)  # a new image: upright pixels
    clean.info = {}  # nothing of the original's metadata reaches the encoder
    options: dict[str, Any] = {
        key: image.info[key] for key in ("icc_profile", "transparency") if image.info.get(key) is not None
    }
    if kind == "jpeg":
        options["quality"] = JPEG_QUALITY
    buffer = BytesIO()
    clean.save(buffer, "JPEG" if kind == "jpeg" else "PNG", **options)
    data = buffer.getvalue()
    upload.seek(0)
    upload.truncate()
    upload.write(data)
    upload.seek(0)
    upload.size = len(data)


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


# --- Downloads ------------------------------------------------------------------------------------------

#: The extension an upload is served with: its content's, whatever its name said. Generated
#: files (Excel, calendar) keep the extension their view names.
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
_UNSAFE = re.compile(r'[\\/:*?"<>|;,%\s]+')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
NAME_LIMIT = 100


def safe_download_name(name: str, *, content_type: str) -> str:
    """A file name safe to hand to a browser: no folders, no control or reserved characters,
    not hidden, at most 100 characters before the extension (an upload's is its content's).

    Chinese is kept ("张三-身份证.png"); :func:`content_disposition` adds the ASCII fallback.
    """
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if not unicodedata.category(ch).startswith("C"))
    extension = EXTENSIONS.get(content_type.split(";")[0].strip().lower())
    stem = base.rsplit(".", 1)[0] if extension and "." in base else base
    stem = _UNSAFE.sub("_", stem).strip("._- ")[:NAME_LIMIT] or "download"
    return f"{stem}.{extension}" if extension else stem


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` and, for other names, the RFC 5987 ``filename*``
    that browsers prefer (RFC 6266 §4.3)."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    ascii_stem = _NOT_ASCII_SAFE.sub("_", stem).strip("._-") or "download"
    fallback = f"{ascii_stem}.{extension}" if extension else ascii_stem
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _as_attachment(response: HttpResponse, *, download_name: str, content_type: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition(safe_download_name(download_name, content_type=content_type))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def private_file_response(file: FieldFile, *, download_name: str, content_type: str) -> FileResponse:
    """Stream a privately stored file, as an attachment, to a caller the view has already authorised."""
    response = FileResponse(file.open("rb"), content_type=content_type)
    return _as_attachment(response, download_name=download_name, content_type=content_type)


def attachment_response(content: bytes, *, download_name: str, content_type: str) -> HttpResponse:
    """A generated file (PDF, Excel, calendar) as an attachment, to a caller the view has already authorised."""
    response = HttpResponse(content, content_type=content_type)
    return _as_attachment(response, download_name=download_name, content_type=content_type)


def sniffed_file_response(file: FieldFile, *, stem: str) -> FileResponse:
    """A stored upload as ``<stem>.<extension>``, typed by what its content is (PDF, JPEG, PNG), to a caller
    the view has already authorised; 404 when nothing is stored or the content is none of those."""
    from django.http import Http404

    if not file:
        raise Http404
    with file.open("rb") as stored:
        kind = sniff(stored.read(16))
    if kind is None:
        raise Http404
    extension = {"jpeg": "jpg"}.get(kind, kind)
    return private_file_response(file, download_name=f"{stem}.{extension}", content_type=SIGNATURES[kind][0])
