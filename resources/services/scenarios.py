"""Scenario list and matchmaking (场景清单、资源对接, 第五章第二条第1、2项; RULEBOOK §6): every state change.

Who does what:

- the resources team (资源赋能组) and the administrator ("managers", as for vouchers) keep the partner
  register in the operations desk, publish scenarios and opportunities (a resource notice on the board:
  the partner by its name, never its contact person), and record the steps of each expression of
  interest — introductions, meetings, the outcome;
- a checked-in resident expresses interest with a short proposal (``Action.JOIN_SCENARIO``), one per
  scenario, and edits or withdraws it until the deadline;
- an exit closes every open interest (第三章第四条).
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.moments import format_day
from opc_community.core.money import quantize_money
from opc_community.core.transitions import move
from opc_community.portal.services import notify
from residents.guards import Action, ensure_allowed
from residents.models import Resident, ResidentStatus
from resources.models import (
    INTEREST_TRANSITIONS,
    OPEN_INTEREST,
    InterestStatus,
    MatchStep,
    Outcome,
    Scenario,
    ScenarioInterest,
    StepKind,
)
from resources.rules import matchmaking as rules
from resources.services.vouchers import is_manager, is_reader  # noqa: F401 - one answer to "who runs resources"

PROPOSAL_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 300

REFUSALS = {
    rules.Refusal.NOT_PUBLISHED: gettext_lazy("This scenario is not published."),
    rules.Refusal.PAST_DEADLINE: gettext_lazy(
        "The deadline of this scenario was %(deadline)s: interest is no longer taken or changed "
        "(Chapter 5, Article 2)."),
}


def _refuse(message: Any, *, field: str | None = None, code: str = "invalid") -> NoReturn:
    raise DomainError(message, field=field, code=code)


def _ensure_manager(actor: Actor) -> None:
    if not is_manager(actor):
        _refuse(_("Only the resources team or the administrator handles matchmaking."), code="not_allowed")


def refusal_message(refusal: rules.Refusal, scenario: Scenario) -> str:
    return str(REFUSALS[refusal]) % {"deadline": format_day(scenario.deadline)}


def _proposal(text: str) -> str:
    text = (text or "").strip()
    if not text:
        _refuse(_("Proposal: say in a few sentences what you offer and how you would meet the need."),
                field="proposal")
    if len(text) > PROPOSAL_MAX_LENGTH:
        _refuse(_("Proposal: at most %(count)d characters.") % {"count": PROPOSAL_MAX_LENGTH}, field="proposal")
    return text


# --- Publishing ------------------------------------------------------------------------------------------------


def notice_body(scenario: Scenario) -> str:
    """The resource notice (RULEBOOK §10: resource supply) from the scenario's fields: the partner by its
    name and kind (an organisation), never its contact person."""
    lines = [
        _("Kind: %(kind)s") % {"kind": scenario.get_kind_display()},
        _("Partner: %(partner)s (%(kind)s)") % {"partner": scenario.partner.name,
                                                "kind": scenario.partner.get_kind_display()},
    ]
    if scenario.industry:
        lines.append(_("Industry: %(industry)s") % {"industry": scenario.industry})
    lines += [
        scenario.description,
        _("Express interest with a short proposal by %(deadline)s, in the portal (资源 → 场景对接) "
          "(Chapter 5, Article 2).") % {"deadline": format_day(scenario.deadline)},
    ]
    return "\n".join(lines)


@transaction.atomic
def scenario_publish(*, scenario: Scenario, actor: Actor) -> Scenario:
    """Publish a scenario or opportunity: residents may express interest until its deadline, and a
    resource notice goes on the board (staff text scanned for personal data)."""
    from opc_community.notices.models import PublicationKind
    from opc_community.notices.services import publication_open

    _ensure_manager(actor)
    scenario = Scenario.objects.select_for_update(no_key=True).select_related("partner").get(pk=scenario.pk)
    if scenario.published_at is not None:
        raise InvalidTransition(_("This scenario is already published."))
    if scenario.deadline < timezone.localdate():
        _refuse(_("Deadline: the day has passed; set a later deadline first."), field="deadline")
    with acting_as(actor, action="resources.scenario_publish"):
        scenario.published_at = timezone.now()
        scenario.save(update_fields=["published_at"])
    publication_open(
        kind=PublicationKind.RESOURCE_SUPPLY,
        title=_("%(kind)s: %(title)s") % {"kind": scenario.get_kind_display(), "title": scenario.title},
        body=notice_body(scenario),
        staff_text={"title": scenario.title, "description": scenario.description, "industry": scenario.industry},
        subject=scenario,
        actor=actor,
    )
    return scenario


# --- Interest ------------------------------------------------------------------------------------------------------


def _ensure_open(scenario: Scenario) -> None:
    refusal = rules.open_refusal(published=scenario.published_at is not None, deadline=scenario.deadline,
                                 today=timezone.localdate())
    if refusal is not None:
        _refuse(refusal_message(refusal, scenario), field="scenario")


@transaction.atomic
def interest_submit(*, scenario: Scenario, resident: Resident, proposal: str, actor: Actor) -> ScenarioInterest:
    """A checked-in resident expresses interest with a short proposal (one per scenario; a withdrawn one
    comes back with the new proposal)."""
    if getattr(actor, "pk", None) != resident.user_id:
        _refuse(_("You can express interest only for yourself."), code="not_allowed")
    if resident.status != ResidentStatus.ACTIVE:
        _refuse(_("Only a checked-in resident can take part in matchmaking."), field="resident")
    ensure_allowed(resident, Action.JOIN_SCENARIO)
    scenario = Scenario.objects.select_for_update(no_key=True).get(pk=scenario.pk)
    _ensure_open(scenario)
    proposal = _proposal(proposal)
    now = timezone.now()
    existing = ScenarioInterest.objects.select_for_update(no_key=True).filter(scenario=scenario,
                                                                              resident=resident).first()
    with acting_as(actor, action="resources.scenario_interest"):
        if existing is None:
            return ScenarioInterest.objects.create(scenario=scenario, resident=resident, proposal=proposal,
                                                   submitted_at=now, updated_at=now)
        if existing.status != InterestStatus.WITHDRAWN:
            _refuse(_("You already expressed interest in this scenario: change your proposal instead."),
                    field="scenario", code="conflict")
        return move(existing, InterestStatus.SUBMITTED, transitions=INTEREST_TRANSITIONS, proposal=proposal,
                    submitted_at=now, updated_at=now, closed_at=None)


def _lock(interest: ScenarioInterest) -> ScenarioInterest:
    return ScenarioInterest.objects.select_for_update(no_key=True).select_related("scenario", "resident").get(
        pk=interest.pk)


def _ensure_own(interest: ScenarioInterest, actor: Actor) -> None:
    if getattr(actor, "pk", None) != interest.resident.user_id:
        _refuse(_("Only the resident who expressed the interest changes it."), code="not_allowed")


@transaction.atomic
def interest_update(*, interest: ScenarioInterest, proposal: str, actor: Actor) -> ScenarioInterest:
    """The resident changes the proposal, until the scenario's deadline and while the interest is open."""
    interest = _lock(interest)
    _ensure_own(interest, actor)
    if interest.status not in OPEN_INTEREST:
        raise InvalidTransition(_("This interest is “%(status)s”: the proposal can no longer change.")
                                % {"status": interest.get_status_display()})
    ensure_allowed(interest.resident, Action.JOIN_SCENARIO)
    _ensure_open(interest.scenario)
    with acting_as(actor, action="resources.scenario_interest_update"):
        interest.proposal = _proposal(proposal)
        interest.updated_at = timezone.now()
        interest.save(update_fields=["proposal", "updated_at"])
    return interest


