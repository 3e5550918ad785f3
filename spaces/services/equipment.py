"""Equipment lending (公共资源, 第四章第二条; RULEBOOK §6): every state change of a loan.

    reserved (portal) → out (handed out by staff, condition noted) → returned (taken back, condition checked)
    reserved → cancelled (by the resident or staff, or lapsed: not collected by the due time)

- The resident reserves an available item with a due time (``spaces.rules.equipment``: after now, within
  the category's loan limit) and a purpose; at most ``max_concurrent_loans`` open loans at once, counted
  under a lock on the resident row. Refused while a suspension covers lending (*public resources*,
  *resources*, *community*: ``ensure_allowed(resident, Action.BORROW_EQUIPMENT)``), at reservation and
  again at hand-out.
- That an item is never lent twice at once is the database's answer (``equipment_one_open_loan``): two
  residents reserving the same item at the same moment → one loan, one :class:`ConflictError`, inside a
  savepoint so that the caller's transaction survives.
- The daily management team hands the item out and takes it back, checking the condition; a damaged
  return records the value of the damage (the item's condition follows the check; a damaged item is not
  lent until staff mark it repaired). A late return records the days overdue.
- The daily job flags loans still out after their due time (once per loan: ``overdue_flagged_at`` and the
  notification's dedupe key), tells the resident and the team, and cancels reservations never collected.
- A violation case (3c) for a damage is opened by the discipline app, which calls
  :func:`loan_record_case` to keep its number on the loan.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_moment
from opc_community.core.money import format_yuan, quantize_money
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from residents.models import Resident
from spaces.models import (
    LOAN_TRANSITIONS,
    OPEN_LOAN_STATUSES,
    Equipment,
    EquipmentCondition,
    EquipmentLoan,
    LoanStatus,
)
from spaces.rules import equipment as rules

#: Who hands out and takes back equipment (the front desk of the daily management team; the administrator).
EQUIPMENT_HANDLERS = (Role.DAILY, Role.ADMINISTRATOR)
_CHECKED_IN = ("active", "exiting")
PURPOSE_MAX_LENGTH = EquipmentLoan._meta.get_field("purpose").max_length
NOTE_MAX_LENGTH = EquipmentLoan._meta.get_field("return_note").max_length


def is_equipment_handler(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *EQUIPMENT_HANDLERS)


# --- The resident ------------------------------------------------------------------------------------


@transaction.atomic
def loan_reserve(
    *, resident: Resident, equipment: Equipment, due_at: datetime, purpose: str, actor: Actor,
    now: datetime | None = None,
) -> EquipmentLoan:
    """A checked-in resident reserves an available item until ``due_at`` (→ reserved, to collect)."""
    now = now or timezone.now()
    if getattr(actor, "pk", None) != resident.user_id:
        raise DomainError(_("Only the resident itself can borrow equipment in the portal."), code="not_allowed")
    if resident.status not in _CHECKED_IN:
        raise DomainError(_("Equipment is lent to checked-in residents (Chapter 4, Article 2)."),
                          code="not_checked_in")
    ensure_allowed(resident, Action.BORROW_EQUIPMENT, at=now)
    if equipment is None:
        raise DomainError(_("Choose the equipment."), field="equipment")
    if not equipment.is_active or equipment.condition == EquipmentCondition.DAMAGED:
        raise DomainError(_("%(item)s is not lent at the moment (out of service or awaiting repair).")
                          % {"item": equipment}, field="equipment", code="not_lendable")
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError(_("Please fill this in."), field="purpose")
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": PURPOSE_MAX_LENGTH}, field="purpose")
    if due_at is None:
        raise DomainError(_("Please fill this in."), field="due_at")
    book = rulebook.in_force(timezone.localdate(now)).equipment
    max_days = rules.max_loan_days(book, equipment.category)
    problem = rules.due_problem(due_at=due_at, requested_at=now, max_days=max_days)
    if problem == "past":
        raise DomainError(_("The due time must be in the future."), field="due_at")
    if problem == "too_long":
        raise DomainError(
            _("%(category)s are lent for at most %(days)s days: choose a due time no later than %(latest)s "
              "(rulebook: equipment lending, Chapter 4, Article 2).")
            % {"category": equipment.get_category_display(), "days": max_days,
               "latest": format_moment(rules.latest_due(requested_at=now, max_days=max_days))},
            field="due_at", code="too_long",
        )
    # The resident row lock serialises one resident's reservations, so the limit holds under a race.
    Resident.objects.select_for_update(no_key=True).filter(pk=resident.pk).first()
    open_loans = EquipmentLoan.objects.filter(resident=resident, status__in=OPEN_LOAN_STATUSES).count()
    if rules.over_loan_limit(open_loans=open_loans, limit=book.max_concurrent_loans):
        raise DomainError(
            _("You already hold %(count)s open loans, the most one resident may hold at once; return or cancel "
              "one first (rulebook: equipment lending, Chapter 4, Article 2).") % {"count": open_loans},
            field="equipment", code="loan_limit",
        )
    loan = EquipmentLoan(equipment=equipment, resident=resident, purpose=purpose, requested_at=now, due_at=due_at)
    try:
        with transaction.atomic(), acting_as(actor, action="spaces.loan_reserve"):
            loan.save()
    except IntegrityError as error:
        if "equipment_one_open_loan" not in str(error):
            raise
        raise ConflictError(
            _("%(item)s has just been lent to someone else. Please choose another item.") % {"item": equipment},
            field="equipment", code="taken",
        ) from error
    with community_language():
        notify(
            recipients=members_of(Role.DAILY),
            title=lambda: _("Equipment reserved: %(item)s") % {"item": equipment},
            body=lambda: _("%(resident)s will collect it; due back %(due)s. Purpose: %(purpose)s")
            % {"resident": resident.name, "due": format_moment(due_at), "purpose": purpose},
            link=reverse("admin:spaces_equipmentloan_change", args=[loan.pk]),
            kind="spaces.loan_reserved",
            dedupe_key=f"loan:{loan.pk}:reserved",
            email=False,
        )
    return loan


@transaction.atomic
def loan_cancel(*, loan: EquipmentLoan, actor: Actor, reason: str = "") -> EquipmentLoan:
    """The resident (its own) or the team cancels a reservation not yet handed out; the item is free again."""
    loan = _lock(loan)
    own = loan.resident.user_id == getattr(actor, "pk", None)
    if not own and not is_equipment_handler(actor):
        raise DomainError(_("Only the resident who reserved it or the daily management team can cancel."),
                          code="not_allowed")
    if not rules.can_cancel(status=loan.status):
        raise InvalidTransition(_("Only a reservation not yet handed out can be cancelled."))
    with acting_as(actor, action="spaces.loan_cancel"):
        return move(loan, LoanStatus.CANCELLED, transitions=LOAN_TRANSITIONS, cancelled_at=timezone.now(),
                    cancel_reason=(reason or "").strip()[:200] or (_("cancelled by the resident") if own else ""))


# --- The daily management team ----------------------------------------------------------------------


@transaction.atomic
def loan_hand_out(
    *, loan: EquipmentLoan, actor: Actor, condition_out: str = EquipmentCondition.GOOD, now: datetime | None = None
) -> EquipmentLoan:
    """Hand the reserved item to the resident (→ out), noting its condition; a suspension in force now refuses."""
    now = now or timezone.now()
    _ensure_handler(actor, loan.resident)
    loan = _lock(loan)
    if condition_out not in (EquipmentCondition.GOOD, EquipmentCondition.WORN):
        raise DomainError(_("A damaged item is not handed out."), field="condition_out")
    if rules.lapsed(status=loan.status, due_at=loan.due_at, now=now):
        raise InvalidTransition(_("The due time of this reservation has passed; the resident reserves again."))
    ensure_can_move(loan, LoanStatus.OUT)
    ensure_allowed(loan.resident, Action.BORROW_EQUIPMENT, at=now)
    with acting_as(actor, action="spaces.loan_hand_out"):
        loan = move(loan, LoanStatus.OUT, transitions=LOAN_TRANSITIONS, handed_out_at=now, handed_out_by=actor,
                    condition_out=condition_out)
    with community_language():
        notify(
            recipients=[loan.resident.user],
            title=lambda: _("Equipment handed out: %(item)s") % {"item": loan.equipment},
            body=lambda: _("Please return it by %(due)s to %(location)s (Chapter 4, Article 2).")
            % {"due": format_moment(loan.due_at), "location": loan.equipment.location},
            link=reverse("spaces:loan_list"),
            kind="spaces.loan_out",
            dedupe_key=f"loan:{loan.pk}:out",
            email=False,
        )
    return loan


@transaction.atomic
def loan_take_back(
    *, loan: EquipmentLoan, actor: Actor, condition_in: str, damage_value: Any = None, note: str = "",
    now: datetime | None = None,
) -> EquipmentLoan:
    """Take the item back (→ returned) and check it: the condition, and for a damage its value in yuan.

    The days overdue are recorded; the item's condition follows the check.
    """
    now = now or timezone.now()
    _ensure_handler(actor, loan.resident)
    if condition_in not in EquipmentCondition.values:
        raise DomainError(_("Record the condition of the returned item."), field="condition_in")
    value = _money(damage_value)
    problem = rules.return_problem(condition_in=condition_in, damage_value=value)
    if problem == "negative":
        raise DomainError(_("Enter a number that is not negative, with at most two decimals."), field="damage_value")
    if problem == "value_missing":
        raise DomainError(_("A damaged item needs the value of the damage in yuan (Chapter 8, Article 2, 3c)."),
                          field="damage_value")
    if problem == "value_not_damaged":
        raise DomainError(_("A value of damage is recorded only for a damaged item."), field="damage_value")
    loan = _lock(loan)
    ensure_can_move(loan, LoanStatus.RETURNED)
    days = rules.overdue_days(due_at=loan.due_at, at=now)
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    with acting_as(actor, action="spaces.loan_take_back"):
        loan = move(
            loan, LoanStatus.RETURNED, transitions=LOAN_TRANSITIONS, returned_at=now, returned_by=actor,
            condition_in=condition_in, damage_value=value if condition_in == EquipmentCondition.DAMAGED else None,
            return_note=note, overdue_days=days,
        )
        if loan.equipment.condition != condition_in:
            equipment = Equipment.objects.select_for_update(no_key=True).get(pk=loan.equipment_id)
            equipment.condition = condition_in
            equipment.save(update_fields=["condition"])
            loan.equipment = equipment
    parts = [str(_("Returned %(when)s in the condition “%(condition)s”.")
                 % {"when": format_moment(now), "condition": loan.get_condition_in_display()})]
    if days:
        parts.append(str(_("Returned %(days)s days after the due time.") % {"days": days}))
    if loan.damage_value is not None:
        parts.append(str(_("Damage recorded, valued at %(value)s; damaging public resources may open a violation "
                           "case (Chapter 8, Article 2, 3c).") % {"value": format_yuan(loan.damage_value)}))
    with community_language():
        notify(
            recipients=[loan.resident.user],
            title=lambda: _("Equipment returned: %(item)s") % {"item": loan.equipment},
            body=" ".join(parts),
            link=reverse("spaces:loan_list"),
            kind="spaces.loan_returned",
            dedupe_key=f"loan:{loan.pk}:returned",
            email=False,
        )
    return loan


@transaction.atomic
def equipment_mark_repaired(*, equipment: Equipment, actor: Actor, condition: str = EquipmentCondition.GOOD) -> Equipment:
    """Staff record that a damaged item is repaired (its condition again good or worn): it can be lent again."""
    if not is_equipment_handler(actor):
        raise DomainError(_("Only the daily management team or the administrator records the condition."),
                          code="not_allowed")
    if condition not in (EquipmentCondition.GOOD, EquipmentCondition.WORN):
        raise DomainError(_("Record the condition after the repair."), field="condition")
    equipment = Equipment.objects.select_for_update(no_key=True).get(pk=equipment.pk)
    with acting_as(actor, action="spaces.equipment_repaired"):
        equipment.condition = condition
        equipment.save(update_fields=["condition"])
    return equipment


def loan_record_case(*, loan: EquipmentLoan, case_number: str) -> EquipmentLoan:
    """Keep the number of the violation case the discipline app opened for this loan's damage."""
    EquipmentLoan.objects.filter(pk=loan.pk).update(case_number=case_number[:40])
    loan.case_number = case_number[:40]
    return loan


