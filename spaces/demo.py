"""Demo spaces (第四章第一条、第三条): rooms, four weeks of booking history and a week ahead, visitors,
permits and a desk change request, for ``make run`` (``manage.py seed_demo``, after ``residents``).

What the seed builds, with times relative to ``demo.now`` (Asia/Shanghai):

- the **desk register** on two floors (3F A 区 / B 区, 4F C 区), when it is empty — made first, by
  :func:`seed_register` (``opc_community.core.demo.prepare_registers``), because the residents
  demo's check-ins take desks; their assignments are then dated back to each check-in (and a
  past exit's release to that exit), as a desk assigned back then would be;
- **rooms** of each type with their equipment: three meeting rooms (6, 12 and 20 people), the
  roadshow hall, two negotiation rooms;
- **bookings** on a weekly rhythm (:data:`RHYTHM`): the past 28 days as history (mostly checked
  in; some released as no-shows, some cancelled; 欧阳娜娜 misses her Monday/Wednesday/Friday
  negotiation-room slot lately, so she appears among the no-show candidates), and the next
  7 days confirmed through ``booking_create``, one of them cancelled by its resident, one in the
  roadshow hall on a free credit (``credit_grant`` + ``use_credit``);
- **visitors** today in every state: awaiting the host, confirmed by the host, confirmed by
  phone and admitted, signed out, refused by the host, cancelled by the front desk;
- **permits**: a launch event approved with its roadshow-hall booking (``permit_reserve_room``),
  a poster awaiting a decision, a flyer refused with reasons;
- a **desk change request** by 张三, awaiting the daily management team;
- **equipment** (公共资源, 第四章第二条): projectors, a camera, a GPU, a speaker, a recorder, with asset
  numbers, values and places; 张三 has a projector out (due in two days) and a speaker reserved (through
  ``loan_reserve``), 欧阳娜娜 has a camera five days out and two days overdue (flagged by the daily job's
  service, resident and team told), 李四 returned a GPU on time and a recorder damaged (¥260) last week.

Bookers and hosts are the residents demo's checked-in residents (``zhangsan``, ``ouyang``,
``lisi`` in her exit grace period), found by user name; without them only the rooms are made.

**How history is made.** The services act *now* and refuse the past by design (a booking in the
past, a check-in after the window), and time travel is not available at runtime; so bookings
that started before ``demo.now`` are written with the ORM as the services would have left them
(checked in a few minutes after the start, released ``no_show_release_minutes`` after it, or
cancelled the day before), each dated back — marked ``# History:`` below. A resident's history
starts at its check-in. Everything from now on goes through the services: future bookings,
cancellation, credits, visitors, permits and the desk request.

Idempotent: desks when the register is empty, rooms by code, visitors by (name, host), permits by (resident, title), the desk
request by resident, the credit by its source key; bookings are made once (when the demo rooms
hold none), so a second ``seed_demo`` — even on another day — changes nothing. Texts are
Chinese data, as in the other demos.
"""

import struct
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Exists, F, OuterRef, Subquery

from opc_community import rulebook
from opc_community.accounts.models import User
from opc_community.core.demo import Demo
from opc_community.rulebook.schema import Rulebook
from opc_community.workdays.rules import SHANGHAI, local_date
from residents.models import ClearanceItem, ExitClearance, Resident, ResidentStatus
from spaces.models import (
    Booking,
    BookingStatus,
    Desk,
    DeskAssignment,
    DeskChangeRequest,
    Equipment,
    EquipmentCategory,
    EquipmentCondition,
    EquipmentLoan,
    LoanStatus,
    Permit,
    PermitKind,
    Room,
    RoomType,
    Visitor,
)
from spaces.selectors.desks import free_desks
from spaces.services import bookings as booking_services
from spaces.services import credits
from spaces.services import desks as desk_services
from spaces.services import equipment as equipment_services
from spaces.services import permits as permit_services
from spaces.services import visitors as visitor_services

