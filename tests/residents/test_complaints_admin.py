"""The operations desk for complaints: the queue, the named steps, recording on behalf, the SLA report."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from residents.models import Complaint, ComplaintChannel, ComplaintStatus, MessageKind
from residents.selectors import complaints as selectors
from residents.services import complaints as services
from tests.residents.support.complaints import (
    FILED,
    at,
    file_complaint,
    pdf_upload,
    sh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint_a(member_a):
    """Resident A's complaint, filed at the conformance moment (Wed 2026-09-30)."""
    return file_complaint(member_a)

QUEUE = reverse("admin:residents_complaint_changelist")
ADD = reverse("admin:residents_complaint_add")
REPORT = reverse("admin:residents_complaint_report")
EXPORT = reverse("admin:residents_complaint_export")


def change(complaint) -> str:
    return reverse("admin:residents_complaint_change", args=[complaint.pk])


def step(complaint, name: str) -> str:
    return reverse("admin:residents_complaint_step", args=[complaint.pk, name])


def _action(client, action, objects, **extra):
    return client.post(QUEUE, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra})


# --- The queue ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["daily_staff", "administrator", "oversight", "intake_staff", "resources_staff"])
def test_staff_with_the_view_permission_see_the_queue(client_for, request, complaint_a, who):
    response = client_for(request.getfixturevalue(who)).get(QUEUE)
    assert response.status_code == 200
    assert "会议室空调不制冷" in response.content.decode()


def test_residents_do_not_reach_the_desk(client_for, complaint_a):
    response = client_for(complaint_a.resident.user).get(QUEUE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("admin:login"))


def test_the_queue_is_sorted_by_the_next_deadline_with_a_countdown(client_for, member_a, daily_staff):
    later = file_complaint(member_a, at=sh(2026, 10, 12, 9, 0), subject="后到期")
    overdue = file_complaint(member_a, at=sh(2026, 9, 24, 9, 0), subject="已逾期的")
    waiting = file_complaint(member_a, at=sh(2026, 9, 23, 9, 0), subject="待确认的")
    services.complaint_solve(complaint=waiting, text="已处理", actor=daily_staff)

    with at(sh(2026, 10, 12, 10, 0)):
        response = client_for(daily_staff).get(QUEUE)

    page = response.content.decode()
    assert [c.pk for c in response.context["cl"].result_list] == [overdue.pk, later.pk, waiting.pk]
    assert "已逾期" in page and "#b42318" in page  # red
    assert "还剩 2 个工作日" in page  # later: response due 10-14
    assert "等待入驻主体确认" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"response_overdue": "yes"}, {"late"}),
        ({"response_overdue": "no"}, {"answered", "fresh"}),
        ({"solution_overdue": "yes"}, {"late", "answered"}),
        ({"status__exact": "in_progress"}, {"answered"}),
        ({"category__exact": "fees"}, {"fresh"}),
        ({"channel__exact": "phone"}, {"fresh"}),
        ({"q": "欧阳"}, {"fresh"}),
    ],
)
def test_queue_filters_and_search(client_for, member_a, member_b, daily_staff, params, expected):
    file_complaint(member_a, at=FILED, subject="late")
    answered = file_complaint(member_a, at=FILED, subject="answered")
    services.complaint_respond(complaint=answered, text="收到", actor=daily_staff)
    with at(sh(2026, 10, 20, 9, 0)):
        services.complaint_record(
            resident=member_b, channel=ComplaintChannel.PHONE, category="fees", subject="fresh",
            text="电话反映账单有误", actor=daily_staff,
        )

    with at(sh(2026, 10, 20, 10, 0)):
        response = client_for(daily_staff).get(QUEUE, params)

    assert {c.subject for c in response.context["cl"].result_list} == expected


