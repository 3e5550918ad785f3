"""Exits (第三章第四条; RULEBOOK §4.4–§4.6): on expiry, voluntary, forced, by assessment; bans."""

from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.roles import Role
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.moments import format_day
from opc_community.core.transitions import lock, move
from opc_community.portal.services import notify
from residents.models import (
    AGREEMENT_TRANSITIONS,
    EXIT_TRANSITIONS,
    Agreement,
    AgreementStatus,
    Ban,
    BanSource,
    ClearanceItem,
    DepositOutcome,
    Exit,
    ExitKind,
    ExitStatus,
    RenewalRequest,
    RenewalStatus,
    Resident,
    ResidentStatus,
)
from residents.rules import term
from residents.selectors import lifecycle as selectors
from residents.services.clearance import (
    _apply,
    _complete,
)
from residents.services.residency import (
    OWN_RESIDENCY,
    _admin,
    _close_open_renewals,
    _end_agreements,
    _lock_exit,
    _move_resident,
    _portal,
    _staff,
)

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
    values = {"number": agreement.number, "end": format_day(agreement.ends_on), "grace": format_day(grace_ends_on),
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
    *, resident: Resident, exit_on: date, actor: Actor, reason: str = "", today: date | None = None
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
    values = {"name": resident.name, "date": format_day(exit_on)}
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


@transaction.atomic
def exit_withdraw(*, exit: Exit, actor: Actor) -> Exit:
    """The resident withdraws an exit application not yet confirmed."""
    exit = _lock_exit(exit)
    if exit.kind != ExitKind.VOLUNTARY or exit.status != ExitStatus.REQUESTED:
        raise InvalidTransition(_("Only an exit application not yet confirmed can be withdrawn."))
    with acting_as(actor, action="residents.exit_withdraw"):
        return move(exit, ExitStatus.CANCELLED, transitions=EXIT_TRANSITIONS,
                    reason=(f"{exit.reason}\n" if exit.reason else "") + _("Withdrawn by the resident."))


@transaction.atomic
def exit_confirm(*, exit: Exit, actor: Actor) -> Exit:
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
def exit_cancel(*, exit: Exit, reason: str, actor: Actor) -> Exit:
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


# --- Forced exit and exit by assessment (RULEBOOK §4.5) --------------------------------------------


def _supersede_open_exit(resident: Resident, *, reason: str) -> None:
    current = Exit.objects.select_for_update(no_key=True).filter(resident=resident, status__in=selectors.OPEN_EXIT).first()
    if current is not None:
        move(current, ExitStatus.CANCELLED, transitions=EXIT_TRANSITIONS,
             reason=(f"{current.reason}\n" if current.reason else "") + reason)


def ban_record(
    *, resident: Resident, source: str, years: int, actor: Actor, on: date, note: str = ""
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
    actor: Actor,
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


def _exit_today(
    resident: Resident, *, kind: str, deposit_outcome: str, reason: str, actor: Actor, today: date,
    superseded: str, ended: str,
) -> Exit:
    """The start shared by the exits decided elsewhere that take effect today (an order to leave at once,
    the exit by assessment): a scheduled exit replacing any open one, the agreement ended, the resident
    exiting. Called inside the caller's ``acting_as``; refused, with nothing written, without a reason or
    for a resident who has already exited."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the exit."), field="reason")
    resident = lock(resident)
    if resident.status == ResidentStatus.EXITED:
        raise InvalidTransition(_("%(name)s has already exited.") % {"name": resident.name})
    _supersede_open_exit(resident, reason=superseded)
    exit = Exit.objects.create(
        resident=resident, kind=kind, status=ExitStatus.SCHEDULED, reason=reason.strip(),
        requested_on=today, exit_on=today, deposit_outcome=deposit_outcome, created_by=actor,
    )
    exit = _lock_exit(exit)
    _end_agreements(resident, on=today, reason=ended)
    if resident.status != ResidentStatus.EXITING:
        _move_resident(resident, ResidentStatus.EXITING)
    return exit


def _tell_daily_team(exit: Exit, *, title: Any, kind: str) -> None:
    """The daily management team clears what is left of the checklist."""
    notify(
        recipients=_staff(Role.DAILY),
        title=title,
        body=lambda: _("Clear the remaining checklist items of %(name)s.") % {"name": exit.resident.name},
        link=_admin(exit),
        kind=kind,
    )


@transaction.atomic
def exit_ordered(*, resident: Resident, reason: str, actor: Actor, today: date | None = None) -> Exit:
    """责令立即退出 (第八章第二条 row 1a), called by the discipline app: the agreement ends today and the
    resident must leave at once. The desk is released and bookings and voucher permissions are revoked now;
    the daily management team then clears the belongings and settles fees and the deposit on the
    checklist (a deposit forfeited by the same decision is already gone), which completes the exit. No
    ban: the penalty table sets none for this row.
    """
    today = today or timezone.localdate()
    with acting_as(actor, action="residents.exit_ordered"):
        exit = _exit_today(
            resident, kind=ExitKind.FORCED, deposit_outcome=DepositOutcome.FORFEIT, reason=reason, actor=actor,
            today=today, superseded=_("Superseded by an order to leave at once."),
            ended=_("ordered to leave at once"),
        )
        _apply(exit, ClearanceItem.DESK_RELEASED, actor=actor, today=today)
        _apply(exit, ClearanceItem.PERMISSIONS_REVOKED, actor=actor, today=today)
    notify(
        recipients=[resident.user],
        title=lambda: _("Ordered to leave at once"),
        body=lambda: _("You are ordered to leave the community at once: %(reason)s. Your agreement has ended; please "
               "clear your belongings with the daily management team.") % {"reason": reason.strip()},
        link=_portal("exit_detail", exit.pk),
        kind="residents.exit_ordered",
    )
    _tell_daily_team(exit, title=lambda: _("Ordered to leave: %(name)s") % {"name": resident.name},
                     kind="residents.exit_ordered")
    return exit


@transaction.atomic
def exit_by_assessment(*, resident: Resident, reason: str, actor: Actor, today: date | None = None) -> Exit:
    """考核淘汰 (RULEBOOK §4.5 decision), called by scoring after the publication and appeal window.

    The agreement ends today; no ban; the deposit pays open invoices and the rest is refunded;
    the desk is released and bookings and vouchers revoked at once. The daily management team
    then clears the belongings (and, if the deposit did not cover the fees, records the
    payment and settles them), which completes the exit.
    """
    today = today or timezone.localdate()
    with acting_as(actor, action="residents.exit_by_assessment"):
        exit = _exit_today(
            resident, kind=ExitKind.ASSESSMENT, deposit_outcome=DepositOutcome.REFUND, reason=reason, actor=actor,
            today=today, superseded=_("Superseded by the exit by assessment."), ended=_("exit by assessment"),
        )
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
    _tell_daily_team(exit, title=lambda: _("Exit by assessment: %(name)s") % {"name": resident.name},
                     kind="residents.exit_assessment")
    return exit

