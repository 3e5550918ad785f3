"""Pure rules of the sharing board (资源共享平台、AI能力共享池, 第四章第二条 3; RULEBOOK §6): when a post
expires, who may do what with it, and how two answers make a match. No database, no clock: the
callers pass ``now`` and the rule data."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

OPEN, EXPIRED, CLOSED, HIDDEN = "open", "expired", "closed", "hidden"
PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"
PROPOSED, CONFIRMED, CANCELLED = "proposed", "confirmed", "cancelled"


def expires_at(*, posted_on: date, validity_days: int) -> datetime:
    """Decision: a post posted (or renewed) on day D with N validity days is on the board through
    D + N − 1 and leaves at 00:00 (Asia/Shanghai) of day D + N."""
    return datetime.combine(posted_on + timedelta(days=validity_days), time.min, tzinfo=SHANGHAI)


def last_day(expiry: datetime) -> date:
    """The last day a post is on the board."""
    return expiry.astimezone(SHANGHAI).date() - timedelta(days=1)


def is_expired(*, expiry: datetime, now: datetime) -> bool:
    return now >= expiry


def effective_status(*, status: str, expiry: datetime, now: datetime) -> str:
    """What a post is now: an open post past its expiry reads as expired before the daily job marks it."""
    if status == OPEN and is_expired(expiry=expiry, now=now):
        return EXPIRED
    return status


class Refusal(StrEnum):
    NOT_AUTHOR = "not_author"
    OWN_POST = "own_post"
    NOT_ON_BOARD = "not_on_board"
    FINAL = "final"
    TOO_MANY = "too_many"
    ALREADY_INTERESTED = "already_interested"
    ALREADY_ANSWERED = "already_answered"
    NOT_A_SIDE = "not_a_side"
    MATCH_CLOSED = "match_closed"


def edit_refusal(*, is_author: bool, status: str, expiry: datetime, now: datetime) -> Refusal | None:
    """The author changes the text of a post that is on the board."""
    if not is_author:
        return Refusal.NOT_AUTHOR
    if effective_status(status=status, expiry=expiry, now=now) != OPEN:
        return Refusal.NOT_ON_BOARD
    return None


def close_refusal(*, is_author: bool, status: str) -> Refusal | None:
    """The author closes an open or expired post (closed and hidden ones are final)."""
    if not is_author:
        return Refusal.NOT_AUTHOR
    if status in (CLOSED, HIDDEN):
        return Refusal.FINAL
    return None


def renew_refusal(*, is_author: bool, status: str, open_posts: int, max_open_posts: int, expiry: datetime,
                  now: datetime) -> Refusal | None:
    """The author renews an open or expired post: ``post_validity_days`` more from today. Renewing an
    expired post puts it back on the board, so it counts against ``max_open_posts`` (``open_posts`` are
    the author's posts on the board now, this one included when it is on the board)."""
    if not is_author:
        return Refusal.NOT_AUTHOR
    if status in (CLOSED, HIDDEN):
        return Refusal.FINAL
    back_on_board = effective_status(status=status, expiry=expiry, now=now) != OPEN
    if back_on_board and open_posts >= max_open_posts:
        return Refusal.TOO_MANY
    return None


def post_refusal(*, open_posts: int, max_open_posts: int) -> Refusal | None:
    """A new post: the author has fewer than ``max_open_posts`` on the board."""
    return Refusal.TOO_MANY if open_posts >= max_open_posts else None


def interest_refusal(*, is_author: bool, status: str, expiry: datetime, now: datetime,
                     already: bool) -> Refusal | None:
    """Another resident expresses interest once in a post that is on the board."""
    if is_author:
        return Refusal.OWN_POST
    if effective_status(status=status, expiry=expiry, now=now) != OPEN:
        return Refusal.NOT_ON_BOARD
    if already:
        return Refusal.ALREADY_INTERESTED
    return None


@dataclass(frozen=True)
class MatchState:
    status: str
    author_answer: str
    counterpart_answer: str


def answer_refusal(state: MatchState, *, side: str | None) -> Refusal | None:
    """``side`` is "author", "counterpart" or None (the caller is neither): a side answers once, while
    the match waits for answers."""
    if side is None:
        return Refusal.NOT_A_SIDE
    if state.status != PROPOSED:
        return Refusal.MATCH_CLOSED
    own = state.author_answer if side == "author" else state.counterpart_answer
    if own != PENDING:
        return Refusal.ALREADY_ANSWERED
    return None


def outcome(*, author_answer: str, counterpart_answer: str) -> str:
    """Both accepted → confirmed; either declined → declined; otherwise still proposed."""
    if DECLINED in (author_answer, counterpart_answer):
        return DECLINED
    if author_answer == ACCEPTED and counterpart_answer == ACCEPTED:
        return CONFIRMED
    return PROPOSED


def opposite_kinds(first: str, second: str) -> bool:
    """A post is matched with a post of the other kind: an offer with a need."""
    return {first, second} == {"offer", "need"}
