"""Rewards (第八章第一条; RULEBOOK §8) as pure functions of the rulebook's numbers.

No database and no clock: callers pass the facts (check-in date, judging date, counts)
and the ``rewards`` section of the rulebook version in force; tests are tables of cases
(tests/discipline/test_reward_rules.py).

Decisions (RULEBOOK §8 leaves them to us):

* **Compliance excellence is judged per calendar year.** The resident must have been
  checked in for at least ``min_months_checked_in`` *full* months by the judging date:
  full months are counted from the check-in day, a month being complete when the same
  day of a later month is reached (the last day of a shorter month: checked in on
  31 August, one month is complete on 30 September). Checked in on 2026-01-01, six full
  months are complete on 2026-07-01 — not yet on 2026-06-30. Months before the judged
  year count too (a resident checked in years ago qualifies on 1 January).
* **No violation in that year**: no case of the resident *occurring* in that year in a
  counting status (``discipline.models.COUNTING_STATUSES``: decided, published,
  confirmed); annulled and dismissed cases do not count, nor cases of other years.
* **≥ ``min_volunteer_services`` volunteer services in that year**, served on or before
  the judging date.
* Granted at most once a year (a database constraint); rewards of the other kinds stack.
* The amount of an innovation award or a cash reward for another contribution is chosen
  by staff within the rulebook's range, bounds included.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan
from opc_community.rulebook.schema import MoneyRange, Rewards

#: Article cited by every reward decision.
ARTICLE = "第八章第一条"

# Kinds, levels and choices as plain strings, mirroring discipline.models (no import of the
# models: this module stays free of the ORM).
COMPLIANCE, INNOVATION, OTHER = "compliance", "innovation", "other"
MUNICIPAL, PROVINCIAL = "municipal", "provincial"
ROADSHOW_CREDITS, VOUCHER_SUBSIDY, CASH, RESOURCE_SUPPORT = (
    "roadshow_credits", "voucher_subsidy", "cash", "resource_support",
)

#: What the resident (or staff) may choose for each kind of reward.
CHOICES_BY_KIND: dict[str, frozenset[str]] = {
    COMPLIANCE: frozenset({ROADSHOW_CREDITS, VOUCHER_SUBSIDY}),
    INNOVATION: frozenset({CASH}),
    OTHER: frozenset({CASH, RESOURCE_SUPPORT}),
}


# --- Months of residency ------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, on the last day of a shorter month (31 Aug + 1 → 30 Sep)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def full_months(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``: the largest m with ``add_months(start, m) <= end`` (0 if none)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months


# --- Compliance excellence --------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A condition not met: a stable code for programs and a sentence in plain Chinese for people."""

    code: str
    message: str


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    failures: tuple[Failure, ...]
    months_checked_in: int
    months_complete_on: date | None  # the day the required months are complete (None: not checked in)

    @property
    def summary(self) -> str:
        """All failing conditions in one line (empty when eligible)."""
        return "；".join(failure.message for failure in self.failures)


def judging_date(year: int, today: date) -> date:
    """The day a year is judged on: today during the year, its last day once the year is over."""
    return min(today, date(year, 12, 31))


def compliance_eligibility(
    *,
    checked_in_on: date | None,
    judged_on: date,
    violations_in_year: int,
    volunteer_services: int,
    rewards: Rewards,
) -> Eligibility:
    """Is the resident eligible for compliance excellence (合规优秀) of ``judged_on``'s year? And if not, why.

    ``violations_in_year``: cases occurring in that year in a counting status;
    ``volunteer_services``: services served in that year up to ``judged_on``.
    """
    rules = rewards.compliance_excellence
    failures: list[Failure] = []
    months, complete_on = 0, None
    if checked_in_on is None or checked_in_on > judged_on:
        failures.append(Failure("not_checked_in", _("Not checked in by %(date)s (Chapter 8, Article 1).")
                                % {"date": format_day(judged_on)}))
    else:
        months = full_months(checked_in_on, judged_on)
        complete_on = add_months(checked_in_on, rules.min_months_checked_in)
        if months < rules.min_months_checked_in:
            failures.append(Failure("months", _(
                "Checked in for %(months)s full months by %(date)s; %(required)s full months are needed, "
                "complete on %(complete)s (Chapter 8, Article 1)."
            ) % {"months": months, "date": format_day(judged_on), "required": rules.min_months_checked_in,
                 "complete": format_day(complete_on)}))
    if violations_in_year > 0:
        failures.append(Failure("violations", _(
            "%(count)s confirmed violations in %(year)s; none is allowed (Chapter 8, Article 1)."
        ) % {"count": violations_in_year, "year": judged_on.year}))
    if volunteer_services < rules.min_volunteer_services:
        failures.append(Failure("volunteer", _(
            "%(count)s volunteer services in %(year)s; at least %(required)s are needed (Chapter 8, Article 1)."
        ) % {"count": volunteer_services, "year": judged_on.year, "required": rules.min_volunteer_services}))
    return Eligibility(not failures, tuple(failures), months, complete_on)


