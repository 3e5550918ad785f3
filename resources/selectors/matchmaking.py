"""Reads of scenario matchmaking and policy help (第五章第二条): what is open, a resident's own interests and
requests with their progress, the per-scenario funnel, the quarterly outcomes report and the archive
sections — each in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residents.models import Resident
from resources.models import (
    HelpStatus,
    InterestStatus,
    MatchStep,
    Outcome,
    Policy,
    PolicyHelpRequest,
    PolicyInterest,
    Scenario,
    ScenarioInterest,
    ScenarioKind,
    StepKind,
)
from resources.rules import matchmaking as rules
from resources.rules import quarters

SCENARIO_ARCHIVE_LABEL = gettext_lazy("Scenario matchmaking")
POLICY_ARCHIVE_LABEL = gettext_lazy("Policy help")


# --- Scenarios -----------------------------------------------------------------------------------------------


def published_scenarios() -> QuerySet[Scenario]:
    return Scenario.objects.filter(published_at__isnull=False).select_related("partner")


def open_scenarios(*, today: date | None = None) -> QuerySet[Scenario]:
    """Published scenarios and opportunities taking interest today, the soonest deadline first."""
    today = today or timezone.localdate()
    return published_scenarios().filter(deadline__gte=today).order_by("deadline", "title")


def interests_of(resident: Resident) -> QuerySet[ScenarioInterest]:
    """The resident's interests with their scenario, partner and steps (two queries)."""
    return (ScenarioInterest.objects.filter(resident=resident).select_related("scenario__partner")
            .prefetch_related(Prefetch("steps", queryset=MatchStep.objects.select_related("recorded_by").order_by("happened_on", "id")))
            .order_by("-submitted_at", "-pk"))


def with_funnel(scenarios: QuerySet[Scenario]) -> QuerySet[Scenario]:
    """Per scenario the funnel: interests (not withdrawn), introduced, met, concluded, successful (an outcome
    other than "no deal") — one query."""
    return scenarios.annotate(
        interest_count=Count("interests", filter=~Q(interests__status=InterestStatus.WITHDRAWN), distinct=True),
        introduced_count=Count("interests", distinct=True,
                               filter=Q(interests__steps__kind=StepKind.INTRODUCTION)),
        met_count=Count("interests", distinct=True, filter=Q(interests__steps__kind=StepKind.MEETING)),
        concluded_count=Count("interests", distinct=True, filter=Q(interests__status=InterestStatus.CONCLUDED)),
        success_count=Count("interests", distinct=True,
                            filter=Q(interests__steps__kind=StepKind.OUTCOME)
                            & ~Q(interests__steps__outcome=Outcome.NO_DEAL)),
    )


@dataclass
class QuarterRow:
    """One kind of scenario in the quarterly outcomes report."""

    kind: str
    label: str
    interests: int = 0
    introductions: int = 0
    meetings: int = 0
    signed: int = 0
    funded: int = 0
    orders: int = 0
    no_deal: int = 0
    funded_amount: Decimal = field(default_factory=lambda: Decimal("0"))
    order_value: Decimal = field(default_factory=lambda: Decimal("0"))

    @property
    def successes(self) -> int:
        return self.signed + self.funded + self.orders


