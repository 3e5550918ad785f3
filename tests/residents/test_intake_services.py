"""Intake services (第三章第一条、第二条): sign-up, drafts and consents, materials checked by content,
submission with its deadline and refusals (bans, missing material), every review transition and
every illegal one, approval creating the resident, notifications, the transition log and audit."""

import copy
import hashlib
from datetime import date, timedelta
from io import BytesIO

import pghistory.models
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image

from opc_community.accounts.models import User
from opc_community.accounts.roles import Role
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    BanSource,
    Direction,
    DocumentKind,
    EntityType,
    Resident,
    ResidentStatus,
)
from residents.services import applications
from residents.services import intake as services
from tests.core.test_uploads import phone_exif
from tests.factories import image_bytes
from tests.residents.factories import BanFactory
from tests.residents.support.intake import (
    ID_A,
    ID_B,
    JPEG,
    MONDAY,
    PDF,
    TEXT,
    USCC_A,
    at,
    big_upload,
    company_details,
    details,
    draft,
    evaluated,
    in_evaluation,
    materials,
    private_storage,  # noqa: F401 (fixture)
    rulebook_from_january,  # noqa: F401 (fixture)
    sh,
    submitted,
    upload,
)
from tests.rulebook.factories import RulebookVersionFactory, first_version

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def _inbox(user):
    return list(Notification.objects.filter(recipient=user).order_by("id"))


# --- Sign-up -------------------------------------------------------------------------------------


def test_sign_up_creates_an_inactive_account_without_a_role():
    user = services.applicant_sign_up(
        username="wangwu", full_name="王五", phone="13800138000", email="w@example.com", password="Nansha-OPC-2026!",
        origin="https://opc.example.org",
    )

    assert user.check_password("Nansha-OPC-2026!")
    assert (user.full_name, user.phone, user.email) == ("王五", "13800138000", "w@example.com")
    assert not user.is_active and not user.groups.exists() and not user.is_staff


def test_sign_up_with_a_registered_email_creates_nothing(outsider):
    created = services.applicant_sign_up(
        username="wangwu", full_name="王五", phone="13800138000", email=outsider.email.upper(),
        password="Nansha-OPC-2026!", origin="https://opc.example.org",
    )
    assert created is None
    assert not User.objects.filter(username="wangwu").exists()


def test_sign_up_refuses_a_taken_user_name(outsider):
    with pytest.raises(DomainError) as refused:
        services.applicant_sign_up(
            username="outsider", full_name="王五", phone="13800138000", email="w@example.com", password="x-Long-2026!",
            origin="https://opc.example.org",
        )
    assert refused.value.field == "username"


# --- Drafts and consents (PIPL Art. 25, 29) ---------------------------------------------------------


def test_a_draft_may_be_incomplete(outsider):
    application = services.application_save_draft(
        applicant=outsider, details=services.ApplicationDetails(person_name="王五"), actor=outsider
    )
    assert application.status == ApplicationStatus.DRAFT
    assert application.round == 0 and application.submitted_at is None


def test_saving_again_updates_the_same_draft(outsider):
    first = draft(outsider, with_materials=False)
    second = services.application_save_draft(
        applicant=outsider, details=details(project_summary="改进后的简介"), actor=outsider
    )
    assert first.pk == second.pk
    assert Application.objects.get().project_summary == "改进后的简介"


def test_identity_numbers_are_stored_normalised(outsider):
    application = draft(outsider, with_materials=False, id_number="11010519491231002x ")
    assert application.id_number == ID_A


def test_the_id_number_is_not_stored_without_the_consent(outsider):
    with pytest.raises(DomainError) as refused:
        draft(outsider, with_materials=False, consent_id_processing=False)

    assert "consent_id_processing" in refused.value.details["errors"]
    assert "第二十九条" in refused.value.details["errors"]["consent_id_processing"][0]
    assert not Application.objects.exists()


