"""The dashboard card "季度考核材料" (第六章第一条): the quarters the resident may still report on, the deadline
until 23:59, the days and working days left, the state of its own input, red when near and not submitted.

Dates: 2026 Q3 ends on Wednesday 2026-09-30 (its deadline here); 10-01..10-07 are the National Day holiday
and Saturday 10-10 an adjusted working day (the seeded calendar).
"""

from datetime import date

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from residents.models import ResidentStatus
from scoring import cards
from scoring.models import InputStatus, QuarterStatus
from tests.scoring.support.cards import IN_WINDOW, published_cast
from tests.scoring.support.inputs import at, make_quarter, member, sh, stored_input

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("portal:dashboard")
#: The dashboard of a checked-in resident without a score, before this card: session, user, latest unread,
#: resident, the other apps' cards (agreement 1, discipline deadlines 5 — with the exit under way and the
#: overdue invoices —, latest score card 1, bookings 3 — the rulebook, the bookings, the no-shows —,
#: complaints 1), the unread count.
BASE_DASHBOARD_QUERIES = 16
EARLY = sh(2026, 9, 10, 9)  # Thursday: 20 days left
NEAR = sh(2026, 9, 28, 9)  # Monday: 2 days, 2 working days left
LAST_DAY = sh(2026, 9, 30, 22)


@pytest.fixture
def quarter():
    return make_quarter(due=date(2026, 9, 30))


@pytest.fixture
def me(resident_a):
    return member(resident_a, name="张三")


def inputs_card(client, moment) -> str:
    """The card's HTML on the dashboard ("" when the dashboard shows none)."""
    with at(moment):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    if 'aria-labelledby="card-inputs"' not in html:
        return ""
    return html.split('aria-labelledby="card-inputs"', 1)[1].split("</section>", 1)[0]


def label(status: InputStatus) -> str:
    with translation.override("zh-hans"):
        return str(status.label)


def test_the_card_shows_the_deadline_the_days_left_and_the_link(client_for, quarter, me):
    card = inputs_card(client_for(me.user), EARLY)
    assert "季度考核材料" in card
    assert "2026 Q3" in card and "尚未填写" in card  # nothing entered yet
    assert "2026年9月30日 23:59" in card
    assert "还剩 20 天" in card and "个工作日" in card
    assert f'href="{reverse("scoring:input_list")}"' in card
    assert reverse("scoring:input_list") == "/portal/scores/inputs/"
    assert "即将截止" not in card and "callout--danger" not in card  # not urgent yet


@pytest.mark.parametrize(
    ("status", "urgent"),
    [(None, True), (InputStatus.DRAFT, True), (InputStatus.SUBMITTED, False), (InputStatus.VERIFIED, False),
     (InputStatus.CORRECTED, False)],
)
def test_three_days_before_the_deadline_only_what_is_not_submitted_turns_red(
    client_for, quarter, me, status, urgent
):
    if status is not None:
        stored_input(quarter, me, status=status)
    card = inputs_card(client_for(me.user), NEAR)
    assert "还剩 2 天" in card and "还剩 2 个工作日" in card
    assert (label(status) if status else "尚未填写") in card
    assert ("即将截止" in card) is urgent  # the red badge
    assert ("callout--danger" in card) is urgent and ("deadline--overdue" in card) is urgent
    assert ("status--done" in card) is not urgent


def test_the_last_day_says_so_until_midnight(client_for, quarter, me):
    card = inputs_card(client_for(me.user), LAST_DAY)
    assert "今天是最后一天" in card and "2026年9月30日 23:59" in card
    assert "即将截止" in card


def test_no_card_once_the_deadline_has_passed(client_for, quarter, me):
    assert inputs_card(client_for(me.user), sh(2026, 10, 1, 0, 0, 1)) == ""


def test_no_card_for_a_quarter_already_confirmed(client_for, me):
    make_quarter(due=date(2026, 9, 30), status=QuarterStatus.CONFIRMED)
    assert inputs_card(client_for(me.user), EARLY) == ""


def test_a_quarter_drafted_early_still_takes_inputs_and_both_quarters_show_nearest_first(client_for, me):
    """Day 2 of Q4: the 02:00 run drafted Q3, whose deadline staff set to 10-09; Q4 is open too."""
    make_quarter(due=date(2026, 10, 9), status=QuarterStatus.DRAFTED)
    make_quarter(number=4, due=date(2026, 12, 31))
    card = inputs_card(client_for(me.user), sh(2026, 10, 2, 9))
    assert card.index("2026 Q3") < card.index("2026 Q4")
    assert "还剩 7 天" in card and "还剩 2 个工作日" in card  # 10-03..10-07 holidays: only 10-08 and 10-09
    assert "即将截止" in card  # nothing submitted for Q3


