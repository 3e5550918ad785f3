"""Writes of the resident's term and exit (第三章第三条、第四条; RULEBOOK §4.2–§4.6).

Renewal
    :func:`renewal_reminder_send` (daily job, once per agreement), :func:`renewal_request`
    and :func:`renewal_withdraw` (resident), :func:`renewal_confirm_direction`,
    :func:`renewal_approve` (only when every §4.3 condition holds; issues the new 12-month
    agreement from the day after) and :func:`renewal_refuse` (staff, with reasons).

Exits
    :func:`exit_open_on_expiry` (daily job: not renewed by the end date → exit with a grace
    period), :func:`exit_request_voluntary` / :func:`exit_withdraw` (resident),
    :func:`exit_confirm` / :func:`exit_cancel` (staff), :func:`exit_clear` (the daily
    management team's checklist; the exit completes when every item is cleared),
    :func:`force_exit` (discipline) and :func:`exit_by_assessment` (scoring).

Settlement rules (**Decision**, RULEBOOK §4.5; pure rule: ``residents.rules.term.settlement``)
    - Deposit refunded (voluntary, expiry, assessment): the deposit first pays the open
      invoices, oldest due first (a payment "deducted from the deposit", which the ledger
      records as a deposit entry "applied"), and only what is left is refunded. If the
      deposit does not cover everything, nothing is written and staff are told how much
      must be paid first ("fees settled" stays open); the refund waits for the fees.
    - Deposit forfeited (forced exit, 没收保证金): the whole deposit held is forfeited at once;
      it is a penalty, not a payment, so open invoices stay owed in full and are listed in
      the "fees settled" clearance note (the debt survives the exit).
    Every clearance is an :class:`~residents.models.ExitClearance` row: item, who, when, note.

Exit handlers and exit steps (bookings, desk, vouchers)
    Other apps revoke what they granted through :func:`register_exit_handler`, called from
    their ``AppConfig.ready()``, each under the checklist item it belongs to::

        from residents.services.lifecycle import register_exit_handler
        register_exit_handler("spaces.bookings", cancel_future_bookings)   # "permissions revoked"
        register_exit_handler("spaces.desk", desk_release_for_exit, item=ClearanceItem.DESK_RELEASED)

    A handler is ``handler(*, resident, exit, actor) -> str`` (a short note of what it did,
    e.g. "3 bookings cancelled"). The handlers of an item run *inside* the exit's transaction
    when that item is cleared (and in :func:`force_exit` / :func:`exit_by_assessment`), in
    name order; an error in one rolls the whole step back, so nothing is half-revoked.

Nobody takes a staff step on a renewal or exit of their own residency
(``opc_community.accounts.conflicts``).
"""

from datetime import date
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.moments import format_day, format_day_lazy
from opc_community.core.money import format_yuan
from opc_community.core.transitions import lock, move
from opc_community.portal.services import notify
from residents.models import (
    AGREEMENT_TRANSITIONS,
    EXIT_TRANSITIONS,
    RENEWAL_TRANSITIONS,
    RESIDENT_TRANSITIONS,
    Agreement,
    AgreementStatus,
    Ban,
    BanSource,
    ClearanceItem,
    DepositEntryKind,
    DepositOutcome,
    Exit,
    ExitClearance,
    ExitKind,
    ExitStatus,
    PaymentMethod,
    RenewalRequest,
    RenewalStatus,
    Resident,
    ResidentStatus,
)
from residents.rules import term
from residents.selectors import lifecycle as selectors

# --- Conflicts of interest (the state machines are the models', residents/models/residency.py) ------

#: What a member of staff may not decide: renewal and exit steps of their own residency (conflict of interest).
OWN_RESIDENCY = gettext_lazy("the renewal or exit of your own residency")


# --- Exit handlers ------------------------------------------------------------------------------


class ExitHandler(Protocol):
    def __call__(self, *, resident: Resident, exit: Exit, actor: Any) -> str: ...


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


def _run_exit_handlers(exit: Exit, item: str, *, actor: Any) -> list[str]:
    """Run the handlers of ``item`` in name order; their notes (empty ones left out)."""
    notes = [handler(resident=exit.resident, exit=exit, actor=actor)
             for _name, handler in sorted(exit_handlers(item).items())]
    return [str(note) for note in notes if note]


# --- Small helpers -------------------------------------------------------------------------------


def _staff(*roles: str) -> list[Any]:
    return list(members_of(*roles))


def _portal(name: str, *args: Any) -> str:
    return reverse(f"residents:{name}", args=args)


