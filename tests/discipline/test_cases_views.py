"""Portal pages of violation cases: the resident's own cases only (another's → 404), deadlines with the
working days left, the rule behind each measure with the article, the next step, the notice PDF, the
appeal with evidence; anonymous → login; wrong method → 405; fixed query counts."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from discipline.models import Appeal, AppealStatus, EvidenceFile
from discipline.services import cases as services
from tests.discipline.support.cases import (
    TODAY,
    on_day,
    open_case,
    pdf_upload,
    to_notice,
    to_published,
)
from tests.downloads import assert_safe_download

pytestmark = pytest.mark.django_db

LIST = reverse("discipline:case_list")


def _detail(case) -> str:
    return reverse("discipline:case_detail", args=[case.pk])


@pytest.fixture
def clock():
    with on_day(TODAY, hour=11):
        yield


@pytest.fixture
def published(clock, member_a, daily_staff, administrator):
    case = open_case(member_a, daily_staff, kind="2b")
    to_published(case, daily_staff, administrator)
    return case


def test_list_shows_the_residents_cases_with_deadlines(clock, client_for, member_a, member_b, daily_staff):
    mine = open_case(member_a, daily_staff, kind="2b")
    to_notice(mine, daily_staff)
    theirs = open_case(member_b, daily_staff, kind="5b", facts="与他人争吵")
    response = client_for(member_a.user).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.number in html and theirs.number not in html
    assert "2b 污染环境（空间管理违规）" in html
    assert "整改期限" in html and "2026年10月19日" in html and "还剩 5 个工作日" in html


def test_list_empty_state(clock, client_for, member_a):
    response = client_for(member_a.user).get(LIST)
    assert "暂无违规记录" in response.content.decode()


def test_pages_need_login_and_a_resident(clock, client, client_for, published, outsider, daily_staff):
    for url in (LIST, _detail(published), reverse("discipline:notice_pdf", args=[published.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
        assert client_for(outsider).get(url).status_code == 403
        assert client_for(daily_staff).get(url).status_code == 403


def test_wrong_methods(clock, client_for, published, member_a):
    client = client_for(member_a.user)
    assert client.post(LIST).status_code == 405
    assert client.post(_detail(published)).status_code == 405
    assert client.get(reverse("discipline:case_appeal", args=[published.pk])).status_code == 405


def test_detail_shows_the_rule_the_next_step_and_the_appeal_form(client_for, published, member_a):
    with on_day(TODAY, hour=12):
        response = client_for(member_a.user).get(_detail(published))
    html = response.content.decode()
    assert response.status_code == 200
    assert "统计期内同类违规第 1 次 → 警告（第八章第二条）" in html
    assert "再次发生同类违规将：" in html and "罚款 ¥50.00" in html
    assert "可申请复核至" in html and "还剩 3 个工作日" in html
    assert f'action="{reverse("discipline:case_appeal", args=[published.pk])}"' in html
    assert "下载通知书（PDF）" in html


def test_another_residents_case_is_404_everywhere(clock, client_for, published, member_b):
    client = client_for(member_b.user)
    assert client.get(_detail(published)).status_code == 404
    assert client.get(reverse("discipline:notice_pdf", args=[published.pk])).status_code == 404
    response = client.post(reverse("discipline:case_appeal", args=[published.pk]), {"reason": "不是我"})
    assert response.status_code == 404
    evidence_row = EvidenceFile.objects.filter(case=published).first()
    assert client.get(reverse("discipline:evidence_file", args=[evidence_row.pk])).status_code == 404
    assert not Appeal.objects.exists()


def test_appeal_with_evidence(client_for, published, member_a):
    with on_day(TODAY, hour=14):
        response = client_for(member_a.user).post(
            reverse("discipline:case_appeal", args=[published.pk]),
            {"reason": "当天我在外地出差，有车票为证。", "evidence": [pdf_upload("车票.pdf")]},
        )
    assert response.status_code == 302 and response["Location"] == _detail(published)
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.PENDING and appeal.resident == member_a
    assert EvidenceFile.objects.get(by_resident=True).original_name == "车票.pdf"


def test_appeal_after_the_window_is_refused_with_its_end(client_for, published, member_a):
    with on_day(date(2026, 10, 16)):
        response = client_for(member_a.user).post(
            reverse("discipline:case_appeal", args=[published.pk]), {"reason": "理由"}
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert "公示期已于" in html and "2026年10月15日" in html
    assert not Appeal.objects.exists()


def test_appeal_without_grounds_keeps_the_form(client_for, published, member_a):
    with on_day(TODAY, hour=14):
        response = client_for(member_a.user).post(reverse("discipline:case_appeal", args=[published.pk]),
                                                  {"reason": ""})
    assert response.status_code == 400
    assert "form-row--error" in response.content.decode()


def test_notice_pdf_and_evidence_are_served_privately(client_for, published, member_a):
    client = client_for(member_a.user)
    with on_day(TODAY, hour=12):
        pdf = client.get(reverse("discipline:notice_pdf", args=[published.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_safe_download(pdf, f"{published.notice.number}.pdf")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    row = EvidenceFile.objects.get(case=published)
    got = client.get(reverse("discipline:evidence_file", args=[row.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert_safe_download(got, "photo.png")


def test_dashboard_card_lists_the_deadlines(client_for, published, member_a, daily_staff):
    second = open_case(member_a, daily_staff, kind="5b", facts="在会议室与他人争吵")
    with on_day(TODAY, hour=12):
        to_notice(second, daily_staff)
        response = client_for(member_a.user).get(reverse("portal:dashboard"))
    html = response.content.decode()
    assert "近期期限" in html
    assert "整改期限（通知书" in html and "可申请复核至" in html


def test_dashboard_card_no_longer_offers_a_review_already_requested(client_for, published, member_a):
    client = client_for(member_a.user)
    with on_day(TODAY, hour=14):
        assert "可申请复核至" in client.get(reverse("portal:dashboard")).content.decode()
        client.post(reverse("discipline:case_appeal", args=[published.pk]), {"reason": "当天我在外地出差。"})
        html = client.get(reverse("portal:dashboard")).content.decode()
    assert Appeal.objects.filter(case=published).exists()
    assert "可申请复核至" not in html and "暂无期限" in html


def test_dashboard_card_says_there_is_no_deadline_rather_than_after_check_in(clock, client_for, member_a):
    html = client_for(member_a.user).get(reverse("portal:dashboard")).content.decode()
    assert "近期期限" in html and "暂无期限" in html
    assert "入驻后可见" not in html  # a checked-in resident is never told to wait for check-in


def test_dashboard_card_shows_an_overdue_bill_with_the_next_rung_of_the_ladder(clock, client_for, member_a,
                                                                              member_b):
    from residents.models import Invoice

    for resident, description in ((member_a, "10月服务费"), (member_b, "B 的服务费")):
        Invoice.objects.create(resident=resident, number=f"INV-{resident.pk}", kind="fee", description=description,
                               amount="800.00", issued_on=TODAY - timedelta(days=20),
                               due_on=TODAY - timedelta(days=11))
    html = client_for(member_a.user).get(reverse("portal:dashboard")).content.decode()
    assert "10月服务费 · ¥800.00" in html
    assert "逾期 11 天，第 16 天起暂停资源使用权限，直至结清" in html  # 第八章第二条 7, from the rulebook
    assert "B 的服务费" not in html


def test_dashboard_card_shows_the_end_of_the_grace_period(clock, client_for, member_a):
    from residents.models import Exit, ResidentStatus

    member_a.status = ResidentStatus.EXITING
    member_a.save(update_fields=["status"])
    Exit.objects.create(resident=member_a, kind="expiry", status="scheduled", requested_on=TODAY,
                        exit_on=TODAY - timedelta(days=2), grace_ends_on=TODAY + timedelta(days=5),
                        deposit_outcome="refund")
    html = client_for(member_a.user).get(reverse("portal:dashboard")).content.decode()
    assert "宽限期截止：请在此前搬离并办结退出手续" in html and "2026年10月17日" in html


def test_dashboard_card_shows_the_suspensions_in_force(client_for, member_a, member_b):
    from discipline.models import Suspension, SuspensionScope
    from tests.discipline.support.cases import at

    with on_day(TODAY, hour=12):
        Suspension.objects.create(resident=member_a, scope=SuspensionScope.PUBLIC_SPACES, starts_at=at(TODAY, 9),
                                  ends_at=at(TODAY + timedelta(days=7), 9), reason="案件 违〔2026〕0009号")
        Suspension.objects.create(resident=member_b, scope=SuspensionScope.RESOURCES, starts_at=at(TODAY, 9),
                                  ends_at=at(TODAY + timedelta(days=7), 9), reason="B 的暂停")
        html = client_for(member_a.user).get(reverse("portal:dashboard")).content.decode()
    assert "暂停使用：公共空间" in html and "2026年10月19日" in html and "违〔2026〕0009号" in html
    assert "B 的暂停" not in html  # another resident's suspension is not shown


def _cases(member, staff, admin, n):
    for i in range(n):
        case = open_case(member, staff, kind="2b", occurred_on=TODAY - timedelta(days=i))
        if i % 2 == 0:
            to_published(case, staff, admin)
        else:
            to_notice(case, staff)


@pytest.mark.parametrize("n", [1, 6])
def test_list_query_count_is_fixed(client_for, member_a, daily_staff, administrator, django_assert_num_queries, n):
    with on_day(TODAY, hour=11):
        _cases(member_a, daily_staff, administrator, n)
        client = client_for(member_a.user)
        client.get(LIST)  # warm the content-type cache
        # 1 session, 2 user, 3 resident_of, 4 rulebook in force, 5 acknowledgement, 6 cases (+ resident,
        # application, notice), 7 measures, 8 appeals, 9 publications, 10 rulebook versions,
        # 11 unread inbox count (the shell); the working-day calendar is held (no query)
        with django_assert_num_queries(11):
            response = client.get(LIST)
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 6])
def test_detail_query_count_is_fixed(client_for, member_a, daily_staff, administrator, django_assert_num_queries, n):
    with on_day(TODAY, hour=11):
        _cases(member_a, daily_staff, administrator, n)
        case = services.case_open(resident=member_a, kind="2b", occurred_on=TODAY, facts="x", actor=daily_staff)
        to_published(case, daily_staff, administrator)
        client = client_for(member_a.user)
        client.get(_detail(case))
        # session, user, resident_of, rulebook, acknowledgement, case (+ notice), measures, appeals,
        # publications, rulebook versions, evidence, unread inbox count (calendar: held, no query)
        with django_assert_num_queries(12):
            client.get(_detail(case))
