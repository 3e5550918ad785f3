"""The quarterly plan (季度计划; RULEBOOK §7.1, decision added 2026-12): filed by the resident, accepted
(locked) or returned by staff, changed only with staff approval.

Workflow (``PLAN_TRANSITIONS``):

- the resident saves its plan — milestones planned, the revenue target, what the milestones are — as a
  draft and submits it within the first ``scoring.plan.filing_working_days`` (10) working days of the
  quarter, or of its check-in if later (``scoring.rules.plan_due``; until 23:59 of that day);
- staff **accept** it (it is locked) or **return** it with a reason, within ``decision_working_days`` (3)
  working days of the submission (the admin queue shows the deadline; the daily job flags late ones);
  a returned plan may be filed again until the deadline or, if later, ``refile_working_days`` (3)
  working days after the return;
- an accepted plan changes only through a **change request**: the resident asks (new numbers and a
  reason) until the quarter's last day; staff approve or refuse it, with a reason, within
  ``decision_working_days``; an approval rewrites the plan, the request keeps the numbers before.

Scoring measures completion and revenue against the accepted plan only: no accepted plan → both score 0,
and a zero target counts as 100 % only in an accepted plan (``scoring.rules``). Staff decide while the
quarter is open or drafted; the administrator cannot confirm a quarter while a plan or a change awaits
a decision (``scoring.services.signoff.quarter_confirm``). Every step locks its row, moves the status by
compare-and-set, is audited with its actor and tells the other side. Nobody decides their own plan
(``opc_community.accounts.conflicts``).
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import StoredText, community_language
from opc_community.core.money import format_yuan
from opc_community.core.transitions import lock, move
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from opc_community.workdays.selectors import work_calendar
from residents.models import Resident
from scoring import quarters
from scoring import rules as scoring_rules
from scoring.models import (
    PLAN_TRANSITIONS,
    PlanChange,
    PlanChangeStatus,
    PlanStatus,
    Quarter,
    QuarterPlan,
    QuarterStatus,
)
from scoring.selectors import plans as selectors
from scoring.selectors.inputs import in_cohort
from scoring.services.inputs import STAFF_EDITABLE, clean_plan_numbers, clean_reason

#: What a member of staff may not decide: a plan of their own account (conflict of interest).
OWN_PLAN = gettext_lazy("the quarterly plan of your own account")
#: The longest texts accepted (what the milestones are, reasons).
TEXT_MAX_LENGTH = 4000
PLAN_FIELDS = ("milestones_planned", "revenue_target")


def may_decide_plans(user: Any) -> bool:
    """Staff who accept and return plans and decide changes: holders of ``scoring.change_quarterplan``
    (the administrator)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("scoring.change_quarterplan"))


def _require_staff(actor: Actor) -> None:
    if not may_decide_plans(actor):
        raise PermissionDenied(_("Only the administrator accepts, returns or changes quarterly plans (Chapter 6)."))


def _require_own(resident: Resident, actor: Actor | None) -> None:
    if resident.user_id != getattr(actor, "pk", None):
        raise PermissionDenied


def _text(value: str, *, field: str, missing: str | None = None) -> str:
    text = (value or "").strip()
    if missing and not text:
        raise DomainError(missing, field=field)
    if len(text) > TEXT_MAX_LENGTH:
        raise DomainError(_("At most %(count)d characters.") % {"count": TEXT_MAX_LENGTH}, field=field)
    return text


def _today() -> Any:
    return local_date(timezone.now())


def _date(day: Any) -> str:
    return formats.date_format(day, "DATE_FORMAT")


# --- The resident -----------------------------------------------------------------------------------------