#: code → (name, type, floor, capacity, equipment)
ROOMS = {
    "MR-301": ("301 会议室", RoomType.MEETING_ROOM, "3F", 6, "65 英寸电视屏、白板"),
    "MR-302": ("302 会议室", RoomType.MEETING_ROOM, "3F", 12, "投影仪、白板、视频会议终端"),
    "MR-501": ("501 大会议室", RoomType.MEETING_ROOM, "5F", 20, "双投影仪、音响、视频会议终端、无线话筒"),
    "RH-101": ("路演厅", RoomType.ROADSHOW_HALL, "1F", 80, "LED 大屏、音响、无线话筒 4 支、直播推流设备"),
    "NR-201": ("洽谈室 A", RoomType.NEGOTIATION_ROOM, "2F", 4, "茶台、电视屏"),
    "NR-202": ("洽谈室 B", RoomType.NEGOTIATION_ROOM, "2F", 4, "茶台"),
}

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)


@dataclass(frozen=True)
class Rhythm:
    """A booking a resident makes every week on ``days`` (0 = Monday)."""

    room: str
    resident: str  # user name
    days: tuple[int, ...]
    starts: time
    minutes: int
    purpose: str
    attendees: int
    #: History: the resident stopped turning up in the last ``no_show_days`` days.
    no_show_days: int = 0


RHYTHM = (
    Rhythm("MR-301", "ouyang", WEEKDAYS, time(9, 30), 90, "客户需求沟通会", 4),
    Rhythm("MR-302", "lisi", (TUE, THU), time(14), 120, "合同审查产品评审", 6),
    Rhythm("MR-501", "ouyang", (WED,), time(14), 180, "AIGC 设计工作坊", 15),
    Rhythm("RH-101", "lisi", (SAT,), time(10), 120, "产品路演彩排", 20),
    Rhythm("RH-101", "ouyang", (TUE, THU), time(9, 30), 120, "出海品牌视觉案例分享", 30),
    Rhythm("NR-201", "lisi", (MON, WED, FRI), time(10), 60, "客户洽谈", 3),
    Rhythm("NR-202", "ouyang", (MON, WED, FRI), time(15), 60, "供应商洽谈", 2, no_show_days=12),
    Rhythm("MR-302", "zhangsan", WEEKDAYS, time(10), 90, "团队周会与客户演示", 5),
    Rhythm("NR-201", "zhangsan", (TUE, THU), time(15), 60, "投资人洽谈", 2),
    Rhythm("MR-301", "zhangsan", (SAT,), time(14), 120, "多语种客服模型调优讨论", 4),
)

#: The desk register, created when it is empty: floor → zone → codes.
DESKS = {
    "3F": {"A 区": [f"A-30{i}" for i in range(1, 7)], "B 区": [f"B-30{i}" for i in range(1, 5)]},
    "4F": {"C 区（靠窗）": [f"C-40{i}" for i in range(1, 5)]},
}

HISTORY_DAYS = 28
AHEAD_DAYS = 7
#: Minutes beyond the rulebook's notice before a slot is booked ahead (the seed takes a moment).
MARGIN = timedelta(minutes=5)


@dataclass
class Seeding:
    demo: Demo
    now: datetime
    today: date
    rules: Rulebook
    daily: User
    lead: User
    residents: dict[str, Resident]
    rooms: dict[str, Room]

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=SHANGHAI)


def seed_register(demo: Demo) -> None:
    """The desk register, created only when empty (before any seed: the residents demo checks in)."""
    if Desk.objects.exists():
        return
    Desk.objects.bulk_create(
        Desk(code=code, floor=floor, zone=zone)
        for floor, zones in DESKS.items()
        for zone, codes in zones.items()
        for code in codes
    )


