"""Demo discipline and rewards (第八章): cases at each step of the 处罚流程, an appeal and a reward,
for ``make run`` (``manage.py seed_demo``, after ``residents`` and ``spaces``).

What the seed builds, with dates relative to ``demo.now`` (the residents demo's cast, found by
user name; whoever is missing gets nothing):

- ``zhangsan`` (张三): a **found** case (2b 污染环境, today, awaiting verification by the daily
  management team); and a case of unauthorised promotion (4c 擅自宣传) verified, noticed,
  rectified in time, **decided** (warning + clean-up + a fine of 150 chosen within 100–200) and
  **published**, with a **pending appeal** (复核) of 张三 with grounds and a photo, to be answered
  within 3 working days;
- ``lisi`` (李四, in her exit grace period): a case of misusing space (2c 违规使用空间: boxes in the
  fire exit while clearing out) with its 《违规整改通知书》 issued and the **rectification deadline
  running**; and a visitor-misconduct case (5c) of 25 days ago, **confirmed** after its
  publication window (a warning, and an entry of the decision ledger);
- ``ouyang`` (欧阳娜娜, checked in for most of a year): eight **volunteer services** this year, a
  **compliance-excellence reward** verified by the administrator, her **choice** of the two
  roadshow-hall credits, and the reward **published** on the notice board.

**How history is made.** Every step goes through the services (``discipline.services.*``) as staff
and residents would take it. The confirmed case happened in the past: its steps are taken now and
then moved back — marked ``# History:`` below — to the days they happened (found and verified 25
days ago, noticed and decided 22 days ago, published 20 days ago, so that its 3-working-day
window is over whatever the holidays), and the window is then closed by the service the hourly
job calls. The inbox messages of the moved steps are dropped: they carry today's dates.

Idempotent: cases are looked up by (resident, facts), volunteer services by (resident, day,
activity), the reward by the once-a-year rule; a second ``seed_demo`` changes nothing. Texts are
Chinese data, as in the other demos.
"""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.utils import timezone
from PIL import Image

from discipline.models import (
    RectificationNotice,
    Reward,
    RewardChoice,
    RewardKind,
    ViolationCase,
    VolunteerService,
)
from discipline.selectors import cases as case_selectors
from discipline.services import appeals, cases, reward_grants, rewards
from opc_community import workdays
from opc_community.core.demo import Demo
from opc_community.notices.models import Publication
from opc_community.notices.services import board_exit, publication_close
from opc_community.portal.models import Notification
from opc_community.workdays.rules import SHANGHAI, local_date
from residents.models import Resident

FOUND_FACTS = "在四楼茶水间丢弃外卖餐盒和饮料瓶，未按规定分类投放。"
PROMOTION_FACTS = "未经审批在一楼大堂电梯口张贴公司招聘及产品推广海报 6 张。"
EXIT_FACTS = "清退期间将 12 个搬家纸箱堆放在 B 区消防通道，占用疏散通道。"
VISITOR_FACTS = "来访客人在三楼开放办公区大声通话并拒绝前台劝阻，影响其他入驻主体办公。"
OCCUPANT_FACTS = "未办理入驻手续，自称入驻主体的朋友，连续 6 天在三楼 C-07 工位办公并在休息区留宿。"
#: A made-up but valid ID card number (born 2000-02-29) that no demo resident holds.
OCCUPANT_ID_FIRST17 = "44011520000229731"

VOLUNTEER_ACTIVITIES = (
    "新入驻主体岗前告知引导", "社区开放日接待", "AI 工具使用分享会助教", "消防演练疏散引导",
    "路演活动签到协助", "政策宣讲会场务", "共享资源平台信息整理", "社区图书角整理",
)


