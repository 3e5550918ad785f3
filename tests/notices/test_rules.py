"""When a publication leaves the public board (RULEBOOK §10, decisions added 2026-12): a pure rule, by table.

A penalty or score publication whose window's last day is D is shown through day D + 30 (Asia/Shanghai)
and gone from 00:00 of day D + 31; every other kind stays.
"""

from datetime import UTC, datetime

import pytest

from opc_community.notices.models import PublicationKind
from opc_community.notices.rules import leaves_board_at
from tests.notices.conftest import SH

#: The window of tests/notices/conftest.py: its last day is Fri 2026-06-05 (D).
WINDOW_ENDS_AT = datetime(2026, 6, 5, 23, 59, 59, tzinfo=SH)


def on_board(kind: str, now: datetime, *, window_ends_at: datetime = WINDOW_ENDS_AT, days: int = 30) -> bool:
    left_at = leaves_board_at(kind=kind, window_ends_at=window_ends_at, retention_days=days)
    return left_at is None or now < left_at


@pytest.mark.parametrize("kind", [PublicationKind.PENALTY_DECISION, PublicationKind.QUARTERLY_SCORES])
@pytest.mark.parametrize(
    ("now", "shown"),
    [
        (datetime(2026, 6, 5, 23, 59, 59, tzinfo=SH), True),  # the window's last second (D)
        (datetime(2026, 6, 6, 0, 0, tzinfo=SH), True),  # day 1 after the window
        (datetime(2026, 7, 5, 0, 0, tzinfo=SH), True),  # day 30 (D + 30), first instant
        (datetime(2026, 7, 5, 23, 59, 59, tzinfo=SH), True),  # day 30, last second
        (datetime(2026, 7, 6, 0, 0, tzinfo=SH), False),  # day 31, 00:00: gone
        (datetime(2026, 7, 5, 16, 0, tzinfo=UTC), False),  # the same instant in UTC
        (datetime(2027, 1, 1, 0, 0, tzinfo=SH), False),
    ],
)
def test_penalties_and_scores_are_shown_through_day_30_and_gone_on_day_31(kind, now, shown):
    assert on_board(kind, now) is shown


@pytest.mark.parametrize(
    "kind",
    [
        PublicationKind.SERVICE_PROCEDURE, PublicationKind.RESOURCE_SUPPLY, PublicationKind.POLICY_NOTICE,
        PublicationKind.RULE_REVISION, PublicationKind.REWARD_DECISION, PublicationKind.OTHER,
    ],
)
def test_every_other_kind_stays_on_the_board(kind):
    assert leaves_board_at(kind=kind, window_ends_at=WINDOW_ENDS_AT, retention_days=30) is None


@pytest.mark.parametrize(
    ("window_ends_at", "days", "gone_at"),
    [
        # Across a month and a year; the window's end in UTC still counts its Shanghai day.
        (datetime(2026, 12, 4, 23, 59, 59, tzinfo=SH), 30, datetime(2027, 1, 4, 0, 0, tzinfo=SH)),
        (datetime(2026, 12, 4, 15, 59, 59, tzinfo=UTC), 30, datetime(2027, 1, 4, 0, 0, tzinfo=SH)),
        # The number is rule data: a revision with 1 or 60 days.
        (WINDOW_ENDS_AT, 1, datetime(2026, 6, 7, 0, 0, tzinfo=SH)),
        (WINDOW_ENDS_AT, 60, datetime(2026, 8, 5, 0, 0, tzinfo=SH)),
    ],
)
def test_the_moment_it_leaves_is_midnight_after_the_last_day(window_ends_at, days, gone_at):
    assert leaves_board_at(
        kind=PublicationKind.PENALTY_DECISION, window_ends_at=window_ends_at, retention_days=days
    ) == gone_at
