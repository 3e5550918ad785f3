"""The public service-quality page (服务公示, 第四章第四条 2): figures from known data, boundaries of the
working-day deadlines, a fixed number of queries, no personal data, Chinese, and its API twin."""

import itertools
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opc_community.notices import selectors
from opc_community.notices.quality import section_view
from opc_community.notices.rules import median_of, month_starts, share
from residents.selectors.service_figures import complaint_figures
from residents.services import complaints as complaint_services
from resources.models import GrantSource, VoucherGrant, VoucherUnit
from resources.selectors.service_figures import voucher_figures
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules
from tests.residents.support.complaints import at, file_complaint, sh
from tests.resources.factories import VoucherProgrammeFactory

pytestmark = pytest.mark.django_db

SEPTEMBER, OCTOBER = date(2026, 9, 1), date(2026, 10, 1)
#: Filed Mon 2026-10-12 10:00: working days 1, 2, 3 are Tue 10-13, Wed 10-14, Thu 10-15 (answer by the end of
#: 10-14); the 7th is Wed 10-21 (solve by the end of 10-21).
FILED = sh(2026, 10, 12, 10, 0)
NOW = sh(2026, 10, 30, 12, 0)
NUMBERS = itertools.count(1)


@pytest.fixture
def member(resident_a):
    resident = ResidentFactory(user=resident_a, name="张三")
    acknowledge_rules(resident)
    AgreementFactory(resident=resident)
    return resident


def _complaint(member, daily_staff, *, answered=None, solved=None):
    # A distinct subject each: the same complaint open twice is refused (filed once).
    complaint = file_complaint(member, at=FILED, subject=f"空调不制冷（{next(NUMBERS)}）")
    if answered:
        with at(answered):
            complaint = complaint_services.complaint_respond(
                complaint=complaint, text="收到", actor=daily_staff
            )
    if solved:
        with at(solved):
            complaint = complaint_services.complaint_solve(
                complaint=complaint, text="已处理", actor=daily_staff
            )
    return complaint


@pytest.mark.parametrize(
    ("answered", "solved", "answered_in_time", "days_to_answer", "solved_in_time", "days_to_solve"),
    [
        # Answered on the 2nd working day (its last second): counts; solved on the 7th: counts.
        (
            sh(2026, 10, 14, 23, 59, 59),
            sh(2026, 10, 21, 18, 0),
            "100.0%",
            "2.0 个工作日",
            "100.0%",
            "7.0 个工作日",
        ),
        # Answered on the 3rd working day: does not count; solved on the 8th: does not either.
        (
            sh(2026, 10, 15, 9, 0),
            sh(2026, 10, 22, 9, 0),
            "0.0%",
            "3.0 个工作日",
            "0.0%",
            "8.0 个工作日",
        ),
        # Answered the same day (0 working days); not solved and past the deadline: late.
        (sh(2026, 10, 12, 15, 0), None, "100.0%", "0.0 个工作日", "0.0%", "—"),
        # Nothing done, both deadlines passed: late twice, no time taken.
        (None, None, "0.0%", "—", "0.0%", "—"),
    ],
)
def test_one_complaint_answered_and_solved_on_the_boundaries(
    member,
    daily_staff,
    answered,
    solved,
    answered_in_time,
    days_to_answer,
    solved_in_time,
    days_to_solve,
):
    _complaint(member, daily_staff, answered=answered, solved=solved)
    (section,) = complaint_figures([SEPTEMBER, OCTOBER], now=NOW)
    september, october = section_view(section, [SEPTEMBER, OCTOBER]).rows
    assert september == ["2026年9月", "0", "—", "—", "—", "—"]
    assert october == [
        "2026年10月",
        "1",
        answered_in_time,
        days_to_answer,
        solved_in_time,
        days_to_solve,
    ]


def test_shares_and_medians_over_several_complaints(member, daily_staff):
    _complaint(
        member, daily_staff, answered=sh(2026, 10, 14, 9, 0), solved=sh(2026, 10, 21, 9, 0)
    )  # 2, 7: both in time
    _complaint(
        member, daily_staff, answered=sh(2026, 10, 15, 9, 0), solved=sh(2026, 10, 22, 9, 0)
    )  # 3, 8: both late
    _complaint(member, daily_staff, answered=sh(2026, 10, 12, 11, 0))  # 0; solution overdue
    _complaint(member, daily_staff)  # nothing; both overdue
    (section,) = complaint_figures([OCTOBER], now=NOW)
    filed, answered, answer_median, solved, solve_median = (
        figure.values[0] for figure in section.figures
    )
    assert filed == 4
    assert answered == Decimal("50.0")  # 2 of 4
    assert answer_median == Decimal("2.0")  # of 0, 2, 3
    assert solved == Decimal("25.0")  # 1 of 4
    assert solve_median == Decimal("7.5")  # of 7, 8
    assert "2 个工作日" in section.figures[1].label and "7 个工作日" in section.figures[3].label


def test_a_step_still_within_its_deadline_is_not_counted_yet(member, daily_staff):
    _complaint(member, daily_staff)
    (section,) = complaint_figures([OCTOBER], now=sh(2026, 10, 13, 9, 0))
    assert [figure.values[0] for figure in section.figures] == [1, None, None, None, None]