@dataclass(frozen=True)
class QuarterReport:
    year: int
    quarter: int
    first: date
    last: date
    rows: list[QuarterRow]

    @property
    def total(self) -> QuarterRow:
        total = QuarterRow(kind="", label=_("all kinds"))
        for row in self.rows:
            for name in ("interests", "introductions", "meetings", "signed", "funded", "orders", "no_deal",
                         "funded_amount", "order_value"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def quarterly_outcomes(first: date, last: date) -> QuarterReport:
    """第五章第二条: per kind of scenario, the interests expressed in the quarter and the steps dated in it
    (introductions, meetings, outcomes by kind; funded amount and order value) — two queries."""
    rows = {kind: QuarterRow(kind=kind, label=str(label)) for kind, label in ScenarioKind.choices}
    for item in (ScenarioInterest.objects.filter(submitted_at__date__range=(first, last))
                 .values("scenario__kind").annotate(n=Count("pk"))):
        rows[item["scenario__kind"]].interests = item["n"]
    for item in (MatchStep.objects.filter(happened_on__range=(first, last))
                 .values("interest__scenario__kind").annotate(
                     introductions=Count("pk", filter=Q(kind=StepKind.INTRODUCTION)),
                     meetings=Count("pk", filter=Q(kind=StepKind.MEETING)),
                     signed=Count("pk", filter=Q(outcome=Outcome.SIGNED)),
                     funded=Count("pk", filter=Q(outcome=Outcome.FUNDED)),
                     orders=Count("pk", filter=Q(outcome=Outcome.ORDER)),
                     no_deal=Count("pk", filter=Q(outcome=Outcome.NO_DEAL)),
                     funded_amount=Sum("amount", filter=Q(outcome=Outcome.FUNDED)),
                     order_value=Sum("amount", filter=Q(outcome=Outcome.ORDER)))):
        row = rows[item["interest__scenario__kind"]]
        for name in ("introductions", "meetings", "signed", "funded", "orders", "no_deal"):
            setattr(row, name, item[name])
        row.funded_amount = item["funded_amount"] or Decimal("0")
        row.order_value = item["order_value"] or Decimal("0")
    year, quarter = quarters.quarter_number(first)
    return QuarterReport(year=year, quarter=quarter, first=first, last=last, rows=list(rows.values()))


# --- Policies ----------------------------------------------------------------------------------------------------


def published_policies() -> QuerySet[Policy]:
    return Policy.objects.filter(published_at__isnull=False).select_related("issuer")


def open_policies(*, resident: Resident | None = None, today: date | None = None) -> QuerySet[Policy]:
    """Published policies whose deadline has not passed, the soonest first; with ``resident``, whether it
    follows each (``followed``) — one query."""
    today = today or timezone.localdate()
    policies = published_policies().filter(application_deadline__gte=today).order_by("application_deadline", "title")
    if resident is not None:
        policies = policies.annotate(followed=Exists(PolicyInterest.objects.filter(policy=OuterRef("pk"),
                                                                                  resident=resident)))
    return policies


def help_requests_of(resident: Resident) -> QuerySet[PolicyHelpRequest]:
    return (PolicyHelpRequest.objects.filter(resident=resident).select_related("policy", "handled_by")
            .order_by("-requested_at", "-pk"))


def followed_by(resident: Resident) -> QuerySet[PolicyInterest]:
    return PolicyInterest.objects.filter(resident=resident).select_related("policy").order_by(
        "policy__application_deadline")


def sla_of(request: PolicyHelpRequest, *, now: datetime | None = None) -> rules.Sla:
    return rules.response_sla(due_at=request.response_due_at, answered_at=request.accepted_at
                              if request.status != HelpStatus.WITHDRAWN else request.closed_at,
                              now=now or timezone.now())


# --- Archive (第三章第五条) -------------------------------------------------------------------------------------


def scenario_archive_entries(resident: Any) -> list[Any]:
    """The resident's interests and their recorded steps (two queries)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for interest in interests_of(resident):
        entries.append(Entry(
            at=interest.submitted_at, section="scenario",
            title=_("Interest in %(title)s: %(status)s") % {"title": interest.scenario.title,
                                                            "status": interest.get_status_display()},
            detail=interest.proposal[:120], actor=str(resident),
        ))
        for step in interest.steps.all():
            detail = " · ".join(part for part in (
                step.get_outcome_display() if step.outcome else "",
                _("%(amount)s yuan") % {"amount": step.amount} if step.amount else "", step.note) if part)
            entries.append(Entry(
                at=step.recorded_at, section="scenario",
                title=_("%(title)s: %(step)s on %(day)s") % {"title": interest.scenario.title,
                                                              "step": step.get_kind_display(),
                                                              "day": step.happened_on.isoformat()},
                detail=detail, actor=_name(step.recorded_by) if step.recorded_by_id else "",
            ))
    return sorted(entries, key=lambda entry: entry.at)


def policy_archive_entries(resident: Any) -> list[Any]:
    """The resident's requests for policy help and their outcome (one query)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for request in help_requests_of(resident):
        detail = " · ".join(part for part in (
            _("%(amount)s yuan granted") % {"amount": request.granted_amount} if request.granted_amount else "",
            request.staff_note[:120]) if part)
        entries.append(Entry(
            at=request.requested_at, section="policy",
            title=_("Policy help: %(title)s, %(status)s") % {"title": request.policy.title,
                                                               "status": request.get_status_display()},
            detail=detail, actor=_name(request.handled_by) if request.handled_by_id else str(resident),
        ))
    return entries
