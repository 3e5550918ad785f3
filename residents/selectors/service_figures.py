"""The residents app's figures on the public service-quality page (服务公示, 第四章第四条 2): complaints
answered and solved on time, intake reviews decided on time — shares and medians, never a person.

Registered in ``residents/apps.py`` (``notices.registry.register_service_figures``).
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.notices.rules import ServiceFigure, ServiceSection, median_of, month_of, share
from opc_community.workdays.rules import local_date
from opc_community.workdays.selectors import work_calendar
from residents.models import ApplicationStatus, Complaint
from residents.rules import complaints as rules
from residents.selectors.complaints import FACT_FIELDS
from residents.selectors.intake import intake_step_outcomes


def complaint_figures(months: Sequence[date], *, now: datetime) -> list[ServiceSection]:
    """Complaints filed in each month (第四章第四条: respond within 2 working days, solve within 7): the share
    answered by its deadline and solved by its deadline (steps still within their deadline not counted yet,
    as in the staff's monthly report) and the median working days taken. Queries: the rulebook in force
    (1); the complaints of the months, plain values (1); the calendar is held by the process."""
    deadlines = rulebook.in_force(local_date(now)).deadlines
    start = rules.month_bounds(months[0])[0]
    end = rules.month_bounds(months[-1])[1]
    facts = [
        rules.ComplaintFacts(**row)
        for row in Complaint.objects.filter(filed_at__gte=start, filed_at__lt=end).values(
            *FACT_FIELDS
        )
    ]
    calendar = work_calendar()
    filed = [0] * len(months)
    answered, solved = [[0, 0] for _m in months], [[0, 0] for _m in months]
    answer_days: list[list[int]] = [[] for _m in months]
    solve_days: list[list[int]] = [[] for _m in months]
    for fact in facts:
        index = month_of(local_date(fact.filed_at), months)
        if index is None:
            continue
        filed[index] += 1
        for state, tally in zip(
            rules.complaint_outcome(fact, now=now), (answered[index], solved[index]), strict=True
        ):
            tally[0] += state == rules.SlaState.MET
            tally[1] += state in rules.MISSED
        if fact.responded_at is not None:
            answer_days[index].append(
                rules.working_days_taken(calendar, start=fact.filed_at, end=fact.responded_at)
            )
        if fact.solved_at is not None:
            solve_days[index].append(
                rules.working_days_taken(calendar, start=fact.filed_at, end=fact.solved_at)
            )
    respond, solve = (
        deadlines.complaint_response_working_days,
        deadlines.complaint_solution_working_days,
    )
    return [
        ServiceSection(
            key="complaints",
            order=10,
            title=_("Complaints and requests"),
            rule=_(
                "Chapter 4, Article 4: every complaint or request is answered within %(respond)s working days and "
                "given a solution within %(solve)s working days. Complaints are counted in the month they were "
                "filed; a step still within its deadline is counted once it is done or late."
            )
            % {"respond": respond, "solve": solve},
            figures=[
                ServiceFigure(_("Filed"), "count", filed),
                ServiceFigure(
                    _("Answered within %(days)s working days") % {"days": respond},
                    "percent",
                    [share(*tally) for tally in answered],
                    charted=True,
                ),
                ServiceFigure(
                    _("Median time to answer"),
                    "working_days",
                    [median_of(days) for days in answer_days],
                ),
                ServiceFigure(
                    _("Solved within %(days)s working days") % {"days": solve},
                    "percent",
                    [share(*tally) for tally in solved],
                    charted=True,
                ),
                ServiceFigure(
                    _("Median time to solve"),
                    "working_days",
                    [median_of(days) for days in solve_days],
                ),
            ],
        )
    ]


def intake_figures(months: Sequence[date], *, now: datetime) -> list[ServiceSection]:
    """Intake applications whose initial review fell due in each month (第三章第二条: within 7 working days of
    submission): the share decided by the deadline. Queries: the rulebook in force (1) and
    :func:`intake_step_outcomes` (4)."""
    days = rulebook.in_force(local_date(now)).deadlines.intake_initial_review_working_days
    next_month = (months[-1] + timedelta(days=32)).replace(day=1)
    reviews = [[0, 0] for _m in months]
    for step in intake_step_outcomes(months[0], next_month - timedelta(days=1), now=now):
        index = month_of(step.due_on, months)
        if step.step == ApplicationStatus.SUBMITTED and index is not None and step.outcome < 2:
            reviews[index][step.outcome] += 1
    return [
        ServiceSection(
            key="intake",
            order=20,
            title=_("Intake applications"),
            rule=_(
                "Chapter 3, Article 2: the intake team completes the initial review of an application within "
                "%(days)s working days of its submission. Reviews are counted in the month they fell due."
            )
            % {"days": days},
            figures=[
                ServiceFigure(_("Reviews due"), "count", [sum(tally) for tally in reviews]),
                ServiceFigure(
                    _("Decided within %(days)s working days") % {"days": days},
                    "percent",
                    [share(*tally) for tally in reviews],
                    charted=True,
                ),
            ],
        )
    ]
