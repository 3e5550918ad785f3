"""Identity numbers checked by their check characters (第三章第一条 entry requirements).

Pure functions: no database, no clock (a caller that wants to refuse birth dates in
the future passes ``today``).

- Resident identity card number (公民身份号码), GB 11643-1999: 6-digit area code,
  8-digit birth date (YYYYMMDD), 3-digit sequence, 1 check character computed
  with ISO 7064 MOD 11-2 (``X`` stands for 10).
- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from
  a 31-character set without I, O, Z, S, V; the last is a MOD 31 check character.

Every number that enters the system (portal form, API, services, the ban lookup, the
admin's search) goes through :func:`normalise_identity` first, and only ASCII digits
and capital letters pass the checks below: Python's ``str.isdigit``/``int`` also
accept the digits of other scripts (``٤``, ``४``), which would let one number be
written several ways and slip past the ban check and the one-number-one-application rule.
"""

import re
import unicodedata
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # [0-9] is ASCII only (unlike \d)
_ASCII_ALPHANUMERIC = re.compile(r"[0-9A-Z]*")
#: Dropped as separators: dashes beyond Unicode's dash punctuation (Pd), and invisible spaces.
_SEPARATORS = frozenset("\u2212\u2043\u00ad\u200b\u200c\u200d\u2060\ufeff")
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class IdCardProblem(StrEnum):
    """Why an ID card number is refused (the caller turns it into a message naming the field)."""

    CHARACTERS = "characters"  # not ASCII: the first 17 are not all digits 0-9, or the last is not one or X
    LENGTH = "length"  # not 18 characters
    BIRTH_DATE = "birth_date"  # characters 7–14 are no real date (or one after ``today``)
    CHECK = "check"  # the check character does not match


class UsccProblem(StrEnum):
    CHARACTERS = "characters"  # a character outside GB 32100's set (I, O, Z, S, V; lowercase is normalised)
    LENGTH = "length"
    CHECK = "check"


def normalise_identity(value: str | None) -> str:
    """The one spelling of an ID card number or credit code, kept and compared everywhere.

    NFKC (full-width ``４４０１`` → ``4401``), then spaces, dashes of every kind and invisible
    spaces dropped, then ASCII letters upper-cased (``x`` → ``X``). Characters NFKC does not
    turn into ASCII (Arabic-Indic ``٤``, Chinese ``四``, ``ı``) stay as they are, so that
    :func:`is_ascii_identity` and the checks below refuse them.
    """
    text = unicodedata.normalize("NFKC", value or "")
    kept = "".join(
        c for c in text if not (c.isspace() or unicodedata.category(c) == "Pd" or c in _SEPARATORS)
    )
    return kept.translate(_UPPER)


def is_ascii_identity(value: str) -> bool:
    """True when ``value`` holds nothing but the ASCII digits 0-9 and capital letters A-Z."""
    return _ASCII_ALPHANUMERIC.fullmatch(value) is not None


def id_card_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_card_problem(number: str, *, today: date | None = None) -> IdCardProblem | None:
    """None when the number is a valid GB 11643 number (after :func:`normalise_identity`)."""
    number = normalise_identity(number)
    if not is_ascii_identity(number):
        return IdCardProblem.CHARACTERS
    if len(number) != 18:
        return IdCardProblem.LENGTH
    if not _ID_SHAPE.fullmatch(number):
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
    if any(c not in _USCC_CHARSET for c in code):
        return UsccProblem.CHARACTERS
    if len(code) != 18:
        return UsccProblem.LENGTH
    if code[17] != uscc_check_character(code[:17]):
        return UsccProblem.CHECK
    return None


def is_valid_uscc(code: str) -> bool:
    """Unified social credit code (统一社会信用代码), GB 32100-2015 check character."""
    return uscc_problem(code) is None


def identity_search_term(term: str) -> str:
    """A search term that is a complete ID number or credit code however typed (``４４０１ …``,
    ``440115-…``, a lower-case ``x``), in its stored spelling; any other term unchanged."""
    normalised = normalise_identity(term)
    return normalised if len(normalised) == 18 and is_ascii_identity(normalised) else term


def id_number_message(problem: IdCardProblem) -> str:
    """What the applicant reads when the ID card number fails :func:`id_card_problem`."""
    return {
        IdCardProblem.LENGTH: _("ID card number: a resident identity card number has 18 characters."),
        IdCardProblem.CHARACTERS: _(
            "ID card number: only the digits 0-9, and X as the last character "
            "(full-width digits are converted; digits of other scripts are not accepted)."
        ),
        IdCardProblem.BIRTH_DATE: _("ID card number: characters 7 to 14 must be a real date of birth."),
        IdCardProblem.CHECK: _(
            "ID card number: the last character does not match (GB 11643 check character). Please check the number."
        ),
    }[problem]


def uscc_message(problem: UsccProblem) -> str:
    """What the applicant reads when the credit code fails :func:`uscc_problem`."""
    return {
        UsccProblem.LENGTH: _("Unified social credit code: the code has 18 characters."),
        UsccProblem.CHARACTERS: _(
            "Unified social credit code: only the digits 0-9 and the letters A-Z other than I, O, Z, S and V "
            "(full-width characters are converted; other scripts are not accepted)."
        ),
        UsccProblem.CHECK: _(
            "Unified social credit code: the last character does not match (GB 32100 check character). "
            "Please check the code."
        ),
    }[problem]