def seed(demo: Demo) -> None:
    now = demo.now
    today = local_date(now)
    daily, lead = demo.users["daily"], demo.users["lead"]
    cast = {r.user.username: r for r in Resident.objects.select_related("user").filter(
        user__username__in=("zhangsan", "lisi", "ouyang"))}
    # Chronological order, so that case numbers follow the days the cases were opened.
    if "lisi" in cast:
        _confirmed_case(cast["lisi"], daily, lead, today)
        _noticed_case(cast["lisi"], daily, today)
    if "zhangsan" in cast:
        _appealed_case(cast["zhangsan"], daily, lead, today)
        _found_case(cast["zhangsan"], daily, today)
    if "ouyang" in cast:
        _reward(cast["ouyang"], lead, today)
    _occupant_case(daily, today)


# --- Cases ------------------------------------------------------------------------------------------


def _exists(resident: Resident, facts: str) -> bool:
    return ViolationCase.objects.filter(resident=resident, facts=facts).exists()


def _photo(name: str, rgb: tuple[int, int, int]) -> SimpleUploadedFile:
    """A small photo-like PNG (the evidence a staff member takes with a phone)."""
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), rgb).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _found_case(resident: Resident, daily: Any, today: date) -> None:
    """Found this morning by the daily management team; to be verified."""
    if not _exists(resident, FOUND_FACTS):
        cases.case_open(resident=resident, kind="2b", occurred_on=today, facts=FOUND_FACTS, actor=daily)


def _occupant_case(daily: Any, today: date) -> None:
    """1a against an occupant who is not a resident: verified, the notice issued and handed over in person
    (no account), waiting for the administrator's decision (docs/discipline.md, cases against an occupant)."""
    from discipline.rules.occupants import Occupant
    from discipline.services import occupants
    from residents.rules.identity import id_card_check_character

    if ViolationCase.objects.filter(resident__isnull=True, facts=OCCUPANT_FACTS).exists():
        return
    occupant = Occupant(
        name="赵明轩", id_number=OCCUPANT_ID_FIRST17 + id_card_check_character(OCCUPANT_ID_FIRST17),
        phone="13700137007", description="自称入驻主体李四的朋友，占用三楼 C-07 工位",
    )
    case = cases.case_open(occupant=occupant, kind="1a", occurred_on=today, facts=OCCUPANT_FACTS, actor=daily)
    cases.case_verify(case=case, actor=daily, evidence=[_photo("c07.png", (120, 130, 150))])
    cases.notice_issue(case=case, requirement="立即搬离三楼 C-07 工位及休息区，归还临时门禁卡。", deadline=today,
                       actor=daily)
    occupants.notice_hand_over(case=case, handed_over_on=today, actor=daily)


def _appealed_case(resident: Resident, daily: Any, lead: Any, today: date) -> None:
    """Unauthorised promotion: rectified in time, fined 150 (within 100–200), published, appealed."""
    if _exists(resident, PROMOTION_FACTS):
        return
    case = cases.case_open(resident=resident, kind="4c", occurred_on=today, facts=PROMOTION_FACTS, actor=daily)
    cases.case_verify(case=case, actor=daily, evidence=[_photo("大堂海报.png", (214, 92, 60))])
    cases.notice_issue(case=case, requirement="当日内撤除全部未经审批的海报，并按规定提交宣传申请。",
                       deadline=today + timedelta(days=1), actor=daily)
    cases.case_mark_rectified(case=case, actor=daily, note="海报已于当日下午全部撤除。")
    outcome = case_selectors.decision_preview(case).outcome
    fine = next(index for index, measure in enumerate(outcome.measures) if measure.type == "fine")
    cases.case_decide(case=case, actor=lead, amounts={fine: Decimal("150.00")})
    cases.case_publish(case=case, actor=lead)
    case.refresh_from_db()
    appeals.appeal_submit(
        case=case, resident=resident, actor=resident.user,
        reason="张贴前已口头征得前台同意，且海报已在通知当日全部撤除，请求免除罚款、仅予警告。",
        evidence=[_photo("撤除后的电梯口.png", (120, 160, 200))],
    )


