"""Demo activities (第六章第一条 维度一): the programme of the last eight weeks and the next three,
for ``make run`` (``manage.py seed_demo``, after ``residents``).

- **held**: one activity a week over the past eight weeks (training, salon, roadshow,
  matchmaking in turn), all counting for attendance but the last salon; the checked-in demo
  residents attended most of them, so that 我的活动 shows a participation rate below 80 % for
  欧阳娜娜 and the staff's check-in sheet has a history;
- **coming**: a training next week (张三 registered, so his QR code page works; the roadshow
  hall reserved for it as a community booking), a salon and a matchmaking session, open for
  registration.

**How history is made.** The services refuse to publish or check in the past by design, and
time travel is not available at runtime; held activities and their attendance are written
with the ORM as the services would have left them (``# History:``). A resident's attendance
starts at its check-in (RULEBOOK §6: only activities held while checked in are expected).
Coming activities and the registration go through the services.

Idempotent: activities by title; a second ``seed_demo`` changes nothing.
"""

from datetime import datetime, time, timedelta

from opc_community.core.demo import Demo
from opc_community.core.errors import DomainError
from opc_community.workdays.rules import SHANGHAI, local_date
from residents.models import Resident, ResidentStatus
from resources.models import Activity, ActivityKind, ActivityRegistration, Attendance, CheckInMethod
from resources.services import activities as services
from spaces.models import Room

#: (title, kind, weeks ago, place, counts for attendance)
HELD = (
    ("AI 工具链实战培训", ActivityKind.TRAINING, 8, "路演厅", True),
    ("一人公司财税合规沙龙", ActivityKind.SALON, 7, "501 大会议室", True),
    ("秋季项目路演日", ActivityKind.ROADSHOW, 6, "路演厅", True),
    ("算力资源供需对接会", ActivityKind.MATCHMAKING, 5, "302 会议室", True),
    ("知识产权保护培训", ActivityKind.TRAINING, 4, "501 大会议室", True),
    ("出海业务经验分享沙龙", ActivityKind.SALON, 3, "302 会议室", True),
    ("投融资对接会", ActivityKind.MATCHMAKING, 2, "路演厅", True),
    ("周五读书沙龙（自愿参加）", ActivityKind.SALON, 1, "302 会议室", False),
)

#: (title, kind, days ahead, place)
COMING = (
    ("大模型应用开发培训", ActivityKind.TRAINING, 7, "路演厅"),
    ("独立开发者增长沙龙", ActivityKind.SALON, 10, "302 会议室"),
    ("南沙产业链企业对接会", ActivityKind.MATCHMAKING, 14, "501 大会议室"),
    ("AI 企业参访研修学习", ActivityKind.STUDY, 16, "路演厅"),
)

#: Who missed which held activity (by weeks ago); everyone else checked in was there.
ABSENT = {"ouyang": {7, 5, 3}, "lisi": {6}}


def seed(demo: Demo) -> None:
    staff = demo.users["resources"]
    residents = {
        resident.user.username: resident
        for resident in Resident.objects.select_related("user").filter(
            user__username__in=("zhangsan", "ouyang", "lisi"),
            status__in=(ResidentStatus.ACTIVE, ResidentStatus.EXITING),
        )
    }
    today = local_date(demo.now)
    for title, kind, weeks_ago, place, counts in HELD:
        _held(title, kind, today - timedelta(weeks=weeks_ago), place, counts, staff, residents, weeks_ago)
    for title, kind, days_ahead, place in COMING:
        activity = Activity.objects.filter(title=title).first() or services.activity_create(
            title=title, kind=kind, place=place, capacity=30,
            starts_at=_at(today + timedelta(days=days_ahead), 14), ends_at=_at(today + timedelta(days=days_ahead), 16),
            description=f"{title}：欢迎入驻主体报名参加。", actor=staff,
        )
        zhangsan = residents.get("zhangsan")
        if kind == ActivityKind.TRAINING and zhangsan is not None and not activity.registrations.exists():
            services.registration_create(activity=activity, resident=zhangsan, actor=zhangsan.user)
        if kind == ActivityKind.TRAINING and activity.booking is None:
            _reserve_hall(activity, staff)


def _reserve_hall(activity: Activity, staff) -> None:
    """The training reserves the roadshow hall (a community booking; the hall stays free otherwise)."""
    hall = Room.objects.filter(code="RH-101").first()
    if hall is None:
        return
    try:
        services.activity_room_reserve(activity=activity, room=hall, actor=staff)
    except DomainError:  # the slot is taken by a resident's demo booking: the place stays as written
        return


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def _held(title, kind, day, place, counts, staff, residents, weeks_ago) -> None:
    if Activity.objects.filter(title=title).exists():
        return
    starts_at, ends_at = _at(day, 14), _at(day, 16)
    # History: published three weeks before, as activity_create would have.
    activity = Activity.objects.create(
        title=title, kind=kind, place=place, capacity=40, starts_at=starts_at, ends_at=ends_at,
        counts_for_attendance=counts, description=f"{title}（已举办）。", checkin_token=services.new_checkin_token(),
        created_by=staff,
    )
    for username, resident in residents.items():
        if resident.checked_in_at is None or resident.checked_in_at > starts_at:
            continue
        if weeks_ago in ABSENT.get(username, ()):
            continue
        # History: registered the week before, ticked on the list a few minutes after the start.
        ActivityRegistration.objects.create(activity=activity, resident=resident)
        Attendance.objects.create(
            activity=activity, resident=resident, method=CheckInMethod.LIST,
            checked_in_at=starts_at + timedelta(minutes=5), checked_in_by=staff,
        )
