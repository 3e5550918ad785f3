"""The operations desk for residents, renewals and exits: filters, named actions, the exit checklist."""

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opc_community.core.masking import mask_identity_number
from residents.models import ExitStatus, RenewalRequest, RenewalStatus, ResidentStatus
from residents.services import lifecycle as services
from spaces.models import Desk
from tests.residents.factories import AgreementFactory, ResidentFactory
from tests.residents.support.lifecycle import AFTER_END, REMINDER_DAY, on_day

pytestmark = pytest.mark.django_db

RESIDENTS = reverse("admin:residents_resident_changelist")
RENEWALS = reverse("admin:residents_renewalrequest_changelist")
EXITS = reverse("admin:residents_exit_changelist")
TODAY = date(2026, 11, 26)


def _action(client, url, action, objects, **extra):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}, follow=True)


# --- Residents -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["intake_staff", "daily_staff", "resources_staff", "administrator", "oversight"])
def test_staff_groups_see_the_resident_list(client_for, member_a, request, member):
    response = client_for(request.getfixturevalue(member)).get(RESIDENTS)
    assert response.status_code == 200
    assert "张三" in response.content.decode()


def test_residents_do_not_reach_the_desk(client_for, member_a):
    response = client_for(member_a.user).get(RESIDENTS)
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("admin:login"))


def test_the_term_filters(client_for, member_a, member_b, daily_staff):
    AgreementFactory(starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31))  # a third resident, ending later
    with on_day(AFTER_END):
        services.exit_open_on_expiry(agreement=member_a.agreements.get(), today=AFTER_END)
        client = client_for(daily_staff)
        grace = client.get(RESIDENTS, {"term": "grace"}).content.decode()
    with on_day(date(2027, 4, 9)):
        overdue = client_for(daily_staff).get(RESIDENTS, {"term": "overdue"}).content.decode()
    with on_day(REMINDER_DAY):
        ending = client_for(daily_staff).get(RESIDENTS, {"term": "ending"}).content.decode()
    assert "张三" in grace and "欧阳娜娜" not in grace and "缓冲期至2027年4月7日" in grace
    assert "张三" in overdue and "超出缓冲期 2 天" in overdue
    assert "欧阳娜娜" in ending and "测试用户" not in ending


def test_the_resident_list_does_not_query_per_row(client_for, member_a, administrator):
    client = client_for(administrator)
    client.get(RESIDENTS)
    with CaptureQueriesContext(connection) as one:
        client.get(RESIDENTS)
    for _ in range(5):
        AgreementFactory(resident=ResidentFactory())
    with CaptureQueriesContext(connection) as six:
        client.get(RESIDENTS)
    assert len(six) == len(one)


def test_the_check_in_action_calls_the_agreements_service(client_for, member_a, daily_staff, monkeypatch):
    from residents.services import agreements

    desk = Desk.objects.create(code="B-201", floor="2F", zone="B")
    calls = []
    monkeypatch.setattr(agreements, "resident_check_in",
                        lambda *, resident, desk, actor: calls.append((resident.pk, desk.pk, actor.pk)))
    client = client_for(daily_staff)
    asked = _action(client, RESIDENTS, "check_in", [member_a])
    done = _action(client, RESIDENTS, "check_in", [member_a], apply="1", desk=str(desk.pk))
    assert "B-201" in asked.content.decode()  # the intermediate page offers the free desks
    assert calls == [(member_a.pk, desk.pk, daily_staff.pk)]
    assert "已办理入驻" in done.content.decode()


def test_a_refused_check_in_says_why(client_for, member_a, daily_staff):
    desk = Desk.objects.create(code="B-202", floor="2F", zone="B")
    done = _action(client_for(daily_staff), RESIDENTS, "check_in", [member_a], apply="1", desk=str(desk.pk))
    assert done.status_code == 200
    assert "张三" in done.content.decode()
    assert "已办理入驻" not in done.content.decode()  # member_a is already checked in: the service refuses


def test_resident_status_is_not_editable(client_for, member_a, administrator):
    page = client_for(administrator).get(reverse("admin:residents_resident_change", args=[member_a.pk]))
    assert 'name="status"' not in page.content.decode()
    assert reverse("admin:residents_resident_archive", args=[member_a.pk]) in page.content.decode()


# --- Renewal requests ---------------------------------------------------------------------------------------


def _renewal(resident) -> RenewalRequest:
    with on_day(REMINDER_DAY):
        return services.renewal_request(resident=resident, actor=resident.user)


