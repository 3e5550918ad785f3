"""Template filters used on every surface: masking, money, dates and moments."""

from datetime import date, datetime

from django import template

from opc_community.core import masking, money
from opc_community.core.moments import format_day, format_moment

register = template.Library()

register.filter("mask_name", masking.mask_person_name)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_identity", masking.mask_identity_number)
register.filter("yuan", money.format_yuan)


@register.filter("day")
def day(value: date | datetime | None) -> str:
    """``{{ invoice.due_on|day }}`` → 2026年10月8日 (nothing for no date)."""
    return format_day(value) if value else ""


@register.filter("moment")
def moment(value: datetime | None) -> str:
    """``{{ message.at|moment }}`` → 2026年10月8日 14:30 (nothing for no moment)."""
    return format_moment(value) if value else ""
