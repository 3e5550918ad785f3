"""Reads of agreements, check-in and orientation (第三章第二条、第三条).

- ``resident_agreements`` / ``agreement_for_resident`` — the portal's pages (scoped to the resident);
- ``agreement_card`` — the dashboard card "我的协议" (end date, days left, renewal status);
- ``check_in_problems`` — what still blocks check-in, in Chinese, each naming its rule (this
  app's conditions, then those of the registered check-in steps: the spaces app's desk);
- ``orientation_summary`` — the rules in force in plain Chinese, generated from the
  rulebook data (deadlines, the penalty table of §9, the scoring bands of §7, the
  rewards of §8), never from hard-coded text.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from opc_community import rulebook, workdays
from opc_community.core.money import format_yuan
from residents.extensions import Problem, check_in_steps
from residents.models import (
    Agreement,
    AgreementStatus,
    RenewalRequest,
    Resident,
    ResidentStatus,
)
from residents.rules.term import renewal_reminder_date
from residents.selectors.ledger import deposit_held, unpaid_due_by

LIVE = (AgreementStatus.ISSUED, AgreementStatus.ACCEPTED)


def day(value: date) -> str:
    """A date as people read it (2026年10月8日 in Chinese)."""
    return date_format(value, "DATE_FORMAT")


# --- Agreements --------------------------------------------------------------------------------


def resident_agreements(resident: Resident) -> QuerySet[Agreement]:
    """The resident's agreements, newest first (one query)."""
    return Agreement.objects.filter(resident=resident).order_by("-starts_on", "-id")


def agreement_for_resident(resident: Resident, pk: Any) -> Agreement | None:
    """One of the resident's own agreements, or None (another resident's id → 404)."""
    return resident_agreements(resident).filter(pk=pk).first()


def agreement_rows() -> QuerySet[Agreement]:
    """Agreements for staff lists and the API: resident and issuer joined (one query)."""
    return Agreement.objects.select_related("resident", "issued_by", "renews")


def live_agreement(resident: Resident, *, today: date) -> Agreement | None:
    """The agreement that matters today: the accepted one in force, else the next one issued or accepted,
    else the latest live one."""
    agreements = list(resident.agreements.filter(status__in=LIVE).order_by("starts_on"))
    in_force = [a for a in agreements if a.status == AgreementStatus.ACCEPTED and a.starts_on <= today <= a.ends_on]
    upcoming = [a for a in agreements if a.ends_on >= today]
    return (in_force or upcoming or agreements[-1:] or [None])[0]


@dataclass(frozen=True)
class AgreementCard:
    """The dashboard card "我的协议" (UI.md): what the agreement says and what to do next."""

    agreement: Agreement
    status_label: str
    ends_on: date
    days_left: int  # calendar days to the end date (0: ends today; negative: ended)
    working_days_left: int
    renewal_label: str  # "" when nothing to say yet
    action_label: str  # what the resident should do now, "" when nothing
    url: str


