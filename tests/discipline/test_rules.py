"""第八章第二条: every ladder of the penalty table, from the rulebook data — conformance cases and our own."""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from discipline.models import SuspensionScope
from discipline.rules import (
    COUNTING_CASE_STATUSES,
    SUSPENDED_ACTIONS,
    CaseOnRecord,
    Facts,
    ban_years,
    cooperating,
    count_in_window,
    decide,
    fine_allowed,
    no_penalty_this_term,
    same_kind_count,
    scopes_covering,
)
from opc_community.rulebook.validation import parse_body
from residents.guards import Action
from tests.spec import case_id, cases

RULES = parse_body(
    json.loads((Path(__file__).resolve().parents[2] / "opc_community/rulebook/seed/v1.json").read_text("utf-8"))
)
V = RULES.violations


def sig(facts: Facts) -> str:
    """The outcome as a short string: measures joined by '+' (fine 50, fine 100-300, suspension resources 7…)."""
    parts = []
    for m in decide(facts, V).measures:
        if m.type == "fine":
            parts.append(f"fine {m.amount}" if m.amount is not None else f"fine {m.amount_min}-{m.amount_max}")
        elif m.type == "suspension":
            parts.append(f"suspension {m.scope} {'until_paid' if m.until_paid else m.days or 'staff'}")
        elif m.type == "forced_exit":
            parts.append(f"forced_exit {ban_years(m, RULES.bans)}y")
        else:
            parts.append(m.type)
    return " + ".join(parts) or "none"


CONFORMANCE_OUTCOMES = {
    "warning": "warning",
    "fine 50": "fine 50",
    "fine 100": "fine 100",
    "fine 200": "fine 200",
    "forced exit": "forced_exit 3y",
    "warning + resources suspended 3 days": "warning + suspension resources 3",
    "fine 100-300 (staff choose) + resources suspended 7 days": "fine 100-300 + suspension resources 7",
}


@pytest.mark.parametrize("case", cases("escalation"), ids=lambda c: f"{c['kind']}-{c['prior_same_kind_in_365_days']}")
def test_conformance_escalation(case):
    code = case["kind"].split()[0]
    event = date(2026, 11, 1)
    earlier = [event - timedelta(days=30 * (i + 1)) for i in range(case["prior_same_kind_in_365_days"])]
    if "400 days ago" in case.get("note", ""):
        earlier.append(event - timedelta(days=400))
    count = count_in_window(event, earlier, V.lookback_days)
    assert sig(Facts(code, count=count)) == CONFORMANCE_OUTCOMES[case["outcome"]]


FEES = {
    "none": "none", "warning": "warning", "fine_100": "fine 100",
    "suspend_resources": "suspension resources until_paid", "forced_exit": "forced_exit 3y + deposit_forfeiture",
}


@pytest.mark.parametrize("case", cases("overdue_fees"), ids=lambda c: str(c["days_overdue"]))
def test_conformance_overdue_fees(case):
    assert sig(Facts("7", measure=Decimal(case["days_overdue"]))) == FEES[case["outcome"]]


EXIT = {
    "none": "none", "warning": "warning", "fine_300": "fine 300",
    "forced_exit_fine_1000": "forced_exit 3y + deposit_forfeiture + fine 1000",
}


@pytest.mark.parametrize("case", cases("overdue_exit"), ids=lambda c: str(c["days_after_grace"]))
def test_conformance_overdue_exit(case):
    assert sig(Facts("1b", measure=Decimal(case["days_after_grace"]))) == EXIT[case["outcome"]]