def _noticed_case(resident: Resident, daily: Any, today: date) -> None:
    """Boxes in the fire exit during the clear-out: the notice is issued, the deadline running."""
    if _exists(resident, EXIT_FACTS):
        return
    case = cases.case_open(resident=resident, kind="2c", occurred_on=today, facts=EXIT_FACTS, actor=daily)
    cases.case_verify(case=case, actor=daily, evidence=[_photo("消防通道.png", (90, 90, 90))])
    cases.notice_issue(case=case, requirement="立即清空 B 区消防通道内的纸箱，保持疏散通道畅通。",
                       deadline=today + timedelta(days=2), actor=daily)


def _at(today: date, days_ago: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), tzinfo=SHANGHAI)


def _confirmed_case(resident: Resident, daily: Any, lead: Any, today: date) -> None:
    """Visitor misconduct 25 days ago: a warning, confirmed after its publication window."""
    if _exists(resident, VISITOR_FACTS):
        return
    last_message = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    occurred_on = today - timedelta(days=25)
    case = cases.case_open(resident=resident, kind="5c", occurred_on=occurred_on, facts=VISITOR_FACTS, actor=daily)
    cases.case_verify(case=case, actor=daily, evidence=[_photo("前台记录.png", (240, 200, 80))])
    notice = cases.notice_issue(case=case, requirement="向受影响的入驻主体致歉，并提醒访客遵守社区访客管理规定。",
                                actor=daily)
    cases.case_decide(case=case, actor=lead)
    publication = cases.case_publish(case=case, actor=lead)
    # History: found and verified 25 days ago, noticed and decided 22 days ago, published 20 days ago.
    ViolationCase.objects.filter(pk=case.pk).update(
        found_at=_at(today, 25, 17, 40), verified_at=_at(today, 24, 10), decided_at=_at(today, 22, 15),
    )
    RectificationNotice.objects.filter(pk=notice.pk).update(
        issued_at=_at(today, 24, 11), deadline=today - timedelta(days=22),
        rectified_at=_at(today, 23, 16), result_note="已当面致歉。",
    )
    published_at = _at(today, 20, 9, 30)
    ends = workdays.deadline(published_at, publication.window_days)
    Publication.objects.filter(pk=publication.pk).update(
        window_starts_at=published_at, window_ends_at=ends.at, window_provisional=ends.provisional,
        leaves_board_at=board_exit(kind=publication.kind, window_ends_at=ends.at, on=local_date(published_at)),
        created_at=published_at,
    )
    Notification.objects.filter(pk__gt=last_message).delete()
    publication_close(publication=case_selectors.publication_of(case), now=timezone.now())


# --- Rewards ------------------------------------------------------------------------------------------


def _reward(resident: Resident, lead: Any, today: date) -> None:
    """Eight volunteer services this year → compliance excellence; she chose the roadshow credits."""
    first = max(date(today.year, 1, 1), local_date(resident.checked_in_at))
    step = max((today - first).days // len(VOLUNTEER_ACTIVITIES), 0)
    for number, activity in enumerate(VOLUNTEER_ACTIVITIES):
        served_on = today - timedelta(days=step * (number + 1)) if step else today
        if not VolunteerService.objects.filter(resident=resident, served_on=served_on, activity=activity).exists():
            rewards.volunteer_service_record(resident=resident, served_on=served_on, activity=activity,
                                             hours=Decimal("2"), actor=lead, today=today)
    if Reward.objects.filter(resident=resident, kind=RewardKind.COMPLIANCE, year=today.year).exists():
        return
    reward = rewards.reward_propose_compliance(resident=resident, year=today.year, actor=lead, today=today,
                                               note="全年无违规记录，积极参与社区志愿服务。")
    reward = rewards.reward_choose(reward=reward, choice=RewardChoice.ROADSHOW_CREDITS, actor=resident.user)
    reward_grants.reward_publish(reward=reward, actor=lead)
