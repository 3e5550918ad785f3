"""Pure rules of the visitor log: phone numbers, the expected day, the front desk's steps by status."""

from datetime import date

import pytest

from spaces.models import VISITOR_TRANSITIONS, VisitorStatus
from spaces.rules import visitors as rules


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("020-88886666", "02088886666"),
        ("(020) 8888 6666", "02088886666"),
        ("0755-1234567", "07551234567"),
        ("12812345678", None),  # 12x is not a mobile prefix
        ("1381234567", None),  # 10 digits
        ("138123456789", None),  # 12 digits
        ("88886666", None),  # a landline without its area code
        ("+1 415 555 0100", None),
        ("abc", None),
        ("", None),
    ],
)
def test_phone_numbers(raw, expected):
    assert rules.normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("expected_on", "acceptable"),
    [(date(2026, 10, 7), False), (date(2026, 10, 8), True), (date(2026, 10, 9), True)],
)
def test_a_visitor_is_never_expected_on_a_day_already_past(expected_on, acceptable):
    assert rules.expected_day_acceptable(expected_on, today=date(2026, 10, 8)) is acceptable


@pytest.mark.parametrize(
    ("status", "steps"),
    [
        ("awaiting_host", ("confirm_by_phone", "refuse_by_phone", "cancel")),
        ("confirmed", ("admit", "cancel")),
        ("admitted", ("sign_out",)),
        ("signed_out", ()),
        ("refused", ()),
        ("cancelled", ()),
        ("nonsense", ()),
    ],
)
def test_front_desk_steps_by_status(status, steps):
    assert rules.front_desk_steps(status) == steps


_TARGET = {"confirm_by_phone": "confirmed", "refuse_by_phone": "refused", "admit": "admitted",
           "sign_out": "signed_out", "cancel": "cancelled"}


@pytest.mark.parametrize("status", [s.value for s in VisitorStatus])
def test_every_step_offered_is_allowed_by_the_state_machine(status):
    for step in rules.front_desk_steps(status):
        assert _TARGET[step] in VISITOR_TRANSITIONS[status]


@pytest.mark.parametrize(("status", "can"), [(s.value, s == VisitorStatus.AWAITING_HOST) for s in VisitorStatus])
def test_the_host_answers_only_while_awaited(status, can):
    assert rules.host_can_answer(status) is can