def _require_filing_open(quarter: Quarter, resident: Resident, plan: QuarterPlan | None) -> None:
    """Refuse filing once the plan is submitted or accepted, after the last day to file, or when the quarter
    no longer collects plans — naming the rule and the date."""
    if plan is not None and plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise InvalidTransition(
            _("Your plan for %(quarter)s is “%(status)s”: it can no longer be edited. Once accepted, ask for a "
              "change.") % {"quarter": quarter, "status": plan.get_status_display()}
        )
    due = selectors.filing_due(quarter, resident, work_calendar(), selectors.plan_rules(quarter))
    until = selectors.may_file_until(due.date, plan)
    if not selectors.filing_open(quarter, plan, until=until, today=_today()):
        raise InvalidTransition(
            _("The plan for %(quarter)s had to be filed by %(date)s, 23:59 (the first working days of the quarter "
              "or of your check-in, Chapter 6). Without an accepted plan, completion and revenue score 0.")
            % {"quarter": quarter, "date": _date(until)},
            code="plan_deadline_passed",
        )


@transaction.atomic
def plan_save(*, quarter: Quarter, resident: Resident, values: Mapping[str, Any], actor: Actor) -> QuarterPlan:
    """The resident's own plan for the quarter: created as a draft, or changed while a draft or returned,
    until its last day to file. Bad numbers are refused naming the field; nothing is written."""
    _require_own(resident, actor)
    numbers = clean_plan_numbers(values)
    note = _text(values.get("note", ""), field="note")
    quarter = Quarter.objects.get(pk=quarter.pk)
    if not in_cohort(quarter, resident):
        raise DomainError(_("You were not checked in during %(quarter)s.") % {"quarter": quarter})
    plan = QuarterPlan.objects.select_for_update(no_key=True).filter(quarter=quarter, resident=resident).first()
    _require_filing_open(quarter, resident, plan)
    with acting_as(actor, action="scoring.plan_save"):
        if plan is None:
            try:
                with transaction.atomic():
                    return QuarterPlan.objects.create(quarter=quarter, resident=resident, note=note, **numbers)
            except IntegrityError as error:  # another window saved first (plan_once_per_quarter)
                raise ConflictError(_("Your plan was saved meanwhile in another window; reload the page.")) from error
        QuarterPlan.objects.filter(pk=plan.pk).update(note=note, updated_at=timezone.now(), **numbers)
    plan.refresh_from_db()
    return plan


@transaction.atomic
def plan_submit(*, plan: QuarterPlan, actor: Actor) -> QuarterPlan:
    """Draft or returned → submitted: the resident hands its plan to staff, who decide within
    ``decision_working_days`` working days."""
    plan = lock(plan)
    plan = QuarterPlan.objects.select_related("quarter", "resident").get(pk=plan.pk)
    _require_own(plan.resident, actor)
    _require_filing_open(plan.quarter, plan.resident, plan)
    today = _today()
    decision_due = scoring_rules.plan_decision_due(
        work_calendar(), asked_on=today, rules=selectors.plan_rules(plan.quarter))
    with acting_as(actor, action="scoring.plan_submit"):
        return move(plan, PlanStatus.SUBMITTED, transitions=PLAN_TRANSITIONS, submitted_at=timezone.now(),
                    decision_due_on=decision_due)


