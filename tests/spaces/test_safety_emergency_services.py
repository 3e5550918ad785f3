"""Emergency plans, supplies and activations (第七章第四条), and the daily job's new flags: supplies expiring
and missing patrol rounds told once (spaces.services.emergency)."""

from datetime import date, timedelta

import pytest
import time_machine

from opc_community.core.errors import DomainError
from opc_community.portal.models import Notification
from spaces.models import ActivationEntry, DutyShift, EmergencyPlan, PatrolRound
from spaces.services import emergency as services
from spaces.tasks import flag_safety_due
from tests.spaces.support.emergency import PROCEDURES, ROLES, fire_plan, supply
from tests.spaces.support.safety import NOW, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Plans ---------------------------------------------------------------------------------------------


def test_a_new_version_supersedes_the_current_one_and_keeps_it(daily_staff):
    first = services.plan_publish(kind="fire", title="火灾应急预案", roles=ROLES, procedures=PROCEDURES,
                                  actor=daily_staff)
    assert first.version == 1 and first.superseded_at is None
    second = services.plan_publish(kind="fire", title="火灾应急预案（修订）", roles=ROLES,
                                   procedures=PROCEDURES + "\n清点人数", actor=daily_staff)
    first.refresh_from_db()
    assert second.version == 2 and second.superseded_at is None
    assert first.superseded_at is not None and first.title == "火灾应急预案"  # kept as it was
    other = services.plan_publish(kind="earthquake", title="地震应急预案", roles=ROLES, procedures="躲避\n撤离",
                                  actor=daily_staff)
    assert other.version == 1
    assert EmergencyPlan.objects.filter(superseded_at__isnull=True).count() == 2


@pytest.mark.parametrize(("field", "data"), [
    ("kind", {"kind": "flood"}),
    ("title", {"title": "  "}),
    ("procedures", {"procedures": ""}),
])
def test_a_plan_needs_its_kind_title_roles_and_procedures(daily_staff, field, data):
    values = {"kind": "fire", "title": "火灾应急预案", "roles": ROLES, "procedures": PROCEDURES, **data}
    with pytest.raises(DomainError) as refusal:
        services.plan_publish(actor=daily_staff, **values)
    assert refusal.value.field == field


@pytest.mark.parametrize("who", ["resources_staff", "resident_a", "oversight"])
def test_only_the_safety_staff_publish_and_activate(request, who, daily_staff):
    actor = request.getfixturevalue(who)
    with pytest.raises(DomainError) as refusal:
        services.plan_publish(kind="fire", title="x", roles=ROLES, procedures=PROCEDURES, actor=actor)
    assert refusal.value.code == "not_allowed"
    plan = fire_plan(daily_staff)
    with pytest.raises(DomainError):
        services.plan_activate(plan=plan, reason="演练", actor=actor)


# --- Activation ----------------------------------------------------------------------------------------


def test_activating_records_the_timeline_and_tells_the_administrator(daily_staff, administrator):
    plan = fire_plan(daily_staff)
    activation = services.plan_activate(plan=plan, reason="3F 茶水间冒烟", actor=daily_staff)
    told = Notification.objects.get(recipient=administrator, kind="spaces.plan_activated")
    assert "火灾应急预案" in told.title and "3F 茶水间冒烟" in told.body
    assert not Notification.objects.filter(recipient=daily_staff, kind="spaces.plan_activated").exists()
    services.activation_record(activation=activation, text="已疏散 3F 全部人员", actor=administrator)
    services.activation_end(activation=activation, summary="明火已扑灭，无人员受伤", actor=administrator)
    timeline = list(ActivationEntry.objects.filter(activation=activation).values_list("actor__username", "text"))
    assert timeline == [("daily", "启动预案：3F 茶水间冒烟"), ("admin_lead", "已疏散 3F 全部人员"),
                        ("admin_lead", "应急结束：明火已扑灭，无人员受伤")]
    with pytest.raises(DomainError) as refusal:
        services.activation_record(activation=activation, text="补记", actor=daily_staff)
    assert refusal.value.code == "ended"


