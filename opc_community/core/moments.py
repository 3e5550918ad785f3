"""Dates and moments as people in the community read them: the local calendar (Asia/Shanghai), the
active language's format — "2026年10月8日" and "2026年10月8日 14:30" in Chinese (no zero padding),
"Oct. 8, 2026" and "Oct. 8, 2026, 2:30 p.m." in English.

Messages, notifications, documents and admin columns use these; templates use the filters ``day``
and ``moment`` (``{% load opc %}``), which call them.
"""

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy


def format_day(value: date | datetime) -> str:
    """The day of ``value``: a date as it is, a moment by its local calendar day."""
    return date_format(_local(value), "DATE_FORMAT")


def format_moment(value: datetime) -> str:
    """A moment in local time to the minute, e.g. "2026年11月27日 14:30" in Chinese."""
    return date_format(_local(value), "DATETIME_FORMAT")


#: ``format_day`` rendered only when the text is, in the language active then: for values of stored
#: text prepared before it is rendered in the community language (:mod:`opc_community.core.i18n`).
format_day_lazy = lazy(format_day, str)


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value