def agreement_card(resident: Resident, *, today: date | None = None) -> AgreementCard | None:
    """The card of the resident's current agreement, or None before one is issued.

    Two queries: the agreements (with the latest renewal request's status and any
    renewing agreement annotated) and the rulebook in force (reminder days).
    """
    from django.urls import reverse

    today = today or timezone.localdate()
    latest_request = RenewalRequest.objects.filter(agreement=OuterRef("pk")).order_by("-requested_at")
    agreements = list(
        resident.agreements.filter(status__in=(*LIVE, AgreementStatus.ENDED))
        .annotate(
            renewal_request_status=Subquery(latest_request.values("status")[:1]),
            renewed_by_number=Subquery(
                Agreement.objects.filter(renews=OuterRef("pk"), status__in=LIVE).values("number")[:1]
            ),
        )
        .order_by("-starts_on", "-id")
    )
    live = [a for a in agreements if a.status in LIVE]
    current = next(
        (a for a in reversed(live) if a.status == AgreementStatus.ACCEPTED and a.starts_on <= today <= a.ends_on),
        None,
    ) or (live[-1] if live else (agreements[0] if agreements else None))
    if current is None:
        return None
    rules = rulebook.in_force(on=today)
    renewal = ""
    if current.renewed_by_number:
        renewal = _("Renewed: agreement %(number)s follows") % {"number": current.renewed_by_number}
    elif current.renewal_request_status:
        renewal = _("Renewal request: %(status)s") % {
            "status": dict(RenewalRequest._meta.get_field("status").flatchoices)[current.renewal_request_status]
        }
    elif current.status == AgreementStatus.ACCEPTED and today >= renewal_reminder_date(
        current.ends_on, rules.term.renewal_reminder_days
    ):
        renewal = _("Ends within %(days)s days: request renewal or plan your exit (第三章第三条)") % {
            "days": rules.term.renewal_reminder_days
        }
    action = ""
    if current.status == AgreementStatus.ISSUED:
        action = _("Read and accept your agreement")
    elif resident.status == ResidentStatus.ONBOARDING:
        action = _("Pay the first fee and the deposit, then check in at the front desk")
    return AgreementCard(
        agreement=current,
        status_label=current.get_status_display(),
        ends_on=current.ends_on,
        days_left=(current.ends_on - today).days,
        working_days_left=workdays.working_days_left(current.ends_on, today=today),
        renewal_label=renewal,
        action_label=action,
        url=reverse("residents:agreement_detail", args=[current.pk]),
    )


# --- Check-in ------------------------------------------------------------------------------------


def check_in_problems(
    resident: Resident, *, today: date, choices: Mapping[str, Any] | None = None
) -> list[Problem]:
    """Everything that still blocks check-in (第三章第二条), each in Chinese naming what is missing.

    - an accepted agreement in force today (not merely issued; not starting later);
    - every owed invoice due on or before today settled (the first fee is due on the start day);
    - the deposit held at least the agreement's deposit;
    - what each registered check-in step needs (``residents.extensions``; the spaces app: a desk,
      the chosen one in use and free, or any free desk when none is chosen), given its choice
      from ``choices``.
    """
    problems: list[Problem] = []
    agreements = list(resident.agreements.filter(status__in=LIVE).order_by("starts_on"))
    accepted = [a for a in agreements if a.status == AgreementStatus.ACCEPTED]
    in_force = next((a for a in accepted if a.starts_on <= today <= a.ends_on), None)
    agreement = in_force
    if in_force is None:
        issued = next((a for a in agreements if a.status == AgreementStatus.ISSUED), None)
        later = next((a for a in accepted if a.starts_on > today), None)
        if later is not None:
            agreement = later
            problems.append(Problem("agreement", _("agreement %(number)s starts on %(date)s; check-in is possible from that day")
                                    % {"number": later.number, "date": day(later.starts_on)}))
        elif issued is not None:
            agreement = issued
            problems.append(Problem("agreement", _("agreement %(number)s has not been accepted by the resident yet")
                                    % {"number": issued.number}))
        else:
            problems.append(Problem("agreement", _("no agreement has been issued")))
    unpaid = list(unpaid_due_by(resident, today))
    if unpaid:
        problems.append(Problem("invoices", _("unpaid invoices: %(list)s") % {"list": "、".join(
            _("%(number)s (%(balance)s due %(date)s)")
            % {"number": i.number, "balance": format_yuan(i.balance), "date": day(i.due_on)}
            for i in unpaid
        )}))
    if agreement is not None and agreement.deposit_amount > 0:
        held = deposit_held(resident)
        if held < agreement.deposit_amount:
            problems.append(Problem("deposit", _("deposit short by %(short)s (held %(held)s of %(expected)s)") % {
                "short": format_yuan(agreement.deposit_amount - held), "held": format_yuan(held),
                "expected": format_yuan(agreement.deposit_amount),
            }))
    choices = choices or {}
    for step in check_in_steps():
        problems.extend(step.problems(resident, today=today, choice=choices.get(step.choice)))
    return problems