def test_another_residents_input_is_not_mine(client_for, quarter, me, resident_b):
    other = member(resident_b, name="欧阳娜娜")
    stored_input(quarter, other, status=InputStatus.VERIFIED)
    card = inputs_card(client_for(me.user), EARLY)
    assert "尚未填写" in card and label(InputStatus.VERIFIED) not in card


def test_a_resident_checked_in_after_the_quarter_does_not_report_on_it(client_for, resident_a):
    make_quarter(due=date(2026, 10, 9), status=QuarterStatus.DRAFTED)  # Q3, ended 09-30
    late = member(resident_a, checked_in_at=sh(2026, 10, 2, 9))
    assert inputs_card(client_for(late.user), sh(2026, 10, 5, 9)) == ""


@pytest.mark.parametrize(
    "fields",
    [{"status": ResidentStatus.EXITED, "exited_on": date(2026, 9, 1), "retain_until": date(2031, 9, 1)},
     {"status": ResidentStatus.ONBOARDING, "checked_in_at": None}],
    ids=["exited", "onboarding"],
)
def test_no_card_for_a_resident_who_may_not_report(client_for, quarter, resident_a, fields):
    member(resident_a, **fields)
    assert inputs_card(client_for(resident_a), EARLY) == ""


def test_no_card_for_someone_who_is_not_a_resident_and_the_empty_score_card_stays(client_for, quarter,
                                                                                   resident_a):
    with at(EARLY):
        html = client_for(resident_a).get(DASHBOARD).content.decode()
    assert 'aria-labelledby="card-inputs"' not in html
    assert "本季度评分" in html and html.count("入驻后可见") == 5


def test_the_score_card_and_the_inputs_card_side_by_side(client_for, resident_a, resident_b, administrator):
    cast = published_cast(resident_a, resident_b, administrator)
    make_quarter(number=4, due=date(2026, 12, 31))
    with at(IN_WINDOW):
        html = client_for(resident_b).get(DASHBOARD).content.decode()
    assert 'aria-labelledby="card-inputs"' in html and "2026 Q4" in html
    score = html.split('aria-labelledby="card-score"', 1)[1].split("</section>", 1)[0]
    assert reverse("scoring:card_detail", args=[cast.card(cast.warned).pk]) in score


def test_the_card_in_english(client_for, quarter, me):
    client = client_for(me.user)
    client.post(reverse("set_language"), {"language": "en", "next": DASHBOARD})
    card = inputs_card(client, NEAR)
    assert "Quarterly inputs" in card and "nothing entered yet" in card and "Due soon" in card
    assert "2 days left" in card and "2 working days left" in card


# --- Query counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("quarters", [1, 2])
def test_the_card_reads_three_queries_whatever_the_number_of_quarters(
    quarters, me, rf: RequestFactory, django_assert_num_queries
):
    make_quarter(due=date(2026, 10, 9), status=QuarterStatus.DRAFTED)
    if quarters == 2:
        stored_input(make_quarter(number=4, due=date(2026, 12, 31)), me, status=InputStatus.DRAFT)
    # 1 the quarters taking inputs with my input's state, 2-3 the working-day calendar
    with at(sh(2026, 10, 2, 9)), django_assert_num_queries(3):
        data = cards.inputs_due(me)
    assert len(data["rows"]) == quarters


def test_no_quarter_taking_inputs_costs_one_query(me, django_assert_num_queries):
    with at(EARLY), django_assert_num_queries(1):
        assert cards.inputs_due(me) is None


@pytest.mark.parametrize("quarters", [0, 1, 2])
def test_the_dashboard_adds_a_fixed_number_of_queries(quarters, me, client_for, django_assert_num_queries):
    if quarters:
        make_quarter(due=date(2026, 10, 9), status=QuarterStatus.DRAFTED)
    if quarters == 2:
        stored_input(make_quarter(number=4, due=date(2026, 12, 31)), me, status=InputStatus.SUBMITTED)
    client = client_for(me.user)
    with at(sh(2026, 10, 2, 9)):
        client.get(DASHBOARD)  # warm the per-process caches (rulebook)
        # the dashboard of the other apps' cards (13), plus this card: the quarters taking inputs with my
        # input's state (always); plus the plan card (tests/scoring/test_plan_card.py): the open quarters
        # (always) and, with Q4 open, my plans and the rulebook (2). The working-day calendar is held.
        plans = 1 + (2 if quarters == 2 else 0)
        with django_assert_num_queries(BASE_DASHBOARD_QUERIES + 1 + plans):
            assert client.get(DASHBOARD).status_code == 200