def seed(demo: Demo) -> None:
    _desk_history()
    rooms = _rooms()
    residents = {
        resident.user.username: resident
        for resident in Resident.objects.select_related("user").filter(
            user__username__in=("zhangsan", "ouyang", "lisi"),
            status__in=(ResidentStatus.ACTIVE, ResidentStatus.EXITING),
        )
    }
    # 第七章: the fire equipment register, a round's defect and three incidents (spaces/demo_safety.py).
    from spaces import demo_safety

    demo_safety.seed(demo, png=_png((200, 60, 40)), reporters={u: r.user for u, r in residents.items()})
    # 第四章第一条 3、4: a week of cleaning and closing rounds, one evening missed (spaces/demo_rounds.py).
    from spaces import demo_rounds

    demo_rounds.seed(demo)
    if not residents:
        return
    today = local_date(demo.now)
    ctx = Seeding(
        demo=demo, now=demo.now, today=today, rules=rulebook.in_force(on=today),
        daily=demo.users["daily"], lead=demo.users["lead"], residents=residents, rooms=rooms,
    )
    _bookings(ctx)
    _permits(ctx)
    _visitors(ctx)
    _desk_request(ctx)
    _equipment(ctx)


def _desk_history() -> None:
    """History: the residents demo runs the check-in steps *now* for residents who came months ago, and
    releases desks at exits it dates back. A resident's first assignment starts at its check-in, and one
    released at an exit ends when the exit's "desk released" item was cleared (a second run changes nothing)."""
    first = DeskAssignment.objects.filter(resident__checked_in_at__lt=F("starts_at")).exclude(
        Exists(DeskAssignment.objects.filter(resident=OuterRef("resident"), starts_at__lt=OuterRef("starts_at")))
    )
    first.update(starts_at=Subquery(Resident.objects.filter(pk=OuterRef("resident")).values("checked_in_at")[:1]))
    released = ExitClearance.objects.filter(
        resident=OuterRef("resident"), item=ClearanceItem.DESK_RELEASED
    ).order_by("-cleared_at").values("cleared_at")[:1]
    DeskAssignment.objects.filter(ends_at__gt=Subquery(released)).update(ends_at=Subquery(released))


def _rooms() -> dict[str, Room]:
    rooms = {}
    for code, (name, room_type, floor, capacity, equipment) in ROOMS.items():
        rooms[code], _created = Room.objects.get_or_create(
            code=code,
            defaults={"name": name, "room_type": room_type, "floor": floor, "capacity": capacity, "equipment": equipment},
        )
    return rooms


# --- Bookings ---------------------------------------------------------------------------------------


def _bookings(ctx: Seeding) -> None:
    if Booking.objects.filter(room__code__in=ROOMS).exists():
        return  # made once; later runs leave them as history
    _history(ctx)
    ahead = _ahead(ctx)
    if ahead:
        # The resident's plans changed: cancelled through the service (the slot is free again).
        booking_services.booking_cancel(booking=ahead[0], actor=ahead[0].resident.user, reason="客户临时改期")
    _credit_booking(ctx)


def _history(ctx: Seeding) -> None:
    """History: the past 28 days as the services and the no-show job would have left them."""
    rows = []
    release = timedelta(minutes=ctx.rules.booking.no_show_release_minutes)
    for days_ago in range(HISTORY_DAYS, -1, -1):
        day = ctx.today - timedelta(days=days_ago)
        for index, rhythm in enumerate(RHYTHM):
            resident = ctx.residents.get(rhythm.resident)
            starts_at = ctx.at(day, rhythm.starts)
            if resident is None or day.weekday() not in rhythm.days:
                continue
            if resident.checked_in_at is None or starts_at < resident.checked_in_at or starts_at + release > ctx.now:
                continue  # before the resident came, or its outcome is not known yet
            booking = Booking(
                room=ctx.rooms[rhythm.room], resident=resident, booked_by=resident.user, starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=rhythm.minutes), purpose=rhythm.purpose,
                attendees=rhythm.attendees,
            )
            outcome = (day.toordinal() + index) % 10
            if days_ago < rhythm.no_show_days or outcome == 0:
                booking.status, booking.released_at = BookingStatus.RELEASED, starts_at + release
            elif outcome == 1:
                booking.status = BookingStatus.CANCELLED
                booking.cancelled_at, booking.cancelled_by = starts_at - timedelta(hours=20), resident.user
                booking.cancel_reason = "行程冲突"
            else:
                booking.status = BookingStatus.CHECKED_IN
                booking.checked_in_at = starts_at + timedelta(minutes=2 + index % 8)
                booking.checked_in_by = resident.user
            rows.append(booking)
    created = Booking.objects.bulk_create(rows)
    # History: booked two days before the start (``created_at`` is set on insert).
    Booking.objects.filter(pk__in=[booking.pk for booking in created]).update(
        created_at=F("starts_at") - timedelta(days=2)
    )


