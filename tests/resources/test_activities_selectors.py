"""The participation figures of the quarterly score (第六章第一条 维度一, RULEBOOK §6 decision) on a
hand-made quarter, held to the pure definition (``rules.is_expected``); one query for everyone;
the portal's reads."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from residents.models import ResidentStatus
from resources.models import Activity, Attendance, CheckInMethod
from resources.rules import activities as rules
from resources.selectors import activities as selectors
from tests.residents.factories import ResidentFactory
from tests.resources.support import NOW, attend, make_activity, member, register, sh

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
Q4 = (date(2026, 10, 1), date(2026, 12, 31))


@pytest.fixture
def quarter(resources_staff):
    """Activities around and inside Q4 2026, keyed by name."""
    a = {
        "before": make_activity(resources_staff, title="before", starts_at=sh(2026, 9, 30, 23, 59)),
        "first_instant": make_activity(resources_staff, title="first_instant", starts_at=sh(2026, 10, 1, 0, 0)),
        "october": make_activity(resources_staff, title="october", starts_at=sh(2026, 10, 20, 14, 0)),
        "cancelled": make_activity(resources_staff, title="cancelled", starts_at=sh(2026, 11, 10, 14, 0),
                                   cancelled_at=sh(2026, 11, 9, 9, 0)),
        "not_counting": make_activity(resources_staff, title="not_counting", starts_at=sh(2026, 11, 12, 14, 0),
                                      counts=False),
        "november": make_activity(resources_staff, title="november", starts_at=sh(2026, 11, 20, 14, 0)),
        # 23:30 on the last day in Shanghai is 15:30 UTC: inside the quarter.
        "last_evening": make_activity(resources_staff, title="last_evening", starts_at=sh(2026, 12, 31, 23, 30),
                                      ends_at=sh(2027, 1, 1, 0, 30)),
        "after": make_activity(resources_staff, title="after", starts_at=sh(2027, 1, 1, 0, 0)),
    }
    return a


def _exited(day: date, **fields):
    return member(status=ResidentStatus.EXITED, exited_on=day, retain_until=day + timedelta(days=1095), **fields)


@pytest.fixture
def cohort(quarter, resources_staff):
    """Residents in every situation, with attendance (some at activities that must not count)."""
    people = {
        "whole_quarter": member(name="全季度", checked_in_at=sh(2026, 4, 1, 9)),
        "mid_quarter": member(name="季中入驻", checked_in_at=sh(2026, 11, 1, 9)),
        "at_the_start": member(name="开场入驻", checked_in_at=sh(2026, 10, 20, 14, 0)),
        "a_second_late": member(name="晚一秒", checked_in_at=sh(2026, 10, 20, 14, 0, 1)),
        "exited_on_the_day": _exited(date(2026, 11, 20), name="当天退出", checked_in_at=sh(2026, 4, 1, 9)),
        "exited_the_day_before": _exited(date(2026, 11, 19), name="前一天退出", checked_in_at=sh(2026, 4, 1, 9)),
        "onboarding": member(name="未入驻", status=ResidentStatus.ONBOARDING, checked_in_at=None),
        "next_quarter": member(name="下季度入驻", checked_in_at=sh(2027, 1, 1, 0, 0)),
    }
    q = quarter
    for name in ("before", "first_instant", "october", "cancelled", "not_counting", "november"):
        attend(q[name], people["whole_quarter"], resources_staff)
    attend(q["october"], people["mid_quarter"], resources_staff)  # before its check-in: never expected
    attend(q["last_evening"], people["mid_quarter"], resources_staff)
    attend(q["october"], people["at_the_start"], resources_staff)
    attend(q["first_instant"], people["exited_on_the_day"], resources_staff)
    attend(q["november"], people["exited_on_the_day"], resources_staff)
    attend(q["november"], people["exited_the_day_before"], resources_staff)  # after its exit: not expected
    return people


EXPECTED = {
    # name: (attended, expected)
    "whole_quarter": (3, 4),  # first_instant, october, november, last_evening; not before/cancelled/not counting
    "mid_quarter": (1, 2),  # november, last_evening only
    "at_the_start": (1, 3),  # checked in exactly at october's start: october, november, last_evening
    "a_second_late": (0, 2),  # november, last_evening
    "exited_on_the_day": (2, 3),  # first_instant, october, november (its exit day)
    "exited_the_day_before": (0, 2),  # first_instant, october
}


def test_participation_of_a_hand_made_quarter(cohort):
    figures = selectors.participation(*Q4)

    by_name = {name: figures.get(resident.pk) for name, resident in cohort.items()}
    assert by_name == {**EXPECTED, "onboarding": None, "next_quarter": None}


def test_the_query_agrees_with_the_pure_definition(cohort, quarter):
    """Every (resident, activity) pair decided by ``rules.is_expected`` gives the same figures."""
    figures = selectors.participation(*Q4)
    since, until = selectors.quarter_bounds(*Q4)
    attended = set(Attendance.objects.values_list("resident_id", "activity_id"))
    for resident in cohort.values():
        resident.refresh_from_db()
        expected = [
            activity for activity in quarter.values()
            if since <= activity.starts_at < until and rules.is_expected(
                counts_for_attendance=activity.counts_for_attendance, cancelled=activity.cancelled_at is not None,
                starts_at=activity.starts_at, checked_in_at=resident.checked_in_at, exited_on=resident.exited_on,
                tz=SH,
            )
        ]
        hits = sum((resident.pk, activity.pk) in attended for activity in expected)
        assert figures.get(resident.pk, (0, 0)) == (hits, len(expected)), resident.name


def test_the_per_resident_variant_gives_the_same_figures(cohort):
    figures = selectors.participation(*Q4)
    for resident in cohort.values():
        assert selectors.participation_of(resident, *Q4) == figures.get(resident.pk, (0, 0))


def test_the_portal_list_of_expected_activities_matches(cohort):
    mid = cohort["mid_quarter"]
    activities = selectors.expected_activities(mid, *Q4)
    assert [(a.title, a.attended_at is not None) for a in activities] == [("november", False), ("last_evening", True)]
    exited = cohort["exited_on_the_day"]
    assert [a.title for a in selectors.expected_activities(exited, *Q4)] == ["first_instant", "october", "november"]


def test_quarter_boundaries_are_shanghai_days(cohort):
    """The previous quarter sees "before" (Sept 30, 23:59 in Shanghai), Q4 does not."""
    q3 = selectors.participation(date(2026, 7, 1), date(2026, 9, 30))
    assert q3[cohort["whole_quarter"].pk] == (1, 1)
    q1 = selectors.participation(date(2027, 1, 1), date(2027, 3, 31))
    assert q1[cohort["next_quarter"].pk] == (0, 1)  # "after" starts at the instant of its check-in


def test_an_empty_quarter_is_an_empty_dict(db):
    assert selectors.participation(*Q4) == {}


def test_a_quarter_ending_before_it_starts_is_a_programming_error(db):
    with pytest.raises(ValueError):
        selectors.participation(date(2026, 12, 31), date(2026, 10, 1))


def _population(n: int, activities: list[Activity], staff) -> None:
    residents = ResidentFactory.create_batch(n, checked_in_at=sh(2026, 4, 1, 9))
    Attendance.objects.bulk_create(
        Attendance(activity=activity, resident=resident, method=CheckInMethod.LIST,
                   checked_in_at=activity.starts_at, checked_in_by=staff)
        for i, resident in enumerate(residents) for activity in activities[: i % (len(activities) + 1)]
    )


def test_one_query_whatever_the_number_of_residents(resources_staff, django_assert_num_queries):
    activities = [make_activity(resources_staff, starts_at=sh(2026, 10, 5 + 7 * week, 14)) for week in range(4)]
    _population(10, activities, resources_staff)
    with django_assert_num_queries(1):  # the join of residents × expected activities × attendance, grouped
        figures = selectors.participation(*Q4)
    assert len(figures) == 10

    _population(90, activities, resources_staff)
    with django_assert_num_queries(1):
        figures = selectors.participation(*Q4)
    assert len(figures) == 100
    assert sum(attended for attended, _ in figures.values()) == Attendance.objects.count()
    assert {expected for _, expected in figures.values()} == {4}


# --- The portal's reads ------------------------------------------------------------------------------------------


def test_upcoming_activities_with_places_and_the_resident_s_state(resources_staff, member_a, member_b):
    soon = make_activity(resources_staff, title="soon", starts_at=NOW + timedelta(days=1), capacity=2)
    later = make_activity(resources_staff, title="later", starts_at=NOW + timedelta(days=3))
    make_activity(resources_staff, title="cancelled", starts_at=NOW + timedelta(days=2), cancelled_at=NOW)
    make_activity(resources_staff, title="over", starts_at=NOW - timedelta(days=2))
    register(soon, member_a)
    register(soon, member_b)

    rows = list(selectors.upcoming_for(member_a, now=NOW))

    assert [(a.title, a.taken, a.registered) for a in rows] == [("soon", 2, True), ("later", 0, False)]
    assert later.pk == rows[1].pk


def test_the_resident_may_open_what_it_took_part_in_and_what_is_coming(resources_staff, member_a, member_b):
    past_mine = make_activity(resources_staff, title="past mine", starts_at=NOW - timedelta(days=5))
    past_other = make_activity(resources_staff, title="past other", starts_at=NOW - timedelta(days=5))
    cancelled_mine = make_activity(resources_staff, title="cancelled mine", starts_at=NOW + timedelta(days=1),
                                   cancelled_at=NOW)
    attend(past_mine, member_a, resources_staff)
    attend(past_other, member_b, resources_staff)
    register(cancelled_mine, member_a)
    coming = make_activity(resources_staff, title="coming")

    visible = set(selectors.visible_to(member_a, now=NOW).values_list("title", flat=True))

    assert visible == {"past mine", "cancelled mine", "coming"}
    assert coming.pk


@pytest.mark.parametrize("rows", [1, 6])
def test_portal_reads_have_a_fixed_number_of_queries(resources_staff, member_a, django_assert_num_queries, rows):
    for n in range(rows):
        activity = make_activity(resources_staff, title=f"活动{n}", starts_at=NOW + timedelta(days=n + 1))
        register(activity, member_a)
        attend(make_activity(resources_staff, starts_at=NOW - timedelta(days=n + 1)), member_a, resources_staff)
    with django_assert_num_queries(1):
        assert len(list(selectors.upcoming_for(member_a, now=NOW))) == rows
    with django_assert_num_queries(1):
        assert len(list(selectors.my_registrations(member_a, now=NOW))) == rows
    with django_assert_num_queries(1):
        assert len([a.activity.title for a in selectors.attendance_history(member_a)]) == rows
    with django_assert_num_queries(1):
        selectors.quarter_participation(member_a, now=NOW)


@pytest.mark.parametrize("walk_ins", [1, 6])
def test_the_check_in_sheet_takes_two_queries(resources_staff, django_assert_num_queries, walk_ins):
    activity = make_activity(resources_staff)
    for n in range(walk_ins):
        registered = member(name=f"报名{n}")
        register(activity, registered)
        attend(activity, member(name=f"现场{n}"), resources_staff)
        if n % 2:
            attend(activity, registered, resources_staff)
    with django_assert_num_queries(2):  # registrations (+ resident, user); attendance (+ resident, user, staff)
        rows = selectors.checkin_sheet(activity)
        names = [(row.resident.name, row.resident.user.phone, row.walk_in) for row in rows]
    assert len(names) == 2 * walk_ins
    assert [walk_in for *_, walk_in in names] == [False] * walk_ins + [True] * walk_ins


def test_walk_in_search_finds_checked_in_residents_by_name_or_phone(member_a, member_b, outsider):
    member(outsider, name="王五", status=ResidentStatus.ONBOARDING)
    assert selectors.walk_in_candidates("张") == [member_a]
    assert selectors.walk_in_candidates(member_b.user.phone[-4:]) == [member_b]
    assert selectors.walk_in_candidates("王五") == []  # not checked in
    assert selectors.walk_in_candidates("  ") == []
