"""Pure rules of the notice board: when a publication leaves the public board.

RULEBOOK §10 (decisions added 2026-12): a penalty or score publication leaves the public
board ``publication.public_retention_days`` (30) days after its window closes, and stays in
the staff archive. Counted in calendar days from the window's last day D (Asia/Shanghai):
the publication is shown up to and including day D + 30 and is gone from 00:00 of day
D + 31. Every other kind (procedures, policies, rule revisions, rewards…) stays.
"""

from datetime import datetime, time, timedelta

from opc_community.notices.models import PublicationKind
from opc_community.workdays.rules import SHANGHAI, local_date

#: The kinds that concern a person's penalty or score (RULEBOOK §10, decisions added 2026-12).
LEAVE_THE_BOARD = frozenset({PublicationKind.PENALTY_DECISION, PublicationKind.QUARTERLY_SCORES})


def leaves_board_at(*, kind: str, window_ends_at: datetime, retention_days: int) -> datetime | None:
    """The first instant a publication is no longer on the public board — 00:00 Asia/Shanghai of
    day D + ``retention_days`` + 1 — or None: it stays."""
    if kind not in LEAVE_THE_BOARD:
        return None
    gone_on = local_date(window_ends_at) + timedelta(days=retention_days + 1)
    return datetime.combine(gone_on, time.min, tzinfo=SHANGHAI)