def _admin(exit_or_renewal: Exit | RenewalRequest) -> str:
    meta = exit_or_renewal._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[exit_or_renewal.pk])


def _move_resident(resident: Resident, to_status: str, **fields: Any) -> Resident:
    resident = lock(resident)
    if resident.status == to_status:
        return resident
    return move(resident, to_status, transitions=RESIDENT_TRANSITIONS, **fields)


def _end_agreements(resident: Resident, *, on: date, reason: str) -> list[Agreement]:
    """End every live agreement of the resident: accepted → ended on ``on``; issued → cancelled."""
    changed = []
    for agreement in Agreement.objects.select_for_update().filter(
        resident=resident, status__in=selectors.LIVE_AGREEMENT
    ):
        if agreement.status == AgreementStatus.ACCEPTED:
            ended_on = min(on, agreement.ends_on)
            changed.append(
                move(agreement, AgreementStatus.ENDED, transitions=AGREEMENT_TRANSITIONS,
                     ended_on=ended_on, end_reason=reason[:200])
            )
        else:
            changed.append(
                move(agreement, AgreementStatus.CANCELLED, transitions=AGREEMENT_TRANSITIONS,
                     end_reason=reason[:200])
            )
    return changed


def _close_open_renewals(resident: Resident, *, reason: str, actor: Any) -> None:
    """An exit ends every open renewal request (withdrawn, with the reason)."""
    for renewal in RenewalRequest.objects.select_for_update().filter(
        resident=resident, status=RenewalStatus.REQUESTED
    ):
        move(renewal, RenewalStatus.WITHDRAWN, transitions=RENEWAL_TRANSITIONS,
             decided_at=timezone.now(), decided_by=actor, decision_reason=reason)


# --- Renewal (第三章第三条) ------------------------------------------------------------------------


@transaction.atomic
def renewal_reminder_send(*, agreement: Agreement, today: date) -> bool:
    """Remind the resident and the intake team, once, that the agreement ends in 30 days (RULEBOOK §4.2).

    Compare-and-set on ``renewal_reminder_sent_at`` (only the first run that finds it empty
    sends), plus the notification's ``dedupe_key``: re-running sends nothing. Returns
    whether this call sent it.
    """
    rules = rulebook.in_force(today).term
    agreement = Agreement.objects.select_related("resident__user").get(pk=agreement.pk)
    if agreement.status != AgreementStatus.ACCEPTED or not term.renewal_reminder_due(
        agreement.ends_on, rules.renewal_reminder_days, today
    ):
        return False
    with acting_as(None, action="residents.renewal_reminder_send"):
        claimed = Agreement.objects.filter(
            pk=agreement.pk, status=AgreementStatus.ACCEPTED, renewal_reminder_sent_at__isnull=True
        ).update(renewal_reminder_sent_at=timezone.now())
    if not claimed:
        return False
    resident = agreement.resident
    values = {"number": agreement.number, "end": format_day_lazy(agreement.ends_on), "name": resident.name}
    key = f"residents.renewal_reminder.{agreement.pk}"
    notify(
        recipients=[resident.user],
        title=lambda: _("Your agreement ends on %(end)s: renew or prepare to exit") % values,
        body=lambda: _(
            "Agreement %(number)s ends on %(end)s. If you wish to stay, request the renewal in the portal "
            "before that date; the conditions are shown there (Chapter 3, Article 3). If it is not renewed "
            "by the end date, the exit on expiry begins (Chapter 3, Article 4)."
        ) % values,
        link=_portal("renewal"),
        kind="residents.renewal_reminder",
        dedupe_key=key,
    )
    notify(
        recipients=_staff(Role.INTAKE),
        title=lambda: _("Agreement of %(name)s ends on %(end)s") % values,
        body=lambda: _("Agreement %(number)s of %(name)s ends on %(end)s; the resident has been reminded to renew or exit.")
        % values,
        link=reverse("admin:residents_resident_changelist") + "?ending=soon",
        kind="residents.renewal_reminder",
        dedupe_key=key,
    )
    return True


