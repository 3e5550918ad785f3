"""The 处罚流程 (第八章第二条) through its services: every transition, every refusal, the count, the
decision inputs, publication and the close hook. Effects are in test_cases_effects.py."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from discipline.models import (
    CaseStatus,
    EvidenceFile,
    PenaltyMeasure,
    RectificationNotice,
    ViolationCase,
)
from discipline.selectors import cases as selectors
from discipline.services import cases as services
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.portal.models import Notification
from tests.discipline.support.cases import (
    TODAY,
    at,
    close,
    confirmed_case,
    evidence,
    on_day,
    open_case,
    to_decided,
    to_notice,
    to_published,
)
from tests.spec import case_id, cases

pytestmark = pytest.mark.django_db


# --- Opening ------------------------------------------------------------------------------------------


def test_open_numbers_cases_per_year_and_tells_the_resident(today, member_a, member_b, daily_staff):
    # given two violations found the same year
    first = open_case(member_a, daily_staff)
    second = open_case(member_b, daily_staff)

    # then they are numbered in order, status "found", found by the staff member
    assert first.number == "违〔2026〕0001号"
    assert second.number == "违〔2026〕0002号"
    assert first.status == CaseStatus.FOUND and first.found_by == daily_staff
    # and each resident hears of it in the inbox
    assert Notification.objects.filter(recipient=member_a.user, kind="discipline.case_opened").count() == 1


def test_the_notice_of_opening_is_stored_in_chinese_when_staff_use_english(today, member_a, daily_staff):
    # given staff working in the English interface
    with translation.override("en"):
        case = open_case(member_a, daily_staff)

    # then the resident's inbox holds the community language, dates included
    told = Notification.objects.get(recipient=member_a.user, kind="discipline.case_opened")
    assert told.title == f"违规案件 {case.number} 已立案"
    assert "opened" not in told.title and "2026年10月12日" in told.body


def test_numbering_restarts_each_year(member_a, daily_staff):
    with on_day(date(2026, 12, 31)):
        last = open_case(member_a, daily_staff, occurred_on=date(2026, 12, 30))
    with on_day(date(2027, 1, 4)):
        first = open_case(member_a, daily_staff, occurred_on=date(2027, 1, 4))
    assert last.number == "违〔2026〕0001号"
    assert first.number == "违〔2027〕0001号"


def test_open_is_idempotent_on_source_key(today, member_a, member_b):
    first = open_case(member_a, None, kind="7", measure=Decimal("3"), source_key="overdue:INV-1:warning",
                      facts="发票逾期 3 天未缴。")
    again = open_case(member_a, None, kind="7", measure=Decimal("3"), source_key="overdue:INV-1:warning",
                      facts="发票逾期 3 天未缴。")
    assert again.pk == first.pk
    assert ViolationCase.objects.count() == 1
    with pytest.raises(ConflictError):
        open_case(member_b, None, kind="7", measure=Decimal("3"), source_key="overdue:INV-1:warning")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "9z"}, "kind"),
        ({"facts": "  "}, "facts"),
        ({"flags": ["serious"]}, "flag_reason"),
        ({"flags": ["not_rectified"], "flag_reason": "x"}, "flags"),
        ({"flags": ["drunk"], "flag_reason": "x"}, "flags"),
        ({"kind": "7"}, "measure"),  # days overdue needed
        ({"kind": "1b"}, "measure"),  # days after grace needed
        ({"kind": "2a"}, "measure"),  # damage value needed
        ({"kind": "7", "measure": Decimal("0")}, "measure"),  # days are at least 1
        ({"kind": "7", "measure": Decimal("2.5")}, "measure"),  # whole days
        ({"kind": "2a", "measure": Decimal("-1")}, "measure"),
        ({"kind": "2b", "measure": Decimal("3")}, "measure"),  # a count kind has no measured value
        ({"occurred_on": TODAY + timedelta(days=1)}, "occurred_on"),
    ],
)
def test_open_refuses_bad_input_and_writes_nothing(today, member_a, daily_staff, kwargs, field):
    with pytest.raises(DomainError) as refused:
        open_case(member_a, daily_staff, **kwargs)
    assert refused.value.field == field
    assert ViolationCase.objects.count() == 0


def test_open_refuses_staff_outside_the_handlers(today, member_a, resources_staff):
    with pytest.raises(PermissionDenied):
        open_case(member_a, resources_staff)


def test_unknown_kind_message_is_chinese_and_names_the_article(today, member_a, daily_staff):
    with pytest.raises(DomainError) as refused:
        open_case(member_a, daily_staff, kind="9z")
    assert "第八章第二条" in str(refused.value.message)


# --- Verify, dismiss ----------------------------------------------------------------------------------


def test_verify_needs_evidence_from_staff(today, member_a, daily_staff):
    case = open_case(member_a, daily_staff)
    with pytest.raises(DomainError) as refused:
        services.case_verify(case=case, actor=daily_staff)
    assert refused.value.field == "evidence"
    case = services.case_verify(case=case, actor=daily_staff, evidence=[evidence()])
    assert case.status == CaseStatus.VERIFIED and case.verified_by == daily_staff
    stored = EvidenceFile.objects.get(case=case)
    assert stored.content_type == "image/png" and not stored.by_resident
    assert stored.file.name.startswith("evidence/") and "photo" not in stored.file.name


def test_verify_refuses_a_file_that_is_not_what_it_claims(today, member_a, daily_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = open_case(member_a, daily_staff)
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(DomainError):
        services.case_verify(case=case, actor=daily_staff, evidence=[fake])
    case.refresh_from_db()
    assert case.status == CaseStatus.FOUND and not EvidenceFile.objects.exists()


def test_dismiss_needs_a_reason_and_ends_the_case(today, member_a, daily_staff):
    case = open_case(member_a, daily_staff)
    with pytest.raises(DomainError):
        services.case_dismiss(case=case, actor=daily_staff, reason=" ")
    case = services.case_dismiss(case=case, actor=daily_staff, reason="监控显示并非该入驻主体所为。")
    assert case.status == CaseStatus.DISMISSED and case.dismissal_reason
    with pytest.raises(InvalidTransition):
        services.case_verify(case=case, actor=daily_staff, evidence=[evidence()])


def test_a_case_with_a_notice_can_no_longer_be_dismissed(today, member_a, daily_staff):
    case = open_case(member_a, daily_staff)
    to_notice(case, daily_staff)
    with pytest.raises(InvalidTransition):
        services.case_dismiss(case=case, actor=daily_staff, reason="x")


# --- Rectification notice ----------------------------------------------------------------------------


def test_notice_default_deadline_is_the_rulebooks_days_after_issue(today, member_a, daily_staff):
    case = open_case(member_a, daily_staff, occurred_on=TODAY - timedelta(days=3))
    notice = to_notice(case, daily_staff)
    # v1: rectification_default_days = 7 calendar days from the issue day
    assert notice.deadline == TODAY + timedelta(days=7)
    assert notice.number == "整改〔2026〕0001号"
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE_ISSUED
    assert Notification.objects.filter(recipient=member_a.user, kind="discipline.case_notice").exists()


def test_notice_refuses_a_past_deadline_and_an_empty_requirement(today, member_a, daily_staff):
    case = open_case(member_a, daily_staff)
    services.case_verify(case=case, actor=daily_staff, evidence=[evidence()])
    with pytest.raises(DomainError) as refused:
        services.notice_issue(case=case, requirement="整改", deadline=TODAY - timedelta(days=1), actor=daily_staff)
    assert refused.value.field == "deadline"
    with pytest.raises(DomainError) as refused:
        services.notice_issue(case=case, requirement="", actor=daily_staff)
    assert refused.value.field == "requirement"
    assert not RectificationNotice.objects.exists()


def test_notice_pdf_is_rendered_after_commit(today, member_a, daily_staff, django_capture_on_commit_callbacks):
    case = open_case(member_a, daily_staff)
    services.case_verify(case=case, actor=daily_staff, evidence=[evidence()])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = services.notice_issue(case=case, requirement="立即清理。", actor=daily_staff)
    notice.refresh_from_db()
    assert not notice.document  # nothing rendered inside the transaction
    for callback in callbacks:
        callback()
    notice.refresh_from_db()
    assert notice.document.name.endswith(".pdf")
    assert notice.document.read(5) == b"%PDF-"


def test_rectified_in_time_and_not_after_the_deadline(member_a, daily_staff):
    with on_day(TODAY):
        case = open_case(member_a, daily_staff)
        notice = to_notice(case, daily_staff, deadline=TODAY + timedelta(days=2))
    with on_day(TODAY + timedelta(days=2)):  # the deadline day itself is in time
        case = services.case_mark_rectified(case=case, actor=daily_staff, note="已清理")
    assert case.status == CaseStatus.RECTIFIED
    notice.refresh_from_db()
    assert notice.rectified_at is not None and notice.result_note == "已清理"

    with on_day(TODAY):
        late = open_case(member_a, daily_staff)
        to_notice(late, daily_staff, deadline=TODAY + timedelta(days=2))
    with on_day(TODAY + timedelta(days=3)), pytest.raises(DomainError) as refused:
        services.case_mark_rectified(case=late, actor=daily_staff)
    assert "2026年10月14日" in str(refused.value.message)


def test_not_rectified_only_after_the_deadline_and_it_adds_the_flag(member_a, daily_staff):
    with on_day(TODAY):
        case = open_case(member_a, daily_staff, kind="1c", facts="将工位转借给非入驻人员使用。")
        to_notice(case, daily_staff, deadline=TODAY + timedelta(days=2))
    with on_day(TODAY + timedelta(days=2)), pytest.raises(DomainError):
        services.case_mark_not_rectified(case=case, actor=daily_staff)
    with on_day(TODAY + timedelta(days=3)):
        case = services.case_mark_not_rectified(case=case, actor=daily_staff, note="仍在转借")
    assert case.status == CaseStatus.NOT_RECTIFIED
    assert case.flags == ["not_rectified"]


# --- Decision -----------------------------------------------------------------------------------------


def test_decide_counts_stores_count_version_and_measures(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="2b")
    measures = to_decided(case, daily_staff, administrator)
    assert [m.type for m in measures] == ["warning"]
    assert case.status == CaseStatus.DECIDED
    assert case.same_kind_count == 1 and case.rulebook_version == 1
    assert case.decided_by == administrator


def test_decide_is_for_the_administrator_only(today, member_a, daily_staff):
    case = open_case(member_a, daily_staff)
    to_notice(case, daily_staff)
    with pytest.raises(PermissionDenied):
        services.case_decide(case=case, actor=daily_staff)


def test_decide_refused_before_the_notice(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff)
    with pytest.raises(InvalidTransition):
        services.case_decide(case=case, actor=administrator)


@pytest.mark.parametrize(
    ("amount", "ok"),
    [("99.99", False), ("100.00", True), ("150", True), ("300.00", True), ("300.01", False), ("12.345", False)],
)
def test_a_ranged_fine_must_be_chosen_within_the_range(member_a, daily_staff, administrator, amount, ok):
    # 3a, second time in 365 days: fine 100–300 + resources suspended 7 days
    with on_day(TODAY - timedelta(days=30)):
        confirmed_case(member_a, daily_staff, administrator, kind="3a", occurred_on=TODAY - timedelta(days=30))
    with on_day(TODAY):
        case = open_case(member_a, daily_staff, kind="3a")
        to_notice(case, daily_staff)
        if ok:
            measures = services.case_decide(case=case, actor=administrator, amounts={0: Decimal(amount)})
            assert measures[0].amount == Decimal(amount)
            assert (measures[1].type, measures[1].days, measures[1].scope) == ("suspension", 7, "resources")
        else:
            with pytest.raises(DomainError) as refused:
                services.case_decide(case=case, actor=administrator, amounts={0: Decimal(amount)})
            assert refused.value.field == "amounts.0"
            case.refresh_from_db()
            assert case.status == CaseStatus.NOTICE_ISSUED and case.same_kind_count is None
            assert not PenaltyMeasure.objects.filter(case=case).exists()


def test_out_of_range_message_names_the_range(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="6a", facts="在工位私拉电线。")
    to_notice(case, daily_staff)
    with pytest.raises(DomainError) as refused:
        services.case_decide(case=case, actor=administrator, amounts={2: Decimal("600")})
    message = str(refused.value.message)
    assert "¥200.00" in message and "¥500.00" in message
    with pytest.raises(DomainError):  # no amount at all
        services.case_decide(case=case, actor=administrator)


def test_a_fixed_fine_takes_its_amount_and_refuses_another(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="1a", facts="未经审批占用 B-203 工位。")
    to_notice(case, daily_staff)
    with pytest.raises(DomainError):
        services.case_decide(case=case, actor=administrator, amounts={2: Decimal("400")})
    measures = services.case_decide(case=case, actor=administrator)
    assert [(m.type, m.amount) for m in measures] == [
        ("eviction", None), ("deposit_forfeiture", None), ("fine", Decimal("500.00"))]


def test_kind_8_needs_one_measure_chosen_and_days_for_a_suspension(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="8", facts="多次在会议室大声喧哗影响他人。")
    to_notice(case, daily_staff)
    with pytest.raises(DomainError) as refused:
        services.case_decide(case=case, actor=administrator)
    assert refused.value.field == "chosen"
    with pytest.raises(DomainError) as refused:
        services.case_decide(case=case, actor=administrator, chosen=2)
    assert refused.value.field == "days.2"
    measures = services.case_decide(case=case, actor=administrator, chosen=2, days={2: 5})
    assert [(m.type, m.days, m.scope) for m in measures] == [("suspension", 5, "resources")]


def test_compensation_defaults_to_the_damage_value_for_2a(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="2a", measure=Decimal("320.00"), facts="损坏会议室投影仪。")
    measures = to_decided(case, daily_staff, administrator)
    assert [(m.type, m.amount) for m in measures] == [("compensation", Decimal("320.00")), ("warning", None)]


def test_compensation_needs_an_amount_where_nothing_was_measured(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="5a", flags=["loss"], flag_reason="客户名单外泄造成损失",
                     facts="泄露其他入驻主体的客户名单。")
    to_notice(case, daily_staff)
    with pytest.raises(DomainError) as refused:
        services.case_decide(case=case, actor=administrator, amounts={1: Decimal("800")})
    assert refused.value.field == "amounts.0"
    measures = services.case_decide(case=case, actor=administrator, amounts={0: Decimal("1200"), 1: Decimal("800")})
    assert [(m.type, m.amount) for m in measures] == [("compensation", Decimal("1200.00")), ("fine", Decimal("800.00"))]


def test_not_rectified_escalates_per_the_ladder_keeping_the_base(member_a, daily_staff, administrator):
    # RULEBOOK §9, decisions added 2026-12: "not rectified → …" adds to the base measures
    with on_day(TODAY):
        case = open_case(member_a, daily_staff, kind="1c", facts="将工位转借给非入驻人员使用。")
        to_notice(case, daily_staff, deadline=TODAY + timedelta(days=1))
    with on_day(TODAY + timedelta(days=2)):
        services.case_mark_not_rectified(case=case, actor=daily_staff)
        measures = services.case_decide(case=case, actor=administrator)
    assert [(m.type, m.ban_years) for m in measures] == [
        ("warning", None), ("rectification", None), ("forced_exit", 1), ("deposit_forfeiture", None), ("fine", None)]
    assert measures[4].amount == Decimal("800.00")


def test_a_serious_other_violation_adds_the_forced_exit_to_the_measure_chosen(
    today, member_a, daily_staff, administrator
):
    case = open_case(member_a, daily_staff, kind="8", flags=["serious"], flag_reason="多次警告无效",
                     facts="多次在会议室大声喧哗影响他人。")
    to_notice(case, daily_staff)
    with pytest.raises(DomainError) as refused:
        services.case_decide(case=case, actor=administrator, chosen=3)  # the escalation is not a choice
    assert refused.value.field == "chosen"
    measures = services.case_decide(case=case, actor=administrator, chosen=0)
    assert [m.type for m in measures] == ["warning", "forced_exit"]


def test_rectified_in_time_keeps_the_first_rung(member_a, daily_staff, administrator):
    with on_day(TODAY):
        case = open_case(member_a, daily_staff, kind="1c", facts="将工位转借给非入驻人员使用。")
        to_notice(case, daily_staff)
        services.case_mark_rectified(case=case, actor=daily_staff)
        measures = services.case_decide(case=case, actor=administrator)
    assert [m.type for m in measures] == ["warning", "rectification"]


# --- The count (RULEBOOK §9): counting same-kind cases by violation date in the rolling 365 days ---------


#: The window tests look back from mid-2027, so that 365 days earlier is still under rulebook v1 (from 2026-04-01).
LATER = date(2027, 6, 14)  # a Monday


def _count_for(member, staff, admin, occurred_on, *, day=TODAY):
    with on_day(day):
        case = open_case(member, staff, kind="2b", occurred_on=occurred_on)
        measures = to_decided(case, staff, admin)
    return case.same_kind_count, [m.type for m in measures], [m.amount for m in measures]


@pytest.mark.parametrize(
    ("days_earlier", "expected"),
    [(366, 1), (365, 1), (364, 2), (0, 2)],
    ids=["366-days", "exactly-365-days-earlier-no-longer-counts", "364-days-earlier-counts", "same-day-counts"],
)
def test_the_365_day_window_edge(member_a, daily_staff, administrator, days_earlier, expected):
    with on_day(LATER):
        confirmed_case(member_a, daily_staff, administrator, kind="2b", occurred_on=LATER - timedelta(days=days_earlier))
    count, types, amounts = _count_for(member_a, daily_staff, administrator, LATER, day=LATER)
    assert count == expected
    assert types == (["warning"] if expected == 1 else ["fine"])


def test_the_count_is_by_the_day_it_happened_not_the_day_it_was_decided(member_a, daily_staff, administrator):
    # decided in 2027 about something that happened 400 days earlier: outside the window of a case of today
    with on_day(LATER):
        confirmed_case(member_a, daily_staff, administrator, kind="2b", occurred_on=LATER - timedelta(days=400))
    count, _, _ = _count_for(member_a, daily_staff, administrator, LATER, day=LATER)
    assert count == 1


def test_the_count_excludes_annulled_dismissed_and_other_kinds_and_residents(
    member_a, member_b, daily_staff, administrator
):
    with on_day(TODAY):
        annulled = confirmed_case(member_a, daily_staff, administrator, kind="2b", occurred_on=TODAY - timedelta(days=10))
        services.case_annul(case=annulled, reason="复核成立", actor=administrator)
        dismissed = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY - timedelta(days=5))
        services.case_dismiss(case=dismissed, actor=daily_staff, reason="不成立")
        confirmed_case(member_a, daily_staff, administrator, kind="5b", occurred_on=TODAY - timedelta(days=5))
        confirmed_case(member_b, daily_staff, administrator, kind="2b", occurred_on=TODAY - timedelta(days=5))
    count, types, _ = _count_for(member_a, daily_staff, administrator, TODAY)
    assert count == 1 and types == ["warning"]


def test_decided_and_published_cases_count_too(member_a, daily_staff, administrator):
    with on_day(TODAY):
        decided = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY - timedelta(days=2))
        to_decided(decided, daily_staff, administrator)
        published = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY - timedelta(days=1))
        to_published(published, daily_staff, administrator)
    count, types, amounts = _count_for(member_a, daily_staff, administrator, TODAY)
    assert count == 3 and types == ["fine"] and amounts == [Decimal("100.00")]


def test_a_later_violation_does_not_count_for_an_earlier_one(member_a, daily_staff, administrator):
    with on_day(TODAY):
        confirmed_case(member_a, daily_staff, administrator, kind="2b", occurred_on=TODAY)
    count, _, _ = _count_for(member_a, daily_staff, administrator, TODAY - timedelta(days=1))
    assert count == 1


@pytest.mark.parametrize("conformance", [c for c in cases("discipline_decisions") if "cases" in c], ids=case_id)
def test_conformance_counting_by_violation_date_not_decision_order(conformance, member_a, daily_staff, administrator):
    # A dated 09-01 is verified (not decided) when B dated 09-05 is decided first: B counts A; A never counts B
    kind = conformance["kind"]
    with on_day(TODAY):
        by_id = {c["id"]: open_case(member_a, daily_staff, kind=kind,
                                    occurred_on=date.fromisoformat(c["violation_date"]))
                 for c in conformance["cases"]}
        first = next(c["id"] for c in conformance["cases"] if c.get("decided_first"))
        for c in conformance["cases"]:
            if c["id"] != first:
                assert c["status_when_B_decided"] == "verified"
                services.case_verify(case=by_id[c["id"]], actor=daily_staff, evidence=[evidence()])
        measures = {first: to_decided(by_id[first], daily_staff, administrator)}
        for case_id_, case in by_id.items():
            if case_id_ != first:
                case.refresh_from_db()
                services.notice_issue(case=case, actor=daily_staff, requirement="立即清理并按规定分类投放。")
                measures[case_id_] = services.case_decide(case=case, actor=administrator)
    for case_id_, case in by_id.items():
        case.refresh_from_db()
        assert case.same_kind_count == conformance["counts"][case_id_]
        outcome = " + ".join(f"{m.type} {m.amount:.0f}" if m.amount else m.type for m in measures[case_id_])
        assert outcome == conformance["outcomes"][case_id_]
    # A counted for B from its verification on: no decision became stale
    assert not Notification.objects.filter(kind="discipline.count_changed").exists()


def test_a_case_verified_after_a_later_dated_decision_is_named_to_the_administrator(
    member_a, daily_staff, administrator
):
    with on_day(TODAY):
        earlier = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY - timedelta(days=10))  # found only
        decided = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY - timedelta(days=5))
        to_decided(decided, daily_staff, administrator)
        assert decided.same_kind_count == 1
        later = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY)
        services.case_verify(case=later, actor=daily_staff, evidence=[evidence()])  # dated after: changes nothing
        assert not Notification.objects.filter(kind="discipline.count_changed").exists()

        services.case_verify(case=earlier, actor=daily_staff, evidence=[evidence()])

    note = Notification.objects.get(recipient=administrator, kind="discipline.count_changed")
    assert decided.number in note.title and earlier.number in note.body
    assert "第 1 次" in note.body and "第 2 次" in note.body and "罚款 ¥50.00" in note.body
    decided.refresh_from_db()  # the decision stands as taken
    assert decided.same_kind_count == 1 and [m.type for m in decided.measures.all()] == ["warning"]
    # and the earlier case, decided now, counts 1: the later-dated one never counts for it
    with on_day(TODAY):
        services.notice_issue(case=earlier, actor=daily_staff, requirement="立即清理。")
        services.case_decide(case=earlier, actor=administrator)
    earlier.refresh_from_db()
    assert earlier.same_kind_count == 1


def test_a_counted_case_dismissed_after_a_later_dated_decision_is_named_to_the_administrator(
    member_a, daily_staff, administrator
):
    with on_day(TODAY):
        earlier = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY - timedelta(days=10))
        services.case_verify(case=earlier, actor=daily_staff, evidence=[evidence()])
        decided = open_case(member_a, daily_staff, kind="2b", occurred_on=TODAY - timedelta(days=5))
        assert [m.type for m in to_decided(decided, daily_staff, administrator)] == ["fine"]
        assert decided.same_kind_count == 2

        services.case_dismiss(case=earlier, actor=daily_staff, reason="证据不足，不予认定。")

    note = Notification.objects.get(recipient=administrator, kind="discipline.count_changed")
    assert decided.number in note.title and "现应为第 1 次" in note.body and "警告" in note.body


# --- Publication and the close hook ------------------------------------------------------------------


def test_publish_puts_the_decision_on_the_board_under_the_public_name(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="2b", facts="在公共区域丢弃垃圾，未按规定分类。")
    publication = to_published(case, daily_staff, administrator)
    assert case.status == CaseStatus.PUBLISHED
    assert publication.kind == PublicationKind.PENALTY_DECISION
    assert publication.subject == case and publication.concerned_user == member_a.user
    assert publication.window_days == 3
    assert "张三" not in publication.body and "张*" in publication.body
    assert "2b 污染环境" in publication.body and "警告" in publication.body
    assert "违规事实：在公共区域丢弃垃圾，未按规定分类。" in publication.body
    # Off the public board 30 days after the window (Thu 10-15): from 00:00 on 11-15 (RULEBOOK §10).
    assert publication.leaves_board_at == at(date(2026, 11, 15), hour=0)


def test_facts_naming_the_resident_are_refused_until_rewritten(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="2b", facts="张三在公共区域丢弃垃圾，电话13800000001。")
    to_decided(case, daily_staff, administrator)
    with pytest.raises(DomainError) as refused:
        services.case_publish(case=case, actor=administrator)
    assert refused.value.field == "public_facts"
    assert "姓名「张三」、手机号「13800000001」" in refused.value.message
    publication = services.case_publish(case=case, actor=administrator, public_facts="在公共区域丢弃垃圾。")
    assert "13800000001" not in publication.body and "张三" not in publication.body


def test_publish_is_for_the_administrator_and_only_once(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff)
    to_decided(case, daily_staff, administrator)
    with pytest.raises(PermissionDenied):
        services.case_publish(case=case, actor=daily_staff)
    services.case_publish(case=case, actor=administrator)
    with pytest.raises(InvalidTransition):
        services.case_publish(case=case, actor=administrator)
    assert Publication.objects.count() == 1


def test_window_closing_confirms_and_appends_to_the_ledger(today, member_a, daily_staff, administrator):
    from discipline.models import DecisionLedgerEntry

    case = open_case(member_a, daily_staff)
    publication = to_published(case, daily_staff, administrator)
    close(publication)
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED and case.confirmed_at is not None
    entry = DecisionLedgerEntry.objects.get()
    assert (entry.kind, entry.object_id, entry.content["case"]) == ("penalty", case.pk, case.number)


def test_an_upheld_objection_annuls_the_case(today, member_a, daily_staff, administrator, outsider):
    from opc_community.notices.services import objection_decide, objection_submit

    case = open_case(member_a, daily_staff)
    publication = to_published(case, daily_staff, administrator)
    objection = objection_submit(publication=publication, author=outsider, text="事实有误。")
    objection_decide(objection=objection, upheld=True, reason="经核实确有误。", actor=administrator)
    close(publication)
    case.refresh_from_db()
    assert case.status == CaseStatus.ANNULLED
    assert not PenaltyMeasure.objects.filter(case=case, applied_at__isnull=False).exists()


def test_close_hook_leaves_an_annulled_case_alone(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff)
    publication = to_published(case, daily_staff, administrator)
    services.penalty_publication_closed(publication, overturned=False)
    services.penalty_publication_closed(publication, overturned=False)  # again: nothing more
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED


def test_preview_and_next_step_come_from_the_rulebook(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="2b")
    preview = selectors.decision_preview(case)
    assert preview.count == 1 and preview.measure_texts == ["警告"]
    assert "第八章第二条" in preview.rule_text
    assert selectors.next_step_text(case) == "罚款 ¥50.00"


def test_every_status_is_reachable_only_through_the_map(today, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff)
    publication = to_published(case, daily_staff, administrator)
    assert publication.status == PublicationStatus.OPEN
    for step in (
        lambda: services.case_verify(case=case, actor=daily_staff, evidence=[evidence()]),
        lambda: services.notice_issue(case=case, requirement="x", actor=daily_staff),
        lambda: services.case_mark_rectified(case=case, actor=daily_staff),
        lambda: services.case_decide(case=case, actor=administrator),
    ):
        with pytest.raises((InvalidTransition, DomainError)):
            step()
