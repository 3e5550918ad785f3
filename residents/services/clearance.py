"""The exit's clearance checklist (RULEBOOK §4.5) and the exit handlers other apps register.

See :mod:`residents.services.lifecycle` for the settlement rules and how handlers are registered.
"""

from datetime import date
from typing import Protocol

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from residents.models import (
    EXIT_TRANSITIONS,
    ClearanceItem,
    DepositEntryKind,
    DepositOutcome,
    Exit,
    ExitClearance,
    ExitKind,
    ExitStatus,
    PaymentMethod,
    Resident,
    ResidentStatus,
)
from residents.rules import term
from residents.selectors import lifecycle as selectors
from residents.services.residency import (
    OWN_RESIDENCY,
    _close_open_renewals,
    _end_agreements,
    _lock_exit,
    _move_resident,
    _portal,
)

# --- Exit handlers ------------------------------------------------------------------------------


class ExitHandler(Protocol):
    def __call__(self, *, resident: Resident, exit: Exit, actor: Actor) -> str: ...


#: The checklist items other apps take part in (fees and the deposit are this app's ledger).
HANDLED_ITEMS = (ClearanceItem.ITEMS_CLEARED, ClearanceItem.DESK_RELEASED, ClearanceItem.PERMISSIONS_REVOKED)
#: name → (checklist item, handler)
_EXIT_HANDLERS: dict[str, tuple[str, ExitHandler]] = {}


def register_exit_handler(
    name: str, handler: ExitHandler, *, item: str = ClearanceItem.PERMISSIONS_REVOKED
) -> None:
    """Register (or replace) what another app does when the exit clears ``item`` (one of
    :data:`HANDLED_ITEMS`; see the module docstring)."""
    if item not in HANDLED_ITEMS:
        raise ValueError(f"exit handlers run on {', '.join(HANDLED_ITEMS)}, not on {item!r}")
    _EXIT_HANDLERS[name] = (item, handler)


def unregister_exit_handler(name: str) -> None:
    _EXIT_HANDLERS.pop(name, None)


def exit_handlers(item: str = ClearanceItem.PERMISSIONS_REVOKED) -> dict[str, ExitHandler]:
    """The handlers registered for ``item`` by name (a copy)."""
    return {name: handler for name, (of_item, handler) in _EXIT_HANDLERS.items() if of_item == item}


def _run_exit_handlers(exit: Exit, item: str, *, actor: Actor) -> list[str]:
    """Run the handlers of ``item`` in name order; their notes (empty ones left out)."""
    notes = [handler(resident=exit.resident, exit=exit, actor=actor)
             for _name, handler in sorted(exit_handlers(item).items())]
    return [str(note) for note in notes if note]


# --- The clearance checklist ---------------------------------------------------------------------


def _record(exit: Exit, item: str, *, actor: Actor, note: str) -> ExitClearance:
    try:
        with transaction.atomic():
            return ExitClearance.objects.create(
                exit=exit, resident=exit.resident, item=item, note=note[:300], cleared_by=actor
            )
    except IntegrityError as error:
        raise ConflictError(_("“%(item)s” has already been cleared.") % {"item": ClearanceItem(item).label},
                            field="item") from error


def _cleared(exit: Exit) -> set[str]:
    return set(ExitClearance.objects.filter(exit=exit).values_list("item", flat=True))


def _settle_fees(exit: Exit, *, actor: Actor, today: date) -> str:
    """Pay the open invoices from the deposit (refund exits) or list what stays owed (forfeit exits)."""
    from residents.selectors import ledger as ledger_selectors
    from residents.services import ledger

    invoices = list(ledger_selectors.outstanding_invoices(exit.resident))
    held = ledger_selectors.deposit_held(exit.resident)
    plan = term.settlement(
        deposit_held=held,
        balances=[(invoice.pk, invoice.balance) for invoice in invoices],
        forfeit=exit.deposit_outcome == DepositOutcome.FORFEIT,
    )
    if exit.deposit_outcome == DepositOutcome.FORFEIT:
        if not invoices:
            return _("No fees outstanding.")
        return _("Still owed after the forced exit (the forfeited deposit pays no fees): %(total)s on %(numbers)s.") % {
            "total": format_yuan(plan.unpaid), "numbers": "、".join(invoice.number for invoice in invoices)
        }
    if plan.unpaid > 0:
        raise DomainError(
            _("%(owed)s is still owed and the deposit held covers only %(held)s: record payments of at least "
              "%(short)s first, then settle again (the deposit pays the rest).")
            % {"owed": format_yuan(plan.unpaid + plan.applied_total), "held": format_yuan(held),
               "short": format_yuan(plan.unpaid)},
            field="item",
            code="fees_outstanding",
        )
    by_pk = {invoice.pk: invoice for invoice in invoices}
    for pk, amount in plan.applied:
        ledger.payment_record(
            invoice=by_pk[pk], amount=amount, paid_on=today, method=PaymentMethod.DEPOSIT,
            note=_("settled from the deposit at exit"), actor=actor,
        )
    if plan.applied:
        return _("%(total)s paid from the deposit on %(numbers)s.") % {
            "total": format_yuan(plan.applied_total),
            "numbers": "、".join(by_pk[pk].number for pk, _amount in plan.applied),
        }
    return _("No fees outstanding.")