# --- The daily job -------------------------------------------------------------------------------


@transaction.atomic
def loans_flag_overdue(*, now: datetime | None = None) -> list[EquipmentLoan]:
    """Flag loans still out after their due time (once each), tell the resident and the daily management
    team; cancel reservations never collected by their due time. Safe to run twice: a flagged loan is
    skipped and the notifications carry dedupe keys. Returns the loans flagged by this run."""
    now = now or timezone.now()
    with acting_as(None, action="spaces.loans_lapse"):
        EquipmentLoan.objects.filter(status=LoanStatus.REQUESTED, due_at__lt=now).update(
            status=LoanStatus.CANCELLED, cancelled_at=now, cancel_reason=_("not collected by the due time")
        )
    due = list(
        EquipmentLoan.objects.select_for_update(no_key=True, of=("self",), skip_locked=True)
        .select_related("equipment", "resident__user")
        .filter(status=LoanStatus.OUT, due_at__lt=now, overdue_flagged_at__isnull=True)
        .order_by("due_at", "pk")
    )
    if not due:
        return []
    staff = list(members_of(Role.DAILY))
    with acting_as(None, action="spaces.loans_flag_overdue"):
        for loan in due:
            loan.overdue_flagged_at = now
            loan.overdue_days = rules.overdue_days(due_at=loan.due_at, at=now)
            loan.save(update_fields=["overdue_flagged_at", "overdue_days"])
    with community_language():
        for loan in due:
            values = {"item": loan.equipment, "due": format_moment(loan.due_at), "resident": loan.resident.name,
                      "location": loan.equipment.location}
            with community_language():
                notify(
                    recipients=[loan.resident.user],
                    title=_("Overdue: please return %(item)s") % values,
                    body=_("It was due back %(due)s. Please return it to %(location)s as soon as possible; late "
                           "returns are recorded (Chapter 4, Article 2).") % values,
                    link=reverse("spaces:loan_list"),
                    kind="spaces.loan_overdue",
                    dedupe_key=f"loan:{loan.pk}:overdue",
                )
            with community_language():
                notify(
                    recipients=staff,
                    title=_("Overdue loan: %(item)s") % values,
                    body=_("%(resident)s has not returned it; it was due back %(due)s.") % values,
                    link=reverse("admin:spaces_equipmentloan_change", args=[loan.pk]),
                    kind="spaces.loan_overdue_staff",
                    dedupe_key=f"loan:{loan.pk}:overdue:staff",
                    email=False,
                )
    return due