def test_consents_are_separate_and_recorded_with_their_time(outsider):
    with at(MONDAY):
        application = draft(outsider, with_materials=False, consent_public_naming=False)
    assert application.consent_id_processing_at == MONDAY
    # Declining to be named is recorded too, with its time (PIPL Art. 25).
    assert application.consent_public_naming is False
    assert application.consent_public_naming_at == MONDAY

    later = MONDAY + timedelta(hours=2)
    with at(later):
        application = draft(outsider, with_materials=False, consent_public_naming=True)
    assert application.consent_public_naming is True
    assert application.consent_public_naming_at == later
    assert application.consent_id_processing_at == MONDAY  # the first consent's time is kept


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "11010519491231002"}, "id_number", "18 位"),
        ({"id_number": "110105194912310021"}, "id_number", "校验码"),
        ({"id_number": "110105194902300020"}, "id_number", "出生日期"),
        ({"entity_type": EntityType.OPC_COMPANY, "uscc": "91350100M000100Y44"}, "uscc", "校验码"),
        ({"entity_type": EntityType.OPC_COMPANY, "uscc": "91350100M0001O0Y43"}, "uscc", "I、O、Z、S、V"),
        ({"phone": "1234"}, "phone", "11 位"),
        ({"email": "not-an-address"}, "email", "电子邮箱"),
        ({"entity_type": "llc"}, "entity_type", "主体类型"),
        ({"direction": "crypto"}, "direction", "方向"),
        ({"direction_note": "长" * 301}, "direction_note", "300"),
    ],
)
def test_malformed_details_are_refused_with_a_chinese_message_naming_the_field(outsider, overrides, field, message):
    with pytest.raises(DomainError) as refused:
        draft(outsider, with_materials=False, **overrides)

    assert field in refused.value.details["errors"]
    assert message in " ".join(refused.value.details["errors"][field])
    assert not Application.objects.exists()


def test_all_problems_are_named_at_once(outsider):
    with pytest.raises(DomainError) as refused:
        draft(outsider, with_materials=False, id_number="123", phone="1", email="x")
    assert set(refused.value.details["errors"]) == {"id_number", "phone", "email"}


def test_an_individual_keeps_no_company_data(outsider):
    application = draft(outsider, with_materials=False, company_name="某公司", uscc=USCC_A)
    assert (application.company_name, application.uscc) == ("", "")


def test_a_resident_does_not_apply_again(member_a):
    with pytest.raises(DomainError, match="已是社区的入驻主体"):
        draft(member_a.user, with_materials=False)


def test_a_former_resident_applies_again_with_the_same_account(member_a, intake_staff):
    """Re-entry (RULEBOOK §4.5/§4.6): after an exit without a ban, the account may apply again;
    the earlier residency stays in the archive."""
    type(member_a).objects.filter(pk=member_a.pk).update(
        status="exited", exited_on=date(2026, 5, 1), retain_until=date(2029, 5, 1)
    )
    application = evaluated(member_a.user, intake_staff, with_materials=True)
    with at(MONDAY):
        again = services.application_approve(application=application, actor=intake_staff)
    assert again.user == member_a.user and again.pk != member_a.pk
    assert member_a.user.residencies.count() == 2


def test_only_the_applicant_saves_their_draft(outsider, resident_b):
    with pytest.raises(PermissionDenied):
        services.application_save_draft(applicant=outsider, details=details(), actor=resident_b)


def test_the_database_keeps_one_live_application_per_applicant(outsider):
    application = draft(outsider, with_materials=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            applicant=outsider, entity_type=application.entity_type, direction=application.direction,
            person_name="王五", id_number=ID_A, phone="13800138000", project_summary="x",
        )


