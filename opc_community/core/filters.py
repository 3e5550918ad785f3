"""Query-parameter filters shared by every app's ``api.py`` (django-filter).

A value a caller types is checked here, at the edge, so that nothing reaches PostgreSQL or date
arithmetic that could only fail there: a bad date, moment or year is a 400 naming the parameter,
never a 500. Use these instead of django-filter's own date, date-time and year filters.
"""

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

#: The calendar dates a caller may give: any real record fits, and they stay far enough from Python's
#: year 1 and 9999 that the arithmetic done with them (the day after, a week's end, working-day
#: deadlines) cannot overflow.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def validate_supported_date(value: date) -> None:
    """Django validator (forms, filters and DRF serializers alike): the date lies in FIRST_DAY–LAST_DAY."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            _("Give a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )


class SupportedDateField(forms.DateField):
    default_validators = [validate_supported_date]


class SupportedDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment in the supported dates, turned into local time (Asia/Shanghai): an offset
    Python accepts but PostgreSQL refuses (beyond ±15:59, e.g. ``+23:00``) never reaches a query."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        validate_supported_date(moment)
        return timezone.localtime(moment)


class YearField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", FIRST_DAY.year)
        kwargs.setdefault("max_value", LAST_DAY.year)
        super().__init__(**kwargs)


class DateFilter(filters.DateFilter):
    field_class = SupportedDateField


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = SupportedDateTimeField


@extend_schema_field({"type": "integer", "minimum": FIRST_DAY.year, "maximum": LAST_DAY.year})
class YearFilter(filters.NumberFilter):
    """A whole year in the supported dates; works with ``lookup_expr="year"`` on a date or date-time."""

    field_class = YearField
