"""Personal data in free text: what must never reach a public page (RULEBOOK §10, decisions added 2026-12).

:func:`find_personal_data` is a pure function — text and the names of the people the system
knows in, findings out — used to refuse a publication whose staff-typed text still holds
personal data, naming each offending span so that it can be rewritten.

What counts as a finding:

* **ID numbers**: an 18-character 居民身份证号 (17 digits and a digit or X; an all-digit one
  is an ID number when characters 7–14 read as a birth date, else it is treated as a bank
  card) and an 18-character 统一社会信用代码 (GB 32100 character set, with a letter — an
  all-digit one is caught by the other rules).
* **Mobile numbers**: 1[3-9] and nine more digits, optionally after 86 / +86 / 0086.
* **Bank card numbers**: 13–19 digits, contiguous or in groups separated by spaces (a run
  joined by dashes or dots is a date, a case number or an amount, not a card).
* **E-mail addresses**, with spaces allowed around the "@".
* **Names**: the full name of every person the system knows. A name counts when it has at
  least :data:`MIN_NAME_LENGTH` characters (spaces not counted): a one-character name would
  flag every text that uses that character. Chinese names match with any spacing between
  their characters (王 小 明); names with Latin letters match case-insensitively as whole
  words (Li Wei, not "Lime").

"In any spacing or digit width": text is normalised character by character first (NFKC:
full-width digits, letters, "＠" and spaces become ASCII; every other decimal digit, e.g.
Arabic-Indic, becomes its ASCII digit; invisible format characters such as zero-width spaces
are dropped). Numbers are then read from *runs*: alphanumeric groups separated by one to
three spaces, tabs, dashes or dots. A number must start and end on a
group boundary of its run, so "138 0013 8000" is a mobile number while the digits of
"2026-10-12", "2026-0012", "¥1,000.00" or a 12-digit run are not anything. Spans in the
findings are positions in the original text.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

#: A known name is looked for only from this many characters on (spaces not counted).
MIN_NAME_LENGTH = 2


class FindingKind(StrEnum):
    ID_NUMBER = "id_number"
    USCC = "uscc"
    PHONE = "phone"
    EMAIL = "email"
    BANK_CARD = "bank_card"
    NAME = "name"


@dataclass(frozen=True)
class Finding:
    """One span of personal data: ``text == original[start:end]``."""

    kind: FindingKind
    start: int
    end: int
    text: str


# --- Normalisation -----------------------------------------------------------------------------------


def _normalise(text: str) -> tuple[str, list[int]]:
    """The text in one width, and for each of its characters the index of the original one."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for out in unicodedata.normalize("NFKC", char):
            if unicodedata.category(out) == "Cf":  # zero-width spaces, joiners, soft hyphens
                continue
            digit = unicodedata.decimal(out, None)
            chars.append(str(digit) if digit is not None else out)
            origin.append(index)
    return "".join(chars), origin


def name_key(value: str) -> str:
    """How names are compared: normalised, without spaces, lower-case (王 小明 → 王小明, Li Wei → liwei).

    The selector that gathers known names compares the same key in the database.
    """
    normalised, _origin = _normalise(value or "")
    return "".join(normalised.split()).lower()


# --- Numbers -----------------------------------------------------------------------------------------

