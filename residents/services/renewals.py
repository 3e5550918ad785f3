"""Renewal of a resident's term (第三章第三条; RULEBOOK §4.2–§4.3): reminder, request, approval, refusal."""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
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
    RENEWAL_TRANSITIONS,
    Agreement,
    AgreementStatus,
    RenewalRequest,
    RenewalStatus,
    Resident,
)
from residents.rules import term
from residents.selectors import lifecycle as selectors
from residents.services.residency import (
    OWN_RESIDENCY,
    _admin,
    _portal,
    _staff,
)

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
    values = {"number": agreement.number, "end": format_day(agreement.ends_on), "name": resident.name}
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
def renewal_request(*, resident: Resident, actor: Actor, note: str = "", today: date | None = None) -> RenewalRequest:
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
    values = {"name": resident.name, "number": agreement.number, "end": format_day(agreement.ends_on)}
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
    return RenewalRequest.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "agreement", "resident__user"
    ).get(pk=renewal.pk)


@transaction.atomic
def renewal_withdraw(*, renewal: RenewalRequest, actor: Actor) -> RenewalRequest:
    """The resident withdraws its open renewal request."""
    renewal = _lock_renewal(renewal)
    with acting_as(actor, action="residents.renewal_withdraw"):
        return move(renewal, RenewalStatus.WITHDRAWN, transitions=RENEWAL_TRANSITIONS,
                    decided_at=timezone.now(), decided_by=actor,
                    decision_reason=_("Withdrawn by the resident."))


@transaction.atomic
def renewal_confirm_direction(*, renewal: RenewalRequest, fits: bool, actor: Actor) -> RenewalRequest:
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
def renewal_approve(*, renewal: RenewalRequest, actor: Actor, today: date | None = None) -> RenewalRequest:
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
    values = {"number": new.number, "start": format_day(new.starts_on), "end": format_day(new.ends_on)}
    notify(
        recipients=[renewal.resident.user],
        title=lambda: _("Your renewal is approved"),
        body=lambda: _("Your renewal is approved: agreement %(number)s runs from %(start)s to %(end)s. "
               "Read and accept it in the portal (Chapter 3, Article 3).") % values,
        link=_portal("renewal_detail", renewal.pk),
        kind="residents.renewal_approved",
    )
    return renewal


def _issue_renewal_agreement(*, old: Agreement, starts_on: date, actor: Actor) -> Agreement:
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
def renewal_refuse(*, renewal: RenewalRequest, reason: str, actor: Actor, today: date | None = None) -> RenewalRequest:
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
    values = {"reason": reason.strip(), "end": format_day(renewal.agreement.ends_on)}
    notify(
        recipients=[renewal.resident.user],
        title=lambda: _("Your renewal request was not approved"),
        body=lambda: _("Reasons: %(reason)s. Your agreement ends on %(end)s; the exit on expiry follows "
               "(Chapter 3, Article 4).") % values,
        link=_portal("renewal_detail", renewal.pk),
        kind="residents.renewal_refused",
    )
    return renewal


