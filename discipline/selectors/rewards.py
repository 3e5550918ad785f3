"""Reads for rewards and volunteer service (第八章第一条; RULEBOOK §8).

Query shapes are fixed here so that every page has a fixed number of queries whatever the
number of rows:

* :func:`compliance_candidates` judges every live resident for a year in **one** query
  (residents, annotated with their volunteer count and counting-violation count of the year
  and their compliance reward of the year, if any) plus one for the rulebook;
* :func:`reward_page` — the resident's "my rewards and credits" — reads rewards, their
  publications, the rulebook versions behind them, volunteer services, the credit balance
  and the working-day calendar once each;
* :func:`archive_entries` feeds the resident's archive (one query).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline import reward_rules as rules
from discipline.models import (
    COUNTING_STATUSES,
    Reward,
    RewardChoice,
    RewardKind,
    RewardStatus,
    ViolationCase,
    VolunteerService,
)
from opc_community import rulebook
from opc_community.core.money import format_yuan
from opc_community.notices.models import Publication
from opc_community.rulebook.models import RulebookVersion
from opc_community.rulebook.schema import Rulebook
from opc_community.rulebook.selectors import rules_of
from opc_community.workdays.rules import local_date
from opc_community.workdays.selectors import work_calendar
from residents.models import Resident, ResidentStatus
from residents.rules.naming import public_name
from scoring.models import AwardClaim

#: Residents who can be judged and rewarded: checked in and not gone.
LIVE_STATUSES = (ResidentStatus.ACTIVE, ResidentStatus.EXITING)


# --- Compliance excellence: eligibility, set-based ----------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One resident judged for compliance excellence of a year."""

    resident: Resident
    year: int
    judged_on: date
    volunteer_services: int
    violations: int
    eligibility: rules.Eligibility
    reward_id: int | None
    reward_status: str

    @property
    def eligible(self) -> bool:
        return self.eligibility.eligible

    @property
    def proposable(self) -> bool:
        """Eligible and without a (non-annulled) compliance reward of the year yet."""
        return self.eligible and self.reward_id is None


def _count(queryset: QuerySet) -> Subquery:
    """A correlated COUNT(*) subquery (0 when no row)."""
    counted = queryset.order_by().values("resident").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _judged(residents: QuerySet[Resident], *, year: int, judged_on: date) -> QuerySet[Resident]:
    """Residents annotated with the year's counts and compliance reward (still one query)."""
    volunteer = VolunteerService.objects.filter(
        resident=OuterRef("pk"), served_on__year=year, served_on__lte=judged_on
    )
    violations = ViolationCase.objects.filter(
        resident=OuterRef("pk"), occurred_on__year=year, status__in=COUNTING_STATUSES
    )
    reward = Reward.objects.filter(resident=OuterRef("pk"), year=year, kind=RewardKind.COMPLIANCE).exclude(
        status=RewardStatus.ANNULLED
    )
    return residents.annotate(
        volunteer_count=_count(volunteer),
        violation_count=_count(violations),
        compliance_reward_id=Subquery(reward.values("pk")[:1]),
        compliance_reward_status=Subquery(reward.values("status")[:1]),
    )


def _candidate(resident: Resident, *, year: int, judged_on: date, rewards: Any) -> Candidate:
    eligibility = rules.compliance_eligibility(
        checked_in_on=local_date(resident.checked_in_at) if resident.checked_in_at else None,
        judged_on=judged_on,
        violations_in_year=resident.violation_count,
        volunteer_services=resident.volunteer_count,
        rewards=rewards,
    )
    return Candidate(
        resident=resident, year=year, judged_on=judged_on, volunteer_services=resident.volunteer_count,
        violations=resident.violation_count, eligibility=eligibility,
        reward_id=resident.compliance_reward_id, reward_status=resident.compliance_reward_status or "",
    )


