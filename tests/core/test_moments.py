"""Dates and moments as people read them (opc_community.core.moments): Chinese and English, local time."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from opc_community.core.i18n import render_stored
from opc_community.core.moments import format_day, format_day_lazy, format_moment

#: 2026-10-07 23:30 UTC is already 8 October in Shanghai (UTC+8).
LATE_EVENING_UTC = datetime(2026, 10, 7, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(("language", "value", "expected"), [
    ("zh-hans", date(2026, 10, 8), "2026年10月8日"),  # no zero padding
    ("zh-hans", date(2026, 1, 5), "2026年1月5日"),
    ("zh-hans", date(2026, 12, 31), "2026年12月31日"),
    ("zh-hans", LATE_EVENING_UTC, "2026年10月8日"),  # a moment counts by its local day
    ("en", date(2026, 10, 8), "Oct. 8, 2026"),
    ("en", date(2026, 5, 1), "May 1, 2026"),
    ("en", LATE_EVENING_UTC, "Oct. 8, 2026"),
])
def test_a_day(language, value, expected):
    with translation.override(language):
        assert format_day(value) == expected


@pytest.mark.parametrize(("language", "value", "expected"), [
    ("zh-hans", LATE_EVENING_UTC, "2026年10月8日 07:30"),
    ("zh-hans", datetime(2026, 11, 27, 6, 30, tzinfo=UTC), "2026年11月27日 14:30"),
    ("zh-hans", datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "2026年3月2日 00:00"),  # midnight, next day locally
    ("en", datetime(2026, 11, 27, 6, 30, tzinfo=UTC), "Nov. 27, 2026, 2:30 p.m."),
    ("en", datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "March 2, 2026, midnight"),
])
def test_a_moment(language, value, expected):
    with translation.override(language):
        assert format_moment(value) == expected


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("zh-hans", "{{ on|day }} · {{ at|moment }} · [{{ missing|day }}{{ missing|moment }}]",
     "2026年10月8日 · 2026年10月8日 07:30 · []"),
    ("en", "{{ on|day }} · {{ at|moment }}", "Oct. 8, 2026 · Oct. 8, 2026, 7:30 a.m."),
])
def test_the_template_filters_say_the_same(language, text, expected):
    template = Template("{% load opc %}" + text)
    with translation.override(language):
        rendered = template.render(Context({"on": date(2026, 10, 8), "at": LATE_EVENING_UTC, "missing": None}))
    assert rendered == expected


def test_a_lazy_day_is_formatted_when_the_stored_text_is_rendered():
    """Prepared while the actor's English is active, written down in the community language."""
    with translation.override("en"):
        day = format_day_lazy(date(2026, 10, 8))
        assert str(day) == "Oct. 8, 2026"
        assert render_stored(lambda: f"截止 {day}") == "截止 2026年10月8日"
