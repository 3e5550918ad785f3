"""The work desk (运营工作台) on the admin home: each role's items, red when late, a fixed number of queries;
the models grouped by task, each exactly once; a resident's page opens with its summary (UI.md)."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opc_community.core.admin_groups import GROUPS
from opc_community.core.desk import desk_items
from residents.models import Invoice, InvoiceKind, ResidentStatus
from residents.selectors.summary import resident_summary
from scoring.models import Outcome, QuarterStatus
from tests.discipline.factories import SuspensionFactory
from tests.residents.factories import AgreementFactory, ApplicationFactory, ResidentFactory
from tests.scoring.factories import QuarterFactory, ScoreCardFactory
from tests.spaces.factories import VisitorFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
WEDNESDAY_10AM = datetime(2026, 10, 14, 10, tzinfo=SH)
INDEX = "admin:index"

#: Whose work each item is (the administrator sees every item).
EXPECTED = {
    "intake_staff": {
        "residents.reviews",
        "residents.check_ins",
        "residents.overdue_bills",
        "notices.objections",
        "notices.closing",
    },
    "daily_staff": {
        "residents.check_ins",
        "residents.complaints",
        "spaces.visitors",
        "spaces.no_shows",
        "discipline.behind",
        "discipline.rectifications",
        "notices.objections",
        "notices.closing",
    },
    "resources_staff": {"resources.voucher_applications", "notices.objections", "notices.closing"},
    "oversight": {
        "residents.complaints",
        "discipline.behind",
        "discipline.unpublished",
        "scoring.drafted",
        "notices.objections",
        "notices.closing",
    },
}


def _desk(client) -> dict:
    response = client.get(reverse(INDEX))
    assert response.status_code == 200
    return {line.key: line for line in response.context["desk_lines"]}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_its_own_items_and_not_the_others(request, client_for, role):
    user = request.getfixturevalue(role)
    assert set(_desk(client_for(user))) == EXPECTED[role]


def test_the_administrator_sees_every_item(client_for, administrator):
    assert set(_desk(client_for(administrator))) == {item.key for item in desk_items()}
    assert set().union(*EXPECTED.values()) < {
        item.key for item in desk_items()
    }  # some are the administrator's


def test_oversight_reads_the_desk_without_a_single_write_link(client_for, oversight):
    page = client_for(oversight).get(reverse(INDEX)).content.decode()
    assert 'class="opc-desk"' in page
    assert 'class="addlink"' not in page and 'class="changelink"' not in page
    assert 'class="viewlink"' in page


def test_late_items_are_red_and_link_to_the_late_ones(client_for, administrator, member_a):
    with time_machine.travel(WEDNESDAY_10AM, tick=False):
        ApplicationFactory(review_due_at=WEDNESDAY_10AM - timedelta(days=1))  # overdue
        ApplicationFactory(review_due_at=WEDNESDAY_10AM + timedelta(hours=2))  # due today
        ApplicationFactory(review_due_at=WEDNESDAY_10AM + timedelta(days=5))  # not today's work
        VisitorFactory(
            host=member_a, expected_at=WEDNESDAY_10AM + timedelta(hours=3)
        )  # later today
        ResidentFactory(status=ResidentStatus.ONBOARDING, checked_in_at=None)
        client = client_for(administrator)
        desk = _desk(client)
        page = client.get(reverse(INDEX)).content.decode()

    reviews = desk["residents.reviews"]
    assert (reviews.count, reviews.late) == (2, True)
    assert reviews.link.endswith("?overdue=yes")
    visitors = desk["spaces.visitors"]
    assert (visitors.count, visitors.late) == (1, False)  # expected later today: not late yet
    assert "expected_at__from=2026-10-14" in visitors.link
    check_ins = desk["residents.check_ins"]
    assert (check_ins.count, check_ins.late) == (1, False)
    assert desk["spaces.no_shows"].count == 0
    assert re.search(r'opc-desk__item--late" data-desk-item="residents.reviews"', page)
    assert re.search(r'opc-desk__item" data-desk-item="residents.check_ins"', page)
    assert "已逾期" in page


def test_the_filtered_lists_behind_the_counts_agree(client_for, administrator):
    with time_machine.travel(WEDNESDAY_10AM, tick=False):
        ApplicationFactory(review_due_at=WEDNESDAY_10AM - timedelta(days=1))
        ApplicationFactory(review_due_at=WEDNESDAY_10AM + timedelta(hours=2))
        client = client_for(administrator)
        desk = _desk(client)
        today = client.get(reverse("admin:residents_application_changelist"), {"overdue": "today"})
        complaints = client.get(desk["residents.complaints"].link)
    assert today.context["cl"].result_count == desk["residents.reviews"].count == 2
    assert complaints.status_code == 200  # the complaint list's "due" filter exists


def _index_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(INDEX)).status_code == 200
    return len(queries)


def test_the_desk_runs_one_query_per_item_whatever_the_rows(
    client_for, administrator, member_a, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(
        "opc_community.workdays.selectors.calendar_warnings", lambda: []
    )  # not the desk's
    client = client_for(administrator)
    # 1 session, 2 user, 3 the role names (cached on the user for the request), then one query per desk item
    # (a COUNT, or one aggregate counting all rows and the late ones), 4 the user's own and 5 group
    # permissions (the grouped model list), 6 the recent-actions log.
    with django_assert_num_queries(6 + len(desk_items())):
        client.get(reverse(INDEX))
    for _number in range(5):
        ApplicationFactory(review_due_at=WEDNESDAY_10AM)
        VisitorFactory(host=member_a)
        ResidentFactory(status=ResidentStatus.ONBOARDING, checked_in_at=None)
    assert _index_queries(client) == 6 + len(desk_items())


def test_desk_labels_are_chinese(client_for, administrator):
    desk = _desk(client_for(administrator))
    for line in desk.values():
        assert re.search(r"[\u4e00-\u9fff]", str(line.label)), line.key
        assert not re.search(r"[A-Za-z]{3,}", str(line.label)), line.label


# --- The models grouped by task ---------------------------------------------------------------------------


def test_every_registered_model_is_in_exactly_one_group():
    labels = [label for group in GROUPS for label in group.models]
    assert len(labels) == len(set(labels)), "a model in two groups"
    assert set(labels) == {model._meta.label for model in admin.site._registry}


def test_the_home_page_lists_models_by_task(client_for, administrator):
    page = client_for(administrator).get(reverse(INDEX))
    names = [str(app["name"]) for app in page.context["app_list"]]
    assert names == [
        "入驻与协议",
        "空间与预约",
        "资源与服务",
        "活动与评分",
        "违规、诉求与申诉",
        "安全",
        "公示与规则",
        "系统",
    ]
    intake = page.context["app_list"][0]
    assert [str(model["name"]) for model in intake["models"]][:2] == ["入驻申请", "入驻主体"]


@pytest.mark.parametrize(
    "role", ["intake_staff", "daily_staff", "resources_staff", "oversight", "administrator"]
)
def test_grouping_changes_no_ones_visibility(request, role):
    user = request.getfixturevalue(role)
    http = RequestFactory().get("/admin/")
    http.user = user
    grouped = {
        model["admin_url"] for app in admin.site.get_app_list(http) for model in app["models"]
    }
    stock = {
        model["admin_url"]
        for app in AdminSite.get_app_list(admin.site, http)
        for model in app["models"]
    }
    assert grouped == stock


def test_an_apps_own_page_keeps_its_models(client_for, administrator):
    page = client_for(administrator).get(reverse("admin:app_list", args=["residents"]))
    assert page.status_code == 200
    assert {app["app_label"] for app in page.context["app_list"]} == {"residents"}


# --- A resident's summary ---------------------------------------------------------------------------------


def _troubled(member):
    """Overdue bill, a warning-list score, a suspension in force."""
    agreement = member.agreements.get()
    Invoice.objects.create(
        resident=member,
        agreement=agreement,
        number=f"INV-{member.pk}",
        kind=InvoiceKind.FEE,
        description="服务费",
        amount=Decimal("800.00"),
        issued_on=date(2026, 9, 1),
        due_on=date(2026, 9, 10),
    )
    quarter = QuarterFactory(status=QuarterStatus.PUBLISHED)
    ScoreCardFactory(resident=member, quarter=quarter, total=55, outcome=Outcome.WARNING)
    SuspensionFactory(resident=member)


def test_a_residents_page_opens_with_its_summary(client_for, daily_staff, member_a):
    with time_machine.travel(WEDNESDAY_10AM, tick=False):
        _troubled(member_a)
        page = client_for(daily_staff).get(
            reverse("admin:residents_resident_change", args=[member_a.pk])
        )
    assert page.status_code == 200
    facts = {str(fact.label): fact for fact in page.context["resident_summary"]}
    assert list(facts) == ["入驻协议", "欠缴金额", "最近评分", "违规案件", "暂停措施"]
    assert "2027年3月31日" in facts["入驻协议"].text and not facts["入驻协议"].late
    assert facts["欠缴金额"].text == "欠缴 ¥800.00 · 逾期账单 1 笔" and facts["欠缴金额"].late
    assert facts["最近评分"].text.startswith("2026年第3季度：55 分") and facts["最近评分"].late
    assert facts["违规案件"].text == "暂无在办" and not facts["违规案件"].late
    assert facts["暂停措施"].late
    html = page.content.decode()
    assert 'data-testid="resident-summary"' in html
    assert "opc-summary__fact--late" in html


def test_the_summary_is_one_query_per_section_whatever_the_history(
    member_a, member_b, django_assert_num_queries
):
    _troubled(member_a)
    for number in range(3):
        Invoice.objects.create(
            resident=member_a,
            agreement=member_a.agreements.get(),
            number=f"INV-X{number}",
            kind=InvoiceKind.FINE,
            description="罚款",
            amount=Decimal("50.00"),
            issued_on=date(2026, 9, 1),
            due_on=date(2026, 9, 5),
        )
        SuspensionFactory(resident=member_a)
    AgreementFactory(
        resident=member_a,
        number="OPC-TEST-NEXT",
        starts_on=date(2027, 4, 1),
        ends_on=date(2028, 3, 31),
    )
    # agreements; invoices' balance and overdue count; latest card with its quarter; open cases; suspensions
    with django_assert_num_queries(5):
        resident_summary(member_a)
    with django_assert_num_queries(5):
        resident_summary(member_b)