def compliance_candidates(*, year: int, today: date, eligible_only: bool = False) -> list[Candidate]:
    """Every checked-in resident judged for compliance excellence of ``year`` (2 queries whatever their number).

    Judged on :func:`~discipline.reward_rules.judging_date` (today during the year, 31 December
    afterwards) with the rulebook in force that day. Eligible residents first, then by name.
    """
    judged_on = rules.judging_date(year, today)
    rewards = rulebook.in_force(on=judged_on).rewards  # 1: the rulebook
    residents = _judged(
        Resident.objects.filter(status__in=LIVE_STATUSES, checked_in_at__isnull=False), year=year, judged_on=judged_on
    ).order_by("name", "pk")  # 2: residents with their counts and reward
    candidates = [_candidate(r, year=year, judged_on=judged_on, rewards=rewards) for r in residents]
    if eligible_only:
        candidates = [c for c in candidates if c.eligible]
    return sorted(candidates, key=lambda c: (not c.proposable, not c.eligible))


def compliance_candidate(resident: Resident, *, year: int, today: date) -> Candidate:
    """One resident judged for ``year`` (2 queries), whatever its status (services check the status)."""
    judged_on = rules.judging_date(year, today)
    rewards = rulebook.in_force(on=judged_on).rewards
    row = _judged(Resident.objects.filter(pk=resident.pk), year=year, judged_on=judged_on).get()
    return _candidate(row, year=year, judged_on=judged_on, rewards=rewards)


# --- Innovation: the verified awards of the quarterly inputs ----------------------------------------


@dataclass(frozen=True)
class InnovationCandidate:
    """A verified municipal-or-higher award of a resident's quarterly inputs (第六章 维度四), a candidate
    for the innovation reward (第八章第一条 项目创新) until a reward was verified from it."""

    claim: AwardClaim
    level: str  # the reward's level: municipal / provincial
    reward_id: int | None
    reward_status: str

    @property
    def resident(self) -> Resident:
        return self.claim.input.resident

    @property
    def level_label(self) -> str:
        return rules.level_label(self.level)

    @property
    def proposable(self) -> bool:
        return self.reward_id is None and self.resident.status in LIVE_STATUSES


def innovation_candidates(*, year: int) -> list[InnovationCandidate]:
    """Every verified award of municipal level or higher in the quarterly inputs of ``year``, with the
    (non-annulled) reward verified from it if any, those still to propose first (one query)."""
    reward = Reward.objects.filter(award_claim=OuterRef("pk")).exclude(status=RewardStatus.ANNULLED)
    claims = (
        AwardClaim.objects.filter(verified=True, input__quarter__year=year, level__in=rules.INNOVATION_LEVELS)
        .select_related("input__quarter", "input__resident")
        .annotate(reward_id=Subquery(reward.values("pk")[:1]), reward_status=Subquery(reward.values("status")[:1]))
        .order_by("input__quarter__number", "input__resident__name", "pk")
    )
    candidates = [
        InnovationCandidate(claim=claim, level=rules.innovation_level(claim.level) or "",
                            reward_id=claim.reward_id, reward_status=claim.reward_status or "")
        for claim in claims
    ]
    return sorted(candidates, key=lambda c: not c.proposable)


# --- Rewards: lists, the rule behind each, deadlines -----------------------------------------------


def rewards_of(resident: Resident) -> QuerySet[Reward]:
    """The resident's rewards, newest first (every interface fetches a resident's reward through this)."""
    return Reward.objects.filter(resident=resident).order_by("-verified_at", "-pk")


def reward_queue() -> QuerySet[Reward]:
    """All rewards for staff: the resident joined, approved ones by grant deadline first."""
    return Reward.objects.select_related("resident", "verified_by", "granted_by")


def overdue_grants(*, now: datetime) -> QuerySet[Reward]:
    """Approved rewards whose grant deadline (10 working days, 第八章第一条) has passed."""
    return Reward.objects.filter(status=RewardStatus.APPROVED, grant_due_at__lt=now).select_related("resident")


def provisional_grants() -> QuerySet[Reward]:
    """Approved rewards to be granted by a provisional deadline (RULEBOOK §2)."""
    return Reward.objects.filter(status=RewardStatus.APPROVED, grant_due_provisional=True)


def overdue_q(now: datetime) -> Q:
    return Q(status=RewardStatus.APPROVED, grant_due_at__lt=now)


