"""Identity numbers checked by their check characters (第三章第一条 entry requirements).

Pure functions: no database, no clock (a caller that wants to refuse birth dates in
the future passes ``today``).

- Resident identity card number (公民身份号码), GB 11643-1999: 6-digit area code,
  8-digit birth date (YYYYMMDD), 3-digit sequence, 1 check character computed
  with ISO 7064 MOD 11-2 (``X`` stands for 10).
- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from
  a 31-character set without I, O, Z, S, V; the last is a MOD 31 check character.
"""

from datetime import date
from enum import StrEnum

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class IdCardProblem(StrEnum):
    """Why an ID card number is refused (the caller turns it into a message naming the field)."""

    LENGTH = "length"  # not 18 characters
    CHARACTERS = "characters"  # the first 17 are not all digits, or the last is not a digit or X
    BIRTH_DATE = "birth_date"  # characters 7–14 are no real date (or one after ``today``)
    CHECK = "check"  # the check character does not match


class UsccProblem(StrEnum):
    LENGTH = "length"
    CHARACTERS = "characters"  # a character outside GB 32100's set (I, O, Z, S, V, lowercase are normalised)
    CHECK = "check"


def normalise_identity(value: str) -> str:
    """Strip spaces and upper-case: ``11010519491231002x`` → ``11010519491231002X``."""
    return "".join((value or "").split()).upper()


def id_card_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_card_problem(number: str, *, today: date | None = None) -> IdCardProblem | None:
    """None when the number is a valid GB 11643 number (after :func:`normalise_identity`)."""
    number = normalise_identity(number)
    if len(number) != 18:
        return IdCardProblem.LENGTH
    if not number[:17].isdigit() or number[17] not in "0123456789X":
        return IdCardProblem.CHARACTERS
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdCardProblem.BIRTH_DATE
    if today is not None and born > today:
        return IdCardProblem.BIRTH_DATE
    if number[17] != id_card_check_character(number[:17]):
        return IdCardProblem.CHECK
    return None


def is_valid_id_card(number: str, *, today: date | None = None) -> bool:
    """Resident identity card number, GB 11643-1999: 17 digits + check character, a real birth date."""
    return id_card_problem(number, today=today) is None


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters (all from the code's character set)."""
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> UsccProblem | None:
    """None when the code is a valid GB 32100 unified social credit code (after normalising)."""
    code = normalise_identity(code)
    if len(code) != 18:
        return UsccProblem.LENGTH
    if any(c not in _USCC_CHARSET for c in code):
        return UsccProblem.CHARACTERS
    if code[17] != uscc_check_character(code[:17]):
        return UsccProblem.CHECK
    return None


def is_valid_uscc(code: str) -> bool:
    """Unified social credit code (统一社会信用代码), GB 32100-2015 check character."""
    return uscc_problem(code) is None