def test_the_queue_has_a_fixed_number_of_queries(client_for, member_a, daily_staff):
    client = client_for(daily_staff)
    file_complaint(member_a)
    client.get(QUEUE)  # warm-up (content types, permissions)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for n in range(6):
        complaint = file_complaint(member_a, subject=f"诉求 {n}")
        services.complaint_respond(complaint=complaint, text="收到", actor=daily_staff)
    with CaptureQueriesContext(connection) as many:
        client.get(QUEUE)

    assert len(many) == len(one)


# --- A complaint's page and the named steps -----------------------------------------------------------


def test_the_page_shows_the_thread_with_internal_notes_and_the_steps(client_for, complaint_a, daily_staff):
    services.complaint_note(complaint=complaint_a, text="内部：上月同类问题", actor=daily_staff)

    page = client_for(daily_staff).get(change(complaint_a)).content.decode()

    assert "内部：上月同类问题" in page and "内部备注" in page
    for name in ("respond", "solve", "message", "note"):
        assert step(complaint_a, name) in page
    assert 'name="_save"' not in page  # read-only: no hand-editing


def test_oversight_reads_the_page_without_steps(client_for, complaint_a, oversight):
    page = client_for(oversight).get(change(complaint_a)).content.decode()
    assert "会议室空调不制冷" in page
    assert step(complaint_a, "respond") not in page
    assert client_for(oversight).get(step(complaint_a, "respond")).status_code == 403


def test_responding_from_the_page_asks_for_the_text_then_calls_the_service(client_for, complaint_a, daily_staff):
    client = client_for(daily_staff)
    asked = client.get(step(complaint_a, "respond"))
    refused = client.post(step(complaint_a, "respond"), {"text": ""})
    done = client.post(step(complaint_a, "respond"), {"text": "已安排维修。"})

    assert asked.status_code == 200 and 'name="text"' in asked.content.decode()
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert done.status_code == 302 and done.headers["Location"] == change(complaint_a)
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.IN_PROGRESS
    assert complaint_a.messages.get().body == "已安排维修。"


def test_a_step_the_status_does_not_allow_is_refused_with_the_reason(client_for, complaint_a, daily_staff):
    services.complaint_respond(complaint=complaint_a, text="收到", actor=daily_staff)
    response = client_for(daily_staff).post(step(complaint_a, "respond"), {"text": "再回复"}, follow=True)
    assert "不能变为" in response.content.decode()
    assert complaint_a.messages.count() == 1


def test_unknown_step_is_not_found(client_for, complaint_a, daily_staff):
    assert client_for(daily_staff).get(step(complaint_a, "delete")).status_code == 404


def test_list_actions_for_the_selection(client_for, member_a, daily_staff):
    first, second = file_complaint(member_a, subject="一"), file_complaint(member_a, subject="二")
    client = client_for(daily_staff)

    asked = _action(client, "respond", [first, second])
    done = _action(client, "respond", [first, second], apply="1", text="已收到，正在处理。")
    noted = _action(client, "add_note", [first], apply="1", text="内部备注")
    solved = _action(client, "solve", [first], apply="1", text="已处理")

    assert asked.status_code == 200 and "一" in asked.content.decode()
    assert done.status_code == noted.status_code == solved.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ComplaintStatus.SOLVED, ComplaintStatus.IN_PROGRESS)
    assert list(first.messages.values_list("kind", flat=True)) == [
        MessageKind.RESPONSE, MessageKind.NOTE, MessageKind.SOLUTION,
    ]


def test_oversight_has_no_actions(client_for, complaint_a, oversight):
    response = client_for(oversight).get(QUEUE)
    assert "respond" not in [name for name, _ in response.context["cl"].model_admin.get_action_choices(response.wsgi_request)]
    _action(client_for(oversight), "respond", [complaint_a], apply="1", text="x")
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.OPEN


