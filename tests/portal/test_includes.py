"""Shared template snippets of templates/includes/ that other apps reuse."""

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.utils import translation


@pytest.mark.parametrize(
    ("days_left", "text", "overdue"),
    [
        (3, "还剩 3 个工作日", False),
        (1, "还剩 1 个工作日", False),
        (0, "今天截止", False),
        (-2, "已逾期", True),
    ],
)
def test_deadline_shows_the_date_and_the_working_days_left(days_left, text, overdue):
    with translation.override("zh-hans"):
        html = render_to_string(
            "includes/deadline.html", {"date": date(2026, 10, 9), "days_left": days_left}
        )
    assert "2026年10月9日" in html
    assert 'datetime="2026-10-09"' in html
    assert text in html
    assert ("deadline--overdue" in html) is overdue


def test_deadline_in_english():
    with translation.override("en"):
        html = render_to_string(
            "includes/deadline.html", {"date": date(2026, 10, 9), "days_left": 2}
        )
    assert "2 working days left" in html