@transaction.atomic
def renewal_request(*, resident: Resident, actor: Any, note: str = "", today: date | None = None) -> RenewalRequest:
    """The resident asks to renew its current agreement (a simplified application, 第三章第三条).

    Opens on the reminder date (30 days before the end) and closes at the end date;
    refused while an exit is in progress, after a renewal, or with a request already open.
    The conditions are judged when staff decide (they are shown on the page meanwhile).
    """
    today = today or timezone.localdate()
    resident = lock(resident)
    agreement = selectors.current_agreement(resident, today=today)
    if agreement is None:
        raise DomainError(_("You have no agreement in force to renew."), field="agreement")
    days = rulebook.in_force(today).term.renewal_reminder_days
    why_not = selectors.renewal_refusal_reason(
        resident=resident, agreement=agreement, today=today,
        opens_on=term.renewal_reminder_date(agreement.ends_on, days), reminder_days=days,
        renewed=selectors.renewal_agreement(agreement) is not None,
        open_request=selectors.open_renewal_requests(resident).filter(agreement=agreement).exists(),
    )
    if why_not:
        raise DomainError(why_not, field="agreement")
    try:
        with transaction.atomic(), acting_as(actor, action="residents.renewal_request"):
            renewal = RenewalRequest.objects.create(
                agreement=agreement, resident=resident, note=(note or "").strip()
            )
    except IntegrityError as error:  # a concurrent request for the same agreement
        raise ConflictError(_("Your renewal request is waiting for the intake team's decision."),
                            field="agreement") from error
    values = {"name": resident.name, "number": agreement.number, "end": format_day_lazy(agreement.ends_on)}
    notify(
        recipients=_staff(Role.INTAKE),
        title=lambda: _("Renewal requested by %(name)s") % values,
        body=lambda: _("%(name)s asks to renew agreement %(number)s (ends on %(end)s). Confirm whether the project still "
               "fits the community's direction, then decide (Chapter 3, Article 3).") % values,
        link=_admin(renewal),
        kind="residents.renewal_requested",
    )
    notify(
        recipients=[resident.user],
        title=lambda: _("Renewal request received"),
        body=lambda: _("We received your request to renew agreement %(number)s. The intake team will decide before "
               "%(end)s; you will be told the result and the reasons.") % values,
        link=_portal("renewal_detail", renewal.pk),
        kind="residents.renewal_requested",
        email=False,
    )
    return renewal


def _lock_renewal(renewal: RenewalRequest) -> RenewalRequest:
    return RenewalRequest.objects.select_for_update(of=("self",)).select_related(
        "agreement", "resident__user"
    ).get(pk=renewal.pk)


@transaction.atomic
def renewal_withdraw(*, renewal: RenewalRequest, actor: Any) -> RenewalRequest:
    """The resident withdraws its open renewal request."""
    renewal = _lock_renewal(renewal)
    with acting_as(actor, action="residents.renewal_withdraw"):
        return move(renewal, RenewalStatus.WITHDRAWN, transitions=RENEWAL_TRANSITIONS,
                    decided_at=timezone.now(), decided_by=actor,
                    decision_reason=_("Withdrawn by the resident."))


@transaction.atomic
def renewal_confirm_direction(*, renewal: RenewalRequest, fits: bool, actor: Any) -> RenewalRequest:
    """Staff record whether the project still fits the community's direction (the fourth §4.3 condition)."""
    renewal = _lock_renewal(renewal)
    ensure_not_own(actor, concerned_user=renewal.resident.user_id, what=OWN_RESIDENCY)
    if renewal.status != RenewalStatus.REQUESTED:
        raise InvalidTransition(_("This renewal request has already been decided."))
    with acting_as(actor, action="residents.renewal_confirm_direction"):
        RenewalRequest.objects.filter(pk=renewal.pk).update(direction_confirmed=fits)
    renewal.refresh_from_db()
    return renewal


def _snapshot(conditions: list[selectors.ConditionView]) -> list[dict[str, Any]]:
    return [
        {"code": c.code, "met": c.met, "title": c.title, "explanation": c.explanation, "article": c.article}
        for c in conditions
    ]