def test_never_edited_or_deleted_by_hand(client_for, complaint_a, administrator):
    client = client_for(administrator)
    edit = client.post(change(complaint_a), {"status": "closed", "subject": "改"})
    delete = client.post(reverse("admin:residents_complaint_delete", args=[complaint_a.pk]), {"post": "yes"})
    assert edit.status_code == 403 and delete.status_code == 403
    complaint_a.refresh_from_db()
    assert (complaint_a.status, complaint_a.subject) == (ComplaintStatus.OPEN, "会议室空调不制冷")


# --- Recording on behalf of a resident -------------------------------------------------------------------


def test_staff_record_a_complaint_from_the_suggestion_box(client_for, member_a, daily_staff):
    with at(FILED):
        response = client_for(daily_staff).post(
            ADD,
            {"resident": member_a.pk, "channel": "suggestion_box", "category": "environment",
             "subject": "茶水间垃圾", "text": "意见箱纸条", "attachment": pdf_upload()},
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.filed_by, complaint.resident) == ("suggestion_box", daily_staff, member_a)
    assert complaint.response_due_at == sh(2026, 10, 9, 23, 59, 59)
    assert complaint.attachment


def test_the_add_form_offers_no_portal_channel(client_for, daily_staff, member_a):
    page = client_for(daily_staff).get(ADD).content.decode()
    assert 'value="suggestion_box"' in page and 'value="portal"' not in page


@pytest.mark.parametrize("who", ["oversight", "resources_staff", "intake_staff"])
def test_only_handlers_record(client_for, request, who):
    assert client_for(request.getfixturevalue(who)).get(ADD).status_code == 403


# --- The monthly SLA report -------------------------------------------------------------------------------

NOW = sh(2026, 11, 2, 9, 0)


@pytest.fixture
def october(member_a, member_b, daily_staff):
    """A hand-made October 2026 (National Day is over; Sat 10-10 is a working day)."""
    # 1. facilities, filed Fri 10-09: response due 10-12, solution due 10-19; both on time at the boundary
    c1 = file_complaint(member_a, at=sh(2026, 10, 9, 10, 0), subject="c1")
    with at(sh(2026, 10, 12, 23, 59, 59)):
        services.complaint_respond(complaint=c1, text="收到", actor=daily_staff)
    with at(sh(2026, 10, 19, 10, 0)):
        services.complaint_solve(complaint=c1, text="好了", actor=daily_staff)
    # 2. facilities, same deadlines; both one second late (00:00:00 the next day)
    c2 = file_complaint(member_b, at=sh(2026, 10, 9, 10, 0), subject="c2")
    with at(sh(2026, 10, 13, 0, 0, 0)):
        services.complaint_respond(complaint=c2, text="收到", actor=daily_staff)
    with at(sh(2026, 10, 20, 0, 0, 0)):
        services.complaint_solve(complaint=c2, text="好了", actor=daily_staff)
    # 3. fees, filed Wed 10-14, solved the same day, reopened 10-15: new round due 10-26, missed
    c3 = file_complaint(member_a, at=sh(2026, 10, 14, 10, 0), subject="c3", category="fees")
    with at(sh(2026, 10, 14, 16, 0)):
        services.complaint_solve(complaint=c3, text="已退款", actor=daily_staff)
    with at(sh(2026, 10, 15, 10, 0)):
        services.complaint_reopen(complaint=c3, reason="没收到", actor=member_a.user)
    # 4. safety, filed Fri 10-30: response due 11-03, still pending on 11-02
    file_complaint(member_b, at=sh(2026, 10, 30, 10, 0), subject="c4", category="safety")
    # outside October: 09-30, and 11-01 00:30 in Shanghai (still 10-31 in UTC)
    file_complaint(member_a, at=sh(2026, 9, 30, 10, 0), subject="september")
    file_complaint(member_a, at=sh(2026, 11, 1, 0, 30), subject="november")


