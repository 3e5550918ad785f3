"""A year's holiday schedule from a file staff upload (RULEBOOK §2: the next year's schedule is
published each November; the chinesecalendar package may not have it yet).

Pure: bytes in, the days or every problem out (no database, no clock). Two formats:

* CSV, one day a line: ``date,kind,name`` — e.g. ``2027-01-01,holiday,元旦``. A first line that
  names the columns (``date,kind,name`` or ``日期,类型,名称``) is skipped; empty lines are ignored.
  UTF-8 (with or without BOM) or GB18030 (what Excel saves in Chinese Windows).
* JSON: a list of ``{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}``.

``kind`` is ``holiday`` (休息, a day off) or ``workday`` (调休上班, an adjusted working weekend day);
休/班 are accepted too. Every problem is reported with its line (CSV) or item (JSON) number, and a
file with any problem loads nothing.
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

HOLIDAY, WORKDAY = "holiday", "workday"
KINDS = {HOLIDAY: HOLIDAY, WORKDAY: WORKDAY, "休": HOLIDAY, "班": WORKDAY}
HEADERS = ({"date", "kind", "name"}, {"日期", "类型", "名称"})
NAME_MAX_LENGTH = 100
MAX_BYTES = 200 * 1024  # a year has a few dozen special days: anything bigger is not a schedule
MAX_DAYS = 120


@dataclass(frozen=True)
class Day:
    date: date
    kind: str  # HOLIDAY or WORKDAY
    name: str


@dataclass(frozen=True)
class Parsed:
    days: list[Day]
    errors: list[str]


def parse_schedule(content: bytes, *, filename: str, year: int) -> Parsed:
    """The special days of ``year`` in the file, or the list of everything wrong with it."""
    if len(content) > MAX_BYTES:
        return Parsed([], [_("The file is larger than %(kb)d KB: it is not a holiday schedule.") % {"kb": MAX_BYTES // 1024}])
    text = _decode(content)
    if text is None:
        return Parsed([], [_("The file is neither UTF-8 nor GB18030 text: save it as UTF-8 CSV.")])
    if filename.lower().endswith(".json") or text.lstrip().startswith("["):
        rows, errors = _json_rows(text)
    else:
        rows, errors = _csv_rows(text)
    if errors:
        return Parsed([], errors)
    if not rows:
        return Parsed([], [_("The file lists no days.")])
    if len(rows) > MAX_DAYS:
        return Parsed([], [_("The file lists %(count)d days; a year has at most %(max)d special days.")
                           % {"count": len(rows), "max": MAX_DAYS}])
    days: list[Day] = []
    first_seen: dict[date, str] = {}
    for where, values in rows:
        day, problems = _day(values, year=year)
        if day is not None and day.date in first_seen:
            problems.append(_("%(date)s is already listed at %(first)s.")
                            % {"date": day.date.isoformat(), "first": first_seen[day.date]})
        if problems:
            errors.extend(_at(where, problem) for problem in problems)
            continue
        assert day is not None
        first_seen[day.date] = where
        days.append(day)
    if errors:
        return Parsed([], errors)
    return Parsed(sorted(days, key=lambda d: d.date), [])


def _decode(content: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(text: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    rows: list[tuple[str, list[str]]] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if not rows and {cell.lower() for cell in cells} in HEADERS:
            continue
        rows.append((_("Line %(number)d") % {"number": number}, cells))
    return rows, []


def _json_rows(text: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [_("The file is not valid JSON (line %(line)d, column %(column)d).")
                    % {"line": error.lineno, "column": error.colno}]
    if not isinstance(data, list):
        return [], [_("The JSON file must be a list of days: [{\"date\": …, \"kind\": …, \"name\": …}, …].")]
    rows: list[tuple[str, list[str]]] = []
    errors: list[str] = []
    for number, item in enumerate(data, start=1):
        where = _("Item %(number)d") % {"number": number}
        if not isinstance(item, dict):
            errors.append(_at(where, _("each day is an object with date, kind and name.")))
            continue
        rows.append((where, [_text(item.get("date")), _text(item.get("kind")), _text(item.get("name"))]))
    return rows, errors


def _at(where: str, problem: str) -> str:
    return _("%(where)s: %(problem)s") % {"where": where, "problem": problem}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _day(values: list[str], *, year: int) -> tuple[Day | None, list[str]]:
    if len(values) != 3:
        return None, [_("expected 3 columns (date, kind, name), found %(count)d.") % {"count": len(values)}]
    raw_date, raw_kind, name = values
    problems: list[str] = []
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        day = None
        problems.append(_("the date “%(value)s” is not a date written YYYY-MM-DD.") % {"value": raw_date})
    kind = KINDS.get(raw_kind.lower())
    if kind is None:
        problems.append(_("the kind “%(value)s” is neither holiday nor workday.") % {"value": raw_kind})
    if not name:
        problems.append(_("the name of the holiday is missing."))
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(_("the name is longer than %(max)d characters.") % {"max": NAME_MAX_LENGTH})
    if day is not None and day.year != year:
        problems.append(_("%(date)s is not in %(year)d.") % {"date": day.isoformat(), "year": year})
    if day is not None and kind == WORKDAY and day.isoweekday() < 6:
        problems.append(_("%(date)s is not a weekend day: an adjusted working day is always a Saturday or a Sunday.")
                        % {"date": day.isoformat()})
    if problems or day is None or kind is None:
        return None, problems
    return Day(day, kind, name), []
