"""Intake selectors: the SLA summary for service reports (on-time vs overdue initial reviews and
results, 第三章第二条), the deadline shown with working days left, and material access."""

from datetime import date

import pytest

from opc_community.workdays.rules import WorkCalendar
from opc_community.workdays.selectors import work_calendar
from residents.models import Application
from residents.selectors import intake as selectors
from residents.services import intake as services
from tests.factories import UserFactory
from tests.residents.factories import valid_id_number
from tests.residents.support.intake import (
    ID_B,
    at,
    evaluated,
    private_storage,  # noqa: F401 (fixture)
    sh,
    submitted,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

JUNE = (date(2026, 6, 1), date(2026, 6, 30))


def _applicant():
    return UserFactory()


def test_initial_reviews_on_time_overdue_and_pending(intake_staff):
    on_time = submitted(_applicant(), when=sh(2026, 6, 1, 9, 0))  # due 10 June
    late = submitted(_applicant(), when=sh(2026, 6, 1, 10, 0), id_number=ID_B)  # due 10 June
    waiting_late = submitted(_applicant(), when=sh(2026, 6, 1, 11, 0), id_number=valid_id_number(1))  # due 10 June
    waiting = submitted(_applicant(), when=sh(2026, 6, 8, 9, 0), id_number=valid_id_number(2))  # due 17 June
    withdrawn = submitted(_applicant(), when=sh(2026, 6, 1, 12, 0), id_number=valid_id_number(3))
    with at(sh(2026, 6, 10, 23, 0)):
        services.application_start_evaluation(application=on_time, actor=intake_staff)
    with at(sh(2026, 6, 11, 9, 0)):
        services.application_return(application=late, actor=intake_staff, reason="补充")
        services.application_withdraw(application=withdrawn, actor=withdrawn.applicant)
    del waiting_late, waiting

    summary = selectors.intake_sla_summary(*JUNE, now=sh(2026, 6, 12, 9, 0))

    assert (summary.initial_review.on_time, summary.initial_review.overdue, summary.initial_review.pending) == (1, 2, 1)
    assert summary.result.total == 0


def test_results_on_time_and_overdue(intake_staff):
    first = evaluated(_applicant(), intake_staff, when=sh(2026, 6, 1, 9, 0))  # result due 3 June
    second = evaluated(_applicant(), intake_staff, when=sh(2026, 6, 1, 10, 0), id_number=ID_B)
    with at(sh(2026, 6, 3, 18, 0)):
        services.application_approve(application=first, actor=intake_staff)
    with at(sh(2026, 6, 4, 9, 0)):
        services.application_reject(application=second, actor=intake_staff, reason="不符合")

    summary = selectors.intake_sla_summary(*JUNE, now=sh(2026, 6, 30, 9, 0))

    assert (summary.result.on_time, summary.result.overdue, summary.result.pending) == (1, 1, 0)
    assert summary.initial_review.on_time == 2  # both passed the initial review the day they came in


def test_every_round_is_an_initial_review_and_the_period_counts_by_deadline(intake_staff):
    application = submitted(_applicant(), when=sh(2026, 5, 25, 9, 0))  # due 3 June
    with at(sh(2026, 5, 26, 9, 0)):
        services.application_return(application=application, actor=intake_staff, reason="补充")
    with at(sh(2026, 6, 22, 9, 0)):  # due 1 July: outside June
        services.application_submit(application=application, actor=application.applicant)

    june = selectors.intake_sla_summary(*JUNE, now=sh(2026, 6, 23, 9, 0))
    july = selectors.intake_sla_summary(date(2026, 7, 1), date(2026, 7, 31), now=sh(2026, 6, 23, 9, 0))

    assert june.initial_review.total == 1 and june.initial_review.on_time == 1
    assert july.initial_review.total == 1 and july.initial_review.pending == 1


def test_the_summary_has_a_fixed_number_of_queries(intake_staff, django_assert_num_queries):
    for index in range(5):
        submitted(_applicant(), when=sh(2026, 6, 1, 9, index), id_number=valid_id_number(index))
    # 1 transitions, 2 adopted rulebook versions; the working-day calendar is held (no query)
    with django_assert_num_queries(2):
        assert selectors.intake_sla_summary(*JUNE, now=sh(2026, 6, 2, 9, 0)).initial_review.pending == 5


# --- Deadlines as shown --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "days_left", "overdue_days"),
    [
        (date(2026, 6, 1), 7, 0),
        (date(2026, 6, 10), 0, 0),  # due today
        (date(2026, 6, 11), -1, 1),
        (date(2026, 6, 13), -2, 2),  # Saturday: 11 and 12 June were late
        (date(2026, 6, 15), -3, 3),  # Monday: 11, 12, 15 June
    ],
)
def test_the_deadline_with_working_days_left(outsider, today, days_left, overdue_days):
    application = submitted(outsider, when=sh(2026, 6, 1, 9, 0))
    view = selectors.deadline_view(application, today=today, calendar=work_calendar())

    assert view.date == date(2026, 6, 10)
    assert (view.days_left, view.overdue_days, view.is_overdue) == (days_left, overdue_days, days_left < 0)


def test_the_weekend_after_a_friday_deadline_already_counts_as_overdue():
    application = Application(status="submitted", review_due_at=sh(2026, 6, 12, 23, 59, 59))
    view = selectors.deadline_view(application, today=date(2026, 6, 13), calendar=WorkCalendar())
    assert (view.days_left, view.overdue_days) == (-1, 1)


def test_nothing_is_due_during_the_evaluation(outsider, intake_staff):
    application = submitted(outsider)
    application = services.application_start_evaluation(application=application, actor=intake_staff)
    assert selectors.deadline_view(application, today=date(2026, 6, 1), calendar=WorkCalendar()) is None


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("outsider", True), ("intake_staff", True), ("administrator", True), ("oversight", True),
     ("daily_staff", False), ("resources_staff", False), ("resident_b", False)],
)
def test_who_may_read_materials(request, outsider, who, allowed):
    application = submitted(outsider)
    assert selectors.may_read_materials(request.getfixturevalue(who), application) is allowed


def test_the_staff_queue_orders_by_current_deadline(intake_staff):
    later = submitted(_applicant(), when=sh(2026, 6, 8, 9, 0), id_number=valid_id_number(1))
    sooner = submitted(_applicant(), when=sh(2026, 6, 1, 9, 0), id_number=valid_id_number(2))
    done = evaluated(_applicant(), intake_staff, when=sh(2026, 6, 1, 9, 0))
    with at(sh(2026, 6, 2, 9, 0)):
        services.application_approve(application=done, actor=intake_staff)
    assert list(selectors.applications_for_staff().values_list("pk", flat=True)) == [sooner.pk, later.pk, done.pk]
    assert Application.objects.count() == 3
