"""Case evidence, appeal evidence, reward certificates and rectification notice PDFs are kept only if their
row commits (opc_community.core.files)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from discipline.models import EvidenceFile, RectificationNotice, Reward
from discipline.services import appeals as appeal_services
from discipline.services import cases as services
from discipline.services import rewards as reward_services
from tests.discipline.support.cases import (
    TODAY,
    evidence,
    on_day,
    open_case,
    pdf_upload,
    to_notice,
    to_published,
)
from tests.stored_files import files_in, refuse_after_save

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    return tmp_path / "private"


def test_a_refused_verification_leaves_no_evidence(today, member_a, daily_staff, private, monkeypatch):
    case = open_case(member_a, daily_staff)
    refuse_after_save(monkeypatch, services)

    with pytest.raises(Exception, match="refused"):
        services.case_verify(case=case, actor=daily_staff, evidence=[evidence(), pdf_upload()])

    assert not EvidenceFile.objects.exists() and files_in(private) == []


def test_a_verification_keeps_its_evidence(today, member_a, daily_staff, private):
    case = services.case_verify(case=open_case(member_a, daily_staff), actor=daily_staff, evidence=[evidence()])

    assert files_in(private) == [case.evidence.get().file.name]


def test_a_refused_appeal_leaves_no_evidence(member_a, daily_staff, administrator, private, monkeypatch):
    with on_day(TODAY):
        case = open_case(member_a, daily_staff, kind="2b")
        to_published(case, daily_staff, administrator)
    kept = files_in(private)
    refuse_after_save(monkeypatch, appeal_services)

    with on_day(TODAY, hour=11), pytest.raises(Exception, match="refused"):
        appeal_services.appeal_submit(case=case, resident=member_a, actor=member_a.user, reason="当天我不在社区。",
                                      evidence=[pdf_upload()])

    assert files_in(private) == kept


def test_a_refused_reward_leaves_no_certificate(today, member_a, administrator, private, monkeypatch):
    refuse_after_save(monkeypatch, reward_services)

    with pytest.raises(Exception, match="refused"):
        reward_services.reward_verify_innovation(
            resident=member_a, level="municipal", amount="1000", certificate="广州市创新创业大赛 证书 2026-001",
            reason="获奖", actor=administrator,
            evidence=SimpleUploadedFile("cert.pdf", b"%PDF-1.4\n%cert\n", content_type="application/pdf"),
        )

    assert not Reward.objects.exists() and files_in(private) == []


def test_a_notice_pdf_whose_row_is_not_updated_is_not_kept(today, member_a, daily_staff, private, monkeypatch):
    case = open_case(member_a, daily_staff)
    to_notice(case, daily_staff)
    notice = RectificationNotice.objects.get(case=case)
    kept = files_in(private)
    refuse_after_save(monkeypatch, services)

    with pytest.raises(Exception, match="refused"):
        services.notice_render(notice_id=notice.pk)

    notice.refresh_from_db()
    assert not notice.document and files_in(private) == kept

    monkeypatch.undo()
    notice = services.notice_render(notice_id=notice.pk)
    assert files_in(private) == sorted([*kept, notice.document.name])
