"""The scheduled opening of the quarter for inputs (第六章第一条): daily at 00:05, the quarter containing today
exists from its first day — deadline its last day unless staff added it ahead — and residents who may
report are told once. Idempotent: a second run changes nothing."""

from datetime import date

import pytest
from django.conf import settings

from opc_community.portal.models import Notification
from residents.models import ResidentStatus
from scoring.models import Quarter, QuarterStatus
from scoring.services.inputs import input_save, input_submit
from scoring.tasks import open_current_quarter, run_quarter_just_ended
from tests.scoring.support.inputs import at, make_quarter, member, numbers, sh

pytestmark = pytest.mark.django_db

DAY_ONE = sh(2026, 10, 1, 0, 5)  # the beat entry's time on day 1 of 2026 Q4


@pytest.fixture
def residents(resident_a, resident_b):
    me = member(resident_a, name="张三")
    other = member(resident_b, name="欧阳娜娜", status=ResidentStatus.EXITING)
    member(status=ResidentStatus.EXITED, exited_on=date(2026, 8, 31), retain_until=date(2031, 8, 31))
    member(status=ResidentStatus.ONBOARDING, checked_in_at=None)
    return me, other


def test_day_one_opens_the_new_quarter_with_its_last_day_as_deadline_and_tells_the_residents_once(residents):
    with at(DAY_ONE):
        first = open_current_quarter.delay().get()
        again = open_current_quarter.delay().get()
    quarter = Quarter.objects.get()
    assert (quarter.year, quarter.number, quarter.status) == (2026, 4, QuarterStatus.OPEN)
    assert quarter.inputs_due_on == date(2026, 12, 31)
    assert first == {"quarter": quarter.pk, "created": True}
    assert again == {"quarter": quarter.pk, "created": False}  # a second run changes nothing
    messages = Notification.objects.filter(kind="scoring.quarter_open")
    assert sorted(m.recipient_id for m in messages) == sorted(r.user_id for r in residents)  # not exited/onboarding
    message = messages.first()
    # the plan first — due on the quarter's 10th working day (National Day: 10-08 is the first) — then results
    assert "2026 Q4" in message.title and "2026年10月20日" in message.title
    assert "2026年10月20日 23:59" in message.body and "2026年12月31日 23:59" in message.body
    assert message.link == f"/portal/scores/plans/{quarter.pk}/"


def test_a_quarter_staff_added_ahead_keeps_its_deadline(residents):
    added = make_quarter(number=4, due=date(2027, 1, 8))
    with at(DAY_ONE):
        assert open_current_quarter.delay().get() == {"quarter": added.pk, "created": False}
    added.refresh_from_db()
    assert added.inputs_due_on == date(2027, 1, 8)
    assert "2027年1月8日" in Notification.objects.filter(kind="scoring.quarter_open").first().body


def test_later_runs_tell_only_residents_checked_in_since(residents, outsider):
    with at(DAY_ONE):
        open_current_quarter.delay().get()
    newcomer = member(outsider, checked_in_at=sh(2026, 11, 2, 9))
    with at(sh(2026, 11, 3, 0, 5)):
        assert open_current_quarter.delay().get()["created"] is False
    told = Notification.objects.filter(kind="scoring.quarter_open")
    assert told.count() == 3 and told.filter(recipient=newcomer.user).count() == 1
    # checked in on Monday 11-02: its plan is due 10 working days on, counting the day of check-in
    assert "2026年11月13日" in told.get(recipient=newcomer.user).title


def test_nobody_is_told_once_the_deadline_has_passed(residents):
    make_quarter(number=4, due=date(2026, 12, 20))
    with at(sh(2026, 12, 21, 0, 5)):
        open_current_quarter.delay().get()
    assert not Notification.objects.filter(kind="scoring.quarter_open").exists()


def test_on_day_one_the_old_quarter_is_drafted_and_residents_submit_for_the_new_one(residents):
    """00:05 opens 2026 Q4, 02:00 drafts 2026 Q3 (created with its last day as deadline): a resident
    reports on Q4 from day 1."""
    me, _ = residents
    with at(DAY_ONE):
        open_current_quarter.delay().get()
    with at(sh(2026, 10, 1, 2, 0)):
        run_quarter_just_ended.delay().get()
    statuses = dict(Quarter.objects.values_list("number", "status"))
    assert statuses == {3: QuarterStatus.DRAFTED, 4: QuarterStatus.OPEN}
    new = Quarter.objects.get(number=4)
    with at(sh(2026, 10, 1, 9, 0)):
        data = input_save(quarter=new, resident=me, values=numbers(), actor=me.user)
        assert input_submit(input=data, actor=me.user).status == "submitted"


def test_the_beat_opens_the_quarter_daily_before_the_quarter_run():
    opening = settings.CELERY_BEAT_SCHEDULE["scoring-open-current-quarter"]
    run = settings.CELERY_BEAT_SCHEDULE["scoring-run-quarter-just-ended"]["schedule"]
    assert opening["task"] == "scoring.tasks.open_current_quarter"
    schedule = opening["schedule"]
    assert (schedule.hour, schedule.minute, len(schedule.day_of_month), len(schedule.month_of_year)) == (
        {0}, {5}, 31, 12)  # every day
    assert (min(schedule.hour), min(schedule.minute)) < (min(run.hour), min(run.minute))