# --- Exit (第三章第四条) -----------------------------------------------------------------------------


def loans_block_exit(*, resident: Resident, exit: Any, actor: Actor) -> str:
    """Exit handler of "belongings cleared out": borrowed equipment is returned before the exit settles.

    Open reservations are cancelled; an item still out refuses the step, naming it — except in a forced
    exit, which happens at once: the items still out are named in the clearance note to be recovered.
    """
    with acting_as(actor, action="spaces.loan_cancel"):
        EquipmentLoan.objects.filter(resident=resident, status=LoanStatus.REQUESTED).update(
            status=LoanStatus.CANCELLED, cancelled_at=timezone.now(), cancel_reason=_("the resident is leaving")
        )
    out = list(EquipmentLoan.objects.select_related("equipment").filter(resident=resident, status=LoanStatus.OUT))
    if not out:
        return ""
    items = "、".join(str(loan.equipment) for loan in out)
    if getattr(exit, "kind", "") == "forced":
        return _("Borrowed equipment still to recover: %(items)s.") % {"items": items}
    raise DomainError(
        _("Borrowed equipment is still out: %(items)s. Take it back first (Chapter 3, Article 4; Chapter 4, "
          "Article 2).") % {"items": items},
        field="item", code="loans_outstanding",
    )


# --- Helpers -------------------------------------------------------------------------------------


def ensure_can_move(loan: EquipmentLoan, to_status: str) -> None:
    if to_status not in LOAN_TRANSITIONS.get(loan.status, ()):
        raise InvalidTransition(
            _("This loan is “%(status)s” and cannot become “%(target)s”.")
            % {"status": loan.get_status_display(), "target": LoanStatus(to_status).label}
        )


def _lock(loan: EquipmentLoan) -> EquipmentLoan:
    return (EquipmentLoan.objects.select_for_update(no_key=True, of=("self",)).select_related("resident__user", "equipment")
            .get(pk=loan.pk))


def _ensure_handler(actor: Actor, resident: Resident) -> None:
    if not is_equipment_handler(actor):
        raise DomainError(
            _("Only the daily management team or the administrator hands out and takes back equipment."),
            code="not_allowed",
        )
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a loan of your own account"))


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), field="damage_value") from None
    if not number.is_finite() or quantize_money(number) != number:
        raise DomainError(_("Enter a number that is not negative, with at most two decimals."), field="damage_value")
    return number

