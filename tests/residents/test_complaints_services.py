"""Complaint services (第四章第四条): deadlines at filing, every transition and every refusal,
the thread, notifications to the other side, the audit trail."""

import pghistory.models
import pytest
from django.core.files.storage import default_storage
from django.utils import translation

from opc_community import rulebook, workdays
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintMessage,
    ComplaintStatus,
    MessageKind,
    ResidentStatus,
)
from residents.services import complaint_deadlines
from residents.services import complaints as services
from tests.residents.factories import ResidentFactory
from tests.residents.support.complaints import (
    FILED,
    RESPONSE_DUE,
    SOLUTION_DUE,
    at,
    big_upload,
    fake_pdf_upload,
    file_complaint,
    pdf_upload,
    sh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint_a(member_a):
    """Resident A's complaint, filed at the conformance moment (Wed 2026-09-30)."""
    return file_complaint(member_a)


def _inbox(user):
    return list(Notification.objects.filter(recipient=user).order_by("id"))


# --- Deadlines at filing (RULEBOOK §2) -----------------------------------------------------------


def test_conformance_filed_on_30_september_respond_by_9_october_solve_by_15_october(member_a):
    complaint = file_complaint(member_a, at=FILED)

    assert complaint.response_due_at == RESPONSE_DUE
    assert complaint.solution_due_at == SOLUTION_DUE
    assert complaint.due_provisional is False
    assert complaint.filed_at == FILED
    assert complaint.status == ComplaintStatus.OPEN


@pytest.mark.parametrize(
    ("filed", "response_by", "solution_by"),
    [
        # Qingming: 04-04..06 off
        (sh(2026, 4, 3, 16, 0), sh(2026, 4, 8, 23, 59, 59), sh(2026, 4, 15, 23, 59, 59)),
        # Labour Day: 05-01..05 off, Sat 05-09 worked
        (sh(2026, 4, 30, 9, 0), sh(2026, 5, 7, 23, 59, 59), sh(2026, 5, 13, 23, 59, 59)),
        # Dragon Boat: 06-19..21 off
        (sh(2026, 6, 18, 11, 0), sh(2026, 6, 23, 23, 59, 59), sh(2026, 6, 30, 23, 59, 59)),
        # Mid-Autumn (09-25..27 off) then National Day (10-01..07 off, Sat 10-10 worked)
        (sh(2026, 9, 24, 11, 0), sh(2026, 9, 29, 23, 59, 59), sh(2026, 10, 12, 23, 59, 59)),
        # filed on a holiday: the holiday never counts
        (sh(2026, 10, 3, 20, 0), sh(2026, 10, 9, 23, 59, 59), sh(2026, 10, 15, 23, 59, 59)),
        # 00:30 in Shanghai is still 09-29 in UTC: the local date counts
        (sh(2026, 9, 30, 0, 30), sh(2026, 10, 9, 23, 59, 59), sh(2026, 10, 15, 23, 59, 59)),
        # 23:30 on 09-29 in Shanghai
        (sh(2026, 9, 29, 23, 30), sh(2026, 10, 8, 23, 59, 59), sh(2026, 10, 14, 23, 59, 59)),
    ],
)
def test_deadlines_over_the_2026_holidays(member_a, filed, response_by, solution_by):
    complaint = file_complaint(member_a, at=filed)

    assert (complaint.response_due_at, complaint.solution_due_at) == (response_by, solution_by)
    assert complaint.due_provisional is False


def test_spring_festival_with_the_rulebook_numbers(member_a):
    """Filed Thu 02-12 (before the rulebook's first version took effect, so checked on the calendar):
    Sat 02-14 is worked, 02-15..23 off, Sat 02-28 worked."""
    numbers = rulebook.in_force().deadlines
    filed = sh(2026, 2, 12, 10, 0)
    assert workdays.deadline(filed, numbers.complaint_response_working_days).at == sh(2026, 2, 14, 23, 59, 59)
    assert workdays.deadline(filed, numbers.complaint_solution_working_days).at == sh(2026, 2, 28, 23, 59, 59)


def test_deadlines_into_a_year_without_a_loaded_schedule_are_provisional(member_a):
    complaint = file_complaint(member_a, at=sh(2026, 12, 30, 10, 0))

    assert complaint.response_due_at == sh(2027, 1, 1, 23, 59, 59)  # plain Monday–Friday
    assert complaint.due_provisional is True


# --- Filing -------------------------------------------------------------------------------------------


def test_the_resident_files_and_the_daily_team_is_told(member_a, daily_staff, administrator):
    complaint = file_complaint(member_a)

    assert complaint.channel == ComplaintChannel.PORTAL
    assert complaint.filed_by == member_a.user
    assert complaint.messages.count() == 0  # the complaint itself opens the thread
    (notice,) = _inbox(daily_staff)
    assert notice.title == "新诉求：会议室空调不制冷"
    assert "2026年10月9日" in notice.body and "2026年10月15日" in notice.body
    assert notice.link == f"/admin/residents/complaint/{complaint.pk}/change/"
    assert _inbox(member_a.user) == []


def test_the_attachment_is_checked_by_content_and_stored_under_a_neutral_name(member_a):
    complaint = file_complaint(member_a, attachment=pdf_upload("我的照片.pdf"))

    assert complaint.attachment.name.startswith("complaints/")
    assert complaint.attachment.name.endswith(".pdf")
    assert "照片" not in complaint.attachment.name
    assert default_storage.exists(complaint.attachment.name)


@pytest.mark.parametrize(
    ("upload", "message"),
    [(fake_pdf_upload, "PDF / JPEG / PNG"), (lambda: big_upload(10), "10 MB")],  # core's wording
)
def test_a_wrong_attachment_is_refused_and_nothing_is_written(member_a, upload, message):
    with pytest.raises(DomainError) as refused:
        file_complaint(member_a, attachment=upload())

    assert refused.value.field == "attachment"
    assert message in str(refused.value.message)
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("category", {"category": "gossip"}),
        ("subject", {"subject": "   "}),
        ("text", {"text": ""}),
        ("subject", {"subject": "长" * 121}),
    ],
)
def test_bad_input_is_refused_with_the_field(member_a, field, values):
    with pytest.raises(DomainError) as refused:
        file_complaint(member_a, **values)
    assert refused.value.field == field