def test_report_numbers_on_a_hand_made_month(october):
    report = selectors.sla_report(sh(2026, 10, 1).date(), now=NOW)

    overall = report.overall
    assert overall.filed == 4
    assert (overall.response_met, overall.response_missed, overall.response_pending) == (2, 1, 1)
    assert overall.response_rate == Decimal("66.7")
    assert (overall.solution_met, overall.solution_missed, overall.solution_pending) == (1, 2, 1)
    assert overall.solution_rate == Decimal("33.3")
    assert overall.average_response_working_days == Decimal("1.7")  # (2 + 3 + 0) / 3
    lines = {line.category: line for line in report.by_category}
    assert (lines["facilities"].response_rate, lines["facilities"].solution_rate) == (Decimal("50.0"), Decimal("50.0"))
    assert lines["facilities"].average_response_working_days == Decimal("2.5")
    assert (lines["fees"].response_rate, lines["fees"].solution_rate, lines["fees"].reopened) == (
        Decimal("100.0"), Decimal("0.0"), 1,
    )
    assert lines["safety"].filed == 1 and lines["safety"].response_rate is None


def test_the_report_page_has_a_chart_and_the_table(client_for, october, oversight):
    with at(NOW):
        response = client_for(oversight).get(REPORT, {"month": "2026-10"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and 'role="img"' in page and "<title" in page
    assert "66.7%" in page and "33.3%" in page and "1.7" in page
    assert "<table" in page and "设施设备" in page and "全部类别" in page
    assert "2 个工作日内响应，7 个工作日内给出解决方案（第四章第四条）" in page
    assert f"{EXPORT}?month=2026-10" in page


def test_the_queue_links_to_the_report(client_for, daily_staff):
    assert REPORT in client_for(daily_staff).get(QUEUE).content.decode()


def test_the_excel_export_lists_the_month_with_the_sla_outcome(client_for, october, daily_staff):
    with at(NOW):
        response = client_for(daily_staff).get(EXPORT, {"month": "2026-10"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="complaints-sla-2026-10.xlsx"'
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "提交时间", "入驻主体")
    by_subject = {row[5]: row for row in rows[1:]}
    assert set(by_subject) == {"c1", "c2", "c3", "c4"}
    assert (by_subject["c1"][9], by_subject["c1"][13]) == ("按时", "按时")
    assert (by_subject["c2"][9], by_subject["c2"][13]) == ("超期", "超期")
    assert (by_subject["c3"][9], by_subject["c3"][13], by_subject["c3"][14]) == ("按时", "已逾期", 1)
    assert (by_subject["c4"][9], by_subject["c4"][13]) == ("未到期", "未到期")
    assert by_subject["c2"][8].isoformat() == "2026-10-13T00:00:00"  # Shanghai wall time
    assert book.worksheets[1].title.endswith("2026-10")
    summary = list(book.worksheets[1].iter_rows(values_only=True))
    assert summary[1][0] == "全部类别" and summary[1][1] == 4


@pytest.mark.parametrize("url", [REPORT, EXPORT])
def test_the_report_has_a_fixed_number_of_queries(client_for, member_a, daily_staff, url):
    client = client_for(daily_staff)
    file_complaint(member_a, at=sh(2026, 10, 9, 10, 0))
    client.get(url, {"month": "2026-10"})  # warm-up
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"month": "2026-10"})
    for n in range(6):
        complaint = file_complaint(member_a, at=sh(2026, 10, 12 + n, 10, 0), subject=f"诉求 {n}")
        services.complaint_respond(complaint=complaint, text="收到", actor=daily_staff)
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"month": "2026-10"})

    assert len(many) == len(one)


def test_residents_cannot_open_the_report(client_for, member_a):
    response = client_for(member_a.user).get(REPORT)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("admin:login"))


def test_a_bad_month_falls_back_to_this_month(client_for, daily_staff):
    with at(NOW):
        response = client_for(daily_staff).get(REPORT, {"month": "2026-13"})
    assert response.status_code == 200
    assert response.context["month"] == sh(2026, 11, 1).date()