def test_pure_helpers():
    assert month_starts(date(2026, 2, 14), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert share(1, 2) == Decimal("33.3") and share(0, 0) is None
    assert median_of([3, 1, 2, 10]) == Decimal("2.5") and median_of([]) is None


# --- The page -------------------------------------------------------------------------------------------


def _page(client):
    with at(NOW):
        return client.get(reverse("notices:service_quality"))


def test_the_page_is_public_chinese_and_names_nobody(client, member, daily_staff):
    _complaint(member, daily_staff, answered=sh(2026, 10, 14, 9, 0))
    response = _page(client)
    assert response.status_code == 200
    page = response.content.decode()
    assert "服务公示" in page and "南沙国际OPC生态社区运营管理办公室" in page
    assert "第四章第四条" in page and "2 个工作日内答复" in page
    assert "<svg" in page and 'role="img"' in page  # the chart, drawn on the server
    assert "2026年10月" in page and "50.0%" not in page  # one complaint answered in time: 100.0%
    visible = re.sub(r"<[^>]+>", " ", page)
    for personal in ("张三", "张*", "空调不制冷", "收到"):
        assert personal not in visible
    # No English words on the Chinese page (beyond the site's proper names).
    words = set(
        re.findall(
            r"\b[A-Za-z]{4,}\b", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", visible, flags=re.S)
        )
    )
    assert not words - {"OPC", "English"}, words  # the language switch names its language


def test_the_page_costs_the_same_queries_at_1_and_at_5_complaints(client, member, daily_staff):
    _complaint(member, daily_staff, answered=sh(2026, 10, 14, 9, 0))
    with at(NOW), CaptureQueriesContext(connection) as few:
        client.get(reverse("notices:service_quality"))
    for _n in range(4):
        _complaint(
            member, daily_staff, answered=sh(2026, 10, 15, 9, 0), solved=sh(2026, 10, 20, 9, 0)
        )
    with at(NOW), CaptureQueriesContext(connection) as many:
        client.get(reverse("notices:service_quality"))
    assert len(many) == len(few)


def test_the_page_s_query_count_is_fixed(client, django_assert_num_queries):
    # Rooms: 3 per month (occupancy_report: rulebook versions, rooms, bookings grouped). Then 11: complaints —
    # rulebook (1), complaints (1), the working-day calendar loaded once for the process (2); intake —
    # rulebook (1), transitions (1), versions (1) (the calendar is held now); vouchers — programmes (1),
    # grants (1); surveys — versions (1), surveys (1) (the answers are summed only for surveys found: none
    # here). No session or user: the page is public.
    with at(NOW), django_assert_num_queries(selectors.SERVICE_MONTHS * 3 + 11):
        assert client.get(reverse("notices:service_quality")).status_code == 200


def test_the_api_twin_gives_the_same_figures(client, member, daily_staff):
    _complaint(member, daily_staff, answered=sh(2026, 10, 14, 9, 0))
    with at(NOW):
        data = client.get("/api/v1/service-quality/").json()
    assert data["months"][-1] == "2026-10-01" and len(data["months"]) == selectors.SERVICE_MONTHS
    complaints = next(section for section in data["sections"] if section["key"] == "complaints")
    assert complaints["figures"][0]["values"][-1] == 1
    assert (
        complaints["figures"][1]["unit"] == "percent"
        and complaints["figures"][1]["values"][-1] == 100.0
    )
    assert "张三" not in str(data)


def test_the_board_links_the_page_and_sign_up(client):
    page = client.get(reverse("notices:list")).content.decode()
    assert reverse("notices:service_quality") in page and reverse("residents:signup") in page


# --- Vouchers: the budget granted, per unit -------------------------------------------------------------


def test_the_voucher_budget_granted_by_month_end_per_unit(member):
    yuan = VoucherProgrammeFactory(budget=Decimal("50000.00"), opens_on=date(2026, 10, 1))
    tokens = VoucherProgrammeFactory(
        unit=VoucherUnit.TOKENS, budget=Decimal("1000.00"), opens_on=date(2026, 11, 1)
    )
    VoucherProgrammeFactory(budget=Decimal("99999.00"), published_at=None)  # a draft: no budget yet
    for number, (programme, amount, issued) in enumerate(
        [
            (yuan, "1000.00", sh(2026, 10, 15, 10)),
            (yuan, "2000.00", sh(2026, 11, 30, 23)),
            (tokens, "250.00", sh(2026, 11, 2, 9)),
        ]
    ):
        VoucherGrant.objects.create(
            number=f"V{number}",
            resident=member,
            programme=programme,
            source=GrantSource.APPLICATION,
            kind=programme.kind,
            unit=programme.unit,
            amount=Decimal(amount),
            balance=Decimal(amount),
            issued_at=issued,
            expires_at=issued + timedelta(days=90),
        )
    (section,) = voucher_figures([SEPTEMBER, OCTOBER, date(2026, 11, 1)], now=sh(2026, 12, 1, 9))
    by_label = {figure.label: list(figure.values) for figure in section.figures}
    assert by_label == {
        "预算发放率（元）": [
            None,
            Decimal("2.0"),
            Decimal("6.0"),
        ],  # 1,000 then 3,000 of 50,000 (11-30 23:00 counts)
        "预算发放率（千 tokens）": [
            None,
            None,
            Decimal("25.0"),
        ],  # open from November: 250 of 1,000
    }
