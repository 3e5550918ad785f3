"""Identity numbers (第三章第一条): GB 11643 ID card numbers and GB 32100 unified social credit codes,
table-driven at every boundary, without a database."""

from datetime import date

import pytest

from residents.rules.identity import (
    IdCardProblem,
    UsccProblem,
    id_card_check_character,
    id_card_problem,
    identity_search_term,
    is_ascii_identity,
    is_valid_id_card,
    is_valid_uscc,
    normalise_identity,
    uscc_check_character,
    uscc_problem,
)
from residents.stored_identities import stored_spelling

ID = "440115198607095447"  # valid: 440115, born 1986-07-09, 544, check character 7
ID_X = "11010519491231002X"  # valid, check character X
USCC = "91440101MA59TQXX18"


def _to(digits: str, zero: int) -> str:
    """ASCII digits written in another script whose zero is ``zero`` (e.g. 0x0660 Arabic-Indic)."""
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in digits)


FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in ID)  # ４４０１…７
ARABIC_INDIC = _to(ID, 0x0660)  # ٤٤٠١…٧


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
        ("91350100M000-00Y43", UsccProblem.LENGTH),  # the dash is dropped as a separator: 17 characters left
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


# --- One spelling: NFKC, separators dropped, ASCII only (digits of other scripts slip past isdigit/int) ---


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (ID, ID),
        (ID_X.lower(), ID_X),  # lower-case x
        (FULL_WIDTH, ID),  # full-width digits
        ("１１０１０５１９４９１２３１００２ｘ", ID_X),  # full-width lower-case ｘ
        (ID[:9] + FULL_WIDTH[9:], ID),  # mixed ASCII and full-width
        (" 110105 19491231 002x ", ID_X),  # spaces
        ("440115\u300019860709\u00a05447\t\n", ID),  # ideographic space, no-break space, tab, newline
        ("440115-19860709-5447", ID),  # hyphen-minus
        ("440115\u201019860709\u2013544\u20147", ID),  # hyphen, en dash, em dash
        ("440115\uff0d19860709\u2212544\ufe637", ID),  # full-width hyphen-minus, minus sign, small hyphen-minus
        ("440115\u00ad1986\u200b0709\ufeff5447", ID),  # soft hyphen, zero-width space, BOM
        ("４４０１１５ー１９８６", "440115ー1986"),  # the katakana long vowel mark is a letter, kept (and refused)
        (ARABIC_INDIC, ARABIC_INDIC),  # NFKC keeps Arabic-Indic digits: refused below, never folded
        ("ı", "ı"),  # dotless i: never upper-cased into an ASCII I
        ("", ""),
    ],
)
def test_one_spelling(raw, normalised):
    assert normalise_identity(raw) == normalised
    assert normalise_identity(normalised) == normalised  # idempotent


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        (ID, None),
        (FULL_WIDTH, None),
        ("４４０１１５１９８６０７０９５４４7", None),  # full-width, the last digit ASCII
        ("440115 1986-0709 5447", None),
        ("110105-19491231-002ｘ", None),
        (ARABIC_INDIC, IdCardProblem.CHARACTERS),  # ٤٤٠١١٥١٩٨٦٠٧٠٩٥٤٤٧
        (_to(ID[:17], 0x0660) + "7", IdCardProblem.CHARACTERS),  # Arabic-Indic, the last digit ASCII
        (_to(ID, 0x06F0), IdCardProblem.CHARACTERS),  # Extended Arabic-Indic (Persian) digits
        (_to(ID, 0x0966), IdCardProblem.CHARACTERS),  # Devanagari digits
        (ID[:5] + "\u0664" + ID[6:], IdCardProblem.CHARACTERS),  # one Arabic-Indic digit among ASCII ones
        (ID[:16] + "四7", IdCardProblem.CHARACTERS),  # a Chinese numeral
        (ID_X[:17] + "Ｘ\u0301", IdCardProblem.CHARACTERS),  # a combining accent on the X
        (_to(ID, 0x0660)[:10], IdCardProblem.CHARACTERS),  # other scripts are named before the length
    ],
)
def test_id_numbers_in_other_spellings(number, problem):
    assert id_card_problem(number) == problem


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        (USCC, None),
        (USCC.lower(), None),
        ("".join(chr(ord(c) + 0xFEE0) for c in USCC), None),  # full-width
        ("9144 0101-MA59 TQXX 18", None),
        (_to(USCC, 0x0660), UsccProblem.CHARACTERS),
        ("91440101МА59TQXX18", UsccProblem.CHARACTERS),  # Cyrillic М and А that look Latin
    ],
)
def test_credit_codes_in_other_spellings(code, problem):
    assert uscc_problem(code) == problem


@pytest.mark.parametrize(
    ("value", "ascii"),
    [("", True), (ID, True), ("ABC123", True), ("abc", False), ("٤", False), ("４", False), ("A B", False)],
)
def test_is_ascii_identity(value, ascii):
    assert is_ascii_identity(value) is ascii


@pytest.mark.parametrize(
    ("term", "searched"),
    [
        (FULL_WIDTH, ID),
        ("440115-19860709-5447", ID),
        ("440115 19860709 5447", ID),
        (ID_X.lower(), ID_X),
        ("王五", "王五"),  # any other term stays as typed
        ("13800138000", "13800138000"),
        ("440115", "440115"),  # partial numbers are not completed
        (ARABIC_INDIC, ARABIC_INDIC),
    ],
)
def test_identity_search_term(term, searched):
    assert identity_search_term(term) == searched


@pytest.mark.parametrize(
    ("stored", "spelled"),
    [
        (ID, ID),
        (FULL_WIDTH, ID),
        (_to(ID[:17], 0x0660) + "7", ID),  # stored before the ASCII rule: read as int() read it then
        (_to(ID_X[:17], 0x0966) + "x", ID_X),
        ("", ""),
    ],
)
def test_stored_spelling_reads_old_values_as_they_were_read(stored, spelled):
    assert stored_spelling(stored) == spelled