def _ahead(ctx: Seeding) -> list[Booking]:
    """The coming week through ``booking_create``: every slot far enough ahead for the rulebook's notice."""
    made = []
    for days_ahead in range(AHEAD_DAYS):
        day = ctx.today + timedelta(days=days_ahead)
        for rhythm in RHYTHM:
            resident = ctx.residents.get(rhythm.resident)
            if resident is None or resident.status != ResidentStatus.ACTIVE or day.weekday() not in rhythm.days:
                continue
            room = ctx.rooms[rhythm.room]
            notice = timedelta(minutes=ctx.rules.booking.room_types[room.room_type].min_notice_minutes)
            starts_at = ctx.at(day, rhythm.starts)
            if starts_at < ctx.now + notice + MARGIN:
                continue
            made.append(
                booking_services.booking_create(
                    resident=resident, room=room, starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=rhythm.minutes), purpose=rhythm.purpose,
                    attendees=rhythm.attendees, actor=resident.user,
                )
            )
    return made


def _credit_booking(ctx: Seeding) -> None:
    """张三's reward (合规优秀, 第八章第一条): free roadshow-hall bookings; he uses one for an evening demo."""
    resident = ctx.residents.get("zhangsan")
    if resident is None:
        return
    reward = ctx.rules.rewards.compliance_excellence
    max_hours = reward.roadshow_credit_max_hours
    credits.credit_grant(
        resident=resident, count=reward.roadshow_credits, max_hours=max_hours, source_key="demo:compliance-excellence:zhangsan",
        actor=ctx.lead, note="季度合规优秀奖励",
    )
    starts_at = ctx.at(ctx.today + timedelta(days=3), time(19))
    booking_services.booking_create(
        resident=resident, room=ctx.rooms["RH-101"], starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=min(2, max_hours)), purpose="多语种客服助手线上直播演示",
        attendees=25, actor=resident.user, use_credit=True,
    )


# --- Permits ------------------------------------------------------------------------------------------


def _permits(ctx: Seeding) -> None:
    zhangsan, ouyang = ctx.residents.get("zhangsan"), ctx.residents.get("ouyang")
    launch_day = ctx.today + timedelta(days=4)
    if zhangsan is not None and not Permit.objects.filter(resident=zhangsan, title="AI 出海客服产品发布会").exists():
        permit = permit_services.permit_apply(
            resident=zhangsan, kind=PermitKind.EVENT, title="AI 出海客服产品发布会", place="1F 路演厅",
            starts_at=ctx.at(launch_day, time(14)), ends_at=ctx.at(launch_day, time(17)),
            description="面向社区入驻主体和受邀客户发布多语种客服助手 2.0，约 60 人，含现场演示和问答。",
            actor=zhangsan.user,
        )
        permit = permit_services.permit_approve(permit=permit, actor=ctx.daily, note="请提前 30 分钟到场调试设备。")
        permit_services.permit_reserve_room(
            permit=permit, room=ctx.rooms["RH-101"], starts_at=permit.starts_at, ends_at=permit.ends_at,
            attendees=60, actor=zhangsan.user,
        )
    if ouyang is None:
        return
    if not Permit.objects.filter(resident=ouyang, title="品牌视觉设计作品展海报").exists():
        permit_services.permit_apply(
            resident=ouyang, kind=PermitKind.POSTERS, title="品牌视觉设计作品展海报", place="1F 大堂公告栏",
            starts_at=ctx.at(ctx.today + timedelta(days=2), time(9)),
            ends_at=ctx.at(ctx.today + timedelta(days=9), time(18)),
            description="A2 海报 2 张，宣传工作室出海品牌视觉作品展，张贴一周。", actor=ouyang.user,
            material=SimpleUploadedFile("作品展海报.png", _png((180, 83, 9)), content_type="image/png"),
        )
    if not Permit.objects.filter(resident=ouyang, title="AIGC 设计服务优惠传单").exists():
        permit = permit_services.permit_apply(
            resident=ouyang, kind=PermitKind.FLYERS, title="AIGC 设计服务优惠传单", place="3F 茶水间",
            starts_at=ctx.at(ctx.today + timedelta(days=1), time(9)),
            ends_at=ctx.at(ctx.today + timedelta(days=5), time(18)),
            description="在茶水间放置优惠传单 100 份。", actor=ouyang.user,
            material=SimpleUploadedFile("优惠传单.png", _png((15, 76, 129)), content_type="image/png"),
        )
        permit_services.permit_refuse(
            permit=permit, actor=ctx.daily,
            reason="传单含“全网最低价”等绝对化用语，请修改后重新申请（第四章第三条）。",
        )