def test_the_database_refuses_review_without_the_id_consent(outsider):
    application = draft(outsider, with_materials=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(status="submitted", consent_id_processing_at=None)


# --- Materials: content, size, privacy (第三章第二条) ------------------------------------------------


def test_materials_are_stored_privately_under_a_neutral_name(outsider, request, client_for):
    folder = request.getfixturevalue("private_storage")
    application = draft(outsider)
    documents = {d.kind: d for d in application.documents.all()}

    assert set(documents) == {DocumentKind.ID_CARD, DocumentKind.PROJECT_PLAN}
    id_card = documents[DocumentKind.ID_CARD]
    assert id_card.original_name == "身份证.jpg" and id_card.content_type == "image/jpeg"
    assert id_card.file.name.startswith(f"applications/{application.pk}/id_card-")
    assert "身份证" not in id_card.file.name
    assert default_storage.exists(id_card.file.name)
    assert (folder / id_card.file.name).exists()
    # No media URL is served: the storage's would-be address is a plain 404, even logged in.
    assert client_for(outsider).get(default_storage.url(id_card.file.name)).status_code == 404


@pytest.mark.parametrize(
    ("allowed", "accepted"),
    [(("pdf", "jpeg", "png"), True), (("pdf", "png"), False)],
)
def test_a_jpeg_named_pdf_is_judged_by_its_content(outsider, monkeypatch, allowed, accepted):
    application = draft(outsider, with_materials=False)
    monkeypatch.setattr(applications, "_rules_for_upload", lambda today: (allowed, 10, 20))
    renamed = upload("计划书.pdf", JPEG, "application/pdf")

    if accepted:
        document = services.application_document_add(
            application=application, kind=DocumentKind.PROJECT_PLAN, upload=renamed, actor=outsider
        )
        assert document.content_type == "image/jpeg"  # what it is, not what it is called
    else:
        with pytest.raises(DomainError, match="PDF / PNG"):
            services.application_document_add(
                application=application, kind=DocumentKind.PROJECT_PLAN, upload=renamed, actor=outsider
            )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: upload("计划书.pdf", TEXT, "application/pdf"), "PDF / JPEG / PNG"),
        (lambda: big_upload(10), "10 MB"),
    ],
    ids=["text-renamed-pdf", "11MB"],
)
def test_bad_files_are_refused_and_nothing_is_written(outsider, bad, message):
    with pytest.raises(DomainError) as refused:
        services.application_save_draft(
            applicant=outsider, details=details(), uploads=[(DocumentKind.PROJECT_PLAN, bad())], actor=outsider
        )

    assert refused.value.field == DocumentKind.PROJECT_PLAN
    assert message in str(refused.value.message)
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()


def test_a_file_of_exactly_the_limit_is_accepted(outsider):
    application = draft(outsider, with_materials=False)
    exact = upload("plan.pdf", PDF + b"0" * (10 * 1024 * 1024 - len(PDF)))
    document = services.application_document_add(
        application=application, kind=DocumentKind.PROJECT_PLAN, upload=exact, actor=outsider
    )
    assert document.size == 10 * 1024 * 1024


def test_the_id_card_needs_the_consent_first(outsider):
    application = services.application_save_draft(
        applicant=outsider, details=services.ApplicationDetails(person_name="王五"), actor=outsider
    )
    with pytest.raises(DomainError) as refused:
        services.application_document_add(
            application=application, kind=DocumentKind.ID_CARD, upload=upload("id.jpg", JPEG), actor=outsider
        )
    assert refused.value.field == "consent_id_processing"


def test_only_registered_entities_upload_a_licence(outsider):
    application = draft(outsider, with_materials=False)
    with pytest.raises(DomainError) as refused:
        services.application_document_add(
            application=application, kind=DocumentKind.BUSINESS_LICENCE, upload=upload(), actor=outsider
        )
    assert refused.value.field == DocumentKind.BUSINESS_LICENCE


def test_several_qualifications_may_be_uploaded(outsider):
    application = draft(outsider)
    for name in ("证书一.pdf", "证书二.pdf"):
        services.application_document_add(
            application=application, kind=DocumentKind.QUALIFICATION, upload=upload(name), actor=outsider
        )
    assert application.documents.filter(kind=DocumentKind.QUALIFICATION).count() == 2


def test_an_id_card_photo_is_stored_without_its_gps_position(outsider):
    application = draft(outsider, with_materials=False)
    photo = image_bytes("jpeg", size=(40, 20), exif=phone_exif(orientation=6))

    document = services.application_document_add(
        application=application, kind=DocumentKind.ID_CARD, upload=upload("身份证.jpg", photo, "image/jpeg"),
        actor=outsider,
    )

    with document.file.open("rb") as stored:
        data = stored.read()
    image = Image.open(BytesIO(data))
    assert len(image.getexif()) == 0 and b"PhoneMaker" not in data  # no GPS, no camera, no time
    assert image.size == (20, 40)  # upright, as the phone showed it
    assert (document.size, document.sha256) == (len(data), hashlib.sha256(data).hexdigest())  # the stored file


@pytest.fixture
def three_files_per_application(db):
    """A rulebook in force whose cap is 3 files per application (the number is data, not code)."""
    body = copy.deepcopy(first_version().body)
    body["intake"]["max_files_per_application"] = 3
    return RulebookVersionFactory(number=91, title="测试：每份申请最多 3 个文件", effective_from=date(2026, 4, 2),
                                  body=body)