def test_notifications_are_stored_in_chinese_when_the_actor_uses_english(member_a, daily_staff):
    # the resident files in the English interface: the staff are told in Chinese
    with translation.override("en"):
        file_complaint(member_a, subject="空调")
    filed = Notification.objects.get(recipient=daily_staff, kind="residents.complaint_filed")
    assert filed.title == "新诉求：空调" and "2026年" in filed.body

    # staff record a complaint in the English interface: the resident is told in Chinese
    with translation.override("en"), at(FILED):
        services.complaint_record(
            resident=member_a, channel=ComplaintChannel.PHONE, category=ComplaintCategory.ENVIRONMENT,
            subject="茶水间垃圾", text="电话反映：茶水间垃圾两天没人清。", actor=daily_staff,
        )
    told = Notification.objects.get(recipient=member_a.user, kind="residents.complaint_recorded")
    assert told.title == "您的诉求已登记：茶水间垃圾"


def test_nobody_files_in_a_resident_s_name(member_a, member_b):
    with pytest.raises(DomainError), at(FILED):
        services.complaint_file(
            resident=member_a, category="facilities", subject="代提", text="……", actor=member_b.user
        )


def test_a_resident_not_checked_in_cannot_file_in_the_portal(resident_a):
    resident = ResidentFactory(user=resident_a, status=ResidentStatus.ONBOARDING, checked_in_at=None)
    with pytest.raises(DomainError):
        file_complaint(resident)


