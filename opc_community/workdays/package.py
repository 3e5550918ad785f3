"""The official holiday schedules shipped by the ``chinesecalendar`` package.

The package is the maintained source for the years it covers (2004–2026 in
1.11.0); the database copy is what the application reads, so that staff can
enter next year's schedule when the State Council publishes it (RULEBOOK §2).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import chinese_calendar
from chinese_calendar import constants
from django.db import models

SOURCE = "chinesecalendar"

# Holiday names as the State Council's notices call them.
NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class PackageDay:
    date: date
    is_holiday: bool
    name: str


def _name(english: str) -> str:
    return NAMES_ZH.get(english, english)


def schedules() -> dict[int, list[PackageDay]]:
    """Every special day the package knows, grouped by year (holidays that fall on weekends included)."""
    by_year: dict[int, list[PackageDay]] = defaultdict(list)
    for day, holiday in constants.holidays.items():
        by_year[day.year].append(PackageDay(day, True, _name(holiday)))
    for day, holiday in constants.workdays.items():
        by_year[day.year].append(PackageDay(day, False, _name(holiday)))
    return {year: sorted(days, key=lambda d: d.date) for year, days in by_year.items()}


def load_into(
    calendar_year_model: type[models.Model], special_day_model: type[models.Model], years: list[int] | None = None
) -> list[int]:
    """Copy the package's schedules into the calendar tables (replacing those years' rows).

    Takes the model classes so that the seeding data migration (historical models)
    and the ``load_holidays`` command share this one implementation.
    """
    available = schedules()
    chosen = sorted(available if years is None else set(years) & set(available))
    for year in chosen:
        special_day_model._default_manager.filter(date__year=year).delete()
        special_day_model._default_manager.bulk_create(
            special_day_model(date=day.date, kind="holiday" if day.is_holiday else "workday", name=day.name)
            for day in available[year]
        )
        calendar_year_model._default_manager.update_or_create(
            year=year, defaults={"source": "package", "note": f"{SOURCE} {chinese_calendar.__version__}"}
        )
    return chosen