@transaction.atomic
def renewal_approve(*, renewal: RenewalRequest, actor: Any, today: date | None = None) -> RenewalRequest:
    """Approve a renewal when every §4.3 condition holds: a new agreement of the rulebook's term
    (12 months) from the day after the old one ends, renewing it (第三章第三条).

    Refused, naming each condition not met and the article, otherwise.
    """
    today = today or timezone.localdate()
    renewal = _lock_renewal(renewal)
    ensure_not_own(actor, concerned_user=renewal.resident.user_id, what=OWN_RESIDENCY)
    if renewal.status != RenewalStatus.REQUESTED:
        raise InvalidTransition(_("This renewal request has already been decided."))
    old = lock(renewal.agreement)
    if old.status != AgreementStatus.ACCEPTED:
        raise DomainError(_("Agreement %(number)s is no longer in force and cannot be renewed.")
                          % {"number": old.number}, field="agreement")
    if selectors.renewal_agreement(old) is not None:
        raise ConflictError(_("This agreement has already been renewed."), field="agreement")
    conditions = selectors.renewal_conditions_for(
        resident=renewal.resident, agreement=old, today=today, direction_confirmed=renewal.direction_confirmed
    )
    unmet = [c for c in conditions if c.met is not True]
    if unmet:
        raise DomainError(
            _("Renewal refused by the rules: %(conditions)s (Chapter 3, Article 3).")
            % {"conditions": "；".join(f"{c.title}：{c.explanation}" for c in unmet)},
            field="conditions",
            code="renewal_conditions_not_met",
        )
    months = rulebook.in_force(today).term.agreement_months
    starts_on, _ends_on = term.renewal_term(old.ends_on, months)
    new = _issue_renewal_agreement(old=old, starts_on=starts_on, actor=actor)
    with acting_as(actor, action="residents.renewal_approve"):
        renewal = move(renewal, RenewalStatus.APPROVED, transitions=RENEWAL_TRANSITIONS,
                       decided_at=timezone.now(), decided_by=actor, conditions=_snapshot(conditions),
                       new_agreement=new)
    values = {"number": new.number, "start": format_day_lazy(new.starts_on), "end": format_day_lazy(new.ends_on)}
    notify(
        recipients=[renewal.resident.user],
        title=lambda: _("Your renewal is approved"),
        body=lambda: _("Your renewal is approved: agreement %(number)s runs from %(start)s to %(end)s. "
               "Read and accept it in the portal (Chapter 3, Article 3).") % values,
        link=_portal("renewal_detail", renewal.pk),
        kind="residents.renewal_approved",
    )
    return renewal


def _issue_renewal_agreement(*, old: Agreement, starts_on: date, actor: Any) -> Agreement:
    """The new agreement, through the agreements topic's issuing service (same fees and deposit)."""
    from residents.services import agreements

    return agreements.agreement_issue(
        resident=old.resident,
        starts_on=starts_on,
        fee_amount=old.fee_amount,
        fee_period=old.fee_period,
        deposit_amount=old.deposit_amount,
        renews=old,
        actor=actor,
    )


@transaction.atomic
def renewal_refuse(*, renewal: RenewalRequest, reason: str, actor: Any, today: date | None = None) -> RenewalRequest:
    """Refuse a renewal with written reasons; the conditions as they stood are kept with the decision.

    Without a renewal the agreement runs to its end date and the exit on expiry follows
    (a refusal after the end date gives the grace period from the refusal date).
    """
    today = today or timezone.localdate()
    if not (reason or "").strip():
        raise DomainError(_("Give the reasons for the refusal."), field="reason")
    renewal = _lock_renewal(renewal)
    ensure_not_own(actor, concerned_user=renewal.resident.user_id, what=OWN_RESIDENCY)
    if renewal.status != RenewalStatus.REQUESTED:
        raise InvalidTransition(_("This renewal request has already been decided."))
    conditions = selectors.renewal_conditions_for(
        resident=renewal.resident, agreement=renewal.agreement, today=today,
        direction_confirmed=renewal.direction_confirmed,
    )
    with acting_as(actor, action="residents.renewal_refuse"):
        renewal = move(renewal, RenewalStatus.REFUSED, transitions=RENEWAL_TRANSITIONS,
                       decided_at=timezone.now(), decided_by=actor, decision_reason=reason.strip(),
                       conditions=_snapshot(conditions))
    values = {"reason": reason.strip(), "end": format_day_lazy(renewal.agreement.ends_on)}
    notify(
        recipients=[renewal.resident.user],
        title=lambda: _("Your renewal request was not approved"),
        body=lambda: _("Reasons: %(reason)s. Your agreement ends on %(end)s; the exit on expiry follows "
               "(Chapter 3, Article 4).") % values,
        link=_portal("renewal_detail", renewal.pk),
        kind="residents.renewal_refused",
    )
    return renewal


# --- Expiry (第三章第四条 到期退出; RULEBOOK §4.4) ----------------------------------------------------