@pytest.mark.usefixtures("three_files_per_application")
def test_an_application_holds_at_most_the_rulebooks_number_of_files(outsider):
    application = draft(outsider)  # the ID card and the project plan
    services.application_document_add(
        application=application, kind=DocumentKind.QUALIFICATION, upload=upload("证书一.pdf"), actor=outsider
    )  # the third: the limit itself is allowed

    with pytest.raises(DomainError) as refused:
        services.application_document_add(
            application=application, kind=DocumentKind.QUALIFICATION, upload=upload("证书二.pdf"), actor=outsider
        )

    assert refused.value.field == DocumentKind.QUALIFICATION
    assert str(refused.value.message) == "每份申请最多 3 个文件：证书二.pdf 未添加。请先删除不再需要的文件。"
    assert application.documents.count() == 3


@pytest.mark.usefixtures("three_files_per_application")
def test_a_draft_with_too_many_files_is_refused_whole(outsider):
    extra = [(DocumentKind.QUALIFICATION, upload(f"证书{n}.pdf")) for n in range(2)]
    with pytest.raises(DomainError, match="最多 3 个文件"):
        services.application_save_draft(
            applicant=outsider, details=details(), uploads=[*materials(), *extra], actor=outsider
        )
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()


def test_another_user_cannot_add_or_remove_materials(outsider, resident_b):
    application = draft(outsider)
    with pytest.raises(PermissionDenied):
        services.application_document_add(
            application=application, kind=DocumentKind.QUALIFICATION, upload=upload(), actor=resident_b
        )
    with pytest.raises(PermissionDenied):
        services.application_document_remove(document=application.documents.first(), actor=resident_b)


def test_materials_of_the_current_round_can_be_removed_but_submitted_ones_stay(
    outsider, intake_staff, django_capture_on_commit_callbacks
):
    application = submitted(outsider)
    with at(MONDAY + timedelta(days=1)):
        application = services.application_return(application=application, actor=intake_staff, reason="请补充资质证书")
    seen = application.documents.first()
    with at(MONDAY + timedelta(days=2)):
        added = services.application_document_add(
            application=application, kind=DocumentKind.QUALIFICATION, upload=upload("新证书.pdf"), actor=outsider
        )
        with pytest.raises(DomainError, match="之前提交"):
            services.application_document_remove(document=seen, actor=outsider)
        with django_capture_on_commit_callbacks(execute=True):
            services.application_document_remove(document=added, actor=outsider)

    assert not ApplicationDocument.objects.filter(pk=added.pk).exists()
    assert not default_storage.exists(added.file.name)  # the file goes once the removal has committed
    assert ApplicationDocument.objects.filter(pk=seen.pk).exists()


def test_materials_cannot_change_under_review(outsider):
    application = submitted(outsider)
    with pytest.raises(InvalidTransition):
        services.application_document_add(
            application=application, kind=DocumentKind.QUALIFICATION, upload=upload(), actor=outsider
        )
    with pytest.raises(InvalidTransition, match="不能再修改"):
        draft(outsider, with_materials=False)


# --- Submission: deadline, eligibility, bans ----------------------------------------------------------


@pytest.mark.usefixtures("rulebook_from_january")
def test_conformance_submitted_12_february_initial_review_due_end_of_28_february(outsider):
    """Spring Festival 2026 (15–23 Feb off; Sat 14 and Sat 28 Feb are working days), 7 working days."""
    application = submitted(outsider, when=sh(2026, 2, 12, 10, 0))

    assert application.review_due_at == sh(2026, 2, 28, 23, 59, 59)
    assert application.review_due_provisional is False
    assert application.round == 1 and application.submitted_at == sh(2026, 2, 12, 10, 0)


def test_the_result_is_due_two_working_days_after_the_evaluation_over_a_holiday(outsider, intake_staff):
    """Evaluated Thu 2026-09-30 (Mid-Autumn/National Day: 1–7 Oct off, Sat 10 Oct works) → end of 9 Oct."""
    application = in_evaluation(outsider, intake_staff, when=sh(2026, 9, 28, 9, 0))
    with at(sh(2026, 9, 30, 16, 0)):
        application = services.application_record_evaluation(
            application=application, actor=intake_staff, feasibility="可行", fit="契合"
        )
    assert application.evaluated_at == sh(2026, 9, 30, 16, 0)
    assert application.result_due_at == sh(2026, 10, 9, 23, 59, 59)


def test_a_deadline_into_a_year_without_a_schedule_is_provisional(outsider):
    application = submitted(outsider, when=sh(2026, 12, 28, 10, 0))
    assert application.review_due_provisional is True
    assert application.review_due_at.date() >= date(2027, 1, 1)