def _png(rgb: tuple[int, int, int], width: int = 60, height: int = 84) -> bytes:
    """A small solid-colour PNG (the poster's stand-in)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(
        b"IEND", b""
    )


# --- Visitors -------------------------------------------------------------------------------------------


#: (name, phone, host, purpose, minutes from now, what happens)
VISITORS = (
    ("王磊", "13900001001", "zhangsan", "商务洽谈：跨境电商客服外包合作", 90, "awaiting"),
    ("李华", "13900001002", "zhangsan", "面试：产品运营岗位", 120, "confirmed"),
    ("陈晓东", "13900001003", "ouyang", "交付品牌设计稿并验收", -20, "admitted"),
    ("赵强", "13900001004", "ouyang", "拍摄产品宣传片素材", -60, "signed_out"),
    ("何敏", "13900001005", "ouyang", "推销办公设备", 30, "refused"),
    ("孙丽", "020-84960001", "zhangsan", "送达合同原件", 45, "cancelled"),
)


def _visitors(ctx: Seeding) -> None:
    midnight = ctx.at(ctx.today, time(0, 1))
    for name, phone, host_name, purpose, minutes, outcome in VISITORS:
        host = ctx.residents.get(host_name)
        if host is None or host.status != ResidentStatus.ACTIVE or Visitor.objects.filter(name=name, host=host).exists():
            continue
        visitor = visitor_services.visitor_register(
            name=name, phone=phone, host=host, purpose=purpose,
            expected_at=max(ctx.now + timedelta(minutes=minutes), midnight), actor=ctx.daily,
        )
        if outcome == "confirmed":
            visitor_services.visitor_confirm(visitor=visitor, actor=host.user)
        elif outcome == "admitted":
            # The host answered the front desk's call.
            visitor = visitor_services.visitor_confirm(visitor=visitor, actor=ctx.daily, by_phone=True)
            visitor_services.visitor_admit(visitor=visitor, actor=ctx.daily)
        elif outcome == "signed_out":
            visitor = visitor_services.visitor_confirm(visitor=visitor, actor=host.user)
            visitor = visitor_services.visitor_admit(visitor=visitor, actor=ctx.daily)
            visitor_services.visitor_sign_out(visitor=visitor, actor=ctx.daily)
        elif outcome == "refused":
            visitor_services.visitor_refuse(visitor=visitor, actor=host.user, reason="不认识来访者，谢绝推销。")
        elif outcome == "cancelled":
            visitor_services.visitor_cancel(visitor=visitor, actor=ctx.daily, reason="访客来电取消，改为快递寄送。")


# --- Desks ----------------------------------------------------------------------------------------------


def _desk_request(ctx: Seeding) -> None:
    """张三 asks for a window desk (awaiting the daily management team, 第四章第一条)."""
    resident = ctx.residents.get("zhangsan")
    if resident is None or DeskChangeRequest.objects.filter(resident=resident).exists():
        return
    desk_services.desk_request_create(
        resident=resident, actor=resident.user, preferred_desk=free_desks().filter(code__startswith="C-").first(),
        reason="团队新增一名兼职设计师，希望调整到 4 楼靠窗区域，方便两人相邻办公。",
    )


#: asset number → (name, category, value, location, description)
EQUIPMENT = {
    "EQ-P01": ("爱普生投影仪 CB-X50", EquipmentCategory.PROJECTOR, "4200.00", "一楼前台", "含 HDMI 线、遥控器"),
    "EQ-P02": ("便携投影仪 M1", EquipmentCategory.PROJECTOR, "2600.00", "一楼前台", "USB-C 直连"),
    "EQ-C01": ("索尼微单相机 A7C", EquipmentCategory.CAMERA, "11800.00", "三楼资源室", "含 28-60mm 镜头、两块电池"),
    "EQ-G01": ("NVIDIA RTX 4090 工作站", EquipmentCategory.GPU, "28000.00", "五楼机房", "借用期间远程登录使用"),
    "EQ-A01": ("便携音箱与无线话筒", EquipmentCategory.AUDIO, "1500.00", "一楼前台", "话筒两支"),
    "EQ-O01": ("录音笔", EquipmentCategory.OTHER, "600.00", "一楼前台", ""),
}


def _equipment(ctx: Seeding) -> None:
    """The inventory by asset number; loans once (when none exist): one out, one overdue and flagged, one
    reserved through the service, two returned last week (one damaged)."""
    items = {}
    for code, (name, category, value, location, description) in EQUIPMENT.items():
        items[code], _created = Equipment.objects.get_or_create(
            asset_number=code,
            defaults={"name": name, "category": category, "value": value, "location": location,
                      "description": description},
        )
    if EquipmentLoan.objects.exists():
        return
    zhang, ouyang, li = (ctx.residents.get(name) for name in ("zhangsan", "ouyang", "lisi"))
    now, daily = ctx.now, ctx.daily
    # History: loans handed out (and returned) before now, as the services would have left them.
    if zhang is not None:
        EquipmentLoan.objects.create(
            equipment=items["EQ-P01"], resident=zhang, status=LoanStatus.OUT, purpose="客户方案演示",
            requested_at=now - timedelta(days=1, hours=2), due_at=now + timedelta(days=2),
            handed_out_at=now - timedelta(days=1), handed_out_by=daily, condition_out=EquipmentCondition.GOOD,
        )
    if ouyang is not None:
        EquipmentLoan.objects.create(
            equipment=items["EQ-C01"], resident=ouyang, status=LoanStatus.OUT, purpose="产品宣传片拍摄",
            requested_at=now - timedelta(days=5, hours=1), due_at=now - timedelta(days=2),
            handed_out_at=now - timedelta(days=5), handed_out_by=daily, condition_out=EquipmentCondition.GOOD,
        )
    if li is not None:
        EquipmentLoan.objects.create(
            equipment=items["EQ-G01"], resident=li, status=LoanStatus.RETURNED, purpose="模型微调实验",
            requested_at=now - timedelta(days=12), due_at=now - timedelta(days=7),
            handed_out_at=now - timedelta(days=12), handed_out_by=daily, condition_out=EquipmentCondition.GOOD,
            returned_at=now - timedelta(days=8), returned_by=daily, condition_in=EquipmentCondition.GOOD,
        )
        EquipmentLoan.objects.create(
            equipment=items["EQ-O01"], resident=li, status=LoanStatus.RETURNED, purpose="用户访谈录音",
            requested_at=now - timedelta(days=9), due_at=now - timedelta(days=7),
            handed_out_at=now - timedelta(days=9), handed_out_by=daily, condition_out=EquipmentCondition.GOOD,
            returned_at=now - timedelta(days=6), returned_by=daily, condition_in=EquipmentCondition.DAMAGED,
            damage_value="260.00", return_note="外壳摔裂，录音键失灵", overdue_days=1,
        )
        Equipment.objects.filter(pk=items["EQ-O01"].pk).update(condition=EquipmentCondition.DAMAGED)
    # From now on, the services: the overdue camera is flagged (resident and team told), 张三 reserves a speaker.
    equipment_services.loans_flag_overdue(now=now)
    if zhang is not None:
        equipment_services.loan_reserve(
            resident=zhang, equipment=items["EQ-A01"], due_at=now + timedelta(days=1), purpose="周五路演扩音",
            actor=zhang.user, now=now,
        )