@transaction.atomic
def plan_change_request(*, plan: QuarterPlan, values: Mapping[str, Any], reason: str, actor: Actor) -> PlanChange:
    """The resident asks to change its accepted plan (new numbers and the reason) until the quarter's last
    day; staff answer within ``decision_working_days`` working days. One request at a time."""
    plan = lock(plan)
    plan = QuarterPlan.objects.select_related("quarter", "resident").get(pk=plan.pk)
    _require_own(plan.resident, actor)
    numbers = clean_plan_numbers(values)
    reason = _text(reason, field="reason", missing=_("Give the reason for the change."))
    today = _today()
    if not selectors.change_open(plan.quarter, plan, today=today):
        raise InvalidTransition(
            _("A change can be asked for an accepted plan until the last day of its quarter (%(date)s).")
            % {"date": _date(quarters.last_day(plan.quarter.year, plan.quarter.number))}
        )
    if all(getattr(plan, name) == numbers[name] for name in PLAN_FIELDS):
        raise DomainError(_("The change asks for the numbers the plan already has."), field="milestones_planned")
    if plan.changes.filter(status=PlanChangeStatus.PENDING).exists():
        raise ConflictError(_("A change of this plan already awaits staff."))
    answer_due = scoring_rules.plan_decision_due(
        work_calendar(), asked_on=today, rules=selectors.plan_rules(plan.quarter))
    with acting_as(actor, action="scoring.plan_change_request"):
        try:
            with transaction.atomic():
                return PlanChange.objects.create(
                    plan=plan, reason=reason, requested_by=actor, requested_at=timezone.now(),
                    answer_due_on=answer_due, previous_milestones_planned=plan.milestones_planned,
                    previous_revenue_target=plan.revenue_target, **numbers,
                )
        except IntegrityError as error:  # plan_change_one_pending: a second request arrived together
            raise ConflictError(_("A change of this plan already awaits staff.")) from error


# --- Staff ------------------------------------------------------------------------------------------------


def _locked_for_staff(plan: QuarterPlan, actor: Actor) -> QuarterPlan:
    """The plan locked for a staff decision: staff only, never their own, the quarter not yet confirmed."""
    _require_staff(actor)
    plan = lock(plan)
    plan = QuarterPlan.objects.select_related("quarter", "resident__user").get(pk=plan.pk)
    ensure_not_own(actor, concerned_user=plan.resident.user_id, what=OWN_PLAN)
    if plan.quarter.status not in STAFF_EDITABLE:
        raise InvalidTransition(
            _("Quarter %(quarter)s is “%(status)s”: its plans change only through an upheld appeal.")
            % {"quarter": plan.quarter, "status": plan.quarter.get_status_display()}
        )
    return plan


@transaction.atomic
def plan_accept(*, plan: QuarterPlan, actor: Actor) -> QuarterPlan:
    """Submitted → accepted: the plan is locked; completion and revenue are measured against it."""
    plan = _locked_for_staff(plan, actor)
    with acting_as(actor, action="scoring.plan_accept"):
        plan = move(plan, PlanStatus.ACCEPTED, transitions=PLAN_TRANSITIONS, decided_by=actor,
                    decided_at=timezone.now(), return_reason="")
    _tell(plan, lambda: _("Your plan for %(quarter)s is accepted") % {"quarter": plan.quarter},
          lambda: _("Staff accepted your plan: %(milestones)s milestones, revenue target %(target)s. It is locked; your "
            "results at quarter end are measured against it (Chapter 6, Article 1).")
          % {"milestones": plan.milestones_planned, "target": format_yuan(plan.revenue_target)}, "scoring.plan_accepted")
    return plan


@transaction.atomic
def plan_return(*, plan: QuarterPlan, reason: str, actor: Actor) -> QuarterPlan:
    """Submitted → returned, with the reason the resident reads; it may file again until the deadline or,
    if later, ``refile_working_days`` working days after today (``scoring.rules.plan_refile_due``)."""
    reason = clean_reason(reason)
    plan = _locked_for_staff(plan, actor)
    calendar, book = work_calendar(), selectors.plan_rules(plan.quarter)
    due = selectors.filing_due(plan.quarter, plan.resident, calendar, book).date
    until = scoring_rules.plan_refile_due(calendar, due_on=due, returned_on=_today(), rules=book)
    with acting_as(actor, action="scoring.plan_return"):
        plan = move(plan, PlanStatus.RETURNED, transitions=PLAN_TRANSITIONS, decided_by=actor,
                    decided_at=timezone.now(), return_reason=reason, refile_due_on=until)
    _tell(plan, lambda: _("Your plan for %(quarter)s was returned") % {"quarter": plan.quarter},
          lambda: _("Staff returned your plan: %(reason)s. Change it and submit it again by %(date)s, 23:59; without an "
            "accepted plan, completion and revenue score 0.") % {"reason": reason, "date": _date(until)},
          "scoring.plan_returned")
    return plan