# --- Orientation (岗前告知): the rules in force in plain Chinese ------------------------------------


@dataclass(frozen=True)
class Line:
    label: str
    text: str


@dataclass(frozen=True)
class PenaltyKindSummary:
    code: str
    name: str
    category: str
    automatic: bool
    steps: list[Line]


@dataclass(frozen=True)
class Section:
    title: str
    article: str
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class OrientationSummary:
    version: int
    effective_from: date | None
    deadlines: Section
    penalties: list[PenaltyKindSummary]
    penalty_notes: list[str]
    scoring: Section
    elimination: Section
    rewards: Section


def _code_order(code: str) -> tuple[int, str]:
    """Natural order of kind codes (1a, 1b, …, 7, 8): the database's JSON does not keep key order."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits else 0, code)


def _listed_order(key: str, listed: dict[str, Any]) -> int:
    keys = list(listed)
    return keys.index(key) if key in keys else len(keys)


def _n(value: Decimal | int) -> str:
    """A number without trailing zeros (80, 7.5)."""
    text = format(Decimal(value).normalize(), "f")
    return text


def _scope(scope: str | None) -> str:
    return {
        "public_spaces": _("public spaces"),
        "public_resources": _("public resources"),
        "resources": _("community resources"),
        "community": _("the community"),
    }.get(scope or "", scope or "")


def measure_text(measure: Any, rules: Any) -> str:
    """One measure of the penalty table in plain Chinese (警告 / 罚款 ¥300.00 / 暂停资源使用权限 7 天 …)."""
    kind = measure.type
    if kind == "fine":
        if measure.amount is not None:
            return _("fine of %(amount)s") % {"amount": format_yuan(measure.amount)}
        return _("fine of %(min)s to %(max)s") % {"min": format_yuan(measure.amount_min), "max": format_yuan(measure.amount_max)}
    if kind == "suspension":
        if measure.until_paid:
            return _("use of %(scope)s suspended until paid") % {"scope": _scope(measure.scope)}
        if measure.days:
            return _("use of %(scope)s suspended for %(days)s days") % {"scope": _scope(measure.scope), "days": measure.days}
        return _("use of %(scope)s suspended") % {"scope": _scope(measure.scope)}
    if kind == "forced_exit":
        years = getattr(rules.bans, f"{measure.ban or 'forced_exit'}_years")
        return _("forced exit (no new application for %(years)s years)") % {"years": years}
    labels = {
        "warning": _("a warning"),
        "apology": _("an apology"),
        "rectification": _("rectification ordered"),
        "compensation": _("compensation of the damage"),
        "deposit_forfeiture": _("deposit forfeited"),
        "confiscation": _("gains confiscated"),
        "eviction": _("ordered to leave at once"),
        "report_authorities": _("reported to the authorities"),
        "legal_liability": _("legal liability pursued"),
        "visitor_removal": _("the visitor is warned and sent away"),
    }
    return labels.get(kind, kind)


def _count_label(low: int, high: int | None) -> str:
    if high is None:
        return _("time %(n)s and after") % {"n": low}
    if high == low:
        return _("time %(n)s") % {"n": low}
    return _("times %(low)s to %(high)s") % {"low": low, "high": high}


def _measured_label(basis: str, low: tuple[Decimal, bool] | None, high: tuple[Decimal, bool] | None) -> str:
    """A range of a measured value (days after grace, days overdue, damage value) in words.

    ``low``/``high`` are (bound, inclusive). Day counts are whole numbers, so ">7" reads "8 天及以上"
    only when that is clearer; the regulation's own wording ("超过 7 天") is kept for open ranges.
    """
    is_days = basis in ("days_after_grace", "days_overdue")

    def value(number: Decimal) -> str:
        return _("%(n)s days") % {"n": _n(number)} if is_days else format_yuan(number)

    if is_days and low is not None and high is not None:
        lo = low[0] if low[1] else low[0] + 1
        hi = high[0] if high[1] else high[0] - 1
        text = value(lo) if lo == hi else _("%(low)s to %(high)s") % {"low": _n(lo), "high": value(hi)}
    elif low is not None and high is None:
        text = (_("%(value)s or more") if low[1] else _("more than %(value)s")) % {"value": value(low[0])}
    elif low is None and high is not None:
        text = (_("up to %(value)s") if high[1] else _("less than %(value)s")) % {"value": value(high[0])}
    elif low is not None and high is not None:
        text = _("%(low)s to %(high)s") % {"low": value(low[0]), "high": value(high[0])}
    else:
        return ""
    prefix = {
        "days_after_grace": _("overdue after the grace period: %(range)s"),
        "days_overdue": _("overdue: %(range)s"),
        "damage_value": _("damage value: %(range)s"),
    }.get(basis, "%(range)s")
    return prefix % {"range": text}


def _flag_label(flag: str) -> str:
    return {
        "serious": _("if serious"),
        "loss": _("if it caused a loss"),
        "not_rectified": _("if not rectified"),
    }.get(flag, flag)


def penalty_ladder(kind: Any, rules: Any) -> list[Line]:
    """A kind's steps in reading order: the base case first, then rising counts or measures, then
    flagged cases, then add-ons ("另加"). Each line: (condition, measures)."""
    steps = list(kind.steps)
    plain = [s for s in steps if not s.also and s.when.flag is None]
    flagged = [s for s in steps if not s.also and s.when.flag is not None]
    extras = [s for s in steps if s.also]

    def measures(step: Any) -> str:
        texts = [measure_text(m, rules) for m in step.measures]
        if step.choose_one:
            return _("one of: %(list)s") % {"list": _(" or ").join(texts)}
        return "、".join(texts)

    lines: list[Line] = []
    # plain steps are listed highest first in the data; the one above bounds each step.
    for position in range(len(plain) - 1, -1, -1):
        step, above = plain[position], plain[position - 1] if position > 0 else None
        when = step.when
        if kind.basis == "count":
            low = when.count_min or 1
            high = (above.when.count_min - 1) if above is not None and above.when.count_min else None
            label = _count_label(low, high) if (len(plain) > 1 or low > 1) else ""
        elif kind.basis in ("days_after_grace", "days_overdue", "damage_value"):
            low = ((when.measure_at_least, True) if when.measure_at_least is not None
                   else (when.measure_above, False) if when.measure_above is not None else None)
            high = None
            if above is not None:
                high = ((above.when.measure_at_least, False) if above.when.measure_at_least is not None
                        else (above.when.measure_above, True) if above.when.measure_above is not None else None)
            label = _measured_label(kind.basis, low, high)
        else:
            label = ""
        lines.append(Line(label, measures(step)))
    for step in reversed(flagged):  # listed most serious first in the data; read from the mildest
        lines.append(Line(_flag_label(step.when.flag), measures(step)))
    for step in extras:
        label = _flag_label(step.when.flag) if step.when.flag else ""
        lines.append(Line(label, _("in addition: %(measures)s") % {"measures": measures(step)}))
    return lines


def _bands(dimension: Any, *, unit: str) -> list[Line]:
    """Scoring bands (§7) from the highest: "高于 80%：10 分" … "低于 60%：0 分"."""
    lines = []
    bands: Sequence[Any] = dimension.bands
    counting = unit == "count"

    def value(number: Decimal) -> str:
        return _("%(n)s times") % {"n": _n(number)} if counting else f"{_n(number)}%"

    for position, band in enumerate(bands):
        above = bands[position - 1] if position > 0 else None
        if band.min is None:
            label = _("below %(value)s") % {"value": value(above.min)} if above is not None else _("any")
            if above is not None and not above.min_inclusive:
                label = _("%(value)s or less") % {"value": value(above.min)}
            elif counting and above is not None and above.min == 1:
                label = _("none")
        elif above is None:
            label = (_("%(value)s or more") if band.min_inclusive else _("above %(value)s")) % {"value": value(band.min)}
        elif counting and band.min_inclusive and above.min_inclusive and above.min == band.min + 1:
            label = value(band.min)
        else:
            low = (_("from %(value)s (inclusive)") if band.min_inclusive else _("above %(value)s")) % {"value": value(band.min)}
            high = (_("up to %(value)s (exclusive)") if above.min_inclusive else _("up to %(value)s (inclusive)")) % {"value": value(above.min)}
            label = _("%(low)s, %(high)s") % {"low": low, "high": high}
        lines.append(Line(label, _("%(points)s points") % {"points": band.points}))
    return lines


def orientation_summary(rules: Any | None = None) -> OrientationSummary:
    """The rules in force (or ``rules``) in plain Chinese for the orientation page (岗前告知).

    Everything comes from the rulebook data; change the data and the page follows.
    """
    rules = rules or rulebook.in_force()
    term, deadlines, bans = rules.term, rules.deadlines, rules.bans
    deadline_lines = [
        Line(_("Term of an agreement"), _("%(months)s months (第三章第三条)") % {"months": term.agreement_months}),
        Line(_("Renewal reminder"), _("%(days)s days before the agreement ends; renewal needs no violation, fees paid on time, cooperation and a project that still fits (第三章第三条)") % {"days": term.renewal_reminder_days}),
        Line(_("Grace period after expiry"), _("%(days)s days to clear out; staying longer is an overdue exit (第三章第三条)") % {"days": term.grace_days}),
        Line(_("Voluntary exit"), _("a written request at least %(days)s days ahead (第三章第四条)") % {"days": term.voluntary_exit_notice_days}),
        Line(_("Forced exit"), _("deposit forfeited and no new application for %(years)s years (第三章第四条)") % {"years": bans.forced_exit_years}),
        Line(_("Complaints and requests"), _("answered within %(respond)s working days, a solution within %(solve)s working days (第四章第四条)") % {"respond": deadlines.complaint_response_working_days, "solve": deadlines.complaint_solution_working_days}),
        Line(_("Publication of decisions"), _("%(days)s working days on the notice board; objections and appeals within that window (第八章)") % {"days": deadlines.publication_window_working_days}),
        Line(_("Review of a penalty"), _("answered within %(days)s working days (第八章第二条)") % {"days": deadlines.appeal_answer_working_days}),
        Line(_("Rectification"), _("within %(days)s days of a rectification notice unless it sets another deadline") % {"days": rules.violations.rectification_default_days}),
        Line(_("Archive"), _("kept at least %(years)s years after exit (第三章第五条)") % {"years": term.archive_retention_years}),
    ]
    penalties = [
        PenaltyKindSummary(code=code, name=kind.name, category=kind.category, automatic=kind.automatic,
                           steps=penalty_ladder(kind, rules))
        for code, kind in sorted(rules.violations.kinds.items(), key=lambda item: _code_order(item[0]))
    ]
    notes = [
        _("Repeat counts are of the same kind within %(days)s days, this one included (第八章第二条).") % {"days": rules.violations.lookback_days},
        _("Every penalty follows a rectification notice (《违规整改通知书》), is published, and may be reviewed on request (第八章第二条)."),
    ]
    scoring = rules.scoring
    award_labels = {
        "national": _("national award"),
        "provincial": _("provincial award"),
        "industry_provincial": _("provincial-level industry award"),
        "municipal": _("municipal award"),
        "industry_municipal": _("municipal-level industry award"),
    }
    scoring_lines = [
        Line(_("Participation (%(max)s points)") % {"max": scoring.participation.max_points},
             "；".join(f"{line.label}：{line.text}" for line in _bands(scoring.participation, unit="%"))),
        Line(_("Project completion (%(max)s points)") % {"max": scoring.completion.max_points},
             "；".join(f"{line.label}：{line.text}" for line in _bands(scoring.completion, unit="%"))),
        Line(_("Revenue (%(max)s points)") % {"max": scoring.revenue.max_points},
             "；".join(f"{line.label}：{line.text}" for line in _bands(scoring.revenue, unit="%"))),
        Line(_("Awards and honours (%(max)s points, the highest counts)") % {"max": scoring.awards.max_points},
             "；".join(_("%(level)s: %(points)s points") % {"level": award_labels.get(level, level), "points": points}
                      for level, points in sorted(scoring.awards.levels.items(),
                                                  key=lambda item: _listed_order(item[0], award_labels)))),
        Line(_("Team and technical contributions (%(max)s points)") % {"max": scoring.contributions.max_points},
             "；".join(f"{line.label}：{line.text}" for line in _bands(scoring.contributions, unit="count"))),
    ]
    elimination = rules.elimination
    elimination_lines = [
        Line(_("Below the floor"), _("a total below %(floor)s points: eliminated") % {"floor": _n(elimination.hard_floor)}),
        Line(_("Bottom group"), _("a total of %(floor)s or more but in the bottom %(ratio)s%%: eliminated") % {
            "floor": _n(elimination.hard_floor), "ratio": _n(elimination.bottom_ratio * 100)}),
        Line(_("Warning list"), _("%(warn)s quarters in a row below %(threshold)s points: warning list; %(out)s quarters in a row: eliminated") % {
            "warn": elimination.warning_after_quarters, "threshold": _n(elimination.warning_threshold),
            "out": elimination.eliminate_after_quarters}),
    ]
    rewards = rules.rewards
    excellence = rewards.compliance_excellence
    reward_lines = [
        Line(_("Compliance excellence"), _("checked in at least %(months)s months without a violation and at least %(services)s volunteer services in the year: %(credits)s free roadshow-hall bookings (up to %(hours)s hours each) or a compute-voucher subsidy of %(subsidy)s, your choice") % {
            "months": excellence.min_months_checked_in, "services": excellence.min_volunteer_services,
            "credits": excellence.roadshow_credits, "hours": excellence.roadshow_credit_max_hours,
            "subsidy": format_yuan(excellence.voucher_subsidy)}),
        *[
            Line(_("Innovation: municipal award") if level == "municipal" else _("Innovation: provincial award or higher"),
                 _("cash of %(min)s to %(max)s") % {"min": format_yuan(band.min), "max": format_yuan(band.max)})
            for level, band in sorted(rewards.innovation.items(), key=lambda item: item[1].min)
        ],
        Line(_("Other contributions"), _("cash of %(min)s to %(max)s or resource support") % {
            "min": format_yuan(rewards.other_contribution.min), "max": format_yuan(rewards.other_contribution.max)}),
        Line(_("Process"), _("published for %(days)s working days; without objection granted within %(grant)s working days; rewards add up") % {
            "days": deadlines.publication_window_working_days, "grant": deadlines.reward_grant_working_days}),
    ]
    return OrientationSummary(
        version=rules.version,
        effective_from=rules.effective_from,
        deadlines=Section(_("Key deadlines"), "第三章", deadline_lines),
        penalties=penalties,
        penalty_notes=notes,
        scoring=Section(_("Quarterly scoring"), "第六章第一条", scoring_lines),
        elimination=Section(_("Elimination"), "第六章第二条", elimination_lines),
        rewards=Section(_("Rewards"), "第八章第一条", reward_lines),
    )


def acknowledgement_of(resident: Resident, *, version: int) -> Any:
    """The resident's acknowledgement of a rulebook version, or None."""
    return resident.acknowledgements.filter(rulebook_version=version).first()