def test_staff_record_a_complaint_from_the_suggestion_box(member_a, daily_staff, administrator):
    with at(FILED):
        complaint = services.complaint_record(
            resident=member_a, channel=ComplaintChannel.SUGGESTION_BOX, category=ComplaintCategory.ENVIRONMENT,
            subject="茶水间垃圾未及时清理", text="意见箱纸条：茶水间垃圾两天没人清。", actor=daily_staff,
        )

    assert complaint.channel == ComplaintChannel.SUGGESTION_BOX
    assert complaint.filed_by == daily_staff
    assert complaint.response_due_at == RESPONSE_DUE
    (told,) = _inbox(member_a.user)
    assert told.title == "您的诉求已登记：茶水间垃圾未及时清理"
    assert told.link == f"/portal/residents/complaints/{complaint.pk}/"
    assert _inbox(daily_staff) == []  # not told about what they did themselves


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff", "oversight", "resident_b"])
def test_only_the_handlers_record_complaints(request, member_a, who):
    with pytest.raises(DomainError):
        services.complaint_record(
            resident=member_a, channel=ComplaintChannel.PHONE, category="other", subject="电话",
            text="……", actor=request.getfixturevalue(who),
        )


def test_staff_do_not_record_under_the_portal_channel(member_a, daily_staff):
    with pytest.raises(DomainError) as refused:
        services.complaint_record(
            resident=member_a, channel=ComplaintChannel.PORTAL, category="other", subject="x", text="y",
            actor=daily_staff,
        )
    assert refused.value.field == "channel"


# --- Respond, solve ------------------------------------------------------------------------------------


def test_respond_moves_to_in_progress_and_tells_the_resident(complaint_a, daily_staff):
    with at(sh(2026, 10, 8, 9, 0)):
        complaint = services.complaint_respond(complaint=complaint_a, text="已报修，明天上门。", actor=daily_staff)

    assert complaint.status == ComplaintStatus.IN_PROGRESS
    assert complaint.responded_at == sh(2026, 10, 8, 9, 0)
    assert complaint.assigned_to == daily_staff
    (message,) = complaint.messages.all()
    assert (message.kind, message.body, message.author) == (MessageKind.RESPONSE, "已报修，明天上门。", daily_staff)
    (told,) = _inbox(complaint.resident.user)
    assert told.title == "您的诉求已有回复：会议室空调不制冷"


def test_respond_twice_is_refused(complaint_a, daily_staff):
    services.complaint_respond(complaint=complaint_a, text="收到", actor=daily_staff)
    with pytest.raises(InvalidTransition):
        services.complaint_respond(complaint=complaint_a, text="再次回复", actor=daily_staff)
    assert ComplaintMessage.objects.count() == 1


@pytest.mark.parametrize("who", ["resident_a", "resident_b", "oversight", "resources_staff", "intake_staff"])
def test_only_handlers_respond_solve_and_note(request, complaint_a, who):
    actor = request.getfixturevalue(who)
    for service in (services.complaint_respond, services.complaint_solve, services.complaint_note):
        with pytest.raises(DomainError) as refused:
            service(complaint=complaint_a, text="……", actor=actor)
        assert refused.value.code == "not_allowed"
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.OPEN
    assert not complaint_a.messages.exists()


def test_an_empty_response_is_refused_on_the_field(complaint_a, daily_staff):
    with pytest.raises(DomainError) as refused:
        services.complaint_respond(complaint=complaint_a, text="  ", actor=daily_staff)
    assert refused.value.field == "text"


def test_a_solution_straight_away_is_also_the_response(complaint_a, administrator):
    with at(sh(2026, 10, 8, 15, 0)):
        complaint = services.complaint_solve(complaint=complaint_a, text="已更换空调滤网。", actor=administrator)

    assert complaint.status == ComplaintStatus.SOLVED
    assert complaint.responded_at == complaint.solved_at == sh(2026, 10, 8, 15, 0)
    assert complaint.solution_late is False
    (told,) = _inbox(complaint.resident.user)
    assert told.title == "您的诉求已给出解决方案：会议室空调不制冷"


@pytest.mark.parametrize(
    ("solved_at", "late"), [(sh(2026, 10, 15, 23, 59, 59), False), (sh(2026, 10, 16, 0, 0, 0), True)]
)
def test_a_solution_after_the_due_day_is_late(complaint_a, daily_staff, solved_at, late):
    services.complaint_respond(complaint=complaint_a, text="收到", actor=daily_staff)
    with at(solved_at):
        complaint = services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    assert complaint.solution_late is late