def test_renewal_actions_confirm_approve_and_refuse(client_for, member_a, member_b, intake_staff):
    a, b = _renewal(member_a), _renewal(member_b)
    with on_day(REMINDER_DAY):
        client = client_for(intake_staff)
        early = _action(client, RENEWALS, "approve", [a]).content.decode()
        detail = client.get(reverse("admin:residents_renewalrequest_change", args=[a.pk])).content.decode()
        _action(client, RENEWALS, "confirm_fits", [a])
        approved = _action(client, RENEWALS, "approve", [a]).content.decode()
        asked = _action(client, RENEWALS, "refuse", [b]).content.decode()
        refused = _action(client, RENEWALS, "refuse", [b], apply="1", reason="项目方向已调整").content.decode()
    a.refresh_from_db()
    b.refresh_from_db()
    assert "第三章第三条" in early and "等待招商入驻组确认" in early
    assert "本期内无违规记录" in detail
    assert a.status == RenewalStatus.APPROVED and a.new_agreement is not None
    assert "已批准" in approved
    assert "理由" in asked
    assert b.status == RenewalStatus.REFUSED and b.decision_reason == "项目方向已调整"
    assert "已不予续约" in refused


def test_the_daily_team_cannot_decide_renewals(client_for, member_a, daily_staff):
    renewal = _renewal(member_a)
    with on_day(REMINDER_DAY):
        _action(client_for(daily_staff), RENEWALS, "confirm_fits", [renewal])
    renewal.refresh_from_db()
    assert renewal.direction_confirmed is None


# --- Exits and the checklist --------------------------------------------------------------------------------


def _requested(resident):
    with on_day(TODAY):
        return services.exit_request_voluntary(resident=resident, exit_on=date(2026, 12, 15), actor=resident.user)


def test_the_checklist_completes_the_exit(client_for, member_a, daily_staff):
    exit = _requested(member_a)
    change = reverse("admin:residents_exit_change", args=[exit.pk])
    clear = reverse("admin:residents_exit_clear", args=[exit.pk])
    with on_day(TODAY):
        client = client_for(daily_staff)
        _action(client, EXITS, "confirm", [exit])
        page = client.get(change).content.decode()
        for item in ("fees_settled", "deposit_settled", "items_cleared", "desk_released"):
            client.post(clear, {"item": item, "note": ""})
        twice = client.post(clear, {"item": "items_cleared"}, follow=True).content.decode()
        last = client.post(clear, {"item": "permissions_revoked", "note": "门禁卡已注销"}, follow=True)
    exit.refresh_from_db()
    member_a.refresh_from_db()
    assert 'data-testid="exit-checklist"' in page and page.count("标记为已完成") == 5
    assert "已完成" in twice
    assert "退出办结" in last.content.decode()
    assert exit.status == ExitStatus.COMPLETED
    assert member_a.status == ResidentStatus.EXITED
    assert exit.clearances.get(item="permissions_revoked").note.endswith("门禁卡已注销")


def test_only_holders_of_the_clearance_permission_clear(client_for, member_a, daily_staff, resources_staff):
    exit = _requested(member_a)
    with on_day(TODAY):
        services.exit_confirm(exit=exit, actor=daily_staff)
        clear = reverse("admin:residents_exit_clear", args=[exit.pk])
        assert client_for(resources_staff).post(clear, {"item": "items_cleared"}).status_code == 403
        assert client_for(daily_staff).get(clear).status_code == 405
        page = client_for(resources_staff).get(reverse("admin:residents_exit_change", args=[exit.pk]))
    assert "标记为已完成" not in page.content.decode()
    assert not exit.clearances.exists()


def test_cancelling_an_exit_asks_for_the_reason(client_for, member_a, daily_staff):
    exit = _requested(member_a)
    with on_day(TODAY):
        client = client_for(daily_staff)
        asked = _action(client, EXITS, "cancel", [exit]).content.decode()
        _action(client, EXITS, "cancel", [exit], apply="1", reason="入驻主体决定留下")
    exit.refresh_from_db()
    assert "理由" in asked
    assert exit.status == ExitStatus.CANCELLED


def test_the_exit_list_does_not_query_per_row(client_for, member_a, administrator):
    client = client_for(administrator)
    _requested(member_a)
    client.get(EXITS)
    with CaptureQueriesContext(connection) as one:
        client.get(EXITS)
    for _ in range(5):
        _requested(AgreementFactory(resident=ResidentFactory()).resident)
    with CaptureQueriesContext(connection) as six:
        client.get(EXITS)
    assert len(six) == len(one)


def test_bans_are_read_only_and_masked(client_for, member_a, administrator):
    with on_day(TODAY):
        services.force_exit(resident=member_a, reason="严重违规", ban_years=3, actor=administrator)
    page = client_for(administrator).get(reverse("admin:residents_ban_changelist")).content.decode()
    number = member_a.application.id_number
    assert mask_identity_number(number) in page and number not in page
    assert "2029年11月25日" in page
