"""The penalty decided (第八章第二条; RULEBOOK §9): the measures of the rulebook in force on the day of the
violation, with the amounts, days and choice staff give, and the same-kind count taken at decision time."""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline import rules
from discipline.models import (
    CASE_TRANSITIONS,
    CaseStatus,
    PenaltyMeasure,
    ViolationCase,
)
from discipline.rules.occupants import APPLICATION_BAN
from discipline.selectors import cases as selectors
from discipline.services import counting
from discipline.services.case_support import (
    DECIDERS,
    move_case,
    require,
    tell_resident,
)
from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.money import format_yuan, quantize_money
from opc_community.core.transitions import lock
from residents.models import BanSource, Invoice

# --- Decision -----------------------------------------------------------------------------------------


def _amount(value: Any, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount in yuan, e.g. 200.00."), field=field) from None
    if not amount.is_finite() or quantize_money(amount) != amount:
        raise DomainError(_("Amounts are in yuan with at most two decimals (fen)."), field=field)
    return quantize_money(amount)


@transaction.atomic
def case_decide(
    *,
    case: ViolationCase,
    actor: Actor,
    amounts: Mapping[int, Decimal] | None = None,
    chosen: int | None = None,
    days: Mapping[int, int] | None = None,
    until_paid_invoice: Invoice | None = None,
) -> list[PenaltyMeasure]:
    """Decide the penalty (notice issued / rectified / not rectified → decided) from the rulebook in force on
    the day of the violation, and return the measures stored (one PenaltyMeasure each).

    The same-kind count is computed now over counting cases by ``occurred_on`` — verified ones not yet
    decided included; dismissed and annulled ones not — and stored with the rulebook version. Indices
    below are those of ``rules.decide(...).measures`` (``selectors.decision_preview(case).outcome.measures``):

    - ``amounts[i]``: a fine with a range needs the amount chosen within it (refused outside it with a
      message naming the range); a fixed fine is its amount; compensation needs the amount (kind 2a
      defaults to the damage value);
    - ``chosen``: kind 8's "one of" needs the index of the measure chosen (among ``outcome.alternatives``;
      an escalation after them always applies);
    - ``days[i]``: a suspension without fixed days (kind 8) needs the days;
    - ``until_paid_invoice``: the invoice an "until paid" suspension waits for (the ladders pass the
      overdue invoice of kind 7); default: the fine of this case.

    A case against an occupant (no resident) gets the measures of ``selectors.decision_preview``: those
    needing a resident left out, and a ban on applying added (``discipline.rules.occupants``).

    Refused, with nothing written, on any bad input.
    """
    require(actor, DECIDERS, case.resident)
    case = lock(case)
    if CaseStatus.DECIDED not in CASE_TRANSITIONS.get(case.status, ()):
        raise InvalidTransition(
            _("Case %(number)s is “%(status)s” and cannot be decided.")
            % {"number": case.number, "status": case.get_status_display()}
        )
    amounts = dict(amounts or {})
    days = dict(days or {})
    # Same resident, same moment: serialise counting so two cases decided at once see each other.
    counting.counting_lock_for(case)
    preview = selectors.decision_preview(case)
    if preview is None:
        raise DomainError(_("Kind %(kind)s is not in the rulebook in force on that day.") % {"kind": case.kind},
                          field="kind")
    outcome = preview.outcome
    if outcome.is_none:
        raise DomainError(_("The penalty table prescribes no measure for these facts; dismiss the case instead."))
    indices = list(range(len(outcome.measures)))
    if outcome.choose_one:  # kind 8: one of the alternatives, plus any escalation ("serious")
        if chosen is None or not (0 <= int(chosen) < outcome.alternatives):
            raise DomainError(
                _("Choose one of the measures: %(measures)s.")
                % {"measures": join(preview.measure_texts[:outcome.alternatives])},
                field="chosen",
            )
        indices = [int(chosen), *indices[outcome.alternatives:]]
    rows: list[dict[str, Any]] = []
    has_fine = any(outcome.measures[i].type == "fine" for i in indices)
    for index in indices:
        rule = outcome.measures[index]
        row: dict[str, Any] = {"type": rule.type}
        if rule.type == "fine":
            row["amount"] = _fine_amount(rule, amounts.get(index), index=index)
        elif rule.type == "compensation":
            value = amounts.get(index)
            if value in (None, "") and preview.kind.basis == "damage_value" and case.measure is not None:
                value = case.measure
            if value in (None, ""):
                raise DomainError(_("Enter the amount of the compensation."), field=f"amounts.{index}")
            amount = _amount(value, field=f"amounts.{index}")
            if amount <= 0:
                raise DomainError(_("The compensation must be more than zero."), field=f"amounts.{index}")
            row["amount"] = amount
        elif rule.type == "confiscation":  # 没收违规所得: the amount gained, owed as an invoice line
            value = amounts.get(index)
            if value in (None, ""):
                raise DomainError(_("Enter the amount of the gains to confiscate (Chapter 8, Article 2)."),
                                  field=f"amounts.{index}")
            amount = _amount(value, field=f"amounts.{index}")
            if amount <= 0:
                raise DomainError(_("The amount to confiscate must be more than zero."), field=f"amounts.{index}")
            row["amount"] = amount
        elif rule.type == "suspension":
            row["scope"] = rule.scope
            row["until_paid"] = rule.until_paid
            row["days"] = rule.days
            if not rule.days and not rule.until_paid:
                chosen_days = days.get(index)
                try:
                    chosen_days = int(chosen_days)
                except (TypeError, ValueError):
                    chosen_days = 0
                if chosen_days < 1:
                    raise DomainError(_("Enter the days of the suspension (at least 1)."), field=f"days.{index}")
                row["days"] = chosen_days
            if rule.until_paid:
                if until_paid_invoice is not None:
                    if until_paid_invoice.resident_id != case.resident_id:
                        raise DomainError(_("The invoice belongs to another resident."), field="until_paid_invoice")
                    row["invoice"] = until_paid_invoice
                elif not has_fine:
                    raise DomainError(
                        _("A suspension “until paid” needs the invoice it waits for."), field="until_paid_invoice"
                    )
        elif rule.type == "forced_exit":
            row["ban_years"] = rules.ban_years(rule, preview.bans)
            row["note"] = f"ban:{rule.ban or 'forced_exit'}"
        rows.append(row)
    if preview.occupant_ban_years:
        # An occupant (1a, no resident): the rulebook's resident-only measures were left out by the preview;
        # a ban on applying follows, on the ID number (``discipline.rules.occupants``; RULEBOOK §4.6).
        rows.append({"type": APPLICATION_BAN, "ban_years": preview.occupant_ban_years,
                     "note": f"ban:{BanSource.UNAUTHORISED_OCCUPANCY}"})
    now = timezone.now()
    # Published within the working days of the rulebook in force on the day of the decision (stored here,
    # at the event; ``discipline.services.deadlines`` flags it when late).
    publish_due = workdays.deadline(
        now, rulebook.in_force(on=timezone.localdate(now)).deadlines.decision_publication_working_days
    )
    with acting_as(actor, action="discipline.case_decide"):
        case = move_case(
            case, CaseStatus.DECIDED, same_kind_count=preview.count, rulebook_version=preview.rulebook_version,
            decided_by=actor, decided_at=now, publish_due_at=publish_due.at,
            publish_due_provisional=publish_due.provisional,
        )
        measures = [PenaltyMeasure.objects.create(case=case, **row) for row in rows]
    texts = [selectors.describe_measure(m) for m in measures]
    tell_resident(
        case,
        title=lambda: _("Penalty decided: case %(number)s") % {"number": case.number},
        body=lambda: _("%(rule)s. It will be published on the notice board; you may ask for review (复核) during the "
               "publication window.")
        % {"rule": selectors.rule_sentence(preview.kind, preview.count, texts, code=case.kind)},
        step="decided",
    )
    return measures


def join(texts: Iterable[str]) -> str:
    return "；".join(str(t) for t in texts)


def _fine_amount(rule: Any, value: Any, *, index: int) -> Decimal:
    field = f"amounts.{index}"
    if rule.amount is not None and value in (None, ""):
        return quantize_money(rule.amount)
    if value in (None, ""):
        raise DomainError(
            _("Choose the fine between %(min)s and %(max)s (Chapter 8, Article 2).")
            % {"min": format_yuan(rule.amount_min), "max": format_yuan(rule.amount_max)},
            field=field,
        )
    amount = _amount(value, field=field)
    if not rules.fine_allowed(rule, amount):
        if rule.amount is not None:
            message = _("The fine for this violation is %(amount)s (Chapter 8, Article 2).") % {
                "amount": format_yuan(rule.amount)
            }
        else:
            message = _("The fine must be between %(min)s and %(max)s; %(amount)s is outside the range "
                        "(Chapter 8, Article 2).") % {
                "min": format_yuan(rule.amount_min), "max": format_yuan(rule.amount_max),
                "amount": format_yuan(amount),
            }
        raise DomainError(message, field=field)
    return amount

