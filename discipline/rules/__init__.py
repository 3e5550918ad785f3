"""The penalty table (第八章第二条; RULEBOOK §9) as a pure function of the facts and the rulebook;
what each suspension scope covers; the renewal conditions this app judges (RULEBOOK §4.3).

``decide(facts, violations)`` walks the ladder of the violation's kind: the
first matching step applies, and every matching ``also`` step adds to it
("情节严重…", "整改不到位…" on top of the base penalty: an escalation never drops
the base measures, RULEBOOK §9 decisions added 2026-12; the schema refuses an
escalation that is not an ``also`` step).

``same_kind_count(case, others, lookback_days)`` is the "count" of a case: the
counting cases of its kind dated within the look-back window up to and including
its own date, whatever the order in which they were decided.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from opc_community.rulebook.schema import Bans, Condition, Measure, ViolationKind, Violations
from residents.guards import Action

FLAGS = frozenset({"serious", "loss", "not_rectified"})


@dataclass(frozen=True)
class Facts:
    kind: str
    count: int = 1
    measure: Decimal | None = None  # days overdue / days after grace / damage value, by the kind's basis
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Outcome:
    kind: str
    measures: tuple[Measure, ...]
    # Kind 8: staff pick one of the first ``alternatives`` measures; the rest (escalations) always apply.
    alternatives: int = 0

    @property
    def is_none(self) -> bool:
        return not self.measures

    @property
    def choose_one(self) -> bool:
        return self.alternatives > 0


#: Statuses of a case that count for the same-kind count (RULEBOOK §9, decisions added 2026-12): a case
#: counts once verified — never while only found, nor once dismissed or annulled (withdrawn on appeal
#: or objection). Plain strings mirroring ``discipline.models.CaseStatus`` (this module has no ORM).
COUNTING_CASE_STATUSES = frozenset(
    {"verified", "notice_issued", "rectified", "not_rectified", "decided", "published", "confirmed"}
)


@dataclass(frozen=True)
class CaseOnRecord:
    """A violation case as counting sees it."""

    kind: str
    occurred_on: date  # the day it happened, not the day it was verified or decided
    status: str


def rectification_deadline(issued_on: date, violations: Violations) -> date:
    """The deadline a rectification notice sets unless staff choose another: the issue day plus the rulebook's
    ``rectification_default_days`` calendar days (第八章第二条 整改期限; the rulebook in force on the violation's day)."""
    return issued_on + timedelta(days=violations.rectification_default_days)


def count_in_window(event_day: date, earlier_days: Iterable[date], lookback_days: int) -> int:
    """Same-kind count incl. this one: other violations dated *later than* event − lookback and not after
    the event count (one exactly 365 days earlier no longer does; RULEBOOK §9 decision)."""
    start = event_day - timedelta(days=lookback_days)
    return 1 + sum(1 for day in earlier_days if start < day <= event_day)


def same_kind_count(case: CaseOnRecord, others: Iterable[CaseOnRecord], lookback_days: int) -> int:
    """The count of ``case`` (第八章第二条 "第 N 次"): itself plus the other COUNTING cases of its kind dated
    within ``lookback_days`` up to and including its own date — whatever the order in which they were
    verified or decided, so a case dated 09-05 counts one dated 09-01 that is verified but not yet decided,
    and the 09-01 case never counts the later one. ``others`` must not contain ``case`` itself."""
    return count_in_window(
        case.occurred_on,
        [other.occurred_on for other in others if other.kind == case.kind and other.status in COUNTING_CASE_STATUSES],
        lookback_days,
    )


def _matches(condition: Condition, facts: Facts) -> bool:
    if condition.count_min is not None and facts.count < condition.count_min:
        return False
    if condition.count_max is not None and facts.count > condition.count_max:
        return False
    bounds = (condition.measure_at_least, condition.measure_above, condition.measure_at_most)
    if any(bound is not None for bound in bounds):
        value = facts.measure
        if value is None:
            return False
        if condition.measure_at_least is not None and value < condition.measure_at_least:
            return False
        if condition.measure_above is not None and value <= condition.measure_above:
            return False
        if condition.measure_at_most is not None and value > condition.measure_at_most:
            return False
    return condition.flag is None or condition.flag in facts.flags


def decide(facts: Facts, violations: Violations) -> Outcome:
    """The measures the rulebook prescribes for these facts (empty when nothing applies, e.g. 0 days)."""
    kind: ViolationKind = violations.kinds[facts.kind]
    unknown = facts.flags - FLAGS
    if unknown:
        raise ValueError(f"unknown flags: {sorted(unknown)}")
    base = next((step for step in kind.steps if not step.also and _matches(step.when, facts)), None)
    extras = [step for step in kind.steps if step.also and _matches(step.when, facts)]
    if base is None:
        return Outcome(facts.kind, ())
    measures = base.measures + tuple(m for step in extras for m in step.measures)
    return Outcome(facts.kind, measures, len(base.measures) if base.choose_one else 0)


def fine_allowed(measure: Measure, amount: Decimal) -> bool:
    """Staff pick fines within the range; a fixed fine must be exactly its amount (RULEBOOK §9)."""
    if measure.amount is not None:
        return amount == measure.amount
    if measure.amount_min is None or measure.amount_max is None:
        return False
    return measure.amount_min <= amount <= measure.amount_max


def ban_years(measure: Measure, bans: Bans) -> int:
    """Years of the re-application ban a forced exit carries (RULEBOOK §4.6)."""
    return {
        None: bans.forced_exit_years,
        "forced_exit": bans.forced_exit_years,
        "subletting": bans.subletting_years,
        "subsidy_fraud": bans.subsidy_fraud_years,
    }[measure.ban]


#: The kinds whose measures the penalty table orders "立即" (at once): 1a 擅自入驻 (责令立即退出),
#: 4b 传销、侵权盗版 and 6c 网络违规 (立即清退). The administrator may impose an interim community suspension
#: on them before the decision takes effect (RULEBOOK §9, decisions added 2026-12).
IMMEDIATE_KINDS = frozenset({"1a", "4b", "6c"})


def is_immediate(kind: str) -> bool:
    """Whether a case of ``kind`` may carry an interim community suspension."""
    return kind in IMMEDIATE_KINDS


# --- Suspension scopes (RULEBOOK §9, decisions added 2026-12) ----------------------------------------

_PUBLIC_SPACES = frozenset({Action.BOOK_ROOM, Action.APPLY_PERMIT})
_PUBLIC_RESOURCES = frozenset({Action.BORROW_EQUIPMENT, Action.USE_FACILITY})
_RESOURCES = frozenset({
    Action.APPLY_VOUCHER, Action.USE_VOUCHER, Action.BORROW_EQUIPMENT, Action.POST_SHARING,
    Action.JOIN_SCENARIO, Action.REQUEST_POLICY, Action.REQUEST_SERVICE,
})

#: What each suspension scope covers: *public spaces* = room bookings and event/promotion permits;
#: *public resources* = lending of equipment and public facilities; *resources* = vouchers (applying
#: and using), equipment lending, the sharing board, scenario matchmaking, policy and service
#: requests; *community* = everything above plus activity registration, visitors and desk changes.
SUSPENDED_ACTIONS: dict[str, frozenset[Action]] = {
    "public_spaces": _PUBLIC_SPACES,
    "public_resources": _PUBLIC_RESOURCES,
    "resources": _RESOURCES,
    "community": _PUBLIC_SPACES | _PUBLIC_RESOURCES | _RESOURCES
    | {Action.REGISTER_ACTIVITY, Action.INVITE_VISITOR, Action.REQUEST_DESK_CHANGE},
}


def scopes_covering(action: Action) -> frozenset[str]:
    """The suspension scopes that stop ``action`` (the community scope stops every action)."""
    return frozenset(scope for scope, actions in SUSPENDED_ACTIONS.items() if action in actions)


# --- Renewal conditions (第三章第三条; RULEBOOK §4.3) ---------------------------------------------------


def no_penalty_this_term(penalties_on_record: int) -> bool:
    """No violation on record: no confirmed penalty this term (warnings count; one annulled on appeal
    does not — the count passed in is of penalties on record, RULEBOOK §4.3 decision)."""
    return penalties_on_record == 0


def cooperating(unresolved_notices: int) -> bool:
    """Cooperation: no 《违规整改通知书》 left unresolved."""
    return unresolved_notices == 0