# Our own table: every row of §9, every rung, every boundary.
LADDERS = [
    # (kind, count, measure, flags, expected)
    ("1a", 1, None, (), "eviction + deposit_forfeiture + fine 500"),
    ("1b", 1, 0, (), "none"), ("1b", 1, 1, (), "warning"), ("1b", 1, 3, (), "warning"),
    ("1b", 1, 4, (), "fine 300"), ("1b", 1, 7, (), "fine 300"),
    ("1b", 1, 8, (), "forced_exit 3y + deposit_forfeiture + fine 1000"),
    ("1c", 1, None, (), "warning + rectification"),
    ("1c", 1, None, ("not_rectified",), "warning + rectification + forced_exit 1y + deposit_forfeiture + fine 800"),
    ("2a", 1, 500, (), "compensation + warning"),
    ("2a", 1, Decimal("500.01"), (), "compensation + fine 200-500"),
    ("2a", 1, 300, ("serious",), "compensation + warning + suspension public_spaces 7"),
    ("2a", 1, 900, ("serious",), "compensation + fine 200-500 + suspension public_spaces 7"),
    ("2b", 1, None, (), "warning"), ("2b", 2, None, (), "fine 50"),
    ("2b", 3, None, (), "fine 100"), ("2b", 6, None, (), "fine 100"),
    ("2c", 1, None, (), "warning + rectification"), ("2c", 2, None, (), "fine 200"),
    ("2c", 3, None, (), "forced_exit 3y"),
    ("3a", 1, None, (), "warning + suspension resources 3"),
    ("3a", 2, None, (), "fine 100-300 + suspension resources 7"), ("3a", 3, None, (), "forced_exit 3y"),
    ("3b", 1, None, (), "confiscation + fine 500-2000 + forced_exit 3y"),
    ("3b", 1, None, ("serious",), "confiscation + fine 500-2000 + forced_exit 3y + report_authorities"),
    ("3c", 1, None, (), "compensation + warning"),
    ("3c", 1, None, ("not_rectified",), "compensation + warning + suspension public_resources 7"),
    ("3c", 2, None, ("not_rectified",), "compensation + warning + suspension public_resources 7"),
    ("4a", 1, None, (), "warning + rectification"),
    ("4a", 1, None, ("not_rectified",), "warning + rectification + fine 300-500"),
    ("4a", 2, None, (), "forced_exit 3y"),
    ("4a", 2, None, ("not_rectified",), "forced_exit 3y"),  # the fine escalates the 1st rung only
    ("4b", 1, None, (), "forced_exit 3y + deposit_forfeiture + report_authorities + legal_liability"),
    ("4c", 1, None, (), "warning + rectification + fine 100-200"),
    ("4c", 1, None, ("serious",), "warning + rectification + fine 100-200 + suspension community 3"),
    ("5a", 1, None, (), "warning + apology"),
    ("5a", 1, None, ("loss",), "compensation + fine 500-1000"),
    ("5a", 1, None, ("serious",), "warning + apology + forced_exit 3y"),
    ("5a", 1, None, ("loss", "serious"), "compensation + fine 500-1000 + forced_exit 3y"),
    ("5b", 1, None, (), "warning + apology"), ("5b", 2, None, (), "fine 200"), ("5b", 3, None, (), "forced_exit 3y"),
    ("5c", 1, None, (), "visitor_removal + warning"), ("5c", 2, None, (), "visitor_removal + fine 50"),
    ("5c", 5, None, (), "visitor_removal + fine 50"),
    ("6a", 1, None, (), "warning + rectification + fine 200-500"),
    ("6b", 1, None, (), "forced_exit 3y + compensation + legal_liability"),
    ("6c", 1, None, (), "forced_exit 3y + report_authorities + legal_liability"),
    ("7", 1, 0, (), "none"), ("7", 1, 7, (), "warning"), ("7", 1, 8, (), "fine 100"),
    ("7", 1, 15, (), "fine 100"), ("7", 1, 16, (), "suspension resources until_paid"),
    ("7", 1, 30, (), "suspension resources until_paid"), ("7", 1, 31, (), "forced_exit 3y + deposit_forfeiture"),
    ("8", 1, None, (), "warning + fine 50-200 + suspension resources staff"),
    ("8", 1, None, ("serious",), "warning + fine 50-200 + suspension resources staff + forced_exit 3y"),
]


@pytest.mark.parametrize(("kind", "count", "measure", "flags", "expected"), LADDERS,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}-{'+'.join(r[3])}" for r in LADDERS])
def test_every_rung_of_the_penalty_table(kind, count, measure, flags, expected):
    facts = Facts(kind, count=count, measure=None if measure is None else Decimal(measure), flags=frozenset(flags))
    assert sig(facts) == expected


def test_every_kind_of_the_table_is_covered():
    assert {row[0] for row in LADDERS} == set(V.kinds)


def test_kind_8_lets_staff_choose_one_measure_and_serious_adds_the_forced_exit():
    assert decide(Facts("8"), V).alternatives == 3
    serious = decide(Facts("8", flags=frozenset({"serious"})), V)
    assert serious.alternatives == 3 and serious.measures[3].type == "forced_exit"
    assert decide(Facts("2b"), V).choose_one is False