def _locked_change(change: PlanChange, actor: Actor) -> tuple[PlanChange, QuarterPlan]:
    plan = _locked_for_staff(QuarterPlan.objects.get(pk=change.plan_id), actor)
    change = lock(change)
    if change.status != PlanChangeStatus.PENDING:
        raise InvalidTransition(_("This change was already decided (%(status)s).")
                                % {"status": change.get_status_display()})
    return change, plan


@transaction.atomic
def plan_change_approve(*, change: PlanChange, answer: str, actor: Actor) -> PlanChange:
    """Approve a change with a reason: the accepted plan takes the new numbers (the request keeps the old)."""
    answer = clean_reason(answer)
    change, plan = _locked_change(change, actor)
    now = timezone.now()
    with acting_as(actor, action="scoring.plan_change_approve"):
        QuarterPlan.objects.filter(pk=plan.pk).update(
            milestones_planned=change.milestones_planned, revenue_target=change.revenue_target, updated_at=now)
        PlanChange.objects.filter(pk=change.pk).update(status=PlanChangeStatus.APPROVED, decided_by=actor,
                                                       decided_at=now, answer=answer)
    change.refresh_from_db()
    _tell(plan, lambda: _("The change of your plan for %(quarter)s is approved") % {"quarter": plan.quarter},
          lambda: _("Your plan now counts %(milestones)s milestones and a revenue target of %(target)s: %(answer)s")
          % {"milestones": change.milestones_planned, "target": format_yuan(change.revenue_target), "answer": answer},
          "scoring.plan_change_approved")
    return change


@transaction.atomic
def plan_change_refuse(*, change: PlanChange, answer: str, actor: Actor) -> PlanChange:
    """Refuse a change with a reason: the accepted plan stays as it is."""
    answer = clean_reason(answer)
    change, plan = _locked_change(change, actor)
    with acting_as(actor, action="scoring.plan_change_refuse"):
        PlanChange.objects.filter(pk=change.pk).update(status=PlanChangeStatus.REFUSED, decided_by=actor,
                                                       decided_at=timezone.now(), answer=answer)
    change.refresh_from_db()
    _tell(plan, lambda: _("The change of your plan for %(quarter)s is refused") % {"quarter": plan.quarter},
          lambda: _("Your accepted plan stays as it is: %(answer)s") % {"answer": answer}, "scoring.plan_change_refused")
    return change


def plan_set_by_appeal(*, quarter: Quarter, resident: Resident, values: Mapping[str, Any], reason: str,
                       actor: Actor) -> QuarterPlan:
    """An upheld appeal sets the plan the quarter is scored against (called inside
    ``signoff.apply_upheld_appeal``, quarter locked): the plan — created if the resident had none — is
    accepted with the numbers given, and the change is recorded as approved with the appeal's answer.
    An accepted plan given its own numbers stays as it is."""
    plan = QuarterPlan.objects.select_for_update(no_key=True).filter(quarter=quarter, resident=resident).first()
    before = {name: getattr(plan, name) if plan else 0 for name in PLAN_FIELDS}
    numbers = clean_plan_numbers({**(before if plan else {}), **values})
    if plan is not None and plan.status == PlanStatus.ACCEPTED and numbers == before:
        return plan  # the plan the quarter was scored against stands
    now = timezone.now()
    with acting_as(actor, action="scoring.plan_set_by_appeal"):
        plan, _created = QuarterPlan.objects.update_or_create(
            quarter=quarter, resident=resident,
            defaults={**numbers, "status": PlanStatus.ACCEPTED, "decided_by": actor, "decided_at": now,
                      "return_reason": ""},
        )
        PlanChange.objects.create(
            plan=plan, reason=reason, requested_by=actor, requested_at=now, answer_due_on=local_date(now),
            previous_milestones_planned=before["milestones_planned"], previous_revenue_target=before["revenue_target"],
            status=PlanChangeStatus.APPROVED, decided_by=actor, decided_at=now, answer=reason, **numbers,
        )
    return plan


