"""The scoring app's cards on the portal dashboard (UI.md: "what do I need to do, and by when?").

The app fills the dashboard's "score" slot with up to three cards (:func:`dashboard`):

- "季度计划": the plan of each quarter still collecting inputs — to file by the last day to file (red from
  3 working days before when not filed), awaiting staff, returned with the reason, accepted (with a change
  awaiting staff), or missed: no accepted plan, so completion and revenue score 0 (RULEBOOK §7.1);
- "季度考核材料": the quarters the resident may still report on, each with its inputs deadline (until 23:59
  Asia/Shanghai), the days and working days left and the state of the resident's input, in red when the
  deadline is near and nothing is submitted yet (第六章第一条);
- "本季度评分": the latest published quarter's total, verdict, what the next quarter needs and the appeal
  window (第六章第二条、第三条).

:func:`register` is called from ``ScoringConfig.ready()``.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from opc_community import workdays
from opc_community.portal.cards import Card
from opc_community.workdays.selectors import work_calendar
from residents.access import current_resident
from residents.models import Resident, ResidentStatus
from scoring.models import InputStatus, Outcome, Quarter, QuarterPlan, QuarterStatus
from scoring.selectors import cards as selectors
from scoring.selectors import plans as plan_selectors
from scoring.selectors.inputs import in_cohort, open_quarters_of
from scoring.selectors.quarters import publication_of, rules_for

#: The inputs card turns red when this many working days or fewer are left and nothing is submitted
#: (working days are never more than calendar days, so this also covers "3 days left").
URGENT_WORKING_DAYS = 3
#: Input states in which the resident still has to act (nothing entered yet is ``None``).
NOT_SUBMITTED = (None, InputStatus.DRAFT)


def score(resident: Resident) -> dict[str, Any] | None:
    """The latest published quarter's total, verdict, what the next quarter needs and the appeal window."""
    card = selectors.latest_card(resident)
    if card is None:
        return None
    now = timezone.now()
    publication = publication_of(card.quarter)
    window_end = days_left = None
    if selectors.appeal_window_open(card.quarter, publication, now):
        window_end = publication.window_ends_at
        days_left = workdays.working_days_left(timezone.localdate(window_end))
    return {"card": card, "outlook": selectors.outlook(card, rules_for(card.quarter)),
            "window_end": window_end, "days_left": days_left}


def inputs_due(resident: Resident, *, today: date | None = None) -> dict[str, Any] | None:
    """The quarters the resident may still report on, nearest deadline first, with the days left.

    Three queries whatever the number of quarters: the quarters with the resident's input states, and the
    working-day calendar (two); one query and None when no quarter takes inputs.
    """
    today = today or timezone.localdate()
    lines = open_quarters_of(resident, today=today)
    if not lines:
        return None
    calendar = work_calendar()
    rows = []
    for line in lines:
        due = line.quarter.inputs_due_on
        working_days_left = calendar.working_days_between(today, due)
        rows.append({
            "quarter": line.quarter,
            "status": line.status,
            "submitted": line.status not in NOT_SUBMITTED,
            "due_on": due,
            "days_left": (due - today).days,
            "working_days_left": working_days_left,
            "urgent": line.status in NOT_SUBMITTED and working_days_left <= URGENT_WORKING_DAYS,
        })
    return {"rows": rows, "urgent": any(row["urgent"] for row in rows)}


def plan_due(resident: Resident, *, today: date | None = None) -> dict[str, Any] | None:
    """The resident's plan of each quarter still collecting inputs (open), with its state and the last day to
    file. One query and None without an open quarter; else the resident's plans (with a change awaiting
    staff), the working-day calendar (two) and, per open quarter — normally one — the rulebook in force."""
    today = today or timezone.localdate()
    open_quarters = [quarter for quarter in Quarter.objects.filter(status=QuarterStatus.OPEN)
                     .order_by("year", "number") if in_cohort(quarter, resident)]
    if not open_quarters:
        return None
    plans = {plan.quarter_id: plan for plan in plan_selectors.staff_list(
        QuarterPlan.objects.filter(resident=resident, quarter__in=open_quarters))}
    calendar = work_calendar()
    rows = []
    for quarter in open_quarters:
        plan = plans.get(quarter.pk)
        until = plan_selectors.may_file_until(
            plan_selectors.filing_due(quarter, resident, calendar, plan_selectors.plan_rules(quarter)).date, plan)
        can_file = plan_selectors.filing_open(quarter, plan, until=until, today=today)
        left = calendar.working_days_between(today, until)
        status = plan.status if plan else None
        rows.append({
            "quarter": quarter, "plan": plan, "until": until, "days_left": (until - today).days,
            "working_days_left": left, "can_file": can_file,
            "missed": not can_file and status in plan_selectors.NOT_FILED,
            "change_pending": bool(plan and plan.change_pending),
            "urgent": can_file and left <= URGENT_WORKING_DAYS,
        })
    return {"rows": rows, "urgent": any(row["urgent"] or row["missed"] for row in rows)}


def dashboard(request: HttpRequest) -> Card | None:
    """The "score" slot: the plan and inputs deadline cards while a quarter takes inputs, then the score card
    once a quarter is published; None (the slot's empty state) for anyone else and when there is none."""
    resident = current_resident(request)
    if resident is None or resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        return None
    latest = score(resident)
    if latest is not None and latest["card"].outcome == Outcome.ELIMINATED:
        # 第六章第二条: an eliminated resident leaves; it is not asked for next quarter's plan or material.
        data = {"plan": None, "inputs": None, "score": latest}
    else:
        data = {"plan": plan_due(resident), "inputs": inputs_due(resident), "score": latest}
    if not any(data.values()):
        return None
    return Card("scoring/cards/_dashboard_slot.html", data)


def register() -> None:
    from opc_community.portal.cards import register_card

    register_card("score", dashboard)