@transaction.atomic
def exit_open_on_expiry(*, agreement: Agreement, today: date) -> Exit | None:
    """An accepted agreement whose end date has passed: closed as renewed, or the exit on expiry begins.

    - renewed (a live agreement renews it): the agreement is marked ended ("renewed"), no exit;
    - a renewal request still awaits staff: nothing yet (the resident asked in time);
    - otherwise: the agreement ends, an :class:`Exit` (expiry, scheduled, exit on the end date,
      grace period of the rulebook's ``grace_days``) is created, the resident becomes "exiting"
      and is told the last day of the grace period. An exit already in progress is kept.

    The agreement row is locked and moved from "accepted" (compare-and-set), so a second run
    finds nothing to do: one exit per agreement.
    """
    agreement = lock(agreement)
    if agreement.status != AgreementStatus.ACCEPTED or not term.expired(agreement.ends_on, today):
        return None
    if selectors.renewal_agreement(agreement) is not None:
        with acting_as(None, action="residents.agreement_renewed"):
            move(agreement, AgreementStatus.ENDED, transitions=AGREEMENT_TRANSITIONS,
                 ended_on=agreement.ends_on, end_reason=_("renewed"))
        return None
    if RenewalRequest.objects.filter(agreement=agreement, status=RenewalStatus.REQUESTED).exists():
        return None
    resident = lock(agreement.resident)
    with acting_as(None, action="residents.exit_on_expiry"):
        move(agreement, AgreementStatus.ENDED, transitions=AGREEMENT_TRANSITIONS,
             ended_on=agreement.ends_on, end_reason=_("expired without renewal"))
        if resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING) or selectors.open_exit(resident):
            return None
        rules = rulebook.in_force(agreement.ends_on).term
        grace_ends_on = term.expiry_grace_end(
            agreement.ends_on, rules.grace_days, renewal_refused_on=selectors.latest_refusal_on(agreement)
        )
        exit = Exit.objects.create(
            resident=resident,
            kind=ExitKind.EXPIRY,
            status=ExitStatus.SCHEDULED,
            reason=_("Agreement %(number)s ended on %(end)s without renewal.")
            % {"number": agreement.number, "end": format_day(agreement.ends_on)},
            requested_on=today,
            exit_on=agreement.ends_on,
            grace_ends_on=grace_ends_on,
            deposit_outcome=DepositOutcome.REFUND,
        )
        _move_resident(resident, ResidentStatus.EXITING)
    values = {"number": agreement.number, "end": format_day_lazy(agreement.ends_on), "grace": format_day_lazy(grace_ends_on),
              "name": resident.name}
    notify(
        recipients=[resident.user],
        title=lambda: _("Your agreement has ended: clear out by %(grace)s") % values,
        body=lambda: _(
            "Agreement %(number)s ended on %(end)s without renewal. You have a grace period until %(grace)s "
            "to settle fees, clear your belongings and hand back your desk (Chapter 3, Article 4). Staying "
            "after that day is an overdue exit, a violation counted in days (Chapter 8, Article 2)."
        ) % values,
        link=_portal("exit_detail", exit.pk),
        kind="residents.exit_expiry",
        dedupe_key=f"residents.exit_expiry.{exit.pk}",
    )
    notify(
        recipients=_staff(Role.DAILY),
        title=lambda: _("Exit on expiry: %(name)s, grace until %(grace)s") % values,
        body=lambda: _("Agreement %(number)s of %(name)s ended on %(end)s without renewal. Clear the exit checklist "
               "by %(grace)s.") % values,
        link=_admin(exit),
        kind="residents.exit_expiry",
        dedupe_key=f"residents.exit_expiry.{exit.pk}",
    )
    return exit


# --- Voluntary exit (第三章第四条 自愿退出) --------------------------------------------------------------