@transaction.atomic
def interest_withdraw(*, interest: ScenarioInterest, actor: Actor) -> ScenarioInterest:
    """The resident withdraws before an outcome is recorded."""
    interest = _lock(interest)
    _ensure_own(interest, actor)
    with acting_as(actor, action="resources.scenario_interest_withdraw"):
        return move(interest, InterestStatus.WITHDRAWN, transitions=INTEREST_TRANSITIONS, closed_at=timezone.now())


# --- Steps: introductions, meetings, outcomes ---------------------------------------------------------------


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = quantize_money(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError, TypeError):
        _refuse(_("Amount: write a number of yuan, e.g. 500000."), field="amount")
    if not amount.is_finite() or amount <= 0:
        _refuse(_("Amount: must be greater than zero."), field="amount")
    return amount


@transaction.atomic
def step_record(
    *, interest: ScenarioInterest, kind: str, happened_on: date, actor: Actor, note: str = "", outcome: str = "",
    amount: Any = None,
) -> MatchStep:
    """Staff record an introduction, a meeting or the outcome (once; it concludes the interest). A funded
    outcome carries the amount, an order its value; the resident is told."""
    _ensure_manager(actor)
    interest = _lock(interest)
    ensure_not_own(actor, concerned_user=interest.resident.user_id, what=_("an expression of interest"))
    if kind not in StepKind.values:
        _refuse(_("Step: choose an introduction, a meeting or the outcome."), field="kind")
    if happened_on is None or happened_on > timezone.localdate():
        _refuse(_("Date: the day it happened, today or earlier."), field="happened_on")
    amount = _amount(amount)
    if kind == StepKind.OUTCOME:
        if outcome not in Outcome.values:
            _refuse(_("Outcome: choose signed, funded, order won or no deal."), field="outcome")
        problem = rules.amount_refusal(outcome=outcome, has_amount=amount is not None)
        if problem == "required":
            _refuse(_("Amount: a funded outcome needs the amount, an order its value."), field="amount")
        if problem == "not_allowed":
            _refuse(_("Amount: “no deal” has no amount."), field="amount")
        target = InterestStatus.CONCLUDED
    else:
        outcome, amount = "", None
        target = InterestStatus.IN_PROGRESS
    if interest.status not in OPEN_INTEREST:
        raise InvalidTransition(_("This interest is “%(status)s”: no more steps are recorded.")
                                % {"status": interest.get_status_display()})
    now = timezone.now()
    with acting_as(actor, action=f"resources.scenario_{kind}"):
        step = MatchStep.objects.create(interest=interest, kind=kind, happened_on=happened_on,
                                        note=(note or "").strip()[:NOTE_MAX_LENGTH], outcome=outcome, amount=amount,
                                        recorded_by=actor, recorded_at=now)
        if interest.status != target:
            move(interest, target, transitions=INTEREST_TRANSITIONS,
                 closed_at=now if target == InterestStatus.CONCLUDED else None)
    title = interest.scenario.title

    def body() -> str:
        text = _("%(step)s recorded for %(day)s.") % {"step": StepKind(kind).label, "day": format_day(happened_on)}
        if outcome:
            text += " " + _("Outcome: %(outcome)s.") % {"outcome": Outcome(outcome).label}
        if amount:
            text += " " + _("Amount: %(amount)s yuan.") % {"amount": amount}
        return text

    notify(recipients=[interest.resident.user], title=lambda: _("Matchmaking: %(title)s") % {"title": title},
           body=body, link=reverse("resources:my_matchmaking"), kind=f"resources.scenario_{kind}")
    return step


# --- Exit ----------------------------------------------------------------------------------------------------------


def interests_close_for_exit(*, resident: Resident, exit: Any, actor: Actor) -> str:
    """Exit handler (第三章第四条): every open interest closes. Inside the exit's transaction."""
    now = timezone.now()
    with acting_as(actor, action="resources.scenario_interest_exit"):
        closed = ScenarioInterest.objects.filter(resident=resident, status__in=OPEN_INTEREST).update(
            status=InterestStatus.CLOSED, closed_at=now)
    if not closed:
        return ""
    return _("Matchmaking: %(count)s open interest(s) closed.") % {"count": closed}
