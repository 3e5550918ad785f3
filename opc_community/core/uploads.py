"""Uploaded files: checked by content, size-limited, stored privately, served only through views.

Identity documents, licences and evidence are never publicly reachable: the
storage has no URL (``MEDIA_URL`` is unset) and every download goes through a
view that checks who asks (:func:`private_file_response`).
"""

import hashlib
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.translation import gettext as _

from opc_community.core.errors import DomainError

#: File type → (content type, leading bytes that identify it).
SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}
TYPE_LABELS = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}


def sniff(head: bytes) -> str | None:
    """The file type whose signature starts ``head``, or None."""
    return next((kind for kind, (_, magics) in SIGNATURES.items() if head.startswith(magics)), None)


def validate_upload(
    upload: UploadedFile, *, field: str, allowed: tuple[str, ...], max_mb: int
) -> tuple[str, str]:
    """Check an upload by its content and size; return (content type, sha256).

    Raises a DomainError naming the field and the rule (第三章第二条: PDF/JPEG/PNG, ≤ 10 MB).
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
    return SIGNATURES[kind][0], _sha256(upload)


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def private_file_response(file: FieldFile, *, download_name: str, content_type: str) -> FileResponse:
    """Stream a privately stored file to a caller the view has already authorised."""
    response = FileResponse(file.open("rb"), content_type=content_type, as_attachment=False, filename=download_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