# --- Amounts and choices ------------------------------------------------------------------------------


def amount_range(rewards: Rewards, *, kind: str, level: str = "") -> MoneyRange | None:
    """The range staff choose a cash amount in: innovation by level, other contribution; None otherwise."""
    if kind == INNOVATION:
        return rewards.innovation.get(level)
    if kind == OTHER:
        return rewards.other_contribution
    return None


def range_text(bounds: MoneyRange) -> str:
    return f"{format_yuan(bounds.min)}–{format_yuan(bounds.max)}"


def amount_refusal(rewards: Rewards, *, kind: str, level: str, amount: Decimal | None) -> str | None:
    """Why ``amount`` is not allowed for this reward (a sentence naming the range and the article), or None."""
    bounds = amount_range(rewards, kind=kind, level=level)
    if bounds is None:
        return None
    if amount is not None and bounds.min <= amount <= bounds.max:
        return None
    if kind == INNOVATION:
        return _("The amount of an innovation award at %(level)s level is between %(range)s (Chapter 8, Article 1).") \
            % {"level": level_label(level), "range": range_text(bounds)}
    return _("The amount of a cash reward for another contribution is between %(range)s (Chapter 8, Article 1).") \
        % {"range": range_text(bounds)}


def choice_allowed(kind: str, choice: str) -> bool:
    return choice in CHOICES_BY_KIND.get(kind, frozenset())


# --- The rule behind each reward, in plain words ---------------------------------------------------------


def rule_note(rewards: Rewards, *, kind: str, level: str = "") -> str:
    """The condition and the reward of §8's row for this kind, with the article (shown with every reward)."""
    if kind == COMPLIANCE:
        rules = rewards.compliance_excellence
        return _(
            "Compliance excellence: checked in for at least %(months)s full months, no violation and at least "
            "%(services)s volunteer services in the calendar year; the resident chooses %(credits)s free "
            "roadshow-hall bookings (at most %(hours)s hours each) or a %(subsidy)s compute-voucher subsidy "
            "(Chapter 8, Article 1)."
        ) % {"months": rules.min_months_checked_in, "services": rules.min_volunteer_services,
             "credits": rules.roadshow_credits, "hours": rules.roadshow_credit_max_hours,
             "subsidy": format_yuan(rules.voucher_subsidy)}
    if kind == INNOVATION:
        bounds = amount_range(rewards, kind=kind, level=level)
        return _(
            "Project innovation, %(level)s award: cash %(range)s chosen by staff within the range (Chapter 8, Article 1)."
        ) % {"level": level_label(level), "range": range_text(bounds) if bounds else "—"}
    return _(
        "Other contribution judged by staff: cash %(range)s or resource support (Chapter 8, Article 1)."
    ) % {"range": range_text(rewards.other_contribution)}


def level_label(level: str) -> str:
    """市级 / 省级及以上."""
    return {MUNICIPAL: _("municipal"), PROVINCIAL: _("provincial or higher")}.get(level, level)



#: The innovation reward level of each award level of the quarterly assessment (第六章第一条 维度四 →
#: 第八章第一条 项目创新 "获市级及以上创业奖项"): provincial, industry provincial and national awards are
#: "provincial or higher"; municipal and industry municipal awards are "municipal". Staff still judge
#: whether the award is an entrepreneurship award before verifying the reward.
INNOVATION_LEVELS = {
    "national": "provincial",
    "provincial": "provincial",
    "industry_provincial": "provincial",
    "municipal": "municipal",
    "industry_municipal": "municipal",
}


def innovation_level(award_level: str) -> str | None:
    """The innovation reward level of an award of the quarterly inputs, or None below municipal."""
    return INNOVATION_LEVELS.get(award_level)
