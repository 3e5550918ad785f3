"""The archive (档案) as a PDF (第三章第五条; RULEBOOK §4.7): everything of the staff page, in Chinese,
A4 with the community's letterhead, Noto Sans CJK embedded (templates/pdf/base.html)."""

from django.utils import timezone

from opc_community.core.documents import render_pdf
from residents.models import Resident
from residents.selectors.archive import resident_archive


def archive_pdf(resident: Resident) -> bytes:
    """Render the resident's archive now (read-only: nothing is stored, the rows are the archive)."""
    archive = resident_archive(resident, now=timezone.now())
    return render_pdf("residents/lifecycle/archive_pdf.html", {"archive": archive})


def archive_filename(resident: Resident) -> str:
    return f"archive-{resident.pk}-{timezone.localdate():%Y%m%d}.pdf"
