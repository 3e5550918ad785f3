"""Deadlines that act (RULEBOOK §9, decisions added 2026-12): a rectification deadline passed marks the case
"not rectified" the next morning and tells the responsible staff; a decided case not published within its
working days is flagged to the administrator; both show in the queue's "behind schedule" (待办/逾期) filter
and as a count on the admin index."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from discipline.models import CaseStatus
from discipline.selectors.cases import overdue_count
from discipline.services import deadlines
from opc_community.portal.models import Notification
from tests.discipline.support.cases import TODAY, at, on_day, open_case, to_decided, to_notice

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 10, 16)


@pytest.mark.parametrize(
    ("run_on", "marked"),
    [
        (TODAY + timedelta(days=7), 0),  # the deadline day itself still belongs to the resident
        (TODAY + timedelta(days=8), 1),  # the next morning: not rectified
    ],
)
def test_a_passed_rectification_deadline_marks_the_case_the_next_morning(
    member_a, daily_staff, run_on, marked
):
    with on_day(TODAY):
        case = open_case(member_a, daily_staff)
        notice = to_notice(case, daily_staff)  # default: 7 calendar days → 2026-10-19
    assert notice.deadline == TODAY + timedelta(days=7)
    with on_day(run_on, 7, 50):
        assert deadlines.rectification_overdue_run(today=run_on) == marked
        assert deadlines.rectification_overdue_run(today=run_on) == 0  # idempotent
    case.refresh_from_db()
    expected = CaseStatus.NOT_RECTIFIED if marked else CaseStatus.NOTICE_ISSUED
    assert case.status == expected
    told = Notification.objects.filter(recipient=daily_staff, kind="discipline.rectification_overdue")
    assert told.count() == marked
    if marked:
        assert "not_rectified" in case.flags


def test_publish_by_counts_working_days_over_the_weekend(member_a, daily_staff, administrator):
    with on_day(FRIDAY):
        case = open_case(member_a, daily_staff, occurred_on=FRIDAY)
        to_decided(case, daily_staff, administrator)
    # Friday + 3 working days: Mon 19, Tue 20, Wed 21 → by Wednesday 23:59:59.
    assert case.publish_due_at == at(date(2026, 10, 21), 23, 59).replace(second=59)
    assert not case.publish_due_provisional
    with on_day(date(2026, 10, 21), 23, 0):
        assert deadlines.publication_overdue_flag() == 0
        assert overdue_count(at(date(2026, 10, 21), 23, 0)) == 0
    with on_day(date(2026, 10, 22), 0, 1):
        assert deadlines.publication_overdue_flag() == 1
        assert deadlines.publication_overdue_flag() == 0  # once
        assert overdue_count(at(date(2026, 10, 22), 0, 1)) == 1
    assert Notification.objects.filter(recipient=administrator, kind="discipline.publication_overdue").count() == 1


def test_publish_by_skips_a_holiday(member_a, daily_staff, administrator):
    """Decided on Wednesday 2026-09-30: the National Day holidays follow, and Saturday 10-10 is an adjusted
    working day → the 3rd working day is that Saturday, not a plain count of weekdays (10-05)."""
    day = date(2026, 9, 30)
    with on_day(day):
        case = open_case(member_a, daily_staff, occurred_on=day)
        to_decided(case, daily_staff, administrator)
    assert timezone.localtime(case.publish_due_at).date() == date(2026, 10, 10)


def test_the_queue_filters_and_the_index_counts_cases_behind(
    client_for, member_a, daily_staff, administrator, django_assert_max_num_queries
):
    with on_day(TODAY):
        for _ in range(3):
            to_notice(open_case(member_a, daily_staff), daily_staff)
        decided = open_case(member_a, daily_staff)
        to_decided(decided, daily_staff, administrator)
    client = client_for(administrator)
    with on_day(TODAY + timedelta(days=8)):
        url = reverse("admin:discipline_violationcase_changelist")
        with django_assert_max_num_queries(30):
            page = client.get(url, {"behind": "yes"})
        assert page.status_code == 200
        assert page.context["cl"].result_count == 4  # three notices past their deadline, one late publication
        index = client.get(reverse("admin:index"))
        assert "4" in index.content.decode() and f"{url}?behind=yes" in index.content.decode()


def test_an_objection_tells_the_administrator_at_once(member_a, member_b, daily_staff, administrator):
    from opc_community.notices.services import objection_submit
    from tests.discipline.support.cases import to_published

    with on_day(TODAY):
        publication = to_published(open_case(member_a, daily_staff), daily_staff, administrator)
        objection_submit(publication=publication, author=member_b.user, text="事实有误。")
    assert Notification.objects.filter(recipient=administrator, kind="notices.objection_submitted").count() == 1


def test_a_drafted_quarter_is_counted_on_the_admin_index(client_for, administrator):
    from scoring.models import Quarter, QuarterStatus

    Quarter.objects.create(year=2026, number=3, inputs_due_on=date(2026, 9, 30), status=QuarterStatus.DRAFTED)
    page = client_for(administrator).get(reverse("admin:index")).content.decode()
    assert "status__exact=drafted" in page