# RULEBOOK §9, decisions added 2026-12: an escalation never drops the base measures.
ESCALATIONS = [
    # (kind, measure, flags of the escalation)
    ("1c", None, ("not_rectified",)), ("2a", 300, ("serious",)), ("2a", 900, ("serious",)),
    ("3b", None, ("serious",)), ("3c", None, ("not_rectified",)), ("4a", None, ("not_rectified",)),
    ("4c", None, ("serious",)), ("5a", None, ("serious",)), ("5a", None, ("loss", "serious")),
    ("8", None, ("serious",)),
]


@pytest.mark.parametrize(("kind", "measure", "flags"), ESCALATIONS, ids=[f"{r[0]}-{'+'.join(r[2])}" for r in ESCALATIONS])
def test_an_escalation_keeps_the_base_measures(kind, measure, flags):
    amount = None if measure is None else Decimal(measure)
    base = decide(Facts(kind, measure=amount, flags=frozenset(flags) - {"serious", "not_rectified"}), V)
    escalated = decide(Facts(kind, measure=amount, flags=frozenset(flags)), V)
    assert escalated.measures[: len(base.measures)] == base.measures
    assert len(escalated.measures) > len(base.measures)


def test_every_escalation_of_the_table_is_checked():
    escalating = {code for code, kind in V.kinds.items() for step in kind.steps
                  if step.when.flag in ("serious", "not_rectified")}
    assert escalating == {row[0] for row in ESCALATIONS}


MEASURE_TEXT = {"compensation": "compensation", "warning": "warning",
                "suspension public_resources 7 days": "suspension public_resources 7"}


@pytest.mark.parametrize("case", [c for c in cases("discipline_decisions") if "rectified" in c], ids=case_id)
def test_conformance_escalation_keeps_the_base(case):
    flags = frozenset() if case["rectified"] else frozenset({"not_rectified"})
    assert sig(Facts(case["kind"], flags=flags)) == " + ".join(MEASURE_TEXT[m] for m in case["measures"])


@pytest.mark.parametrize(
    ("days_ago", "counts"),
    [(364, 2), (365, 1), (366, 1), (0, 2), (-1, 1)],  # exactly 365 days earlier no longer counts; later ones never
)
def test_count_in_the_rolling_window(days_ago, counts):
    event = date(2026, 11, 1)
    assert count_in_window(event, [event - timedelta(days=days_ago)], 365) == counts


# RULEBOOK §9, decisions added 2026-12: counting cases by violation date, whatever the order of decision.
EVENT = date(2026, 11, 1)
COUNTING = ["verified", "notice_issued", "rectified", "not_rectified", "decided", "published", "confirmed"]
COUNTS = [
    # (others as (kind, days before the event, status), expected count)
    ([], 1),
    ([("2b", 364, "verified")], 2),
    ([("2b", 365, "confirmed")], 1),  # exactly 365 days earlier no longer counts
    ([("2b", 366, "confirmed")], 1),
    ([("2b", 0, "verified")], 2),  # the same date counts
    ([("2b", -1, "confirmed")], 1),  # a later-dated case never counts for an earlier one
    ([("2b", 10, "found")], 1),  # not verified yet
    ([("2b", 10, "dismissed")], 1),
    ([("2b", 10, "annulled")], 1),  # withdrawn on appeal or objection
    ([("2c", 10, "confirmed"), ("5b", 1, "verified")], 1),  # other kinds
    *[([("2b", 30, status)], 2) for status in COUNTING],
    ([("2b", 300, "confirmed"), ("2b", 30, "verified"), ("2b", 30, "dismissed"), ("2b", 400, "confirmed")], 3),
]


@pytest.mark.parametrize(("others", "expected"), COUNTS,
                         ids=["+".join(f"{k}-{d}d-{s}" for k, d, s in row[0]) or "alone" for row in COUNTS])
def test_the_same_kind_count(others, expected):
    records = [CaseOnRecord(kind, EVENT - timedelta(days=days), status) for kind, days, status in others]
    assert same_kind_count(CaseOnRecord("2b", EVENT, "verified"), records, 365) == expected


def test_the_counting_statuses_are_verified_and_later_only():
    from discipline.models import CaseStatus

    assert set(COUNTING) == COUNTING_CASE_STATUSES
    assert set(CaseStatus.values) - {"found", "dismissed", "annulled"} == set(COUNTING)