def rules_by_version(versions: set[int]) -> dict[int, Rulebook]:
    """The parsed rules of the given rulebook version numbers (one query)."""
    if not versions:
        return {}
    return {v.number: rules_of(v) for v in RulebookVersion.objects.filter(number__in=versions)}


def reward_rule_note(reward: Reward, rules_in_force: Rulebook) -> str:
    return rules.rule_note(rules_in_force.rewards, kind=reward.kind, level=reward.level)


def reward_what(reward: Reward, rules_in_force: Rulebook | None) -> str:
    """What the reward gives, in plain words (also on the public board)."""
    if reward.kind == RewardKind.COMPLIANCE:
        if rules_in_force is None:
            return reward.get_choice_display() or ""
        ce = rules_in_force.rewards.compliance_excellence
        credits = _("%(count)s free roadshow-hall bookings (at most %(hours)s hours each)") % {
            "count": ce.roadshow_credits, "hours": ce.roadshow_credit_max_hours}
        subsidy = _("a %(amount)s compute-voucher subsidy") % {"amount": format_yuan(ce.voucher_subsidy)}
        if reward.choice == RewardChoice.ROADSHOW_CREDITS:
            return credits
        if reward.choice == RewardChoice.VOUCHER_SUBSIDY:
            return subsidy
        return _("at the resident's choice: %(credits)s, or %(subsidy)s") % {"credits": credits, "subsidy": subsidy}
    if reward.choice == RewardChoice.RESOURCE_SUPPORT:
        return _("resource support: %(support)s") % {"support": reward.support}
    return _("cash %(amount)s") % {"amount": format_yuan(reward.amount)}


@dataclass
class RewardLine:
    reward: Reward
    what: str
    rule: str
    publication: Publication | None = None
    grant_due_on: date | None = None
    grant_days_left: int | None = None
    can_choose: bool = False
    form: Any = None  # the portal's choice form, set by the view


@dataclass
class RewardPage:
    lines: list[RewardLine]
    volunteer_services: list[VolunteerService]
    volunteer_this_year: int
    credit_balance: int | None
    year: int
    rule: str
    min_volunteer_services: int
    compliance: list[RewardLine] = field(default_factory=list)


def publications_of(rewards: list[Reward]) -> dict[int, Publication]:
    """The latest publication of each reward (one query, the content type joined rather than looked up)."""
    if not rewards:
        return {}
    meta = Reward._meta
    rows = Publication.objects.filter(
        content_type__app_label=meta.app_label, content_type__model=meta.model_name,
        object_id__in=[r.pk for r in rewards],
    ).order_by(
        "window_starts_at", "pk"
    )
    return {row.object_id: row for row in rows}


def reward_lines(rewards: list[Reward], *, today: date) -> list[RewardLine]:
    """Rewards with what each gives, the rule behind it, its publication and grant countdown (≤ 4 queries)."""
    versions = rules_by_version({r.rulebook_version for r in rewards})  # 1
    publications = publications_of(rewards)  # 2
    calendar = None
    if any(r.status == RewardStatus.APPROVED and r.grant_due_at for r in rewards):
        calendar = work_calendar()  # none while this process holds the calendar (else 3, 4)
    lines = []
    for reward in rewards:
        in_force = versions.get(reward.rulebook_version)
        line = RewardLine(
            reward=reward,
            what=reward_what(reward, in_force),
            rule=reward_rule_note(reward, in_force) if in_force else "",
            publication=publications.get(reward.pk),
            can_choose=reward.kind == RewardKind.COMPLIANCE
            and reward.status in (RewardStatus.VERIFIED, RewardStatus.PUBLISHED, RewardStatus.APPROVED),
        )
        if reward.grant_due_at:
            line.grant_due_on = local_date(reward.grant_due_at)
            if calendar is not None and reward.status == RewardStatus.APPROVED:
                line.grant_days_left = calendar.working_days_between(today, line.grant_due_on)
        lines.append(line)
    return lines


def volunteer_services_of(resident: Resident) -> QuerySet[VolunteerService]:
    return VolunteerService.objects.filter(resident=resident).order_by("-served_on", "-pk")


