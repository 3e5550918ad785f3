"""Human sign-off, publication and effects of a quarter (第六章第二条、第三条; PIPL Art. 24).

No automated decision takes effect on its own: the quarter run only drafts. Then

1. :func:`quarter_confirm` — the administrator reviews the draft and confirms it (drafted → confirmed) once
   every input is decided: no plan awaiting acceptance, no plan change pending, no results awaiting
   verification (RULEBOOK §7.1, decision added 2026-12), and the draft computed after the last decision;
   :func:`quarter_reopen` sends a confirmed draft back (confirmed → drafted) to correct inputs and re-run;
2. :func:`quarter_publish` — confirmed → published: the results go on the notice board (kind
   QUARTERLY_SCORES, names masked, total and points per dimension, RULEBOOK §10) for the publication
   window (3 working days); every resident scored is told in the inbox and may appeal meanwhile;
3. an upheld appeal changes inputs: :func:`apply_upheld_appeal` corrects them and recomputes the
   whole quarter — elimination re-evaluated for everyone, every change recorded (RULEBOOK §7.3);
4. when the window closes (:func:`quarter_publication_closed`, the notices close handler) and no
   appeal is pending, :func:`quarter_finalise` applies the effects: eliminated residents exit by
   assessment (``residents.services.lifecycle.exit_by_assessment``, RULEBOOK §4.5), residents on the
   warning list are told (第六章第二条 2.3). An upheld objection to the publication sends the quarter
   back to draft instead. Deciding the last pending appeal after the window calls
   :func:`quarter_finalise_if_ready`.

An administrator whose own account is scored in the quarter cannot confirm, reopen or publish it
(``opc_community.accounts.conflicts``): another administrator signs it off.

A confirmed quarter keeps the rulebook version it was run with (``Quarter.rulebook_version``): a later
revision never changes it, recomputations included (RULEBOOK §7.2).
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_moment
from opc_community.core.transitions import lock, move
from opc_community.notices.models import Publication, PublicationKind
from opc_community.notices.rules import PublicationTable
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from residents.models import Resident, ResidentStatus
from residents.rules.naming import public_name
from scoring.models import (
    QUARTER_TRANSITIONS,
    Outcome,
    Quarter,
    QuarterStatus,
    ScoreAppeal,
    ScoreCard,
    ScoreChange,
)
from scoring.selectors import plans as plan_selectors
from scoring.selectors.quarters import ready_to_finalise, rules_for
from scoring.services.inputs import (
    NUMBER_FIELDS,
    Correction,
    apply_correction,
    clean_reason,
    input_for_staff,
)
from scoring.services.plans import PLAN_FIELDS, plan_set_by_appeal
from scoring.services.run import quarter_recompute

#: Residents named in a refusal to confirm; the rest are counted.
NAMES_SHOWN = 10
#: The dimensions shown on the board, in the order of 第六章第一条.
DIMENSIONS = (
    ("participation_points", "participation"),
    ("completion_points", "completion"),
    ("revenue_points", "revenue"),
    ("award_points", "awards"),
    ("contribution_points", "contributions"),
)


def _require_administrator(actor: Actor, quarter: Quarter) -> None:
    """The administrator signs a quarter off — unless it scores the administrator's own account."""
    if not has_role(actor, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only the administrator confirms and publishes quarterly scores (Chapter 6)."))
    scored = ScoreCard.objects.filter(quarter=quarter).values_list("resident__user_id", flat=True)
    ensure_not_own(actor, concerned_user=scored, what=_("a quarter that scores your own account"))


def _move(quarter: Quarter, to_status: str, **fields: Any) -> Quarter:
    return move(quarter, to_status, transitions=QUARTER_TRANSITIONS, **fields)



# --- Confirm, reopen, publish ----------------------------------------------------------------------


@transaction.atomic
def quarter_confirm(*, quarter: Quarter, actor: Actor) -> Quarter:
    """Drafted → confirmed: the administrator has reviewed the draft cards (PIPL Art. 24, human review)."""
    _require_administrator(actor, quarter)
    quarter = lock(quarter)
    if quarter.status == QuarterStatus.DRAFTED and not ScoreCard.objects.filter(quarter=quarter).exists():
        raise DomainError(_("Quarter %(quarter)s has no score cards: run it first.") % {"quarter": quarter})
    if quarter.run_started_at is not None and local_date(quarter.run_started_at) <= quarter.inputs_due_on:
        # Residents could still change their inputs when this draft was computed (第六章第一条).
        raise DomainError(
            _("The draft of %(quarter)s was computed before its inputs deadline (%(date)s): run it again first.")
            % {"quarter": quarter, "date": quarter.inputs_due_on.isoformat()}
        )
    _require_every_input_decided(quarter)
    with acting_as(actor, action="scoring.quarter_confirm"):
        return _move(quarter, QuarterStatus.CONFIRMED, confirmed_by=actor, confirmed_at=timezone.now())


def _names(names: list[str]) -> str:
    shown = "、".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += _(" and %(count)d more") % {"count": len(names) - NAMES_SHOWN}
    return shown


def _require_every_input_decided(quarter: Quarter) -> None:
    """Only verified inputs count (RULEBOOK §7.1): every plan accepted or returned, every change approved
    or refused, every submitted result verified or corrected before confirmation — the refusal names what
    and whose — and the draft computed after the last of those decisions."""
    waiting = plan_selectors.unreviewed(quarter)
    if waiting:
        parts = []
        if waiting.plans:
            parts.append(_("%(count)d plans await acceptance or return (%(names)s)")
                         % {"count": len(waiting.plans), "names": _names(waiting.plans)})
        if waiting.changes:
            parts.append(_("%(count)d plan changes await a decision (%(names)s)")
                         % {"count": len(waiting.changes), "names": _names(waiting.changes)})
        if waiting.results:
            parts.append(_("%(count)d results await verification (%(names)s)")
                         % {"count": len(waiting.results), "names": _names(waiting.results)})
        raise DomainError(
            _("Quarter %(quarter)s cannot be confirmed before every input is verified or rejected: %(what)s.")
            % {"quarter": quarter, "what": "；".join(parts)},
            code="inputs_unreviewed",
        )
    if quarter.run_started_at is not None and plan_selectors.reviewed_since(quarter, quarter.run_started_at):
        raise DomainError(
            _("Inputs of %(quarter)s were decided after its draft was computed: run it again, then confirm.")
            % {"quarter": quarter},
            code="draft_outdated",
        )


@transaction.atomic
def quarter_reopen(*, quarter: Quarter, actor: Actor) -> Quarter:
    """Confirmed → drafted (before publication): inputs may be corrected and the quarter run again."""
    _require_administrator(actor, quarter)
    quarter = lock(quarter)
    if quarter.status != QuarterStatus.CONFIRMED:
        raise InvalidTransition(_("Only a confirmed quarter that is not yet published can be reopened."))
    with acting_as(actor, action="scoring.quarter_reopen"):
        return _move(quarter, QuarterStatus.DRAFTED, confirmed_by=None, confirmed_at=None)


def publication_body(quarter: Quarter) -> str:
    """The public text around the results table (:func:`publication_table`)."""
    lines = [
        _("Quarterly assessment results of %(quarter)s (Chapter 6, Articles 1 and 2), rulebook version %(version)s.")
        % {"quarter": quarter, "version": quarter.rulebook_version},
        _("The table lists each resident with its total score, the points of each dimension and the outcome, "
          "highest total first."),
        _("A resident may appeal its own score during the publication window in the portal; an upheld appeal "
          "is recomputed and the elimination re-evaluated for everyone (Chapter 6, Article 3)."),
    ]
    return "\n".join(str(line) for line in lines)


def publication_table(quarter: Quarter, cards: list[ScoreCard]) -> PublicationTable:
    """The results as the board shows them: per resident (public name: a company by its registered name,
    a person masked, RULEBOOK §10), the total, the points of each dimension and the outcome; ordered by
    total, highest first. No inputs (revenue is business data) and no identity numbers."""
    rules = rules_for(quarter).scoring
    maxima = {
        "participation": rules.participation.max_points, "completion": rules.completion.max_points,
        "revenue": rules.revenue.max_points, "awards": rules.awards.max_points,
        "contributions": rules.contributions.max_points,
    }
    labels = {
        "participation": _("participation"), "completion": _("project completion"), "revenue": _("revenue"),
        "awards": _("awards"), "contributions": _("contributions"),
    }
    columns = [
        str(_("Resident")), str(_("Total")),
        *(f"{labels[name]}（{maxima[name]}）" for _field, name in DIMENSIONS), str(_("Outcome")),
    ]
    rows = [
        [public_name(card.resident.application), str(card.total),
         *(str(getattr(card, field)) for field, _name in DIMENSIONS), str(card.get_outcome_display())]
        for card in sorted(cards, key=lambda c: (-c.total, c.resident_id))
    ]
    return PublicationTable(columns=columns, rows=rows)


def _cards(quarter: Quarter) -> list[ScoreCard]:
    return list(ScoreCard.objects.filter(quarter=quarter).select_related(
        "resident", "resident__application", "resident__user"))


@transaction.atomic
def quarter_publish(*, quarter: Quarter, actor: Actor) -> Publication:
    """Confirmed → published: the board shows the masked results for the publication window (RULEBOOK §10);
    each resident scored is told where to read its card and until when it may appeal."""
    from opc_community.notices.services import publication_open

    _require_administrator(actor, quarter)
    quarter = lock(quarter)
    cards = _cards(quarter)
    with acting_as(actor, action="scoring.quarter_publish"):
        quarter = _move(quarter, QuarterStatus.PUBLISHED, published_at=timezone.now())
        publication = publication_open(
            kind=PublicationKind.QUARTERLY_SCORES,
            title=_("Quarterly assessment results %(quarter)s") % {"quarter": quarter},
            body=publication_body(quarter),
            table=publication_table(quarter, cards),
            staff_text={},  # composed from the score cards only: public names, points, outcomes
            subject=quarter,
            actor=actor,
        )
    notify(
        recipients=[card.resident.user for card in cards],
        title=lambda: _("Your score for %(quarter)s is published") % {"quarter": quarter},
        body=lambda: _("Your score card is in the portal. If you disagree, you may appeal until %(end)s.") % {"end": format_moment(publication.window_ends_at)},
        link=reverse("scoring:card_list"),
        kind="scoring.quarter_published",
        dedupe_key=f"scoring:quarter:{quarter.pk}:published:{publication.pk}",
    )
    return publication


# --- Appeals (called by scoring.services.appeals) ------------------------------------------------------


@transaction.atomic
def apply_upheld_appeal(
    *, appeal: ScoreAppeal, correction: Correction, reason: str, actor: Actor
) -> list[ScoreChange]:
    """An upheld appeal changes the appellant's inputs (``correction``: the results, the claims not accepted
    and — ``plan_values`` — the plan's numbers, which accept the plan with them, recorded as an approved
    change); the whole quarter is then recomputed with the rules it was scored with, elimination
    re-evaluated for everyone and every changed value recorded as a ScoreChange
    (RULEBOOK §7.3). Only while the quarter is published (not yet final). The caller (the appeal
    service) records the appeal's own decision in the same transaction; this changes no appeal."""
    reason = clean_reason(reason)
    quarter = lock(Quarter.objects.get(pk=appeal.card.quarter_id))
    if quarter.status != QuarterStatus.PUBLISHED:
        raise InvalidTransition(
            _("Quarter %(quarter)s is “%(status)s”: an appeal can change it only while it is published.")
            % {"quarter": quarter, "status": quarter.get_status_display()}
        )
    with acting_as(actor, action="scoring.apply_upheld_appeal"):
        if correction.plan_values:
            plan_set_by_appeal(quarter=quarter, resident=appeal.resident, values=correction.plan_values,
                               reason=reason, actor=actor)
        data = input_for_staff(quarter, appeal.resident)
        apply_correction(data, correction, reason=reason, actor=actor)
        changes = quarter_recompute(quarter=quarter, reason=reason, actor=actor)
    _tell_changed(quarter, changes)
    return changes


def _tell_changed(quarter: Quarter, changes: list[ScoreChange]) -> None:
    """Everyone whose score or outcome moved hears of it (one notification per resident and recomputation)."""
    moved = {change.resident_id for change in changes}
    if not moved:
        return
    users = [resident.user for resident in Resident.objects.filter(pk__in=moved).select_related("user")]
    notify(
        recipients=users,
        title=lambda: _("Your score for %(quarter)s was recomputed") % {"quarter": quarter},
        body=lambda: _("An upheld appeal changed the quarter's inputs; your score card shows the new result."),
        link=reverse("scoring:card_list"),
        kind="scoring.quarter_recomputed",
    )


# --- After the window ----------------------------------------------------------------------------------


def quarter_publication_closed(publication: Publication, *, overturned: bool) -> None:
    """Notices close handler for QUARTERLY_SCORES (registered in scoring/apps.py; inside the closing
    transaction). Overturned → back to draft and the administrator is told; otherwise the effects apply
    unless an appeal is still pending (its decision then calls :func:`quarter_finalise_if_ready`)."""
    quarter = Quarter.objects.filter(pk=publication.object_id).first()
    if quarter is None or quarter.status != QuarterStatus.PUBLISHED:
        return
    if overturned:
        quarter = lock(quarter)
        with acting_as(None, action="scoring.quarter_overturned"):
            _move(quarter, QuarterStatus.DRAFTED, confirmed_by=None, confirmed_at=None, published_at=None)
        notify(
            recipients=members_of(Role.ADMINISTRATOR),
            title=lambda: _("Quarter %(quarter)s back to draft") % {"quarter": quarter},
            body=lambda: _("An objection to the published results was upheld: correct the inputs, run, confirm and "
                   "publish the quarter again."),
            link=reverse("admin:scoring_quarter_change", args=[quarter.pk]),
            kind="scoring.quarter_overturned",
            dedupe_key=f"scoring:quarter:{quarter.pk}:overturned:{publication.pk}",
        )
        return
    quarter_finalise_if_ready(quarter=quarter)




@transaction.atomic
def quarter_finalise_if_ready(*, quarter: Quarter, actor: Actor | None = None) -> bool:
    """Finalise when :func:`ready_to_finalise`; the appeal service calls this after deciding an appeal."""
    if not ready_to_finalise(quarter):
        return False
    quarter_finalise(quarter=quarter, actor=actor)
    return True


@transaction.atomic
def quarter_finalise(*, quarter: Quarter, actor: Actor | None = None, today: date | None = None) -> Quarter:
    """Published → final: eliminations take effect (exit by assessment, RULEBOOK §4.5 and §7.4) and the
    warning list is told (第六章第二条 2.3). Refused while the window is open or an appeal is pending."""
    quarter = lock(quarter)
    if not ready_to_finalise(quarter):
        raise InvalidTransition(
            _("Quarter %(quarter)s cannot take effect yet: its publication window must be over and every "
              "appeal decided.") % {"quarter": quarter}
        )
    cards = _cards(quarter)
    with acting_as(actor, action="scoring.quarter_finalise"):
        quarter = _move(quarter, QuarterStatus.FINAL, finalised_at=timezone.now())
        _apply_effects(quarter, cards, actor=actor, today=today)
    return quarter


def _apply_effects(quarter: Quarter, cards: list[ScoreCard], *, actor: Actor, today: date | None) -> None:
    from residents.services.lifecycle import exit_by_assessment

    warned = []
    threshold = rules_for(quarter).elimination.warning_threshold
    for card in cards:
        if card.outcome == Outcome.ELIMINATED and card.resident.status != ResidentStatus.EXITED:
            exit_by_assessment(
                resident=card.resident,
                reason=_("eliminated in the quarterly assessment %(quarter)s (total %(total)s; Chapter 6, "
                         "Article 2)") % {"quarter": quarter, "total": card.total},
                actor=actor, today=today,
            )
        elif card.outcome == Outcome.WARNING:
            warned.append(card)
    for card in warned:
        with community_language():
            notify(
                recipients=[card.resident.user],
                title=_("You are on the warning list (%(quarter)s)") % {"quarter": quarter},
                body=_("Your total was below %(threshold)s for %(count)d quarters in a row. One more quarter below "
                       "%(threshold)s means elimination; a quarter at or above it clears the warning (Chapter 6, "
                       "Article 2).") % {"threshold": threshold,
                                        "count": card.streak_below_threshold},
                link=reverse("scoring:card_list"),
                kind="scoring.warning",
                dedupe_key=f"scoring:quarter:{quarter.pk}:warning:{card.resident_id}",
            )


def correction_from(values: Mapping[str, Any]) -> Correction:
    """A :class:`Correction` from plain data (an API or form payload): the results given, the plan's numbers
    given (``milestones_planned``, ``revenue_target``), the ids of awards and contributions not accepted
    under ``rejected_awards`` / ``rejected_contributions``, and the results claims rejected under
    ``rejected_results`` (absent: left as they are)."""

    def given(names: tuple[str, ...]) -> dict[str, Any]:
        return {key: values[key] for key in names if key in values and values[key] not in (None, "")}

    rejected = values.get("rejected_results")
    return Correction(
        values=given(NUMBER_FIELDS),
        plan_values=given(PLAN_FIELDS),
        rejected_awards=tuple(int(pk) for pk in values.get("rejected_awards", ())),
        rejected_contributions=tuple(int(pk) for pk in values.get("rejected_contributions", ())),
        rejected_results=None if rejected is None else tuple(rejected),
    )