def _tell(plan: QuarterPlan, title: StoredText, body: StoredText, kind: str) -> None:
    notify(recipients=[plan.resident.user], title=title, body=body,
           link=reverse("scoring:plan_detail", args=[plan.quarter_id]), kind=kind)


# --- The daily job ----------------------------------------------------------------------------------------


def plans_remind(*, today: Any) -> dict[str, int]:
    """The daily job (RULEBOOK §7.1): residents of the current quarter who have not filed their plan are
    reminded once, from ``reminder_working_days`` working days before their last day to file; plans and
    change requests staff have not decided in time are flagged to the administrators, once each. A
    second run the same day, or any later day, sends nothing twice (dedupe keys)."""
    year, number = quarters.containing(today)
    quarter = Quarter.objects.filter(year=year, number=number).first()
    reminded = 0
    if quarter is not None and quarter.status == QuarterStatus.OPEN:
        by_date: dict[Any, list[Any]] = {}
        for reminder in selectors.reminders_due(quarter, today=today):
            by_date.setdefault(reminder.until, []).append(reminder.resident.user)
        for until, users in sorted(by_date.items()):
            with community_language():
                reminded += len(notify(
                    recipients=users,
                    title=_("File your plan for %(quarter)s by %(date)s") % {"quarter": quarter, "date": _date(until)},
                    body=_("Your quarterly plan — milestones planned and the revenue target — is due by %(date)s, 23:59. "
                           "Without a plan accepted by staff, completion and revenue score 0 (Chapter 6, Article 1).")
                    % {"date": _date(until)},
                    link=reverse("scoring:plan_detail", args=[quarter.pk]),
                    kind="scoring.plan_reminder",
                    dedupe_key=f"scoring:plan:{quarter.pk}:reminder",
                ))
    return {"reminded": reminded, "flagged": _flag_late_decisions(today)}


def _flag_late_decisions(today: Any) -> int:
    """Plans and changes past their decision day, told to the administrators once each (two queries + one
    insert per late item; late items are few)."""
    late_plans = QuarterPlan.objects.filter(status=PlanStatus.SUBMITTED, decision_due_on__lt=today) \
        .select_related("resident", "quarter")
    late_changes = PlanChange.objects.filter(status=PlanChangeStatus.PENDING, answer_due_on__lt=today) \
        .select_related("plan__resident", "plan__quarter")
    administrators = members_of(Role.ADMINISTRATOR)
    flagged = 0
    for plan in late_plans:
        with community_language():
            flagged += bool(notify(
                recipients=administrators,
                title=_("A quarterly plan awaits your decision: %(resident)s") % {"resident": plan.resident.name},
                body=_("The plan of %(resident)s for %(quarter)s was due to be accepted or returned by %(date)s.")
                % {"resident": plan.resident.name, "quarter": plan.quarter, "date": _date(plan.decision_due_on)},
                link=reverse("admin:scoring_quarterplan_change", args=[plan.pk]),
                kind="scoring.plan_decision_late", dedupe_key=f"scoring:plan:{plan.pk}:late",
            ))
    for change in late_changes:
        with community_language():
            flagged += bool(notify(
                recipients=administrators,
                title=_("A plan change awaits your decision: %(resident)s") % {"resident": change.plan.resident.name},
                body=_("The change of the plan of %(resident)s for %(quarter)s was due to be answered by %(date)s.")
                % {"resident": change.plan.resident.name, "quarter": change.plan.quarter,
                   "date": _date(change.answer_due_on)},
                link=reverse("admin:scoring_planchange_change", args=[change.pk]),
                kind="scoring.plan_change_late", dedupe_key=f"scoring:plan_change:{change.pk}:late",
            ))
    return flagged
