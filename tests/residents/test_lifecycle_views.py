"""Portal pages of renewal and exit: the resident's own only, conditions and rules shown, errors by the field."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import Exit, ExitStatus, RenewalRequest, RenewalStatus
from residents.services import lifecycle as services
from tests.residents.support.lifecycle import AFTER_END, REMINDER_DAY, on_day

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)
RENEWAL = reverse("residents:renewal")
EXITS = reverse("residents:exit_list")


def _renewal(resident, day=REMINDER_DAY) -> RenewalRequest:
    with on_day(day):
        return services.renewal_request(resident=resident, actor=resident.user)


def _exit(resident) -> Exit:
    with on_day(TODAY):
        return services.exit_request_voluntary(resident=resident, exit_on=date(2026, 12, 15), actor=resident.user)


# --- Renewal ----------------------------------------------------------------------------------------


def test_the_renewal_page_shows_the_end_date_and_each_condition_with_its_article(client_for, member_a):
    with on_day(REMINDER_DAY):
        response = client_for(member_a.user).get(RENEWAL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "2027年3月31日" in page
    assert "个工作日" in page  # the deadline shows the working days left
    for title in ("本期内无违规记录", "本期内各项费用均按时缴纳", "无未整改完毕的整改通知", "项目仍符合社区发展方向"):
        assert title in page
    assert page.count("第三章第三条") >= 4
    assert "等待招商入驻组确认" in page  # the direction condition waits for staff
    assert "提交续约申请" in page


def test_before_the_window_the_page_says_when_renewal_opens(client_for, member_a):
    with on_day(TODAY):
        page = client_for(member_a.user).get(RENEWAL).content.decode()
    assert "2027年3月1日" in page
    assert "提交续约申请" not in page


def test_requesting_the_renewal_leads_to_the_request(client_for, member_a, intake_staff):
    with on_day(REMINDER_DAY):
        response = client_for(member_a.user).post(RENEWAL, {"note": "继续入驻"})
    renewal = RenewalRequest.objects.get(resident=member_a)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("residents:renewal_detail", args=[renewal.pk])
    with on_day(REMINDER_DAY):
        page = client_for(member_a.user).get(response.headers["Location"]).content.decode()
    assert "继续入驻" in page and "撤回我的续约申请" in page


def test_a_refused_request_shows_the_failed_condition_and_the_reasons(client_for, member_a, intake_staff):
    renewal = _renewal(member_a)
    with on_day(REMINDER_DAY):
        services.renewal_confirm_direction(renewal=renewal, fits=False, actor=intake_staff)
        services.renewal_refuse(renewal=renewal, reason="项目已转向线下零售", actor=intake_staff)
        page = client_for(member_a.user).get(reverse("residents:renewal_detail", args=[renewal.pk])).content.decode()
    assert "项目已转向线下零售" in page
    assert "招商入驻组认定项目已不符合社区发展方向" in page
    assert 'data-code="direction_fit"' in page and "condition--failed" in page


def test_withdrawing_a_renewal_request(client_for, member_a):
    renewal = _renewal(member_a)
    with on_day(REMINDER_DAY):
        response = client_for(member_a.user).post(reverse("residents:renewal_withdraw", args=[renewal.pk]))
    renewal.refresh_from_db()
    assert response.status_code == 302
    assert renewal.status == RenewalStatus.WITHDRAWN


def test_the_renewal_page_has_a_fixed_number_of_queries(client_for, member_a):
    _renewal(member_a)
    with on_day(REMINDER_DAY):
        client = client_for(member_a.user)  # logged in on the day (sessions expire)
        client.get(RENEWAL)  # the process loads the working-day calendar once (held afterwards)
        with CaptureQueriesContext(connection) as one:
            client.get(RENEWAL)
        for _ in range(5):  # five more requests in the history
            renewal = RenewalRequest.objects.get(resident=member_a, status=RenewalStatus.REQUESTED)
            services.renewal_withdraw(renewal=renewal, actor=member_a.user)
            services.renewal_request(resident=member_a, actor=member_a.user)
        with CaptureQueriesContext(connection) as six:
            client.get(RENEWAL)
    assert RenewalRequest.objects.filter(resident=member_a).count() == 6
    assert len(six) == len(one) > 5


# --- Exit -------------------------------------------------------------------------------------------


def test_the_exit_page_names_the_earliest_date_and_refuses_less_notice(client_for, member_a):
    client = client_for(member_a.user)
    with on_day(TODAY):
        page = client.get(EXITS).content.decode()
        refused = client.post(EXITS, {"exit_on": "2026-12-10", "reason": "业务调整"})
    assert "2026年12月11日" in page and "第三章第四条" in page
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "最早退出日期为2026年12月11日" in body
    assert 'value="业务调整"' in body or "业务调整" in body  # nothing lost on error
    assert not Exit.objects.exists()


def test_applying_for_a_voluntary_exit(client_for, member_a):
    with on_day(TODAY):
        response = client_for(member_a.user).post(EXITS, {"exit_on": "2026-12-11", "reason": "业务调整"})
    exit = Exit.objects.get(resident=member_a)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("residents:exit_detail", args=[exit.pk])
    assert exit.exit_on == date(2026, 12, 11)


def test_the_exit_detail_shows_the_grace_period_and_the_checklist(client_for, member_a):
    with on_day(AFTER_END):
        exit = services.exit_open_on_expiry(agreement=member_a.agreements.get(), today=AFTER_END)
        page = client_for(member_a.user).get(reverse("residents:exit_detail", args=[exit.pk])).content.decode()
    assert "2027年4月7日" in page and "个工作日" in page
    assert page.count("待办") == 5
    assert "第八章第二条" in page
    with on_day(date(2027, 4, 9)):
        late = client_for(member_a.user).get(reverse("residents:exit_detail", args=[exit.pk])).content.decode()
    assert "已超出缓冲期 2 天" in late


def test_withdrawing_an_exit_application(client_for, member_a):
    exit = _exit(member_a)
    with on_day(TODAY):
        response = client_for(member_a.user).post(reverse("residents:exit_withdraw", args=[exit.pk]))
    exit.refresh_from_db()
    assert response.status_code == 302
    assert exit.status == ExitStatus.CANCELLED


def test_the_exit_pages_have_a_fixed_number_of_queries(client_for, member_a, daily_staff):
    client = client_for(member_a.user)
    first = _exit(member_a)
    with on_day(TODAY):
        with CaptureQueriesContext(connection) as one:
            client.get(EXITS)
        for _ in range(5):
            services.exit_cancel(exit=Exit.objects.get(resident=member_a, status=ExitStatus.REQUESTED),
                                 reason="改期", actor=daily_staff)
            services.exit_request_voluntary(resident=member_a, exit_on=date(2026, 12, 15), actor=member_a.user)
        with CaptureQueriesContext(connection) as six:
            client.get(EXITS)
        with CaptureQueriesContext(connection) as detail:
            client.get(reverse("residents:exit_detail", args=[first.pk]))
    assert Exit.objects.filter(resident=member_a).count() == 6
    assert len(six) == len(one) > 5
    assert len(detail) <= len(one) + 2


# --- Who may see what -----------------------------------------------------------------------------------


def _urls(renewal, exit):
    return {
        "renewal": (RENEWAL, "get"),
        "renewal_detail": (reverse("residents:renewal_detail", args=[renewal.pk]), "get"),
        "renewal_withdraw": (reverse("residents:renewal_withdraw", args=[renewal.pk]), "post"),
        "exits": (EXITS, "get"),
        "exit_detail": (reverse("residents:exit_detail", args=[exit.pk]), "get"),
        "exit_withdraw": (reverse("residents:exit_withdraw", args=[exit.pk]), "post"),
    }


def test_anonymous_users_are_sent_to_log_in(client, member_a):
    renewal, exit = _renewal(member_a), _exit(member_a)
    for url, method in _urls(renewal, exit).values():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "login" in response.headers["Location"]


def test_resident_b_gets_404_on_resident_as_records(client_for, member_a, member_b):
    renewal, exit = _renewal(member_a), _exit(member_a)
    with on_day(REMINDER_DAY):
        client = client_for(member_b.user)
        for name, (url, method) in _urls(renewal, exit).items():
            if name in ("renewal", "exits"):
                continue  # B's own pages
            assert getattr(client, method)(url).status_code == 404, name
    renewal.refresh_from_db()
    exit.refresh_from_db()
    assert exit.status == ExitStatus.REQUESTED
    assert renewal.decided_by == member_a.user  # withdrawn by A's own exit application, never by B


def test_staff_and_outsiders_are_refused(client_for, member_a, intake_staff, outsider):
    renewal, exit = _renewal(member_a), _exit(member_a)
    for user in (intake_staff, outsider):
        for url, method in _urls(renewal, exit).values():
            assert getattr(client_for(user), method)(url).status_code == 403, url


def test_wrong_methods_are_refused(client_for, member_a):
    renewal, exit = _renewal(member_a), _exit(member_a)
    with on_day(REMINDER_DAY):
        client = client_for(member_a.user)
        for name, (url, method) in _urls(renewal, exit).items():
            wrong = client.get if method == "post" else client.put
            assert wrong(url).status_code == 405, name
