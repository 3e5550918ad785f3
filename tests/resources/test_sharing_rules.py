"""Pure rules of the sharing board (resources.rules.sharing): expiry, who may do what, how answers make a match."""

from datetime import date, datetime

import pytest

from resources.rules import sharing as rules
from resources.rules.sharing import SHANGHAI, Refusal

NOW = datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI)
EXPIRY = datetime(2026, 12, 11, 0, 0, tzinfo=SHANGHAI)


def test_a_post_of_day_d_is_on_the_board_through_d_plus_n_minus_one():
    expiry = rules.expires_at(posted_on=date(2026, 10, 12), validity_days=60)
    assert expiry == EXPIRY
    assert rules.last_day(expiry) == date(2026, 12, 10)


@pytest.mark.parametrize(("now", "expired"), [
    (datetime(2026, 12, 10, 23, 59, 59, tzinfo=SHANGHAI), False),
    (EXPIRY, True),
    (datetime(2026, 12, 11, 0, 0, 1, tzinfo=SHANGHAI), True),
])
def test_expiry_boundary(now, expired):
    assert rules.is_expired(expiry=EXPIRY, now=now) is expired
    assert rules.effective_status(status="open", expiry=EXPIRY, now=now) == ("expired" if expired else "open")


@pytest.mark.parametrize("status", ["closed", "hidden", "expired"])
def test_effective_status_keeps_other_states(status):
    assert rules.effective_status(status=status, expiry=EXPIRY, now=NOW) == status


@pytest.mark.parametrize(("is_author", "status", "now", "expected"), [
    (True, "open", NOW, None),
    (False, "open", NOW, Refusal.NOT_AUTHOR),
    (True, "open", EXPIRY, Refusal.NOT_ON_BOARD),
    (True, "closed", NOW, Refusal.NOT_ON_BOARD),
    (True, "hidden", NOW, Refusal.NOT_ON_BOARD),
])
def test_edit(is_author, status, now, expected):
    assert rules.edit_refusal(is_author=is_author, status=status, expiry=EXPIRY, now=now) == expected


@pytest.mark.parametrize(("is_author", "status", "expected"), [
    (True, "open", None), (True, "expired", None), (True, "closed", Refusal.FINAL), (True, "hidden", Refusal.FINAL),
    (False, "open", Refusal.NOT_AUTHOR),
])
def test_close(is_author, status, expected):
    assert rules.close_refusal(is_author=is_author, status=status) == expected


@pytest.mark.parametrize(("status", "now", "open_posts", "expected"), [
    ("open", NOW, 10, None),  # extending a post on the board adds none
    ("expired", NOW, 9, None),
    ("expired", NOW, 10, Refusal.TOO_MANY),  # back on the board: it counts
    ("open", EXPIRY, 10, Refusal.TOO_MANY),  # open but past its expiry: back on the board too
    ("closed", NOW, 0, Refusal.FINAL),
    ("hidden", NOW, 0, Refusal.FINAL),
])
def test_renew(status, now, open_posts, expected):
    assert rules.renew_refusal(is_author=True, status=status, open_posts=open_posts, max_open_posts=10,
                               expiry=EXPIRY, now=now) == expected


@pytest.mark.parametrize(("open_posts", "expected"), [(0, None), (9, None), (10, Refusal.TOO_MANY), (11, Refusal.TOO_MANY)])
def test_post_limit(open_posts, expected):
    assert rules.post_refusal(open_posts=open_posts, max_open_posts=10) == expected


@pytest.mark.parametrize(("is_author", "status", "now", "already", "expected"), [
    (False, "open", NOW, False, None),
    (True, "open", NOW, False, Refusal.OWN_POST),
    (False, "open", EXPIRY, False, Refusal.NOT_ON_BOARD),
    (False, "closed", NOW, False, Refusal.NOT_ON_BOARD),
    (False, "open", NOW, True, Refusal.ALREADY_INTERESTED),
])
def test_interest(is_author, status, now, already, expected):
    assert rules.interest_refusal(is_author=is_author, status=status, expiry=EXPIRY, now=now,
                                  already=already) == expected


@pytest.mark.parametrize(("author", "counterpart", "expected"), [
    ("pending", "pending", "proposed"),
    ("accepted", "pending", "proposed"),
    ("pending", "accepted", "proposed"),
    ("accepted", "accepted", "confirmed"),
    ("declined", "pending", "declined"),
    ("accepted", "declined", "declined"),
])
def test_outcome(author, counterpart, expected):
    assert rules.outcome(author_answer=author, counterpart_answer=counterpart) == expected


@pytest.mark.parametrize(("state", "side", "expected"), [
    (rules.MatchState("proposed", "pending", "pending"), "author", None),
    (rules.MatchState("proposed", "accepted", "pending"), "author", Refusal.ALREADY_ANSWERED),
    (rules.MatchState("proposed", "accepted", "pending"), "counterpart", None),
    (rules.MatchState("proposed", "pending", "pending"), None, Refusal.NOT_A_SIDE),
    (rules.MatchState("cancelled", "pending", "pending"), "author", Refusal.MATCH_CLOSED),
    (rules.MatchState("confirmed", "accepted", "accepted"), "counterpart", Refusal.MATCH_CLOSED),
])
def test_answer(state, side, expected):
    assert rules.answer_refusal(state, side=side) == expected


@pytest.mark.parametrize(("first", "second", "expected"), [
    ("offer", "need", True), ("need", "offer", True), ("offer", "offer", False), ("need", "need", False),
])
def test_opposite_kinds(first, second, expected):
    assert rules.opposite_kinds(first, second) is expected
