"""A moment as people in the community read it: local time (Asia/Shanghai), the active language's format."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format


def format_moment(value: datetime) -> str:
    """e.g. "2026年11月27日 14:30" in Chinese; messages, notifications and admin columns use it."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")