def test_a_superseded_version_or_a_plan_already_in_action_is_not_activated_again(daily_staff):
    old = fire_plan(daily_staff, superseded_at=NOW)
    with pytest.raises(DomainError) as refusal:
        services.plan_activate(plan=old, reason="冒烟", actor=daily_staff)
    assert refusal.value.code == "superseded"
    current = fire_plan(daily_staff, version=2)
    services.plan_activate(plan=current, reason="冒烟", actor=daily_staff)
    with pytest.raises(DomainError) as refusal:
        services.plan_activate(plan=current, reason="又冒烟", actor=daily_staff)
    assert refusal.value.code == "active"


# --- The daily job ---------------------------------------------------------------------------------------


def test_expiring_and_expired_supplies_are_told_once(daily_staff, administrator):
    supply(name="应急手电", expires_on=TODAY + timedelta(days=10))
    supply(name="急救包", expires_on=TODAY)
    supply(name="防烟面罩", expires_on=TODAY + timedelta(days=200))
    supply(name="灭火毯", expires_on=None)
    supply(name="旧口罩", expires_on=TODAY - timedelta(days=5), quantity=0)  # none left: nothing to replace
    assert services.supplies_flag_expiring(today=TODAY) == {"supplies_expiring": 1, "supplies_expired": 1}
    titles = sorted(Notification.objects.filter(recipient=daily_staff, kind="spaces.supply_expiry")
                    .values_list("title", flat=True))
    assert titles == ["应急物资即将过期：应急手电", "应急物资已过期：急救包"]
    assert services.supplies_flag_expiring(today=TODAY) == {"supplies_expiring": 0, "supplies_expired": 0}
    assert Notification.objects.filter(kind="spaces.supply_expiry").count() == 4  # two people, two supplies


def test_a_missing_patrol_round_is_told_to_the_daily_team_once(daily_staff, administrator):
    shift = DutyShift.objects.create(on_duty=daily_staff, starts_at=NOW - timedelta(hours=7),
                                     ends_at=NOW + timedelta(hours=1))
    PatrolRound.objects.create(shift=shift, walked_at=NOW - timedelta(hours=6), checkpoints="1F", recorded_by=daily_staff)
    PatrolRound.objects.create(shift=shift, walked_at=NOW - timedelta(hours=1), checkpoints="2F", recorded_by=daily_staff)
    old = DutyShift.objects.create(on_duty=daily_staff, starts_at=NOW - timedelta(days=5), ends_at=NOW - timedelta(days=4))
    assert services.patrols_flag_missing(now=NOW) == 1  # 6 h → 1 h ago: one gap; the old shift is not looked at
    told = Notification.objects.get(kind="spaces.patrol_missing")
    assert told.recipient == daily_staff and "钱日常" in told.title
    assert f"/admin/spaces/dutyshift/{shift.pk}/" in told.link and str(old.pk) not in told.link.split("/")[-2:]
    assert services.patrols_flag_missing(now=NOW) == 0
    assert Notification.objects.filter(kind="spaces.patrol_missing").count() == 1
    assert not Notification.objects.filter(recipient=administrator, kind="spaces.patrol_missing").exists()


def test_the_daily_job_runs_every_flag(daily_staff):
    supply(name="急救包", expires_on=TODAY)
    DutyShift.objects.create(on_duty=daily_staff, starts_at=NOW - timedelta(hours=5), ends_at=NOW)
    counts = flag_safety_due()
    assert counts["supplies_expired"] == 1 and counts["patrols_missing"] == 1
    again = flag_safety_due()
    assert again["supplies_expired"] == 0 and again["patrols_missing"] == 0


def test_supplies_are_kept_by_the_safety_staff(daily_staff, resident_a):
    item = supply()
    item.name = "  "
    with pytest.raises(DomainError) as refusal:
        services.supply_save(supply=item, actor=daily_staff)
    assert refusal.value.field == "name"
    with pytest.raises(DomainError):
        services.supply_save(supply=supply(name="哨子", expires_on=date(2030, 1, 1)), actor=resident_a)