OUTCOMES = {"warning": "warning", "fine 50": "fine 50"}


@pytest.mark.parametrize("case", [c for c in cases("discipline_decisions") if "cases" in c], ids=case_id)
def test_conformance_counting_by_violation_date_not_decision_order(case):
    """Each case is counted when it is decided, seeing the others as they stand then: those decided before
    it are decided, the others in the status the conformance case gives (verified by default)."""
    day = {c["id"]: date.fromisoformat(c["violation_date"]) for c in case["cases"]}
    status = {c["id"]: next((v for k, v in c.items() if k.startswith("status_when")), "verified")
              for c in case["cases"]}
    order = sorted(day, key=lambda i: not any(c["id"] == i and c.get("decided_first") for c in case["cases"]))
    for decided in order:
        others = [CaseOnRecord(case["kind"], day[i], status[i]) for i in day if i != decided]
        count = same_kind_count(CaseOnRecord(case["kind"], day[decided], "verified"), others, V.lookback_days)
        assert count == case["counts"][decided]
        assert sig(Facts(case["kind"], count=count)) == OUTCOMES[case["outcomes"][decided]]
        status[decided] = "decided"


@pytest.mark.parametrize(
    ("kind", "step", "amount", "allowed"),
    [("3a", 1, "100", True), ("3a", 1, "300", True), ("3a", 1, "99.99", False), ("3a", 1, "300.01", False),
     ("2b", 1, "50", True), ("2b", 1, "60", False)],
)
def test_fines_must_be_within_the_range(kind, step, amount, allowed):
    fine = next(m for m in V.kinds[kind].steps[step].measures if m.type == "fine")
    assert fine_allowed(fine, Decimal(amount)) is allowed


def test_unknown_flags_are_refused():
    with pytest.raises(ValueError):
        decide(Facts("2a", measure=Decimal(1), flags=frozenset({"angry"})), V)


# --- Suspension scopes (RULEBOOK §9, decisions added 2026-12) ------------------------------------------

PUBLIC_SPACES = {Action.BOOK_ROOM, Action.APPLY_PERMIT}
PUBLIC_RESOURCES = {Action.BORROW_EQUIPMENT, Action.USE_FACILITY}
RESOURCES = {Action.APPLY_VOUCHER, Action.USE_VOUCHER, Action.BORROW_EQUIPMENT, Action.POST_SHARING,
             Action.JOIN_SCENARIO, Action.REQUEST_POLICY, Action.REQUEST_SERVICE}
COMMUNITY_ONLY = {Action.REGISTER_ACTIVITY, Action.INVITE_VISITOR, Action.REQUEST_DESK_CHANGE}


@pytest.mark.parametrize(
    ("scope", "actions"),
    [
        ("public_spaces", PUBLIC_SPACES),
        ("public_resources", PUBLIC_RESOURCES),
        ("resources", RESOURCES),
        ("community", PUBLIC_SPACES | PUBLIC_RESOURCES | RESOURCES | COMMUNITY_ONLY),
    ],
)
def test_each_scope_covers_the_actions_the_decision_names(scope, actions):
    assert SUSPENDED_ACTIONS[scope] == actions


def test_every_scope_is_a_suspension_scope_and_the_community_covers_every_action():
    assert set(SUSPENDED_ACTIONS) == set(SuspensionScope.values)
    assert SUSPENDED_ACTIONS["community"] == set(Action)


@pytest.mark.parametrize(
    ("action", "scopes"),
    [
        (Action.BOOK_ROOM, {"public_spaces", "community"}),
        (Action.BORROW_EQUIPMENT, {"public_resources", "resources", "community"}),
        (Action.USE_VOUCHER, {"resources", "community"}),
        (Action.INVITE_VISITOR, {"community"}),
    ],
)
def test_scopes_covering_an_action(action, scopes):
    assert scopes_covering(action) == scopes


# --- Renewal conditions (RULEBOOK §4.3) ---------------------------------------------------------------


@pytest.mark.parametrize(("count", "met"), [(0, True), (1, False), (3, False)])
def test_no_violation_means_no_penalty_on_record_this_term(count, met):
    assert no_penalty_this_term(count) is met


@pytest.mark.parametrize(("count", "met"), [(0, True), (1, False)])
def test_cooperation_means_no_unresolved_rectification_notice(count, met):
    assert cooperating(count) is met