def reward_page(resident: Resident, *, today: date) -> RewardPage:
    """我的奖励: rewards with status and rule, roadshow credits, volunteer services (fixed queries)."""
    from spaces.selectors.bookings import credit_balance

    rules_today = rulebook.in_force(on=today)  # 1
    rewards = list(rewards_of(resident))  # 2
    lines = reward_lines(rewards, today=today)  # 3-6
    services = list(volunteer_services_of(resident))  # 7
    this_year = sum(1 for s in services if s.served_on.year == today.year and s.served_on <= today)
    return RewardPage(
        lines=lines,
        volunteer_services=services,
        volunteer_this_year=this_year,
        credit_balance=credit_balance(resident),  # 8
        year=today.year,
        rule=rules.rule_note(rules_today.rewards, kind=RewardKind.COMPLIANCE),
        min_volunteer_services=rules_today.rewards.compliance_excellence.min_volunteer_services,
        compliance=[line for line in lines if line.can_choose],
    )


# --- The public board ---------------------------------------------------------------------------------


def public_body(reward: Reward, rules_in_force: Rulebook) -> str:
    """The text published on the notice board: masked name, kind, year, what is given, the rule; no grounds
    written by staff (they may name people), no phone or identity numbers."""
    lines = [
        _("Resident: %(name)s") % {"name": public_name(reward.resident.application)},
        _("Reward: %(kind)s (%(year)s)") % {"kind": reward.get_kind_display(), "year": reward.year},
    ]
    if reward.kind == RewardKind.INNOVATION:
        lines.append(_("Award level: %(level)s") % {"level": rules.level_label(reward.level)})
    lines.append(_("Given: %(what)s") % {"what": reward_what(reward, rules_in_force)})
    lines.append(_("Rule: %(rule)s") % {"rule": reward_rule_note(reward, rules_in_force)})
    lines.append(_(
        "Anyone logged in may object during the publication window; the reward is granted within "
        "%(days)s working days after the window unless an objection is upheld (Chapter 8, Article 1)."
    ) % {"days": rules_in_force.deadlines.reward_grant_working_days})
    return "\n".join(lines)


# --- The archive (RULEBOOK §4.7) ----------------------------------------------------------------------


#: The archive section of the rewards (第三章第五条; RULEBOOK §4.7).
ARCHIVE_LABEL = gettext_lazy("Rewards")


def archive_entries(resident: Resident) -> list[Any]:
    """The resident's rewards as archive timeline entries (one query)."""
    from residents.selectors.archive import Entry, _admin_link, _name

    entries = []
    rows = Reward.objects.filter(resident=resident).select_related("verified_by", "granted_by").order_by("verified_at")
    for reward in rows:
        title = _("Reward %(kind)s %(year)s: %(status)s") % {
            "kind": reward.get_kind_display(), "year": reward.year, "status": reward.get_status_display()}
        detail = reward.get_choice_display() or ""
        if reward.amount is not None:
            detail = f"{detail} {format_yuan(reward.amount)}".strip()
        link = _admin_link(reward)
        entries.append(Entry(at=reward.verified_at, section="reward", title=title, detail=detail,
                             actor=_name(reward.verified_by), link=link))
        if reward.granted_at:
            entries.append(Entry(
                at=reward.granted_at, section="reward",
                title=_("Reward %(kind)s %(year)s granted") % {"kind": reward.get_kind_display(), "year": reward.year},
                detail=reward.grant_note, actor=_name(reward.granted_by), link=link,
            ))
        if reward.annulled_at:
            entries.append(Entry(
                at=reward.annulled_at, section="reward",
                title=_("Reward %(kind)s %(year)s annulled") % {"kind": reward.get_kind_display(), "year": reward.year},
                detail=reward.annul_reason, link=link,
            ))
    return entries


__all__ = [
    "Candidate", "InnovationCandidate", "RewardLine", "RewardPage", "archive_entries", "compliance_candidate", "compliance_candidates",
    "innovation_candidates",
    "overdue_grants", "overdue_q", "public_body", "reward_lines", "reward_page",
    "reward_queue", "rewards_of", "volunteer_services_of",
]