def test_submission_tells_the_applicant_and_the_intake_team(outsider, intake_staff, administrator):
    application = submitted(outsider)

    [to_applicant] = _inbox(outsider)
    assert to_applicant.link == "/portal/residents/application/"
    assert "2026年6月10日" in to_applicant.body  # Mon 1 June + 7 working days (Dragon Boat: 19 June)
    [to_team] = _inbox(intake_staff)
    assert str(application.pk) in to_team.link and "王五" in to_team.title
    assert _inbox(administrator) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"declares_no_dishonesty": False}, "declares_no_dishonesty"),
        ({"direction": Direction.OTHER, "direction_note": ""}, "direction_note"),
        ({"project_summary": ""}, "project_summary"),
        ({"person_name": ""}, "person_name"),
        ({"entity_type": ""}, "entity_type"),
    ],
)
def test_submission_refuses_what_is_missing_and_changes_nothing(outsider, overrides, field):
    with at(MONDAY):
        application = draft(outsider, **overrides)
        with pytest.raises(DomainError) as refused:
            services.application_submit(application=application, actor=outsider)

    assert field in refused.value.details["errors"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.round == 0
    assert not ApplicationTransition.objects.exists()


def test_a_registered_entity_needs_name_code_and_licence(outsider):
    with at(MONDAY):
        application = services.application_save_draft(
            applicant=outsider, details=company_details(company_name="", uscc=""), uploads=materials(), actor=outsider
        )
        with pytest.raises(DomainError) as refused:
            services.application_submit(application=application, actor=outsider)
    assert {"company_name", "uscc", DocumentKind.BUSINESS_LICENCE} <= set(refused.value.details["errors"])
    assert "营业执照" in refused.value.details["errors"][DocumentKind.BUSINESS_LICENCE][0]


def test_a_registered_entity_with_everything_is_submitted(outsider):
    with at(MONDAY):
        application = services.application_save_draft(
            applicant=outsider,
            details=company_details(),
            uploads=materials(EntityType.OPC_COMPANY),
            actor=outsider,
        )
        application = services.application_submit(application=application, actor=outsider)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.display_name == "广州南沙智答科技有限公司"


def _ban(**fields):
    return BanFactory(**{"starts_on": date(2025, 6, 1), "ends_on": date(2028, 5, 31), **fields})


@pytest.mark.parametrize(
    ("ban", "field"),
    [({"id_number": ID_A}, "id_number"), ({"uscc": USCC_A}, "uscc")],
    ids=["id-number", "credit-code"],
)
def test_a_ban_refuses_the_submission_naming_the_day_it_ends(outsider, ban, field):
    _ban(**ban)
    with at(MONDAY):
        application = services.application_save_draft(
            applicant=outsider, details=company_details(), uploads=materials(EntityType.OPC_COMPANY), actor=outsider
        )
        with pytest.raises(DomainError) as refused:
            services.application_submit(application=application, actor=outsider)

    assert refused.value.field == field
    assert "2028年5月31日" in str(refused.value.message)
    assert "第三章第四条" in str(refused.value.message)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_the_longer_of_two_bans_is_named(outsider):
    _ban(id_number=ID_A, ends_on=date(2027, 5, 31), source=BanSource.SUBLETTING)
    _ban(uscc=USCC_A, ends_on=date(2029, 5, 31))
    with at(MONDAY):
        application = services.application_save_draft(
            applicant=outsider, details=company_details(), uploads=materials(EntityType.OPC_COMPANY), actor=outsider
        )
        with pytest.raises(DomainError, match="2029年5月31日"):
            services.application_submit(application=application, actor=outsider)


@pytest.mark.parametrize(
    ("ends_on", "refused"),
    [(date(2026, 6, 1), True), (date(2026, 5, 31), False)],
    ids=["ends-today-still-in-force", "ended-yesterday"],
)
def test_a_ban_is_in_force_through_its_last_day(outsider, ends_on, refused):
    _ban(id_number=ID_A, ends_on=ends_on, starts_on=date(2023, 6, 1))
    if refused:
        with pytest.raises(DomainError):
            submitted(outsider)
    else:
        assert submitted(outsider).status == ApplicationStatus.SUBMITTED


def test_someone_else_s_ban_does_not_matter(outsider):
    _ban(id_number=ID_B)
    assert submitted(outsider).status == ApplicationStatus.SUBMITTED


def test_submitting_twice_is_refused(outsider):
    application = submitted(outsider)
    with pytest.raises(InvalidTransition, match="正在审核中"):
        services.application_submit(application=application, actor=outsider)
    assert Application.objects.get().round == 1


def test_only_the_applicant_submits(outsider, intake_staff):
    with at(MONDAY):
        application = draft(outsider)
        with pytest.raises(PermissionDenied):
            services.application_submit(application=application, actor=intake_staff)


# --- The review workflow ---------------------------------------------------------------------------


def test_the_happy_path_writes_the_log_and_tells_the_applicant_each_time(outsider, intake_staff):
    application = evaluated(outsider, intake_staff)
    with at(MONDAY + timedelta(hours=3)):
        resident = services.application_approve(application=application, actor=intake_staff, reason="欢迎加入")

    log = list(ApplicationTransition.objects.order_by("id").values_list("from_status", "to_status", "actor"))
    assert log == [
        ("draft", "submitted", outsider.pk),
        ("submitted", "evaluation", intake_staff.pk),
        ("evaluation", "evaluated", intake_staff.pk),
        ("evaluated", "approved", intake_staff.pk),
    ]
    titles = [n.title for n in _inbox(outsider)]
    assert titles == ["已收到您的入驻申请", "已通过初审", "项目评估已完成", "您的入驻申请已通过"]
    assert all(n.link == "/portal/residents/application/" for n in _inbox(outsider))
    assert resident.status == ResidentStatus.ONBOARDING
    assert (resident.user, resident.application_id, resident.name) == (outsider, application.pk, "王五")


def test_approval_makes_the_applicant_a_resident(outsider, intake_staff):
    application = evaluated(outsider, intake_staff, entity_type=EntityType.OPC_COMPANY)
    with at(MONDAY):
        services.application_approve(application=application, actor=intake_staff)

    assert Resident.objects.get(user=outsider).name == "广州南沙智答科技有限公司"
    assert outsider.groups.filter(name=Role.RESIDENT).exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.decided_at == MONDAY


def test_evaluation_records_feasibility_and_fit(outsider, intake_staff):
    application = evaluated(outsider, intake_staff)
    assert application.evaluation_feasibility == "团队具备实施能力"
    assert application.evaluation_fit == "符合 AI 原生创新方向"
    assert application.result_due_at == sh(2026, 6, 3, 23, 59, 59)


@pytest.mark.parametrize(
    ("stage", "step", "message"),
    [
        ("submitted", "approve", "尚未通过初审和项目评估"),
        ("evaluation", "approve", "尚未记录项目评估"),
        ("returned", "approve", "仍缺少材料"),
        ("draft", "approve", "尚未提交"),
        ("submitted", "record_evaluation", "请先完成初审"),
        ("evaluated", "return", "请在结果反馈期限内作出决定"),
        ("evaluated", "start_evaluation", "已完成评估"),
        ("approved", "reject", "已通过"),
        ("returned", "start_evaluation", "尚未重新提交"),
    ],
)
def test_illegal_moves_are_refused_in_chinese(outsider, intake_staff, stage, step, message):
    application = _at_stage(outsider, intake_staff, stage)
    before = ApplicationTransition.objects.count()
    with at(MONDAY), pytest.raises(InvalidTransition) as refused:
        services.application_review_step(
            application=application, step=step, actor=intake_staff,
            reason="理由", feasibility="可行", fit="契合",
        )
    assert message in str(refused.value.message)
    assert ApplicationTransition.objects.count() == before
    application.refresh_from_db()
    assert application.status == stage


def _at_stage(user, staff, stage):
    if stage == "draft":
        with at(MONDAY):
            return draft(user)
    if stage == "submitted":
        return submitted(user)
    if stage == "evaluation":
        return in_evaluation(user, staff)
    if stage == "evaluated":
        return evaluated(user, staff)
    if stage == "returned":
        application = submitted(user)
        with at(MONDAY):
            return services.application_return(application=application, actor=staff, reason="缺少项目计划书")
    if stage == "approved":
        application = evaluated(user, staff)
        with at(MONDAY):
            return services.application_approve(application=application, actor=staff).application
    raise AssertionError(stage)


@pytest.mark.parametrize("step", ["return", "reject"])
def test_return_and_reject_need_reasons(outsider, intake_staff, step):
    application = submitted(outsider)
    with pytest.raises(DomainError) as refused:
        services.application_review_step(application=application, step=step, actor=intake_staff, reason="  ")
    assert refused.value.field == "reason"


def test_rejection_keeps_the_reasons_and_tells_the_applicant(outsider, intake_staff):
    application = in_evaluation(outsider, intake_staff)
    with at(MONDAY):
        application = services.application_reject(application=application, actor=intake_staff, reason="方向不符")
    assert application.status == ApplicationStatus.REJECTED and application.decision_reason == "方向不符"
    assert "方向不符" in _inbox(outsider)[-1].body


@pytest.mark.parametrize("who", ["outsider", "resources_staff", "daily_staff", "oversight"])
def test_only_reviewers_run_review_steps(request, outsider, who):
    application = submitted(outsider)
    with pytest.raises(PermissionDenied):
        services.application_start_evaluation(application=application, actor=request.getfixturevalue(who))


def test_the_administrator_may_review(outsider, administrator):
    application = submitted(outsider)
    assert services.application_start_evaluation(application=application, actor=administrator).reviewer == administrator


def test_resubmission_restarts_the_clock(outsider, intake_staff):
    application = submitted(outsider)
    with at(MONDAY + timedelta(days=2)):
        application = services.application_return(application=application, actor=intake_staff, reason="请补充计划书")
    assert "请补充计划书" in _inbox(outsider)[-1].body
    resubmitted_at = sh(2026, 6, 8, 9, 30)  # the Monday after
    with at(resubmitted_at):
        application = services.application_submit(application=application, actor=outsider)

    assert application.round == 2
    assert application.submitted_at == resubmitted_at
    assert application.review_due_at == sh(2026, 6, 17, 23, 59, 59)  # 7 working days from Mon 8 June
    assert application.decision_reason == ""
    assert list(application.transitions.values_list("to_status", flat=True)) == ["submitted", "returned", "submitted"]


# --- Eligibility flags and the override (第三章第一条) ----------------------------------------------------


def test_a_flagged_application_passes_initial_review_only_with_an_override_reason(outsider, intake_staff):
    application = submitted(outsider, direction=Direction.OTHER, direction_note="面向跨境物流的数据服务")
    with pytest.raises(DomainError) as refused:
        services.application_start_evaluation(application=application, actor=intake_staff)
    assert refused.value.field == "eligibility_override"
    assert "资格例外" in str(refused.value.message)

    application = services.application_start_evaluation(
        application=application, actor=intake_staff, eligibility_override="经核实属于数字经济范畴"
    )
    assert application.eligibility_override == "经核实属于数字经济范畴"
    assert "经核实属于数字经济范畴" in application.transitions.last().reason


def test_an_unflagged_application_needs_no_override(outsider, intake_staff):
    application = services.application_start_evaluation(application=submitted(outsider), actor=intake_staff)
    assert application.status == ApplicationStatus.EVALUATION and application.eligibility_override == ""


# --- Withdrawal -------------------------------------------------------------------------------------------


def test_the_applicant_withdraws_and_the_intake_team_is_told(outsider, intake_staff):
    application = submitted(outsider)
    with at(MONDAY):
        application = services.application_withdraw(application=application, actor=outsider, reason="另有安排")
    assert application.status == ApplicationStatus.WITHDRAWN
    assert "另有安排" in _inbox(intake_staff)[-1].body
    # A new application may follow.
    with at(MONDAY + timedelta(days=1)):
        assert draft(outsider).pk != application.pk


def test_withdrawal_during_evaluation_goes_through_the_intake_team(outsider, intake_staff):
    application = in_evaluation(outsider, intake_staff)
    with pytest.raises(InvalidTransition, match="请联系招商入驻组"):
        services.application_withdraw(application=application, actor=outsider)


# --- Audit trail --------------------------------------------------------------------------------------------


def test_transitions_are_audited_with_the_actor_and_the_id_number_stays_out(outsider, intake_staff):
    application = in_evaluation(outsider, intake_staff)
    events = pghistory.models.Events.objects.tracks(application).order_by("pgh_created_at")
    contexts = [event.pgh_context or {} for event in events]
    assert any(c.get("action") == "residents.application_start_evaluation" and c.get("user") == intake_staff.pk
               for c in contexts)
    assert all(ID_A not in str(event.pgh_data) for event in events)


def test_the_resident_group_exists():
    assert Group.objects.filter(name=Role.RESIDENT).exists()