def _settle_deposit(exit: Exit, *, actor: Actor, today: date) -> str:
    """Refund (after the fees are settled) or forfeit what is left of the deposit."""
    from residents.selectors import ledger as ledger_selectors
    from residents.services import ledger

    if exit.deposit_outcome == DepositOutcome.REFUND and ClearanceItem.FEES_SETTLED not in _cleared(exit):
        raise DomainError(
            _("Settle the fees first: the deposit pays open invoices before anything is refunded."),
            field="item", code="fees_first",
        )
    held = ledger_selectors.deposit_held(exit.resident)
    if held <= 0:
        return _("No deposit held.")
    if exit.deposit_outcome == DepositOutcome.FORFEIT:
        ledger.deposit_record(resident=exit.resident, kind=DepositEntryKind.FORFEITED, amount=held, on=today,
                              note=_("forfeited: forced exit (Chapter 3, Article 4)"), actor=actor)
        return _("%(amount)s forfeited.") % {"amount": format_yuan(held)}
    ledger.deposit_record(resident=exit.resident, kind=DepositEntryKind.REFUNDED, amount=held, on=today,
                          note=_("refunded at exit"), actor=actor)
    return _("%(amount)s refunded.") % {"amount": format_yuan(held)}


def _revoke_permissions(exit: Exit, *, actor: Actor) -> str:
    notes = _run_exit_handlers(exit, ClearanceItem.PERMISSIONS_REVOKED, actor=actor)
    _close_open_renewals(exit.resident, reason=_("Withdrawn: the resident is leaving."), actor=actor)
    notes.append(str(_("Portal access ends when the exit is complete.")))
    return " ".join(notes)


def _apply(exit: Exit, item: str, *, actor: Actor, today: date, note: str = "") -> ExitClearance:
    if item in _cleared(exit):
        raise ConflictError(_("“%(item)s” has already been cleared.") % {"item": ClearanceItem(item).label},
                            field="item")
    if item == ClearanceItem.FEES_SETTLED:
        effect = _settle_fees(exit, actor=actor, today=today)
    elif item == ClearanceItem.DEPOSIT_SETTLED:
        effect = _settle_deposit(exit, actor=actor, today=today)
    elif item == ClearanceItem.PERMISSIONS_REVOKED:
        effect = _revoke_permissions(exit, actor=actor)
    elif item in HANDLED_ITEMS:  # the desk: the spaces app's desk register
        effect = " ".join(_run_exit_handlers(exit, item, actor=actor))
    else:
        raise DomainError(_("Unknown clearance item."), field="item")
    return _record(exit, item, actor=actor, note=" ".join(part for part in (effect, (note or "").strip()) if part))


def _complete(exit: Exit, *, actor: Actor, today: date) -> Exit:
    """Every item cleared: the exit completes, agreements end, the resident has exited (portal closed)
    and its archive is kept for the rulebook's retention years from today (第三章第五条)."""
    years = rulebook.in_force(today).term.archive_retention_years
    exit = move(exit, ExitStatus.COMPLETED, transitions=EXIT_TRANSITIONS, completed_at=timezone.now(),
                completed_by=actor)
    # Expiry, forced and assessment exits ended the agreement already; a voluntary exit ends it on
    # its exit date (or today, when the clearance finished early).
    _end_agreements(exit.resident, on=min(exit.exit_on, today), reason=str(ExitKind(exit.kind).label))
    retain_until = term.retention_end(today, years)
    _move_resident(exit.resident, ResidentStatus.EXITED, exited_on=today, retain_until=retain_until)
    exit.resident.refresh_from_db()
    notify(
        recipients=[exit.resident.user],
        title=lambda: _("Your exit is complete"),
        body=lambda: _("Your exit is complete and your portal permissions have ended. Your archive is kept until "
               "%(date)s (Chapter 3, Article 5). Thank you for your time in the community.")
        % {"date": format_day(retain_until)},
        link=reverse("portal:inbox"),
        kind="residents.exit_completed",
    )
    return exit


@transaction.atomic
def exit_clear(*, exit: Exit, item: str, actor: Actor, note: str = "", today: date | None = None) -> ExitClearance:
    """Clear one item of a scheduled exit's checklist (第三章第四条: 结清费用、清理物品、注销权限、释放工位).

    Fees: the deposit pays open invoices (refund exits; refused with the shortfall if it
    cannot); deposit: refunded after the fees, or forfeited; desk: released in the desk
    register (the spaces app's handler of that item); permissions: the registered exit
    handlers (bookings, vouchers) run. Each item once; the exit completes when all five are
    cleared.
    """
    today = today or timezone.localdate()
    exit = _lock_exit(exit)
    ensure_not_own(actor, concerned_user=exit.resident.user_id, what=OWN_RESIDENCY)
    if exit.status == ExitStatus.REQUESTED:
        raise InvalidTransition(_("Confirm the exit before clearing it."))
    if exit.status != ExitStatus.SCHEDULED:
        raise InvalidTransition(_("This exit is “%(status)s”: nothing is left to clear.")
                                % {"status": exit.get_status_display()})
    if item not in ClearanceItem.values:
        raise DomainError(_("Unknown clearance item."), field="item")
    with acting_as(actor, action=f"residents.exit_clear.{item}"):
        clearance = _apply(exit, item, actor=actor, today=today, note=note)
        remaining = [i for i in selectors.CHECKLIST if i not in _cleared(exit)]
        if not remaining:
            _complete(exit, actor=actor, today=today)
    if remaining:
        notify(
            recipients=[exit.resident.user],
            title=lambda: _("Exit clearance: %(item)s") % {"item": clearance.get_item_display()},
            body=lambda: (clearance.note or str(clearance.get_item_display())) + " "
            + _("Still to do: %(items)s.") % {"items": "、".join(str(ClearanceItem(i).label) for i in remaining)},
            link=_portal("exit_detail", exit.pk),
            kind="residents.exit_clearance",
            email=False,
        )
    return clearance