def test_a_closed_complaint_cannot_be_solved_again(complaint_a, daily_staff, member_a):
    services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    services.complaint_confirm(complaint=complaint_a, actor=member_a.user)
    with pytest.raises(InvalidTransition):
        services.complaint_solve(complaint=complaint_a, text="再处理", actor=daily_staff)


# --- Confirm, reopen ----------------------------------------------------------------------------------


def test_the_resident_confirms_the_solution(complaint_a, daily_staff, member_a):
    with at(sh(2026, 10, 8, 9, 0)):
        services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    with at(sh(2026, 10, 12, 9, 0)):
        complaint = services.complaint_confirm(complaint=complaint_a, comment="谢谢！", actor=member_a.user)

    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.closed_at == sh(2026, 10, 12, 9, 0)
    assert complaint.messages.last().kind == MessageKind.CONFIRM
    assert [n.title for n in _inbox(daily_staff)][-1] == "诉求解决方案已确认：会议室空调不制冷"


@pytest.mark.parametrize("step", ["open", "in_progress"])
def test_confirming_an_unsolved_complaint_is_refused(complaint_a, daily_staff, member_a, step):
    if step == "in_progress":
        services.complaint_respond(complaint=complaint_a, text="收到", actor=daily_staff)
    with pytest.raises(InvalidTransition) as refused:
        services.complaint_confirm(complaint=complaint_a, actor=member_a.user)
    assert "只有已给出解决方案的诉求才能确认" in str(refused.value.message)
    with pytest.raises(InvalidTransition):
        services.complaint_reopen(complaint=complaint_a, reason="没解决", actor=member_a.user)


@pytest.mark.parametrize("who", ["resident_b", "daily_staff", "administrator"])
def test_only_the_resident_confirms_or_reopens(request, complaint_a, daily_staff, member_b, who):
    services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    actor = request.getfixturevalue(who)
    with pytest.raises(DomainError):
        services.complaint_confirm(complaint=complaint_a, actor=actor)
    with pytest.raises(DomainError):
        services.complaint_reopen(complaint=complaint_a, reason="没解决", actor=actor)
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.SOLVED


def test_reopening_starts_a_new_solution_round(complaint_a, daily_staff, member_a):
    with at(sh(2026, 10, 8, 9, 0)):
        services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    with at(sh(2026, 10, 12, 10, 0)):
        complaint = services.complaint_reopen(complaint=complaint_a, reason="空调还是不制冷。", actor=member_a.user)

    assert complaint.status == ComplaintStatus.IN_PROGRESS
    assert complaint.reopened_count == 1
    assert complaint.solved_at is None
    assert complaint.responded_at == sh(2026, 10, 8, 9, 0)  # the response stays
    assert complaint.response_due_at == RESPONSE_DUE
    # 7 working days from Mon 10-12: 13, 14, 15, 16, 19, 20, 21
    assert complaint.solution_due_at == sh(2026, 10, 21, 23, 59, 59)
    reopen = complaint.messages.last()
    assert (reopen.kind, reopen.body) == (MessageKind.REOPEN, "空调还是不制冷。")
    told = _inbox(daily_staff)[-1]
    assert told.title == "诉求被重新打开：会议室空调不制冷"
    assert "2026年10月21日" in told.body


def test_a_late_first_solution_stays_late_after_a_quick_second_one(complaint_a, daily_staff, member_a):
    with at(sh(2026, 10, 16, 9, 0)):  # one day after the solution deadline
        services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    with at(sh(2026, 10, 16, 10, 0)):
        services.complaint_reopen(complaint=complaint_a, reason="没解决", actor=member_a.user)
    with at(sh(2026, 10, 16, 11, 0)):
        complaint = services.complaint_solve(complaint=complaint_a, text="彻底解决", actor=daily_staff)

    assert complaint.solution_late is True
    assert complaint.solution_due_at == sh(2026, 10, 27, 23, 59, 59)


def test_reopening_needs_a_reason(complaint_a, daily_staff, member_a):
    services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    with pytest.raises(DomainError) as refused:
        services.complaint_reopen(complaint=complaint_a, reason=" ", actor=member_a.user)
    assert refused.value.field == "reason"


