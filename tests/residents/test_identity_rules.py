"""Identity numbers (第三章第一条): GB 11643 ID card numbers and GB 32100 unified social credit codes,
table-driven at every boundary, without a database."""

from datetime import date

import pytest

from residents.rules.identity import (
    IdCardProblem,
    UsccProblem,
    id_card_check_character,
    id_card_problem,
    is_valid_id_card,
    is_valid_uscc,
    normalise_identity,
    uscc_check_character,
    uscc_problem,
)


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        # valid, including X as check character and a lowercase x (normalised)
        ("11010519491231002X", None),
        ("11010519491231002x", None),
        (" 1101 0519 4912 3100 2X ", None),
        ("440106199003075670", None),
        ("310101198001010018", None),
        ("110105200002290013", None),  # 29 Feb of a leap year
        # wrong check character
        ("110105194912310021", IdCardProblem.CHECK),
        ("440106199003075675", IdCardProblem.CHECK),
        ("310101198001010014", IdCardProblem.CHECK),
        # wrong length
        ("", IdCardProblem.LENGTH),
        ("11010519491231002", IdCardProblem.LENGTH),
        ("11010519491231002X1", IdCardProblem.LENGTH),
        ("110105491231002", IdCardProblem.LENGTH),  # the old 15-digit number is not accepted
        # characters
        ("11010519491231002A", IdCardProblem.CHARACTERS),
        ("1101051949123100X2", IdCardProblem.CHARACTERS),
        ("X10105194912310021", IdCardProblem.CHARACTERS),
        # impossible birth dates
        ("110105190002290013", IdCardProblem.BIRTH_DATE),  # 1900 was no leap year
        ("110105194913310020", IdCardProblem.BIRTH_DATE),  # month 13
        ("110105194904310020", IdCardProblem.BIRTH_DATE),  # 31 April
        ("110105194912000020", IdCardProblem.BIRTH_DATE),  # day 0
        ("110105000012310020", IdCardProblem.BIRTH_DATE),  # year 0
    ],
)
def test_id_card_numbers(number, problem):
    assert id_card_problem(number) == problem
    assert is_valid_id_card(number) is (problem is None)


@pytest.mark.parametrize(
    ("birth", "today", "problem"),
    [
        ("20260601", date(2026, 6, 1), None),  # born today
        ("20260602", date(2026, 6, 1), IdCardProblem.BIRTH_DATE),  # born tomorrow
        ("20260602", None, None),  # no clock given: not judged
    ],
)
def test_a_birth_date_in_the_future_is_refused_when_today_is_given(birth, today, problem):
    first17 = f"110105{birth}001"
    number = first17 + id_card_check_character(first17)
    assert id_card_problem(number, today=today) == problem


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y43", None),
        ("91440101MA59TQXX18", None),
        ("91440101ma59tqxx18", None),  # lowercase is normalised
        ("91350100M000100Y44", UsccProblem.CHECK),
        ("91440101MA59TQXX1L", UsccProblem.CHECK),
        ("91350100M000100Y4", UsccProblem.LENGTH),
        ("91350100M000100Y433", UsccProblem.LENGTH),
        ("", UsccProblem.LENGTH),
        # letters GB 32100 never uses: I, O, Z, S, V
        ("91350100M000I00Y43", UsccProblem.CHARACTERS),
        ("91350100M000O00Y43", UsccProblem.CHARACTERS),
        ("91350100M000Z00Y43", UsccProblem.CHARACTERS),
        ("91350100M000S00Y43", UsccProblem.CHARACTERS),
        ("91350100M000V00Y43", UsccProblem.CHARACTERS),
        ("91350100M000-00Y43", UsccProblem.CHARACTERS),
    ],
)
def test_unified_social_credit_codes(code, problem):
    assert uscc_problem(code) == problem
    assert is_valid_uscc(code) is (problem is None)


def test_check_characters_cover_the_zero_and_x_cases():
    # total % 11 == 2 gives X; the USCC check of a remainder 0 is "0" (not "31").
    assert id_card_check_character("11010519491231002") == "X"
    assert uscc_check_character("91350100M000100Y4") == "3"
    assert all(len(uscc_check_character(f"9135010{d}M000100Y4")) == 1 for d in range(10))


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("11010519491231002x", "11010519491231002X"), (" 9144 0101 ma59 ", "91440101MA59"), ("", ""), (None, "")],
)
def test_normalise_identity(raw, normalised):
    assert normalise_identity(raw) == normalised
