"""Complaint jobs: overdue flags once per complaint and deadline; auto-closing only as rule data."""


import pytest

from opc_community import rulebook
from opc_community.core.errors import InvalidTransition
from opc_community.portal.models import Notification
from residents.models import ComplaintStatus, MessageKind
from residents.services import complaint_deadlines
from residents.services import complaints as services
from residents.tasks.complaints import close_unconfirmed_complaints, flag_overdue_complaints
from tests.residents.support.complaints import (
    at,
    file_complaint,
    sh,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint_a(member_a):
    """Resident A's complaint, filed at the conformance moment (Wed 2026-09-30)."""
    return file_complaint(member_a)


def _flags():
    return sorted(Notification.objects.filter(kind__endswith="_overdue").values_list("recipient__username", "dedupe_key"))


def test_the_overdue_flag_task_run_twice_notifies_once(complaint_a, daily_staff, administrator):
    with at(sh(2026, 10, 10, 8, 0)):  # the day after the response was due
        first = flag_overdue_complaints.delay().get()
        second = flag_overdue_complaints.delay().get()

    assert (first, second) == (1, 0)
    assert _flags() == [("daily", f"complaint:{complaint_a.pk}:response-overdue:2026-10-09")]


def test_each_deadline_is_flagged_once_as_it_passes(complaint_a, daily_staff):
    with at(sh(2026, 10, 10, 8, 0)):
        flag_overdue_complaints()
    with at(sh(2026, 10, 12, 8, 0)):
        services.complaint_respond(complaint=complaint_a, text="收到（晚了）", actor=daily_staff)
        assert flag_overdue_complaints() == 0  # responded: nothing new; the solution is not due yet
    with at(sh(2026, 10, 16, 8, 0)):
        assert flag_overdue_complaints() == 1
        assert flag_overdue_complaints() == 0

    assert [key for _, key in _flags()] == [
        f"complaint:{complaint_a.pk}:response-overdue:2026-10-09",
        f"complaint:{complaint_a.pk}:solution-overdue:2026-10-15",
    ]


def test_a_reopened_round_is_flagged_afresh_when_its_own_deadline_passes(complaint_a, daily_staff, member_a):
    with at(sh(2026, 10, 16, 8, 0)):
        services.complaint_solve(complaint=complaint_a, text="已处理（晚了）", actor=daily_staff)
        services.complaint_reopen(complaint=complaint_a, reason="没解决", actor=member_a.user)
    with at(sh(2026, 10, 28, 8, 0)):  # new deadline: end of 10-27
        assert flag_overdue_complaints() == 1
        assert flag_overdue_complaints() == 0

    assert [key for _, key in _flags()] == [f"complaint:{complaint_a.pk}:solution-overdue:2026-10-27"]


def test_nothing_is_flagged_before_the_due_day_is_over(member_a, daily_staff):
    file_complaint(member_a)
    with at(sh(2026, 10, 9, 23, 59, 59)):
        assert flag_overdue_complaints() == 0


def test_solved_and_closed_complaints_are_never_flagged(complaint_a, daily_staff, member_a):
    with at(sh(2026, 10, 8, 9, 0)):
        services.complaint_solve(complaint=complaint_a, text="已处理", actor=daily_staff)
    with at(sh(2026, 12, 1, 8, 0)):
        assert flag_overdue_complaints() == 0


def test_without_a_daily_team_nobody_is_flagged(complaint_a):
    with at(sh(2026, 10, 20, 8, 0)):
        assert flag_overdue_complaints() == 0


# --- Auto-closing after the rulebook's period (deadlines.complaint_auto_close_working_days) -----------


def _solved(complaint, staff):
    with at(sh(2026, 10, 8, 9, 0)):
        return services.complaint_solve(complaint=complaint, text="已处理", actor=staff)


def test_unconfirmed_solutions_close_once_after_the_rulebook_period(complaint_a, daily_staff):
    assert rulebook.in_force().deadlines.complaint_auto_close_working_days == 5
    _solved(complaint_a, daily_staff)  # Thu 10-08; 5 working days: 10-09, 10, 12, 13, 14
    with at(sh(2026, 10, 14, 23, 0)):
        assert close_unconfirmed_complaints() == 0
    with at(sh(2026, 10, 15, 0, 0)):
        assert close_unconfirmed_complaints() == 1
        assert close_unconfirmed_complaints() == 0

    complaint_a.refresh_from_db()
    assert complaint_a.status == ComplaintStatus.CLOSED
    assert complaint_a.closed_at == sh(2026, 10, 15, 0, 0)
    closing = complaint_a.messages.last()
    assert closing.kind == MessageKind.MESSAGE and closing.author == daily_staff
    assert "5 个工作日" in closing.body


def test_auto_close_refuses_a_complaint_still_in_its_window(complaint_a, daily_staff):
    _solved(complaint_a, daily_staff)
    with pytest.raises(InvalidTransition):
        complaint_deadlines.complaint_auto_close(complaint=complaint_a, now=sh(2026, 10, 9, 9, 0), working_days=5)
