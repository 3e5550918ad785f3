"""Portal pages of complaints (我的诉求): filing, the thread with both deadlines, confirm and reopen,
the private attachment; only the resident's own complaints (404 otherwise); fixed query counts."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from residents.models import Complaint, ComplaintChannel, ComplaintStatus
from residents.services import complaints as services
from tests.downloads import assert_safe_download
from tests.forms import form_token
from tests.residents.factories import AgreementFactory, ResidentFactory
from tests.residents.support.complaints import (
    FILED,
    PDF,
    PNG,
    at,
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

LIST = reverse("residents:complaint_list")
NEW = reverse("residents:complaint_new")
RULE = "2 个工作日内响应，7 个工作日内给出解决方案（第四章第四条）"


def detail(complaint) -> str:
    return reverse("residents:complaint_detail", args=[complaint.pk])


def step(name: str, complaint) -> str:
    return reverse(f"residents:complaint_{name}", args=[complaint.pk])


def _solved(complaint, staff):
    with at(sh(2026, 10, 8, 9, 0)):
        return services.complaint_solve(complaint=complaint, text="已更换滤网。", actor=staff)


# --- Who may open the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "new", "detail", "message", "confirm", "reopen", "attachment"])
def test_anonymous_visitors_are_sent_to_login(client, complaint_a, name):
    url = {"list": LIST, "new": NEW}.get(name) or step(name, complaint_a)
    response = client.get(url) if name in ("list", "new", "detail", "attachment") else client.post(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("who", ["daily_staff", "outsider"])
def test_people_who_are_not_residents_are_refused(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403


def test_a_resident_who_has_not_acknowledged_the_rules_goes_to_orientation(client_for, resident_a):
    resident = ResidentFactory(user=resident_a)
    AgreementFactory(resident=resident)
    response = client_for(resident_a).get(LIST)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("residents:orientation")


@pytest.mark.parametrize(
    ("url", "method"),
    [(LIST, "post"), ("detail", "post"), ("message", "get"), ("confirm", "get"), ("reopen", "get"), ("attachment", "post")],
)
def test_wrong_methods_are_refused(client_for, complaint_a, url, method):
    target = url if url.startswith("/") else step(url, complaint_a)
    response = getattr(client_for(complaint_a.resident.user), method)(target)
    assert response.status_code == 405


@pytest.mark.parametrize("name", ["detail", "attachment"])
def test_resident_b_gets_404_on_a_s_complaint(client_for, member_b, member_a, name):
    complaint = file_complaint(member_a, attachment=pdf_upload())
    assert client_for(member_b.user).get(step(name, complaint)).status_code == 404


@pytest.mark.parametrize("name", ["message", "confirm", "reopen"])
def test_resident_b_cannot_act_on_a_s_complaint(client_for, member_b, complaint_a, daily_staff, name):
    _solved(complaint_a, daily_staff)
    response = client_for(member_b.user).post(step(name, complaint_a), {"text": "x", "reason": "x"})
    assert response.status_code == 404
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.SOLVED


# --- Filing --------------------------------------------------------------------------------------------


def test_the_form_says_by_when_it_will_be_answered(client_for, member_a):
    page = client_for(member_a.user).get(NEW).content.decode()
    assert RULE in page
    assert "不超过 10 MB" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_resident_files_a_complaint_with_an_attachment(client_for, member_a, daily_staff):
    client = client_for(member_a.user)
    with at(FILED):
        response = client.post(NEW, {"category": "facilities", "subject": "空调不制冷", "text": "301 会议室",
                                     "attachment": pdf_upload(), "form_token": form_token(client, NEW)})

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == detail(complaint)
    assert (complaint.channel, complaint.filed_by, complaint.resident) == (ComplaintChannel.PORTAL, member_a.user, member_a)
    assert complaint.attachment


def test_a_bad_attachment_comes_back_next_to_its_field_with_the_form_filled_in(client_for, member_a):
    client = client_for(member_a.user)
    response = client.post(NEW, {"category": "facilities", "subject": "空调不制冷", "text": "301 会议室",
                                 "attachment": fake_pdf_upload(), "form_token": form_token(client, NEW)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "form-row--error" in page and "PDF / JPEG / PNG" in page
    assert "空调不制冷" in page and "301 会议室" in page
    assert not Complaint.objects.exists()


def test_missing_fields_are_shown_in_chinese(client_for, member_a):
    response = client_for(member_a.user).post(NEW, {"category": "", "subject": "", "text": ""})
    assert response.status_code == 200
    assert gettext("This field is required.") in response.content.decode()


# --- The list and the thread ----------------------------------------------------------------------------


def test_my_requests_lists_only_my_own(client_for, member_a, member_b):
    file_complaint(member_a, subject="A 的诉求")
    file_complaint(member_b, subject="B 的诉求")

    with at(sh(2026, 10, 8, 9, 0)):
        page = client_for(member_a.user).get(LIST).content.decode()

    assert "A 的诉求" in page and "B 的诉求" not in page
    assert "2026年10月9日" in page and "还剩 1 个工作日" in page
    assert RULE in page


def test_the_thread_shows_both_deadlines_and_the_rule(client_for, complaint_a):
    with at(sh(2026, 10, 8, 9, 0)):
        page = client_for(complaint_a.resident.user).get(detail(complaint_a)).content.decode()

    assert "2026年10月9日" in page and "还剩 1 个工作日" in page  # response
    assert "2026年10月15日" in page and "还剩 6 个工作日" in page  # solution: 10-09, 10, 12, 13, 14, 15
    assert RULE in page
    assert "三楼 301 会议室空调从周一起不制冷。" in page


def test_overdue_deadlines_are_red(client_for, complaint_a):
    with at(sh(2026, 10, 12, 9, 0)):
        page = client_for(complaint_a.resident.user).get(detail(complaint_a)).content.decode()
    assert "deadline--overdue" in page and "已逾期" in page
    assert "status--overdue" in page


def test_internal_notes_are_never_shown_to_the_resident(client_for, complaint_a, daily_staff):
    services.complaint_respond(complaint=complaint_a, text="已安排维修师傅。", actor=daily_staff)
    services.complaint_note(complaint=complaint_a, text="内部：此人上月也投诉过", actor=daily_staff)

    page = client_for(complaint_a.resident.user).get(detail(complaint_a)).content.decode()

    assert "已安排维修师傅。" in page
    assert "此人上月也投诉过" not in page
    assert "内部备注" not in page


def test_confirm_and_reopen_are_offered_once_a_solution_is_given(client_for, complaint_a, daily_staff):
    client = client_for(complaint_a.resident.user)
    assert step("confirm", complaint_a) not in client.get(detail(complaint_a)).content.decode()
    _solved(complaint_a, daily_staff)
    page = client.get(detail(complaint_a)).content.decode()
    assert step("confirm", complaint_a) in page and step("reopen", complaint_a) in page


# --- Confirm, reopen, message ------------------------------------------------------------------------------


def test_the_resident_confirms(client_for, complaint_a, daily_staff):
    _solved(complaint_a, daily_staff)
    response = client_for(complaint_a.resident.user).post(step("confirm", complaint_a), {"comment": "谢谢"})

    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.CLOSED


def test_confirming_an_unsolved_complaint_is_refused_on_the_page(client_for, complaint_a):
    response = client_for(complaint_a.resident.user).post(step("confirm", complaint_a), {})

    assert response.status_code == 400
    assert "只有已给出解决方案的诉求才能确认。" in response.content.decode()
    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.OPEN


def test_the_resident_reopens_with_a_reason(client_for, complaint_a, daily_staff):
    _solved(complaint_a, daily_staff)
    with at(sh(2026, 10, 12, 10, 0)):
        response = client_for(complaint_a.resident.user).post(step("reopen", complaint_a), {"reason": "还是不制冷"})

    assert response.status_code == 302
    complaint_a.refresh_from_db()
    assert (complaint_a.status, complaint_a.reopened_count) == (ComplaintStatus.IN_PROGRESS, 1)


def test_reopening_without_a_reason_keeps_the_form_open_with_the_error(client_for, complaint_a, daily_staff):
    _solved(complaint_a, daily_staff)
    response = client_for(complaint_a.resident.user).post(step("reopen", complaint_a), {"reason": ""})

    assert response.status_code == 400
    page = response.content.decode()
    assert gettext("This field is required.") in page and "<details class=\"complaint-reopen\" open>" in page


def test_the_resident_writes_a_message(client_for, complaint_a, daily_staff):
    response = client_for(complaint_a.resident.user).post(step("message", complaint_a), {"text": "补充照片见附件"})
    assert response.status_code == 302
    assert complaint_a.messages.get().body == "补充照片见附件"


# --- The private attachment -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "daily_staff", "oversight", "intake_staff"])
def test_the_attachment_is_served_to_the_resident_and_staff(client_for, request, member_a, who):
    complaint = file_complaint(member_a, attachment=pdf_upload())
    user = member_a.user if who == "owner" else request.getfixturevalue(who)

    response = client_for(user).get(step("attachment", complaint))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_a_png_attachment_is_served_as_png(client_for, member_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    complaint = file_complaint(member_a, attachment=SimpleUploadedFile("a.png", PNG, content_type="image/png"))
    response = client_for(member_a.user).get(step("attachment", complaint))
    assert response["Content-Type"] == "image/png"
    assert_safe_download(response, f"complaint-{complaint.pk}.png")


def test_no_attachment_no_file(client_for, complaint_a):
    assert client_for(complaint_a.resident.user).get(step("attachment", complaint_a)).status_code == 404


def test_an_outsider_gets_404_on_the_attachment(client_for, outsider, member_a):
    complaint = file_complaint(member_a, attachment=pdf_upload())
    assert client_for(outsider).get(step("attachment", complaint)).status_code == 404


# --- Query counts ------------------------------------------------------------------------------------------


def test_my_requests_has_a_fixed_number_of_queries(client_for, member_a, django_assert_num_queries):
    file_complaint(member_a)
    client = client_for(member_a.user)
    client.get(LIST)  # warm-up
    # session, user, resident (+ application), rulebook in force, orientation acknowledged,
    # count, page of complaints, rulebook in force (the rule note), unread badge; the calendar is held
    with django_assert_num_queries(9):
        client.get(LIST)
    for n in range(5):
        file_complaint(member_a, subject=f"诉求 {n}")
    with django_assert_num_queries(9):
        client.get(LIST)


def test_a_thread_has_a_fixed_number_of_queries(client_for, complaint_a, daily_staff, django_assert_num_queries):
    client = client_for(complaint_a.resident.user)
    services.complaint_respond(complaint=complaint_a, text="收到", actor=daily_staff)
    client.get(detail(complaint_a))  # warm-up
    # session, user, resident, rulebook in force, orientation acknowledged, the complaint (+ resident,
    # filed by, handled by), its thread (+ authors), rulebook in force on the filing day (the rule
    # note), unread badge; the calendar is held
    with django_assert_num_queries(9):
        client.get(detail(complaint_a))
    for n in range(5):
        services.complaint_message(complaint=complaint_a, text=f"留言 {n}", actor=complaint_a.resident.user)
        services.complaint_note(complaint=complaint_a, text=f"备注 {n}", actor=daily_staff)
    with django_assert_num_queries(9):
        client.get(detail(complaint_a))


# --- The dashboard card "我的诉求" ----------------------------------------------------------------------


def test_the_dashboard_card_lists_open_requests_with_their_next_deadline(member_a, daily_staff, django_assert_num_queries):
    from django.template.loader import render_to_string

    from residents.selectors.complaints import open_complaints_card

    waiting = file_complaint(member_a, at=sh(2026, 10, 8, 9, 0), subject="待确认")
    services.complaint_solve(complaint=waiting, text="已处理", actor=daily_staff)
    file_complaint(member_a, at=FILED, subject="逾期未响应")
    closed = file_complaint(member_a, at=FILED, subject="已关闭")
    services.complaint_solve(complaint=closed, text="已处理", actor=daily_staff)
    services.complaint_confirm(complaint=closed, actor=member_a.user)

    with django_assert_num_queries(1):  # the complaints (the calendar is held)
        card = open_complaints_card(member_a, now=sh(2026, 10, 12, 9, 0))
    for n in range(5):
        file_complaint(member_a, at=FILED, subject=f"诉求 {n}")
    with django_assert_num_queries(1):
        open_complaints_card(member_a, now=sh(2026, 10, 12, 9, 0))

    assert [c.subject for c in card["items"]] == ["逾期未响应", "待确认"]
    assert (card["open_count"], card["awaiting_confirmation"], card["overdue"]) == (2, 1, 1)
    with at(sh(2026, 10, 12, 9, 0)):
        html = render_to_string("residents/complaints/_card.html", {"card": card})
    assert "我的诉求" in html and "已逾期" in html and "请确认或重新打开" in html
    assert reverse("residents:complaint_detail", args=[waiting.pk]) in html
