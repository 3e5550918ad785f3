"""Uploads and generated PDFs of the residents app are kept only if their row commits (opc_community.core.files):
intake materials, complaint attachments, agreement PDFs."""

import pytest

from residents.models import Application, ApplicationDocument, Complaint, DocumentKind
from residents.services import agreements as agreement_services
from residents.services import applications as services
from residents.services import complaints as complaint_services
from tests.residents.support.complaints import file_complaint, pdf_upload
from tests.residents.support.intake import PNG, details, draft, materials, upload
from tests.stored_files import files_in, refuse_after_save

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    return tmp_path / "private"


def test_a_draft_refused_for_its_last_material_leaves_no_id_card_scan(outsider, private):
    # the ID card and the plan are stored, then the business licence of an individual is refused
    refused = [*materials(), (DocumentKind.BUSINESS_LICENCE, upload("营业执照.png", PNG, "image/png"))]
    with pytest.raises(Exception, match="营业执照|business licence"):
        services.application_save_draft(applicant=outsider, details=details(), uploads=refused, actor=outsider)

    assert not Application.objects.exists()
    assert files_in(private) == []


def test_a_saved_draft_keeps_its_materials(outsider, private):
    application = draft(outsider)

    assert files_in(private) == sorted(d.file.name for d in application.documents.all())
    assert len(files_in(private)) == 2


def test_a_material_added_then_refused_is_not_kept(outsider, private, monkeypatch):
    application = draft(outsider)
    kept = files_in(private)
    refuse_after_save(monkeypatch, services)

    with pytest.raises(Exception, match="refused"):
        services.application_document_add(
            application=application, kind=DocumentKind.QUALIFICATION, upload=upload("证书.pdf"), actor=outsider
        )

    assert ApplicationDocument.objects.count() == 2
    assert files_in(private) == kept


def test_a_refused_complaint_leaves_no_attachment(member_a, private, monkeypatch):
    refuse_after_save(monkeypatch, complaint_services)

    with pytest.raises(Exception, match="refused"):
        file_complaint(member_a, attachment=pdf_upload())

    assert not Complaint.objects.exists()
    assert files_in(private) == []


def test_a_filed_complaint_keeps_its_attachment(member_a, private):
    complaint = file_complaint(member_a, attachment=pdf_upload())

    assert files_in(private) == [complaint.attachment.name]


def test_an_agreement_pdf_whose_row_is_not_updated_is_not_kept(member_a, private, monkeypatch):
    agreement = member_a.agreements.get()
    refuse_after_save(monkeypatch, agreement_services)

    with pytest.raises(Exception, match="refused"):
        agreement_services.agreement_document_store(agreement=agreement)

    agreement.refresh_from_db()
    assert not agreement.document and files_in(private) == []


def test_a_stored_agreement_pdf_is_kept(member_a, private):
    agreement = agreement_services.agreement_document_store(agreement=member_a.agreements.get())

    assert files_in(private) == [agreement.document.name]
