"""The working-day calendar held once per process (``workdays.cached``): no query while it holds, a
reload in every process after a committed change, nothing kept from an uncommitted or rolled-back one."""

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from opc_community.workdays import cached
from opc_community.workdays.models import SpecialDay
from opc_community.workdays.selectors import add_working_days, work_calendar
from opc_community.workdays.services import special_day_save

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY = date(2027, 3, 1)  # 2027 has no loaded schedule: plain Monday–Friday


def test_the_calendar_is_read_once_then_held(django_assert_num_queries):
    with django_assert_num_queries(2):  # special days; loaded years
        work_calendar()
    with django_assert_num_queries(0):
        assert add_working_days(MONDAY, 1).date == date(2027, 3, 2)
        assert work_calendar().is_working_day(date(2026, 10, 1)) is False


def test_a_change_committed_by_another_process_is_read_on_the_next_call(django_assert_num_queries):
    work_calendar()
    # Another process adds a holiday (no signal here) and publishes a new stamp when it commits.
    SpecialDay.objects.bulk_create(
        [SpecialDay(date=date(2027, 3, 2), kind="holiday", name="测试假日")]
    )
    with django_assert_num_queries(0):
        assert add_working_days(MONDAY, 1).date == date(2027, 3, 2)  # this process's copy, until…
    cache.set(cached.STAMP_KEY, "a stamp written by another process", timeout=None)
    with django_assert_num_queries(2):
        assert add_working_days(MONDAY, 1).date == date(2027, 3, 3)
    with django_assert_num_queries(0):
        work_calendar()


def test_a_change_is_published_when_its_transaction_commits(
    django_capture_on_commit_callbacks, administrator
):
    work_calendar()
    before = cache.get(cached.STAMP_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        special_day_save(
            day=SpecialDay(date=date(2027, 3, 2), kind="holiday", name="测试假日"),
            actor=administrator,
        )
        # The transaction that changed the calendar reads the new one (the deadlines it recomputes)…
        assert add_working_days(MONDAY, 1).date == date(2027, 3, 3)
        assert (
            cache.get(cached.STAMP_KEY) == before
        )  # …and tells the other processes only on commit.
    assert cache.get(cached.STAMP_KEY) != before


def test_a_rolled_back_change_leaves_nothing_behind(django_assert_num_queries, administrator):
    work_calendar()
    with transaction.atomic():
        special_day_save(
            day=SpecialDay(date=date(2027, 3, 2), kind="holiday", name="测试假日"),
            actor=administrator,
        )
        assert add_working_days(MONDAY, 1).date == date(2027, 3, 3)
        transaction.set_rollback(True)
    with django_assert_num_queries(
        2
    ):  # the copy was dropped: loaded again, without the rolled-back day
        assert add_working_days(MONDAY, 1).date == date(2027, 3, 2)
    with django_assert_num_queries(0):
        work_calendar()


def test_without_the_shared_cache_the_calendar_is_read_from_the_database(django_assert_num_queries):
    work_calendar()
    down = mock.patch.object(RedisCache, "get", side_effect=RedisConnectionError("down"))
    with down, django_assert_num_queries(2):
        assert work_calendar().is_working_day(date(2026, 10, 1)) is False


def test_an_edit_in_the_admin_is_seen_by_the_next_request(client_for, administrator, member_a):
    api = client_for(member_a.user)
    url = reverse("workday-deadline")
    query = {"event_at": datetime(2027, 3, 1, 10, tzinfo=SH).isoformat(), "working_days": 1}
    assert api.get(url, query).json()["deadline"].startswith("2027-03-02")
    client_for(administrator).post(
        reverse("admin:workdays_specialday_add"),
        {"date": "2027-03-02", "kind": "holiday", "name": "测试假日"},
    )
    assert api.get(url, query).json()["deadline"].startswith("2027-03-03")
