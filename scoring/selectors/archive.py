"""The quarterly assessment in the resident's archive (第三章第五条; RULEBOOK §4.7: "project progress reports
… scores"), registered with the residents app in ``ScoringConfig.ready()``.

- a **progress report** per quarter the resident submitted its inputs for (milestones done of
  those planned, revenue against the quarterly target, and whether staff verified or corrected it);
- a **score** per quarter whose results are published (the total, each dimension's points, the
  rank and the outcome — the card the resident reads in the portal).
"""

from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.money import format_yuan
from residents.models import Resident
from scoring.models import InputStatus, PlanStatus, QuarterInput, QuarterPlan
from scoring.selectors.cards import resident_cards

ARCHIVE_LABEL = gettext_lazy("Quarterly scores and progress reports")


def archive_entries(resident: Resident) -> list[Any]:
    """The resident's progress reports and published scores as archive lines, in time order (two queries:
    the submitted inputs with their quarter and verifier, the visible cards with their quarter)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    accepted_plan = QuarterPlan.objects.filter(
        quarter=OuterRef("quarter"), resident=OuterRef("resident"), status=PlanStatus.ACCEPTED
    )
    inputs = (
        QuarterInput.objects.filter(resident=resident, submitted_at__isnull=False)
        .exclude(status=InputStatus.DRAFT)
        .select_related("quarter", "verified_by")
        .annotate(
            planned=Subquery(accepted_plan.values("milestones_planned")[:1]),
            target=Subquery(accepted_plan.values("revenue_target")[:1]),
        )
    )
    for report in inputs:
        detail = [report.get_status_display()]
        if report.correction_reason:
            detail.append(report.correction_reason)
        if report.planned is None:  # no accepted plan: nothing to measure against (RULEBOOK §7.1)
            title = _("%(quarter)s progress report: %(done)s milestones, revenue %(revenue)s, no accepted plan") % {
                "quarter": report.quarter, "done": report.milestones_done, "revenue": format_yuan(report.revenue)}
        else:
            title = _("%(quarter)s progress report: %(done)s of %(planned)s milestones, revenue %(revenue)s "
                      "of the target %(target)s") % {
                "quarter": report.quarter, "done": report.milestones_done, "planned": report.planned,
                "revenue": format_yuan(report.revenue), "target": format_yuan(report.target)}
        entries.append(Entry(
            at=report.submitted_at, section="score", title=title,
            detail=" · ".join(str(part) for part in detail),
            actor=_name(report.verified_by) if report.verified_by_id else resident.name,
        ))
    for card in resident_cards(resident):
        entries.append(Entry(
            at=card.quarter.published_at or card.computed_at, section="score",
            title=_("%(quarter)s score: %(total)s points, %(outcome)s") % {
                "quarter": card.quarter, "total": card.total, "outcome": card.get_outcome_display()},
            detail=_("participation %(participation)s · completion %(completion)s · revenue %(revenue)s · "
                     "awards %(awards)s · contributions %(contributions)s · rank %(rank)s") % {
                "participation": card.participation_points, "completion": card.completion_points,
                "revenue": card.revenue_points, "awards": card.award_points,
                "contributions": card.contribution_points, "rank": card.rank},
        ))
    return sorted(entries, key=lambda entry: entry.at)