@transaction.atomic
def exit_request_voluntary(
    *, resident: Resident, exit_on: date, actor: Any, reason: str = "", today: date | None = None
) -> Exit:
    """The resident's written application to leave, at least 15 days ahead (第三章第四条).

    Refuses an earlier date naming the earliest allowed one, and a date after the last live
    agreement's end (the exit on expiry applies then). Open renewal requests are withdrawn.
    """
    today = today or timezone.localdate()
    resident = lock(resident)
    if resident.status != ResidentStatus.ACTIVE or selectors.open_exit(resident):
        raise ConflictError(_("An exit is already in progress."), field="exit_on")
    notice = rulebook.in_force(today).term.voluntary_exit_notice_days
    if exit_on is None or not term.voluntary_exit_allowed(today, exit_on, notice):
        raise DomainError(
            _("A voluntary exit needs a written application at least %(days)d days before the exit date: "
              "the earliest exit date is %(date)s (Chapter 3, Article 4).")
            % {"days": notice, "date": format_day(term.earliest_voluntary_exit(today, notice))},
            field="exit_on",
        )
    covered = selectors.last_day_covered(resident)
    if covered is not None and exit_on > covered:
        raise DomainError(
            _("Your agreement ends on %(end)s: choose an exit date on or before it; after the end date the "
              "exit on expiry applies (Chapter 3, Article 4).") % {"end": format_day(covered)},
            field="exit_on",
        )
    with acting_as(actor, action="residents.exit_request_voluntary"):
        _close_open_renewals(resident, reason=_("Withdrawn: the resident applied to leave."), actor=actor)
        exit = Exit.objects.create(
            resident=resident,
            kind=ExitKind.VOLUNTARY,
            status=ExitStatus.REQUESTED,
            reason=(reason or "").strip(),
            requested_on=today,
            exit_on=exit_on,
            deposit_outcome=DepositOutcome.REFUND,
            created_by=actor,
        )
    values = {"name": resident.name, "date": format_day_lazy(exit_on)}
    notify(
        recipients=[resident.user],
        title=lambda: _("Exit application received"),
        body=lambda: _("We received your application to leave on %(date)s. The daily management team will confirm it "
               "and agree the clearance with you (Chapter 3, Article 4).") % values,
        link=_portal("exit_detail", exit.pk),
        kind="residents.exit_requested",
        email=False,
    )
    notify(
        recipients=_staff(Role.DAILY),
        title=lambda: _("Voluntary exit: %(name)s on %(date)s") % values,
        body=lambda: _("%(name)s applied to leave on %(date)s. Confirm the exit, then clear the checklist.") % values,
        link=_admin(exit),
        kind="residents.exit_requested",
    )
    return exit


def _lock_exit(exit: Exit) -> Exit:
    return Exit.objects.select_for_update(of=("self",)).select_related("resident__user", "resident__application").get(
        pk=exit.pk
    )


@transaction.atomic
def exit_withdraw(*, exit: Exit, actor: Any) -> Exit:
    """The resident withdraws an exit application not yet confirmed."""
    exit = _lock_exit(exit)
    if not term.exit_withdrawable(kind=exit.kind, status=exit.status):
        raise InvalidTransition(_("Only an exit application not yet confirmed can be withdrawn."))
    with acting_as(actor, action="residents.exit_withdraw"):
        return move(exit, ExitStatus.CANCELLED, transitions=EXIT_TRANSITIONS,
                    reason=(f"{exit.reason}\n" if exit.reason else "") + _("Withdrawn by the resident."))


@transaction.atomic
def exit_confirm(*, exit: Exit, actor: Any) -> Exit:
    """Staff confirm a voluntary exit: scheduled for its date, the resident becomes "exiting"."""
    exit = _lock_exit(exit)
    ensure_not_own(actor, concerned_user=exit.resident.user_id, what=OWN_RESIDENCY)
    if exit.kind != ExitKind.VOLUNTARY:
        raise InvalidTransition(_("Only a voluntary exit application needs confirming."))
    with acting_as(actor, action="residents.exit_confirm"):
        exit = move(exit, ExitStatus.SCHEDULED, transitions=EXIT_TRANSITIONS)
        _move_resident(exit.resident, ResidentStatus.EXITING)
    notify(
        recipients=[exit.resident.user],
        title=lambda: _("Your exit on %(date)s is confirmed") % {"date": format_day(exit.exit_on)},
        body=lambda: _("Before %(date)s: settle your fees, clear your belongings and hand back your desk; your portal "
               "permissions end when the clearance is complete (Chapter 3, Article 4).")
        % {"date": format_day(exit.exit_on)},
        link=_portal("exit_detail", exit.pk),
        kind="residents.exit_confirmed",
    )
    return exit


