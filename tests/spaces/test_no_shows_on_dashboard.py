"""A resident sees its own no-shows on the dashboard's "我的预约" card, counted as staff count them (RULEBOOK §5:
released bookings within the window) with what the limit leads to (第八章第二条); never another resident's."""

from datetime import timedelta

import pytest
from django.urls import reverse

from spaces.models import BookingStatus
from spaces.selectors.bookings import bookings_card
from tests.spaces.support.bookings import (
    TODAY,
    at,
    book,
    clock_fixture,  # noqa: F401
    meeting_room_fixture,  # noqa: F401
    member_a_fixture,  # noqa: F401
    member_b_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def no_show(resident, room, days_ago):
    start = at(TODAY - timedelta(days=days_ago), "10:00")
    return book(resident, room, start, start + timedelta(hours=1), status=BookingStatus.RELEASED)


def test_the_card_counts_my_no_shows_in_the_window_and_says_what_the_limit_leads_to(
    client_for, member_a, member_b, meeting_room
):
    no_show(member_a, meeting_room, 1)
    no_show(member_a, meeting_room, 3)
    no_show(member_a, meeting_room, 45)  # outside the 30-day window
    no_show(member_b, meeting_room, 2)  # someone else's
    html = client_for(member_a.user).get(reverse("portal:dashboard")).content.decode()
    assert (
        "近 30 天内您有 2 次预约未签到（已释放）。30 天内累计 3 次将按“违规使用空间”处理（第八章第二条）。"
        in html
    )


def test_no_no_show_no_note(client_for, member_a):
    html = client_for(member_a.user).get(reverse("portal:dashboard")).content.decode()
    assert 'data-testid="no-shows"' not in html


def test_the_card_reads_three_queries_whatever_the_number_of_bookings(
    member_a, meeting_room, django_assert_num_queries
):
    for days_ago in range(1, 5):
        no_show(member_a, meeting_room, days_ago)
    bookings_card(member_a)  # warm the rulebook's per-process cache
    # the rulebook version in force, the upcoming bookings, the no-shows
    with django_assert_num_queries(3):
        card = bookings_card(member_a)
    assert card["no_shows"] == 4 and card["no_show_limit"] == 3
