"""The bands of the automatic ladders (第八章第二条 rows 7 and 1b), from the rulebook data — no database.

Which bands a run opens for an item N days into its ladder: the band reached, plus every earlier
band carrying a fine (a fine already due stays due when the job skipped days); warnings and the
"until paid" suspension are superseded by a heavier band reached at once.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation

from discipline.rules.ladders import (
    band_for,
    bands_to_open,
    ladder_bands,
    next_band,
    overdue_text,
    plan_exits,
    plan_fees,
)
from opc_community.rulebook.validation import parse_body
from tests.spec import cases

RULES = parse_body(
    json.loads((Path(__file__).resolve().parents[2] / "opc_community/rulebook/seed/v1.json").read_text("utf-8"))
)
V = RULES.violations
FEE_BANDS = ladder_bands("7", V)
EXIT_BANDS = ladder_bands("1b", V)


def types(band) -> str:
    return "+".join(m.type for m in band.outcome.measures) if band else "none"


def test_the_fee_ladder_has_the_four_bands_of_row_7():
    assert [(b.start, types(b)) for b in FEE_BANDS] == [
        (1, "warning"), (8, "fine"), (16, "suspension"), (31, "forced_exit+deposit_forfeiture"),
    ]
    assert FEE_BANDS[1].outcome.measures[0].amount == Decimal("100")
    assert FEE_BANDS[2].outcome.measures[0].until_paid is True


def test_the_exit_ladder_has_the_three_bands_of_row_1b():
    # "> 7" is read from the data as the first whole day 8.
    assert [(b.start, types(b)) for b in EXIT_BANDS] == [
        (1, "warning"), (4, "fine"), (8, "forced_exit+deposit_forfeiture+fine"),
    ]


FEE_OUTCOMES = {"none": "none", "warning": "warning", "fine_100": "fine", "suspend_resources": "suspension",
                "forced_exit": "forced_exit+deposit_forfeiture"}
EXIT_OUTCOMES = {"none": "none", "warning": "warning", "fine_300": "fine",
                 "forced_exit_fine_1000": "forced_exit+deposit_forfeiture+fine"}


@pytest.mark.parametrize("case", cases("overdue_fees"), ids=lambda c: str(c["days_overdue"]))
def test_conformance_overdue_fees_band(case):
    assert types(band_for(case["days_overdue"], FEE_BANDS)) == FEE_OUTCOMES[case["outcome"]]


@pytest.mark.parametrize("case", cases("overdue_exit"), ids=lambda c: str(c["days_after_grace"]))
def test_conformance_overdue_exit_band(case):
    assert types(band_for(case["days_after_grace"], EXIT_BANDS)) == EXIT_OUTCOMES[case["outcome"]]


@pytest.mark.parametrize(
    ("days", "opened"),
    [
        (0, []),
        (1, [1]),
        (7, [1]),
        (8, [8]),  # daily runs opened d1 on day 1; the fine band now
        (15, [8]),
        (16, [8, 16]),  # a catch-up from before day 8 still owes the fine
        (30, [8, 16]),
        (31, [8, 31]),  # the suspension is superseded by the forced exit; the fine stays due
        (400, [8, 31]),
    ],
)
def test_bands_to_open_for_overdue_fees(days, opened):
    assert [band.start for band in bands_to_open(days, FEE_BANDS)] == opened


@pytest.mark.parametrize(
    ("days", "opened"),
    [(0, []), (1, [1]), (3, [1]), (4, [4]), (7, [4]), (8, [4, 8]), (30, [4, 8])],
)
def test_bands_to_open_for_overdue_exit(days, opened):
    assert [band.start for band in bands_to_open(days, EXIT_BANDS)] == opened


def test_a_planned_case_happens_the_day_its_band_was_reached():
    invoice = SimpleNamespace(pk=42, due_on=date(2026, 10, 1), days_overdue=20, resident=SimpleNamespace(pk=1))
    steps = plan_fees([invoice], FEE_BANDS)
    assert [(s.source_key, s.occurred_on, s.kind) for s in steps] == [
        ("fees:42:d8", date(2026, 10, 9), "7"),
        ("fees:42:d16", date(2026, 10, 17), "7"),
    ]
    exit = SimpleNamespace(pk=7, grace_ends_on=date(2027, 4, 7), days_after_grace=4, resident=SimpleNamespace(pk=1))
    assert [(s.source_key, s.occurred_on, s.kind) for s in plan_exits([exit], EXIT_BANDS)] == [
        ("exit:7:d4", date(2027, 4, 11), "1b"),
    ]


@pytest.mark.parametrize(("days", "coming"), [(0, 1), (1, 8), (7, 8), (8, 16), (11, 16), (30, 31), (31, None)])
def test_the_next_band_is_the_first_not_reached(days, coming):
    band = next_band(days, FEE_BANDS)
    assert (band.start if band else None) == coming


@pytest.mark.parametrize(("days", "text"), [
    (3, "逾期 3 天，第 8 天起罚款 ¥100.00"),
    (11, "逾期 11 天，第 16 天起暂停资源使用权限，直至结清"),
    (31, "逾期 31 天"),  # past the last rung: nothing further to announce
])
def test_a_resident_reads_the_days_overdue_and_the_next_rung(days, text):
    with translation.override("zh-hans"):
        assert overdue_text(days, FEE_BANDS) == text