@transaction.atomic
def exit_cancel(*, exit: Exit, reason: str, actor: Any) -> Exit:
    """Staff cancel a voluntary exit (refused, or the resident changed its mind) before any clearance."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for cancelling the exit."), field="reason")
    exit = _lock_exit(exit)
    ensure_not_own(actor, concerned_user=exit.resident.user_id, what=OWN_RESIDENCY)
    if exit.kind != ExitKind.VOLUNTARY:
        raise InvalidTransition(
            _("Only a voluntary exit can be cancelled; the other exits follow from the rules (Chapter 3, Article 4).")
        )
    if exit.clearances.exists():
        raise InvalidTransition(_("The clearance has already started; this exit can no longer be cancelled."))
    with acting_as(actor, action="residents.exit_cancel"):
        exit = move(exit, ExitStatus.CANCELLED, transitions=EXIT_TRANSITIONS,
                    reason=(f"{exit.reason}\n" if exit.reason else "") + reason.strip())
        if exit.resident.status == ResidentStatus.EXITING:
            _move_resident(exit.resident, ResidentStatus.ACTIVE)
    notify(
        recipients=[exit.resident.user],
        title=lambda: _("Your exit application was cancelled"),
        body=lambda: _("Reason: %(reason)s") % {"reason": reason.strip()},
        link=_portal("exit_detail", exit.pk),
        kind="residents.exit_cancelled",
    )
    return exit


# --- The clearance checklist ---------------------------------------------------------------------


def _record(exit: Exit, item: str, *, actor: Any, note: str) -> ExitClearance:
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


def _settle_fees(exit: Exit, *, actor: Any, today: date) -> str:
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


def _settle_deposit(exit: Exit, *, actor: Any, today: date) -> str:
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


def _revoke_permissions(exit: Exit, *, actor: Any) -> str:
    notes = _run_exit_handlers(exit, ClearanceItem.PERMISSIONS_REVOKED, actor=actor)
    _close_open_renewals(exit.resident, reason=_("Withdrawn: the resident is leaving."), actor=actor)
    notes.append(str(_("Portal access ends when the exit is complete.")))
    return " ".join(notes)


def _apply(exit: Exit, item: str, *, actor: Any, today: date, note: str = "") -> ExitClearance:
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


def _complete(exit: Exit, *, actor: Any, today: date) -> Exit:
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
def exit_clear(*, exit: Exit, item: str, actor: Any, note: str = "", today: date | None = None) -> ExitClearance:
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


# --- Forced exit and exit by assessment (RULEBOOK §4.5) --------------------------------------------


def _supersede_open_exit(resident: Resident, *, reason: str) -> None:
    current = Exit.objects.select_for_update().filter(resident=resident, status__in=selectors.OPEN_EXIT).first()
    if current is not None:
        move(current, ExitStatus.CANCELLED, transitions=EXIT_TRANSITIONS,
             reason=(f"{current.reason}\n" if current.reason else "") + reason)


def ban_record(
    *, resident: Resident, source: str, years: int, actor: Any, on: date, note: str = ""
) -> Ban:
    """Record a re-application ban on the application's ID number and unified social credit code (RULEBOOK §4.6).

    From ``on`` for ``years`` years. Every ban is kept as a record; where another ban on the
    same ID number or code lasts longer, that one keeps applying — the longer one wins
    (the intake check ``residents.services.intake.ban_in_force_for`` takes the latest end).
    """
    if source not in BanSource.values:
        raise DomainError(_("Unknown reason for a ban."), field="ban_source")
    if years <= 0:
        raise DomainError(_("A ban lasts at least one year."), field="ban_years")
    application = resident.application
    with acting_as(actor, action="residents.ban_record"):
        return Ban.objects.create(
            resident=resident,
            id_number=application.id_number,
            uscc=application.uscc,
            source=source,
            note=note[:2000],
            starts_on=on,
            ends_on=term.ban_end(on, years),
            created_by=actor,
        )


@transaction.atomic
def force_exit(
    *,
    resident: Resident,
    reason: str,
    ban_years: int,
    actor: Any,
    ban_source: str = BanSource.FORCED_EXIT,
    today: date | None = None,
) -> Exit:
    """强制退出 (第三章第四条; RULEBOOK §4.5, §4.6), called by the discipline app. All at once, completed:

    the agreement ends today; the whole deposit held is forfeited; a ban of ``ban_years`` on the
    ID number and unified social credit code from today (the longer ban wins); the desk is
    released; future bookings and voucher permissions are revoked (exit handlers); open
    invoices stay owed; the resident has exited (portal closed) and its archive is kept for
    the retention years. An exit already in progress is superseded.
    """
    today = today or timezone.localdate()
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the forced exit."), field="reason")
    resident = lock(resident)
    if resident.status == ResidentStatus.EXITED:
        raise InvalidTransition(_("%(name)s has already exited.") % {"name": resident.name})
    with acting_as(actor, action="residents.force_exit"):
        _supersede_open_exit(resident, reason=_("Superseded by a forced exit."))
        exit = Exit.objects.create(
            resident=resident, kind=ExitKind.FORCED, status=ExitStatus.SCHEDULED, reason=reason.strip(),
            requested_on=today, exit_on=today, deposit_outcome=DepositOutcome.FORFEIT, ban_years=ban_years,
            created_by=actor,
        )
        exit = _lock_exit(exit)
        _end_agreements(resident, on=today, reason=_("forced exit"))
        ban = ban_record(resident=resident, source=ban_source, years=ban_years, actor=actor, on=today,
                         note=reason.strip())
        _apply(exit, ClearanceItem.FEES_SETTLED, actor=actor, today=today)
        _apply(exit, ClearanceItem.DEPOSIT_SETTLED, actor=actor, today=today)
        _apply(exit, ClearanceItem.ITEMS_CLEARED, actor=actor, today=today,
               note=_("Ordered to clear out at once (forced exit)."))
        _apply(exit, ClearanceItem.DESK_RELEASED, actor=actor, today=today)
        _apply(exit, ClearanceItem.PERMISSIONS_REVOKED, actor=actor, today=today)
        exit = _complete(exit, actor=actor, today=today)
    notify(
        recipients=[resident.user],
        title=lambda: _("Forced exit"),
        body=lambda: _("Your residency ends today by forced exit: %(reason)s. Your agreement has ended, your deposit is "
               "forfeited and you may not apply again until %(ban)s (Chapter 3, Article 4).")
        % {"reason": reason.strip(), "ban": format_day(ban.ends_on)},
        link=reverse("portal:inbox"),
        kind="residents.exit_forced",
    )
    return exit


@transaction.atomic
def exit_by_assessment(*, resident: Resident, reason: str, actor: Any, today: date | None = None) -> Exit:
    """考核淘汰 (RULEBOOK §4.5 decision), called by scoring after the publication and appeal window.

    The agreement ends today; no ban; the deposit pays open invoices and the rest is refunded;
    the desk is released and bookings and vouchers revoked at once. The daily management team
    then clears the belongings (and, if the deposit did not cover the fees, records the
    payment and settles them), which completes the exit.
    """
    today = today or timezone.localdate()
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the exit."), field="reason")
    resident = lock(resident)
    if resident.status == ResidentStatus.EXITED:
        raise InvalidTransition(_("%(name)s has already exited.") % {"name": resident.name})
    with acting_as(actor, action="residents.exit_by_assessment"):
        _supersede_open_exit(resident, reason=_("Superseded by the exit by assessment."))
        exit = Exit.objects.create(
            resident=resident, kind=ExitKind.ASSESSMENT, status=ExitStatus.SCHEDULED, reason=reason.strip(),
            requested_on=today, exit_on=today, deposit_outcome=DepositOutcome.REFUND, created_by=actor,
        )
        exit = _lock_exit(exit)
        _end_agreements(resident, on=today, reason=_("exit by assessment"))
        if resident.status != ResidentStatus.EXITING:
            _move_resident(resident, ResidentStatus.EXITING)
        try:
            with transaction.atomic():
                _apply(exit, ClearanceItem.FEES_SETTLED, actor=actor, today=today)
                _apply(exit, ClearanceItem.DEPOSIT_SETTLED, actor=actor, today=today)
        except DomainError:
            pass  # the deposit does not cover the fees: left on the checklist for staff
        _apply(exit, ClearanceItem.DESK_RELEASED, actor=actor, today=today)
        _apply(exit, ClearanceItem.PERMISSIONS_REVOKED, actor=actor, today=today)
    notify(
        recipients=[resident.user],
        title=lambda: _("Exit by assessment"),
        body=lambda: _("Your residency ends by assessment: %(reason)s. Your deposit is refunded after any open fees are "
               "paid from it; please clear your belongings with the daily management team.")
        % {"reason": reason.strip()},
        link=_portal("exit_detail", exit.pk),
        kind="residents.exit_assessment",
    )
    notify(
        recipients=_staff(Role.DAILY),
        title=lambda: _("Exit by assessment: %(name)s") % {"name": resident.name},
        body=lambda: _("Clear the remaining checklist items of %(name)s.") % {"name": resident.name},
        link=_admin(exit),
        kind="residents.exit_assessment",
    )
    return exit


__all__ = [
    "EXIT_TRANSITIONS", "HANDLED_ITEMS", "RENEWAL_TRANSITIONS", "RESIDENT_TRANSITIONS", "ExitHandler", "ban_record",
    "exit_by_assessment", "exit_cancel", "exit_clear", "exit_confirm", "exit_handlers", "exit_open_on_expiry",
    "exit_request_voluntary", "exit_withdraw", "force_exit", "register_exit_handler", "renewal_approve",
    "renewal_confirm_direction", "renewal_refuse", "renewal_reminder_send", "renewal_request",
    "renewal_withdraw", "unregister_exit_handler",
]
