"""One ladder run at a time (discipline.services.ladders, decision 6): two runs started together do not both
open cases, and no case number is spent by the one that stands aside. Real parallel connections (threads,
committed data).
"""

from datetime import timedelta

from django.utils import timezone

from discipline.models import ViolationCase
from discipline.services.ladders import RUN_LOCK, ladders_run
from tests.concurrency import committed_data, restore_snapshot_without_triggers, run_in_parallel  # noqa: F401
from tests.discipline.support.ladders import content
from tests.faults.support import clean_run, database_lock, overdue_resident

pytestmark = committed_data


def two_residents_20_days_overdue() -> None:
    due = timezone.localdate() - timedelta(days=20)
    overdue_resident("张三", due_on=due)
    overdue_resident("欧阳娜娜", due_on=due)


def test_two_runs_at_once_open_each_case_once_with_gapless_numbers():
    two_residents_20_days_overdue()
    clean = clean_run(lambda: ladders_run(today=timezone.localdate()), content)
    today = timezone.localdate()
    results = run_in_parallel([lambda: ladders_run(today=today), lambda: ladders_run(today=today)])
    assert not any(isinstance(result, Exception) for result in results), results
    # One run opened the four cases; the other stood aside (or, had it started after, found them all)
    assert sum(result.total_opened for result in results) == 4
    assert all(result.skipped or result.total_opened == 4 or result.already == 4 for result in results)
    numbers = list(ViolationCase.objects.order_by("number").values_list("number", flat=True))
    assert numbers == [f"违〔{today.year}〕{n:04d}号" for n in (1, 2, 3, 4)]
    assert content() == clean


def test_a_run_that_finds_the_lock_taken_opens_nothing_and_the_next_one_does():
    two_residents_20_days_overdue()
    with database_lock("SELECT pg_advisory_xact_lock(hashtext(%s))", [RUN_LOCK]):
        stood_aside = ladders_run(today=timezone.localdate())
    assert stood_aside.skipped and stood_aside.total_opened == 0
    assert not ViolationCase.objects.exists()
    # The lock ends with its transaction (or its process): the next run does the work
    assert ladders_run(today=timezone.localdate()).total_opened == 4