_GROUP = re.compile(r"[0-9A-Za-z]+")
_SEPARATOR = re.compile(r"[ \t\-–—.]{1,3}")
_PHONE = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_BIRTH_DATE = re.compile(r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{4}")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
_BANK_CARD = re.compile(r"\d{13,19}")
_LONGEST = 19  # no number looked for is longer (bank cards)

Span = tuple[FindingKind, int, int]
Classifier = Callable[[str, list[str]], FindingKind | None]


def _phone(value: str, separators: list[str]) -> FindingKind | None:
    return FindingKind.PHONE if _PHONE.fullmatch(value) else None


def _identity(value: str, separators: list[str]) -> FindingKind | None:
    if _ID_NUMBER.fullmatch(value) and (value.endswith("X") or _BIRTH_DATE.fullmatch(value)):
        return FindingKind.ID_NUMBER
    if _USCC.fullmatch(value) and not value.isdigit():
        return FindingKind.USCC
    return None


def _bank_card(value: str, separators: list[str]) -> FindingKind | None:
    if _BANK_CARD.fullmatch(value) and not any(sep.strip() for sep in separators):
        return FindingKind.BANK_CARD
    return None


#: The passes over a run, most specific first; each takes the groups the earlier ones left.
#: Bank cards, the loosest shape, take the longest sequence of groups that fits.
_PASSES: tuple[tuple[Classifier, bool], ...] = ((_phone, False), (_identity, False), (_bank_card, True))


def _runs(normalised: str) -> list[list[tuple[int, int]]]:
    """Alphanumeric groups in runs joined by separators (linear in the length of the text)."""
    runs: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for group in _GROUP.finditer(normalised):
        if not (current and _SEPARATOR.fullmatch(normalised, current[-1][1], group.start())):
            current = []
            runs.append(current)
        current.append(group.span())
    return runs


def _match_from(
    normalised: str, run: list[tuple[int, int]], taken: list[bool], first: int, classify: Classifier,
    longest_first: bool,
) -> tuple[FindingKind, int] | None:
    """The groups ``first``…``last`` (all free) whose joined characters ``classify`` accepts."""
    found = None
    value = ""
    for last in range(first, len(run)):
        if taken[last]:
            break
        value += normalised[run[last][0]:run[last][1]].upper()
        if len(value) > _LONGEST:
            break
        separators = [normalised[run[k][1]:run[k + 1][0]] for k in range(first, last)]
        kind = classify(value, separators)
        if kind is not None:
            found = (kind, last)
            if not longest_first:
                break
    return found


def _numbers(normalised: str) -> list[Span]:
    spans: list[Span] = []
    for run in _runs(normalised):
        taken = [False] * len(run)
        for classify, longest_first in _PASSES:
            first = 0
            while first < len(run):
                match = None if taken[first] else _match_from(
                    normalised, run, taken, first, classify, longest_first
                )
                if match is None:
                    first += 1
                    continue
                kind, last = match
                spans.append((kind, run[first][0], run[last][1]))
                taken[first:last + 1] = [True] * (last + 1 - first)
                first = last + 1
    return spans


# --- E-mail addresses and names ----------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+\s*@\s*[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def _name_pattern(key: str) -> re.Pattern[str]:
    body = r"\s*".join(re.escape(char) for char in key)
    if re.search(r"[a-z]", key):
        body = rf"(?<![a-z]){body}(?![a-z])"
    return re.compile(body, re.IGNORECASE)


def _names(normalised: str, known_names: Iterable[str]) -> list[Span]:
    compact = "".join(normalised.split()).lower()
    keys = {name_key(name) for name in known_names}
    found = []
    for key in sorted(k for k in keys if len(k) >= MIN_NAME_LENGTH and k in compact):
        found += [(FindingKind.NAME, m.start(), m.end()) for m in _name_pattern(key).finditer(normalised)]
    return found


# --- The scan ----------------------------------------------------------------------------------------


def find_personal_data(text: str, known_names: Iterable[str] = ()) -> list[Finding]:
    """Every span of personal data in ``text``, in reading order (see the module docstring).

    A span inside another one is not repeated (the phone number of "13800138000@163.com" is
    part of the e-mail address; "小明" inside the known name "王小明").
    """
    normalised, origin = _normalise(text or "")
    spans = _numbers(normalised)
    spans += [(FindingKind.EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(normalised)]
    spans += _names(normalised, known_names)
    findings: list[Finding] = []
    covered = 0
    for kind, start, end in sorted(spans, key=lambda span: (span[1], -span[2])):
        if kind == FindingKind.PHONE and start > 0 and normalised[start - 1] == "+":
            start -= 1  # "+86 138 …": the plus sign belongs to the number
        first, last = origin[start], origin[end - 1] + 1
        if last <= covered:
            continue
        findings.append(Finding(kind, first, last, text[first:last]))
        covered = last
    return findings
