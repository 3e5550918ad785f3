"""Cleaning and closing round services (第四章第一条 3、4): the log, the closing checklist with its exceptions,
the idempotent daily job that records missed rounds and tells the daily team once, an exception opening a
safety incident, and a referral for a violation case (discipline, through the extension point)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from discipline.services import round_exceptions
from opc_community.core.errors import DomainError
from opc_community.portal.models import Notification
from spaces.models import CleaningRound, ClosingRound, Incident, MissedRound, RoundException
from spaces.services import rounds as services
from spaces.tasks import flag_missed_rounds
from tests.spaces.support.desks import member
from tests.spaces.support.rounds import log_full_day

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
#: Tuesday 17 November 2026, 21:00 in Shanghai.
NOW = datetime(2026, 11, 17, 21, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_cleaning_is_logged_on_its_day(daily_staff):
    row = services.cleaning_round_record(area="lobby", kind="cleaning", actor=daily_staff, note="地面已拖")
    assert (row.day, row.done_by, row.note) == (NOW.date(), daily_staff, "地面已拖")


@pytest.mark.parametrize(("fields", "field"), [
    ({"area": "attic", "kind": "cleaning"}, "area"),
    ({"area": "lobby", "kind": "polishing"}, "kind"),
    ({"area": "lobby", "kind": "cleaning", "done_at": NOW + timedelta(hours=1)}, "done_at"),
])
def test_a_cleaning_outside_the_schedule_is_refused(daily_staff, fields, field):
    with pytest.raises(DomainError) as refusal:
        services.cleaning_round_record(actor=daily_staff, **fields)
    assert refusal.value.field == field


def test_only_the_daily_team_and_the_administrator_log_rounds(resources_staff, resident_a, administrator):
    for actor in (resources_staff, resident_a):
        with pytest.raises(DomainError) as refusal:
            services.cleaning_round_record(area="lobby", kind="cleaning", actor=actor)
        assert refusal.value.code == "not_allowed"
    services.cleaning_round_record(area="lobby", kind="cleaning", actor=administrator)


def test_a_closing_round_records_its_exceptions(daily_staff):
    closing = services.closing_round_record(
        actor=daily_staff, power_off=True, locked=False, no_hazards=True, exceptions=[
            {"item": "locks", "place": "3F 东侧窗", "description": "窗户未关，已关好"},
            {"item": "other", "place": "2F 茶水间", "description": "垃圾未清"},
        ])
    assert not closing.all_clear
    assert list(closing.exceptions.values_list("item", "place")) == [("locks", "3F 东侧窗"), ("other", "2F 茶水间")]


@pytest.mark.parametrize("exceptions", [
    [],  # an item not in order needs its finding
    [{"item": "locks", "place": "", "description": "未锁"}],
    [{"item": "locks", "place": "3F", "description": "未锁"}, {"item": "power", "place": "3F", "description": "x"}],
    [{"item": "fire", "place": "3F", "description": "未锁"}],
])
def test_a_closing_round_refuses_findings_that_do_not_match_the_checklist(daily_staff, exceptions):
    with pytest.raises(DomainError) as refusal:
        services.closing_round_record(actor=daily_staff, power_off=True, locked=False, no_hazards=True,
                                      exceptions=exceptions)
    assert refusal.value.field == "exceptions"
    assert not ClosingRound.objects.exists()


def test_one_closing_round_a_day_from_the_closing_time(daily_staff):
    with pytest.raises(DomainError) as refusal:
        services.closing_round_record(actor=daily_staff, power_off=True, locked=True, no_hazards=True,
                                      exceptions=[], done_at=NOW.replace(hour=17, minute=59))
    assert refusal.value.field == "done_at" and "18:00" in refusal.value.message
    services.closing_round_record(actor=daily_staff, power_off=True, locked=True, no_hazards=True, exceptions=[])
    with pytest.raises(DomainError) as refusal:
        services.closing_round_record(actor=daily_staff, power_off=True, locked=True, no_hazards=True, exceptions=[])
    assert refusal.value.code == "conflict"


def test_the_daily_job_flags_yesterdays_missed_rounds_once(daily_staff, administrator, resources_staff):
    yesterday = NOW.date() - timedelta(days=1)
    log_full_day(datetime(2026, 11, 16, 8, 0, tzinfo=SH), daily_staff)
    CleaningRound.objects.filter(day=yesterday, area="restrooms", kind="cleaning").first().delete()
    ClosingRound.objects.filter(day=yesterday).delete()
    with time_machine.travel(datetime(2026, 11, 17, 7, 40, tzinfo=SH), tick=False):
        assert flag_missed_rounds() == 2
        assert flag_missed_rounds() == 0
    assert list(MissedRound.objects.values_list("kind", "area", "done", "expected")) == [
        ("cleaning", "restrooms", 2, 3), ("closing", "", 0, 1)]
    told = Notification.objects.filter(kind="spaces.rounds_missed")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["admin_lead", "daily"]
    assert "卫生间" in told.first().body and "2026" in told.first().title


def test_a_full_day_flags_nothing(daily_staff):
    log_full_day(datetime(2026, 11, 16, 8, 0, tzinfo=SH), daily_staff)
    with time_machine.travel(datetime(2026, 11, 17, 7, 40, tzinfo=SH), tick=False):
        assert flag_missed_rounds() == 0
    assert not Notification.objects.filter(kind="spaces.rounds_missed").exists()


def _exception(actor) -> RoundException:
    closing = services.closing_round_record(actor=actor, power_off=True, locked=True, no_hazards=False, exceptions=[
        {"item": "hazards", "place": "A-12 工位", "description": "工位下存放两罐丁烷气"}])
    return closing.exceptions.get()


def test_an_exception_opens_one_safety_incident(daily_staff):
    exception = _exception(daily_staff)
    incident = services.exception_open_incident(exception=exception, actor=daily_staff)
    assert services.exception_open_incident(exception=exception, actor=daily_staff) == incident
    assert (incident.category, incident.place, incident.reported_by) == ("hazard", "A-12 工位", daily_staff)
    assert "丁烷" in incident.description and Incident.objects.count() == 1


def test_an_exception_is_referred_for_one_violation_case(daily_staff, administrator):
    exception = _exception(daily_staff)
    resident = member(name="张三")
    case = round_exceptions.case_open_from_exception(exception_id=exception.pk, resident=resident, kind="6a",
                                                     actor=administrator)
    again = round_exceptions.case_open_from_exception(exception_id=exception.pk, resident=resident, kind="6a",
                                                      actor=administrator)
    assert case == again and case.kind == "6a" and case.occurred_on == NOW.date() and "丁烷" in case.facts
    with pytest.raises(DomainError) as refusal:
        round_exceptions.case_open_from_exception(exception_id=exception.pk, resident=resident, kind="4a",
                                                  actor=administrator)
    assert refusal.value.field == "kind"
