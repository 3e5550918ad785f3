"""Quarterly inputs (第六章第一条、第三条): residents submit before the deadline, staff verify or correct."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.portal.models import Notification
from scoring.models import (
    AwardClaim,
    Contribution,
    InputEvidence,
    InputStatus,
    Quarter,
    QuarterInput,
    QuarterStatus,
)
from scoring.services import input_sheets as sheet_services
from scoring.services import inputs as services
from tests.scoring.support.inputs import (
    AFTER_DEADLINE,
    DURING,
    at,
    fake_pdf,
    make_quarter,
    member,
    numbers,
    pdf,
    sh,
    stored_input,
    workbook,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarter():
    return make_quarter()


@pytest.fixture
def me(resident_a):
    return member(resident_a, name="张三")


def test_a_resident_saves_and_submits_its_own_inputs(quarter, me):
    with at(DURING):
        data = services.input_save(quarter=quarter, resident=me, values=numbers(done=4), actor=me.user)
        assert data.status == InputStatus.DRAFT and data.milestones_done == 4
        data = services.input_save(quarter=quarter, resident=me, values=numbers(revenue="1234.5"), actor=me.user)
        assert data.revenue == Decimal("1234.50")
        data = services.input_submit(input=data, actor=me.user)
    assert data.status == InputStatus.SUBMITTED and data.submitted_at is not None
    assert QuarterInput.objects.filter(quarter=quarter, resident=me).count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (numbers(revenue="-1"), "revenue"),
        (numbers(done=-2), "milestones_done"),
        (numbers(revenue=""), "revenue"),
        (numbers(done=None), "milestones_done"),
        (numbers(done="1.5"), "milestones_done"),
        (numbers(revenue="-0.01"), "revenue"),
    ],
)
def test_bad_numbers_are_refused_naming_the_field_and_nothing_is_written(quarter, me, values, field):
    with at(DURING), pytest.raises(DomainError) as refused:
        services.input_save(quarter=quarter, resident=me, values=values, actor=me.user)
    assert refused.value.field == field
    assert "不能为负" in str(refused.value.message) or "必填" in str(refused.value.message) \
        or "整数" in str(refused.value.message)
    assert not QuarterInput.objects.exists()


def test_after_the_deadline_the_resident_can_no_longer_save_or_submit(quarter, me):
    with at(DURING):
        data = services.input_save(quarter=quarter, resident=me, values=numbers(), actor=me.user)
    with at(sh(2026, 10, 9, 23, 59)):  # the last day still counts
        services.input_save(quarter=quarter, resident=me, values=numbers(done=3), actor=me.user)
    with at(AFTER_DEADLINE):
        with pytest.raises(InvalidTransition):
            services.input_save(quarter=quarter, resident=me, values=numbers(done=1), actor=me.user)
        with pytest.raises(InvalidTransition):
            services.input_submit(input=data, actor=me.user)
    data.refresh_from_db()
    assert (data.milestones_done, data.status) == (3, InputStatus.DRAFT)


def test_a_resident_cannot_write_another_residents_inputs(quarter, me, resident_b):
    other = member(resident_b)
    with at(DURING):
        with pytest.raises(PermissionDenied):
            services.input_save(quarter=quarter, resident=other, values=numbers(), actor=me.user)
        data = services.input_save(quarter=quarter, resident=other, values=numbers(), actor=other.user)
        with pytest.raises(PermissionDenied):
            services.input_submit(input=data, actor=me.user)
        with pytest.raises(PermissionDenied):
            services.award_add(input=data, level="national", title="x", certificate=pdf(), actor=me.user)


def test_a_resident_checked_in_after_the_quarter_has_nothing_to_report(quarter, resident_a):
    late = member(resident_a, checked_in_at=sh(2026, 10, 1, 9))
    with at(DURING), pytest.raises(DomainError):
        services.input_save(quarter=quarter, resident=late, values=numbers(), actor=late.user)


def test_awards_contributions_and_evidence_need_their_proof(quarter, me):
    with at(DURING):
        data = services.input_save(quarter=quarter, resident=me, values=numbers(), actor=me.user)
        award = services.award_add(input=data, level="provincial", title="省级创业大赛二等奖", certificate=pdf(),
                                   actor=me.user)
        with pytest.raises(DomainError) as missing:
            services.award_add(input=data, level="national", title="国家级", certificate=None, actor=me.user)
        assert missing.value.field == "certificate"
        with pytest.raises(DomainError) as disguised:
            services.evidence_add(input=data, kind="financial_statement", upload=fake_pdf(), actor=me.user)
        assert disguised.value.field == "file"
        services.contribution_add(input=data, kind="open_source", description="开源 SDK", proof=None,
                                  proof_link="https://example.com/sdk", actor=me.user)
        with pytest.raises(DomainError) as no_proof:
            services.contribution_add(input=data, kind="tech_sharing", description="分享", proof=None, actor=me.user)
        assert no_proof.value.field == "proof"
        services.evidence_add(input=data, kind="progress_report", upload=pdf("进展报告.pdf"), actor=me.user)
    assert award.verified is False and award.certificate.name.startswith("scoring/awards/")
    assert (AwardClaim.objects.count(), Contribution.objects.count(), InputEvidence.objects.count()) == (1, 1, 1)
    assert InputEvidence.objects.get().original_name == "进展报告.pdf"


def test_staff_verify_and_correct_with_a_reason(quarter, me, administrator, daily_staff):
    data = stored_input(quarter, me)
    AwardClaim.objects.create(input=data, level="national", title="国家级奖", certificate="x.pdf")
    claim = AwardClaim.objects.create(input=data, level="municipal", title="市级奖", certificate="y.pdf")
    with pytest.raises(PermissionDenied):
        services.input_verify(input=data, actor=daily_staff)
    verified = services.input_verify(input=data, actor=administrator)
    assert verified.status == InputStatus.VERIFIED and verified.verified_by == administrator
    assert AwardClaim.objects.filter(verified=True).count() == 2
    with pytest.raises(DomainError) as no_reason:
        services.input_correct(quarter=quarter, resident=me, reason=" ", actor=administrator,
                               correction=services.Correction({"milestones_done": 2}))
    assert no_reason.value.field == "reason"
    corrected = services.input_correct(
        quarter=quarter, resident=me, reason="进展报告只证明完成 2 个", actor=administrator,
        correction=services.Correction({"milestones_done": 2}, rejected_awards=[claim.pk]),
    )
    assert (corrected.status, corrected.milestones_done, corrected.correction_reason) == (
        InputStatus.CORRECTED, 2, "进展报告只证明完成 2 个")
    assert set(AwardClaim.objects.filter(verified=True).values_list("title", flat=True)) == {"国家级奖"}
    assert Notification.objects.filter(recipient=me.user, kind="scoring.input_corrected").exists()


def test_a_correction_with_a_negative_revenue_writes_nothing(quarter, me, administrator):
    data = stored_input(quarter, me)
    with pytest.raises(DomainError) as refused:
        services.input_correct(quarter=quarter, resident=me, reason="更正", actor=administrator,
                               correction=services.Correction({"revenue": "-5"}))
    assert refused.value.field == "revenue"
    data.refresh_from_db()
    assert (data.status, data.revenue) == (InputStatus.SUBMITTED, Decimal("100000.00"))


def test_staff_cannot_change_inputs_of_a_confirmed_quarter(me, administrator):
    quarter = make_quarter(status=QuarterStatus.CONFIRMED, rulebook_version=1)
    data = stored_input(quarter, me)
    with pytest.raises(InvalidTransition):
        services.input_verify(input=data, actor=administrator)
    with pytest.raises(InvalidTransition):
        services.input_correct(quarter=quarter, resident=me, reason="更正", actor=administrator,
                               correction=services.Correction({"revenue": "5"}))


def test_the_excel_import_is_all_or_nothing_with_every_row_error(quarter, me, administrator, resident_b):
    other = member(resident_b)
    outsider_resident = member(checked_in_at=sh(2026, 11, 1, 9))
    stored_input(quarter, me)
    rows = sheet_services.read_sheet(workbook([
        [me.pk, "张三", 3, 90000],
        [other.pk, "欧阳娜娜", -1, None],
        [outsider_resident.pk, "后来者", 1, 1],
        ["abc", "", 1, 1],
        [me.pk, "张三", 1, 1],
    ]))
    with pytest.raises(sheet_services.ImportRefused) as refused:
        sheet_services.inputs_import(quarter=quarter, rows=rows, reason="按财务报表导入", actor=administrator)
    errors = {(e.row, e.field) for e in refused.value.errors}
    assert {(3, "milestones_done"), (4, "resident_id"), (5, "resident_id"), (6, "resident_id")} <= errors
    assert QuarterInput.objects.get(resident=me).milestones_done == 4  # nothing written
    assert not QuarterInput.objects.filter(resident=other).exists()


def test_the_excel_import_records_and_corrects_in_a_fixed_number_of_queries(
    quarter, me, administrator, resident_b, django_assert_max_num_queries
):
    other = member(resident_b)
    unchanged = member()
    stored_input(quarter, me)
    stored_input(quarter, unchanged)
    rows = sheet_services.read_sheet(workbook([
        [me.pk, "张三", 3, 90000],
        [other.pk, "欧阳娜娜", 2, 0],
        [unchanged.pk, "某人", 4, 100000],
    ]))
    with django_assert_max_num_queries(16):
        result = sheet_services.inputs_import(quarter=quarter, rows=rows, reason="按财务报表导入", actor=administrator)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert QuarterInput.objects.get(resident=me).status == InputStatus.CORRECTED
    assert QuarterInput.objects.get(resident=other).revenue == 0
    assert QuarterInput.objects.get(resident=unchanged).status == InputStatus.VERIFIED


def test_an_unreadable_sheet_is_refused(quarter):
    with pytest.raises(DomainError) as refused:
        sheet_services.read_sheet(pdf())
    assert refused.value.field == "sheet"


def test_every_step_is_in_the_audit_trail_with_its_actor(quarter, me, administrator):
    with at(DURING):
        data = services.input_save(quarter=quarter, resident=me, values=numbers(), actor=me.user)
        services.evidence_add(input=data, kind="financial_statement", upload=pdf("报表.pdf"), actor=me.user)
        services.input_submit(input=data, actor=me.user)
    services.input_verify(input=data, actor=administrator)
    trail = [(e.pgh_label, e.pgh_context.metadata["user"], e.pgh_context.metadata["action"])
             for e in data.events.order_by("pgh_id")]
    assert trail == [
        ("insert", me.user.pk, "scoring.input_save"),
        ("update", me.user.pk, "scoring.input_submit"),
        ("update", administrator.pk, "scoring.input_verify"),
    ]
    evidence = InputEvidence.objects.get().events.get(pgh_label="insert")
    assert evidence.pgh_context.metadata["action"] == "scoring.evidence_add"


def test_residents_still_enter_data_after_the_scheduled_draft_until_the_deadline(quarter, me):
    Quarter.objects.filter(pk=quarter.pk).update(status=QuarterStatus.DRAFTED, rulebook_version=1)
    quarter.refresh_from_db()
    with at(DURING):
        data = services.input_save(quarter=quarter, resident=me, values=numbers(), actor=me.user)
    assert data.pk is not None


def test_quarters_are_opened_and_their_deadline_moved_by_the_administrator(administrator, daily_staff):
    with pytest.raises(PermissionDenied):
        services.quarter_open(year=2027, number=1, inputs_due_on=date(2027, 4, 10), actor=daily_staff)
    with pytest.raises(DomainError) as early:
        services.quarter_open(year=2027, number=1, inputs_due_on=date(2026, 12, 31), actor=administrator)
    assert early.value.field == "inputs_due_on"
    quarter = services.quarter_open(year=2027, number=1, inputs_due_on=date(2027, 4, 10), actor=administrator)
    with pytest.raises(DomainError):
        services.quarter_open(year=2027, number=1, inputs_due_on=date(2027, 4, 10), actor=administrator)
    moved = services.quarter_deadline_move(quarter=quarter, inputs_due_on=date(2027, 4, 15), actor=administrator)
    assert moved.inputs_due_on == date(2027, 4, 15)