def test_a_closed_complaint_cannot_be_reopened(complaint_a, daily_staff, member_a):
    services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    services.complaint_confirm(complaint=complaint_a, actor=member_a.user)
    with pytest.raises(InvalidTransition):
        services.complaint_reopen(complaint=complaint_a, reason="又坏了", actor=member_a.user)


# --- Messages and internal notes ----------------------------------------------------------------------


def test_internal_notes_tell_nobody(complaint_a, daily_staff, member_a):
    before = Notification.objects.count()
    note = services.complaint_note(complaint=complaint_a, text="该主体上月也反映过", actor=daily_staff)

    assert note.kind == MessageKind.NOTE and note.is_internal
    assert Notification.objects.count() == before


def test_notes_can_be_added_to_a_closed_complaint(complaint_a, daily_staff, member_a):
    services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    services.complaint_confirm(complaint=complaint_a, actor=member_a.user)
    assert services.complaint_note(complaint=complaint_a, text="归档备注", actor=daily_staff).pk


def test_messages_go_to_the_other_side(complaint_a, daily_staff, member_a):
    services.complaint_message(complaint=complaint_a, text="补充：温度计显示 30 度。", actor=member_a.user)
    services.complaint_message(complaint=complaint_a, text="请问您明天上午在吗？", actor=daily_staff)

    assert _inbox(daily_staff)[-1].body == "补充：温度计显示 30 度。"
    assert _inbox(member_a.user)[-1].body == "请问您明天上午在吗？"
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.OPEN  # a message is not the response
    assert complaint_a.responded_at is None


def test_another_resident_cannot_write_in_the_thread(complaint_a, member_b):
    with pytest.raises(DomainError):
        services.complaint_message(complaint=complaint_a, text="路过", actor=member_b.user)


def test_no_messages_once_closed(complaint_a, daily_staff, member_a):
    services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    services.complaint_confirm(complaint=complaint_a, actor=member_a.user)
    with pytest.raises(InvalidTransition):
        services.complaint_message(complaint=complaint_a, text="还有一件事", actor=member_a.user)


def test_the_thread_is_append_only(complaint_a, daily_staff):
    note = services.complaint_note(complaint=complaint_a, text="原文", actor=daily_staff)
    with pytest.raises(Exception, match="Cannot update"):
        ComplaintMessage.objects.filter(pk=note.pk).update(body="改写")


# --- Audit trail -----------------------------------------------------------------------------------------


def test_every_step_is_in_the_audit_trail_with_its_actor(complaint_a, daily_staff, member_a):
    services.complaint_respond(complaint=complaint_a, text="收到", actor=daily_staff)
    services.complaint_note(complaint=complaint_a, text="内部", actor=daily_staff)

    events = pghistory.models.Events.objects.tracks(complaint_a).order_by("pgh_created_at", "pgh_id")
    assert [(e.pgh_label, e.pgh_context["user"], e.pgh_context["action"]) for e in events] == [
        ("insert", member_a.user.pk, "residents.complaint_file"),
        ("update", daily_staff.pk, "residents.complaint_respond"),
    ]
    note = complaint_a.messages.get(kind=MessageKind.NOTE)
    (note_event,) = pghistory.models.Events.objects.tracks(note)
    assert note_event.pgh_context["action"] == "residents.complaint_note"


# --- Overdue flags (the service behind the task) -------------------------------------------------------


def test_flags_name_the_deadline_and_the_due_day(complaint_a, daily_staff):
    created = complaint_deadlines.complaints_flag_overdue(now=sh(2026, 10, 16, 8, 0))

    assert created == 2
    titles = sorted(n.title for n in _inbox(daily_staff))
    assert titles == sorted(["诉求响应逾期：会议室空调不制冷", "诉求解决逾期：会议室空调不制冷"])
    keys = sorted(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == [
        f"complaint:{complaint_a.pk}:response-overdue:2026-10-09",
        f"complaint:{complaint_a.pk}:solution-overdue:2026-10-15",
    ]


def test_no_flag_on_the_due_day_itself(complaint_a, daily_staff):
    assert complaint_deadlines.complaints_flag_overdue(now=sh(2026, 10, 9, 23, 59, 59)) == 0
