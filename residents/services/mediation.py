"""Mediation between residents (调解, 第四章第三条 2; 第九章第二条 3, 第三条): every state change.

- a resident (checked in) asks for mediation of a dispute with another resident: the other party,
  what happened and what it wants; both deadlines run from the request (rule data, working days);
- the other party is told and adds its side (a statement); both parties may add statements until
  the mediation is closed; the requester may withdraw it;
- the daily management team (or the administrator) schedules the session (time, place; it may be
  moved), records whether each party attended and the outcome — the agreement reached, or that
  none was — and so closes it. A failed mediation tells both parties where to go next:
  negotiation, then the people's court (第九章第三条).

Nothing here publishes anything: a mediation is private to its two parties and the staff.
Suspensions (RULEBOOK §9) do not restrict asking for mediation: it is no guarded action.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day, format_moment
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.rules import local_date
from opc_community.workdays.services import DeadlineField, recompute_deadlines
from residents.models import (
    MEDIATION_TRANSITIONS,
    Mediation,
    MediationStatement,
    MediationStatus,
    Resident,
    ResidentStatus,
    StatementParty,
)
from residents.rules import mediation as rules
from residents.services.complaints import TEXT_MAX_LENGTH, _required_text, _team, is_handler

PLACE_MAX_LENGTH = Mediation._meta.get_field("session_place").max_length
#: Residents who take part in mediation: checked in (or on their way out).
PARTIES = (ResidentStatus.ACTIVE, ResidentStatus.EXITING)


# --- The resident's steps ----------------------------------------------------------------------


@transaction.atomic
def mediation_request(
    *, requester: Resident, respondent: Resident | None, facts: str, wish: str, actor: Actor
) -> Mediation:
    """A resident asks the operations team to mediate a dispute with ``respondent`` (第四章第三条 2)."""
    if actor is None or actor.pk != requester.user_id:
        raise DomainError(_("Only the resident itself can ask for mediation in the portal."), code="not_allowed")
    if requester.status not in PARTIES:
        raise DomainError(
            _("Mediation is asked for in the portal after check-in; please contact the daily management team."),
            code="not_checked_in",
        )
    if respondent is None or respondent.status not in PARTIES:
        raise DomainError(_("Choose the other party among the residents of the community."), field="respondent")
    if respondent.pk == requester.pk or respondent.user_id == requester.user_id:
        raise DomainError(_("The other party must be another resident."), field="respondent")
    facts = _required_text(facts, field="facts")
    wish = _required_text(wish, field="wish")
    filed_at = timezone.now()
    deadlines = rulebook.in_force(on=local_date(filed_at)).deadlines
    schedule = workdays.deadline(filed_at, deadlines.mediation_schedule_working_days)
    close = workdays.deadline(filed_at, deadlines.mediation_close_working_days)
    with acting_as(actor, action="residents.mediation_request"):
        mediation = Mediation.objects.create(
            requester=requester, respondent=respondent, facts=facts, wish=wish, filed_at=filed_at,
            schedule_due_at=schedule.at, close_due_at=close.at,
            due_provisional=schedule.provisional or close.provisional,
        )
    with community_language():
        notify(
            recipients=_team(exclude=actor),
            title=lambda: _("New mediation request: %(requester)s and %(respondent)s")
            % {"requester": requester.name, "respondent": respondent.name},
            body=lambda: _("Schedule the session by %(due)s, close the mediation by %(close)s (Chapter 4, Article 3).")
            % {"due": format_day(schedule.at), "close": format_day(close.at)},
            link=staff_link(mediation),
            kind="residents.mediation_requested",
            dedupe_key=f"mediation:{mediation.pk}:requested",
        )
        notify(
            recipients=[respondent.user],
            title=lambda: _("%(requester)s asked the community to mediate a dispute with you")
            % {"requester": requester.name},
            body=lambda: _(
                "The daily management team will schedule a session with both of you. You can read the request "
                "and add your side in the portal (Chapter 4, Article 3)."
            ),
            link=resident_link(mediation),
            kind="residents.mediation_requested",
            dedupe_key=f"mediation:{mediation.pk}:respondent",
        )
    return mediation


@transaction.atomic
def mediation_statement(*, mediation: Mediation, text: str, actor: Actor) -> MediationStatement:
    """A party adds its side (or more facts) while the mediation is not closed; the others are told."""
    text = _required_text(text, field="text")
    mediation = _lock(mediation)
    party = _party_of(mediation, actor)
    if not rules.is_open(mediation.status):
        raise InvalidTransition(_("This mediation is closed; statements can no longer be added."))
    with acting_as(actor, action="residents.mediation_statement"):
        statement = MediationStatement.objects.create(mediation=mediation, party=party, author=actor, body=text)
    other = mediation.respondent if party == StatementParty.REQUESTER else mediation.requester
    with community_language():
        title = _("New statement in the mediation with %(name)s") % {
            "name": (mediation.requester if party == StatementParty.REQUESTER else mediation.respondent).name
        }
        notify(recipients=[other.user], title=title, body=text, link=resident_link(mediation),
               kind="residents.mediation_statement")
        notify(recipients=_team(extra=mediation.handled_by), title=title, body=text, link=staff_link(mediation),
               kind="residents.mediation_statement")
    return statement


@transaction.atomic
def mediation_withdraw(*, mediation: Mediation, reason: str, actor: Actor) -> Mediation:
    """The requester withdraws the request (settled between the parties, or no longer wanted)."""
    reason = _required_text(reason, field="reason")
    mediation = _lock(mediation)
    if getattr(actor, "pk", None) != mediation.requester.user_id:
        raise DomainError(_("Only the resident who asked for the mediation can withdraw it."), code="not_allowed")
    if not rules.is_open(mediation.status):
        raise InvalidTransition(_("This mediation is already closed."))
    with acting_as(actor, action="residents.mediation_withdraw"):
        mediation = move(
            mediation, MediationStatus.WITHDRAWN, transitions=MEDIATION_TRANSITIONS,
            closed_at=timezone.now(), outcome=reason,
        )
    with community_language():
        title = _("Mediation withdrawn: %(requester)s and %(respondent)s") % {
            "requester": mediation.requester.name, "respondent": mediation.respondent.name,
        }
        notify(recipients=[mediation.respondent.user], title=title, body=reason, link=resident_link(mediation),
               kind="residents.mediation_withdrawn", dedupe_key=f"mediation:{mediation.pk}:withdrawn")
        notify(recipients=_team(extra=mediation.handled_by), title=title, body=reason, link=staff_link(mediation),
               kind="residents.mediation_withdrawn", dedupe_key=f"mediation:{mediation.pk}:withdrawn")
    return mediation


# --- The daily management team's steps ---------------------------------------------------------


@transaction.atomic
def mediation_schedule(*, mediation: Mediation, session_at: datetime, place: str, actor: Actor) -> Mediation:
    """Schedule the session (or move it): time and place; both parties are told."""
    _ensure_handler(actor, mediation)
    place = _required_text(place, field="place", max_length=PLACE_MAX_LENGTH)
    if session_at is None or timezone.is_naive(session_at):
        raise DomainError(_("Give the date and time of the session."), field="session_at")
    now = timezone.now()
    if session_at <= now:
        raise DomainError(_("The session must be in the future."), field="session_at")
    mediation = _lock(mediation)
    if not rules.may_schedule(mediation.status):
        raise InvalidTransition(_("Only a mediation not yet closed can be scheduled."))
    moved = mediation.status == MediationStatus.SCHEDULED
    with acting_as(actor, action="residents.mediation_schedule"):
        mediation = move(
            mediation, MediationStatus.SCHEDULED, transitions=MEDIATION_TRANSITIONS,
            session_at=session_at, session_place=place, scheduled_at=mediation.scheduled_at or now,
            handled_by=mediation.handled_by or actor,
        )
    with community_language():
        notify(
            recipients=[mediation.requester.user, mediation.respondent.user],
            title=(lambda: _("Mediation session moved")) if moved else (lambda: _("Mediation session scheduled")),
            body=lambda: _("%(when)s at %(place)s, with %(requester)s and %(respondent)s (Chapter 4, Article 3).")
            % {
                "when": format_moment(session_at), "place": place,
                "requester": mediation.requester.name, "respondent": mediation.respondent.name,
            },
            link=resident_link(mediation),
            kind="residents.mediation_scheduled",
            dedupe_key=f"mediation:{mediation.pk}:scheduled:{session_at.isoformat()}",
        )
    return mediation


@transaction.atomic
def mediation_close(
    *,
    mediation: Mediation,
    requester_attended: bool | None,
    respondent_attended: bool | None,
    agreed: bool,
    outcome: str,
    actor: Actor,
) -> Mediation:
    """Record the session: who attended, the agreement reached or that none was; the mediation is closed.

    A failed mediation tells both parties where to go next (第九章第三条, ``rules.next_steps_text``).
    """
    _ensure_handler(actor, mediation)
    outcome = _required_text(outcome, field="outcome")
    mediation = _lock(mediation)
    problem = rules.attendance_problem(
        status=mediation.status, requester_attended=requester_attended,
        respondent_attended=respondent_attended, agreed=agreed,
    )
    if problem:
        if not rules.may_close(mediation.status):
            raise InvalidTransition(problem)
        raise DomainError(problem, field="agreed" if requester_attended is not None
                          and respondent_attended is not None else "requester_attended")
    to = MediationStatus.AGREED if agreed else MediationStatus.FAILED
    with acting_as(actor, action="residents.mediation_close"):
        mediation = move(
            mediation, to, transitions=MEDIATION_TRANSITIONS, closed_at=timezone.now(),
            requester_attended=requester_attended, respondent_attended=respondent_attended,
            outcome=outcome, handled_by=mediation.handled_by or actor,
        )
    with community_language():
        if agreed:
            title = _("Mediation closed: an agreement was reached")
            body = outcome
        else:
            title = _("Mediation closed: no agreement was reached")
            body = f"{outcome}\n\n{rules.next_steps_text()}"
        notify(
            recipients=[mediation.requester.user, mediation.respondent.user], title=title, body=body,
            link=resident_link(mediation), kind="residents.mediation_closed",
            dedupe_key=f"mediation:{mediation.pk}:closed",
        )
    return mediation


# --- Job: overdue deadlines --------------------------------------------------------------------


def mediations_flag_overdue(*, now: datetime | None = None) -> int:
    """Tell the daily management team about each missed deadline (scheduling, closing), once each."""
    from opc_community.accounts.roles import Role
    from opc_community.accounts.selectors import members_of
    from residents.selectors.mediation import overdue_deadlines

    now = now or timezone.now()
    team = list(members_of(Role.DAILY))
    if not team:
        return 0
    created = 0
    with community_language():
        for mediation, kind in overdue_deadlines(now=now):
            names = {"requester": mediation.requester.name, "respondent": mediation.respondent.name}
            if kind == "schedule":
                title = _("Mediation session not scheduled in time: %(requester)s and %(respondent)s") % names
                due = mediation.schedule_due_at
            else:
                title = _("Mediation not closed in time: %(requester)s and %(respondent)s") % names
                due = mediation.close_due_at
            body = _("Requested on %(filed)s; due by %(due)s (Chapter 4, Article 3).") % {
                "filed": format_day(mediation.filed_at), "due": format_day(due),
            }
            created += len(notify(
                recipients=team, title=title, body=body, link=staff_link(mediation),
                kind=f"residents.mediation_{kind}_overdue",
                dedupe_key=f"mediation:{mediation.pk}:{kind}-overdue:{local_date(due).isoformat()}",
            ))
    return created


def mediations_recompute_provisional() -> Recomputed:
    """Open provisional deadlines computed again after a calendar change (RULEBOOK §2; registered in
    residents/apps.py), from the request, with the rulebook in force that day."""
    from residents.selectors.mediation import provisional_mediations

    rules_on = rulebook.in_force_by_day()
    _moves, result = recompute_deadlines(
        provisional_mediations(),
        provisional="due_provisional",
        fields=[
            DeadlineField("schedule_due_at", "filed_at",
                          lambda day: rules_on(day).deadlines.mediation_schedule_working_days,
                          open=Q(status=MediationStatus.REQUESTED)),
            DeadlineField("close_due_at", "filed_at",
                          lambda day: rules_on(day).deadlines.mediation_close_working_days),
        ],
    )
    return result


# --- Helpers -----------------------------------------------------------------------------------


def _lock(mediation: Mediation) -> Mediation:
    return (
        Mediation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("requester__user", "respondent__user", "handled_by")
        .get(pk=mediation.pk)
    )


def _party_of(mediation: Mediation, actor: Actor) -> str:
    user_id = getattr(actor, "pk", None)
    if user_id == mediation.requester.user_id:
        return StatementParty.REQUESTER
    if user_id == mediation.respondent.user_id:
        return StatementParty.RESPONDENT
    raise DomainError(_("Only the two parties of a mediation can add statements."), code="not_allowed")


def _ensure_handler(actor: Actor, mediation: Mediation) -> None:
    if not is_handler(actor):
        raise DomainError(
            _("Only the daily management team or the administrator handles mediations (Chapter 4, Article 3)."),
            code="not_allowed",
        )
    what = _("a mediation of your own account")
    ensure_not_own(actor, concerned_user=mediation.requester.user_id, what=what)
    ensure_not_own(actor, concerned_user=mediation.respondent.user_id, what=what)


def staff_link(mediation: Mediation) -> str:
    return reverse("admin:residents_mediation_change", args=[mediation.pk])


def resident_link(mediation: Mediation) -> str:
    return reverse("residents:mediation_detail", args=[mediation.pk])


__all__ = [
    "PLACE_MAX_LENGTH", "TEXT_MAX_LENGTH", "mediation_close", "mediation_request", "mediation_schedule",
    "mediation_statement", "mediation_withdraw",
]
