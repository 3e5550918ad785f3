"""Demo drills (第七章第四条), called by ``resources.demo.seed``: a fire drill held five weeks ago with its
attendance and after-action report (two findings → two safety work items), and an emergency drill planned in
two weeks. Idempotent by title. The held drill's activity is history (written with the ORM); its report and
the coming drill go through the services."""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from opc_community.core.demo import Demo
from opc_community.workdays.rules import local_date
from resources.models import Activity, ActivityKind, Attendance, SafetyDrill
from resources.services import drills as services
from resources.services.activities import new_checkin_token

SHANGHAI = ZoneInfo("Asia/Shanghai")
HELD = "秋季消防疏散演练"
COMING = "冬季地震应急演练"


def _at(day: Any, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def seed(demo: Demo, residents: dict[str, Any]) -> None:
    daily = demo.users["daily"]
    today = local_date(demo.now)
    if not SafetyDrill.objects.filter(activity__title=HELD).exists():
        day = today - timedelta(weeks=5)
        activity = Activity.objects.create(
            title=HELD, kind=ActivityKind.DRILL, place="1F 大堂集合点", capacity=80, starts_at=_at(day, 15),
            ends_at=_at(day, 16), counts_for_attendance=True, checkin_token=new_checkin_token(), created_by=daily,
            description="全体入驻人员参加：火警广播、沿疏散指示撤离至 1F 集合点、清点人数、灭火器实操。",
        )
        drill = SafetyDrill.objects.create(activity=activity, drill_type="fire_drill", plan_kind="fire")
        for resident in residents.values():
            if resident.checked_in_at is not None and resident.checked_in_at <= activity.starts_at:
                Attendance.objects.create(activity=activity, resident=resident, method="list",
                                          checked_in_at=activity.starts_at + timedelta(minutes=5), checked_in_by=daily)
        services.drill_report(
            drill=drill, actor=daily,
            report="警报后 4 分 30 秒全部撤离至集合点，人数清点无误；灭火器实操 12 人。整体有序，个别楼层引导不足。",
            findings=["4F 西侧疏散指示灯不亮", "3F 安全出口门闭门器卡滞，需维修"],
        )
    if not SafetyDrill.objects.filter(activity__title=COMING).exists():
        day = today + timedelta(weeks=2)
        services.drill_plan(
            title=COMING, drill_type="emergency_drill", plan_kind="earthquake", starts_at=_at(day, 15),
            ends_at=_at(day, 16), place="3F 共享办公区", capacity=80, actor=daily,
            description="地震应急预案演练：就近避险、有序撤离、应急物资领取。",
        )
