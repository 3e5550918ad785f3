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

**Vouchers** (算力券、模型券): two programmes — compute vouchers in yuan from the government
compute-scheduling platform, model vouchers in thousand tokens from a model vendor (its API account
``demo_model_vendor`` reports usage) — opened through the services (resource notices on the board);
applications in every state (张三 approved with a usage ledger, 李四 approved, 欧阳娜娜 refused on one
and waiting on the other, one of 张三's withdrawn), all through the services at the demo's moment.

**Start-up services and the survey** (第五章第三条、第四条): service requests in every state (waiting,
in progress, closed and rated, closed waiting for the rating, cancelled, and one overdue — written as
history), last quarter's survey with its results (answers counted as history, evaluated: improvement
items for low areas), this quarter's survey answered by 张三, and the standing resource and survey
notices on the public board.

Idempotent: activities and programmes by title, requests and surveys once; a second ``seed_demo``
changes nothing.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from opc_community.core.demo import Demo
from opc_community.core.errors import DomainError
from opc_community.workdays.rules import SHANGHAI, local_date
from residents.models import Resident, ResidentStatus
from resources.models import (
    Activity,
    ActivityKind,
    ActivityRegistration,
    Attendance,
    CheckInMethod,
    ProviderKind,
    VoucherKind,
    VoucherProgramme,
    VoucherProvider,
    VoucherUnit,
)
from resources.services import activities as services
from resources.services import vouchers as voucher_services
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
    seed_vouchers(demo, residents)
    seed_matchmaking(demo, residents)  # scenarios and policies (第五章第二条), below
    seed_sharing(demo)  # the sharing board (第四章第二条 3), below
    # 第七章第四条: a drill held with its report and findings, one coming (resources/demo_drills.py).
    from resources import demo_drills

    demo_drills.seed(demo, residents)
    seed_stage_services(demo)


# --- Vouchers -------------------------------------------------------------------------------------------------

COMPUTE_TITLE = "2026 年南沙算力券（第二批）"
MODEL_TITLE = "通用大模型 tokens 模型券"


def seed_vouchers(demo: Demo, residents: dict[str, Resident]) -> None:
    """Two programmes, applications in every state and a usage ledger (through the services)."""
    if VoucherProgramme.objects.filter(title=COMPUTE_TITLE).exists():
        return
    staff = demo.users["resources"]
    today = local_date(demo.now)
    platform, _ = VoucherProvider.objects.get_or_create(
        name="南沙区算力调度平台", defaults={"kind": ProviderKind.PLATFORM, "contact": "区科技局算力专班"})
    vendor_user = type(staff).objects.filter(username="demo_model_vendor").first() or type(staff).objects.create_user(
        username="demo_model_vendor", password=None, full_name="模型厂商接口")
    vendor, _ = VoucherProvider.objects.get_or_create(
        name="星河大模型", defaults={"kind": ProviderKind.VENDOR, "contact": "商务对接部", "api_user": vendor_user})
    compute = VoucherProgramme.objects.create(
        provider=platform, title=COMPUTE_TITLE, kind=VoucherKind.COMPUTE, unit=VoucherUnit.YUAN,
        face_value=Decimal("2000"), per_resident_cap=Decimal("5000"), validity_days=180,
        required_materials="项目计划书；算力使用方案（模型、时长、预期成果）",
        description="用于模型训练、推理部署等 GPU 算力消费，按实际用量抵扣。",
        opens_on=today - timedelta(days=20), closes_on=today + timedelta(days=70), budget=Decimal("100000"),
        created_by=staff,
    )
    model = VoucherProgramme.objects.create(
        provider=vendor, title=MODEL_TITLE, kind=VoucherKind.MODEL, unit=VoucherUnit.TOKENS,
        face_value=Decimal("5000"), per_resident_cap=Decimal("10000"), validity_days=90,
        required_materials="应用场景说明", description="调用通用大模型 API，按千 tokens 计。",
        opens_on=today - timedelta(days=10), closes_on=today + timedelta(days=50), budget=Decimal("200000"),
        created_by=staff,
    )
    for programme in (compute, model):
        voucher_services.programme_open(programme=programme, actor=staff)
    # 张三, 欧阳娜娜 and 李四 when checked in; other checked-in demo residents stand in for those who are not.
    active = [r for r in (residents.get(name) for name in ("zhangsan", "ouyang", "lisi"))
              if r is not None and r.status == ResidentStatus.ACTIVE]
    active += list(Resident.objects.filter(status=ResidentStatus.ACTIVE).exclude(pk__in=[r.pk for r in active])
                   .select_related("user").order_by("pk")[: max(0, 3 - len(active))])
    zhangsan, ouyang, lisi = (active + [None, None, None])[:3]

    def apply(resident: Resident | None, programme: VoucherProgramme, purpose: str, amount: str):
        if resident is None or resident.status != ResidentStatus.ACTIVE:
            return None
        return voucher_services.application_submit(programme=programme, resident=resident, purpose=purpose,
                                                   amount=amount, actor=resident.user)

    approved = apply(zhangsan, compute, "训练法律文书垂类模型，预计 200 GPU 小时。", "2000")
    if approved is not None:
        grant = voucher_services.application_approve(application=approved, actor=staff)
        for amount, reference, note in (("320", "NS-202611-0001", "A800 训练"), ("185.5", "NS-202611-0002", "推理部署"),
                                        ("96", "NS-202611-0003", "数据预处理")):
            voucher_services.usage_record(grant=grant, amount=amount, reference=reference, note=note,
                                          channel="import", actor=staff)
    model_approved = apply(zhangsan, model, "智能客服问答接入大模型 API。", "5000")
    if model_approved is not None:
        model_grant = voucher_services.application_approve(application=model_approved, amount="4000", actor=staff)
        voucher_services.usage_record(grant=model_grant, amount="1250", reference="XH-77821", channel="api",
                                      actor=vendor_user)
    second = apply(lisi, compute, "跨境电商图片生成模型微调。", "2000")
    if second is not None:
        voucher_services.application_approve(application=second, actor=staff)
    refused = apply(ouyang, compute, "购买办公电脑。", "2000")
    if refused is not None:
        voucher_services.application_refuse(application=refused, reason="用途不属于算力消费，请按算力使用方案重新申请。",
                                            actor=staff)
    apply(ouyang, model, "短视频脚本生成，调用大模型 API。", "3000")  # waiting for review
    withdrawn = apply(zhangsan, compute, "追加推理算力（后改为下一批申请）。", "1000")
    if withdrawn is not None:
        voucher_services.application_withdraw(application=withdrawn, actor=zhangsan.user)


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


# --- Scenario matchmaking and policy help (第五章第二条) ------------------------------------------------------

SCENARIOS = (
    # (kind, partner, partner kind, title, industry, description, days to the deadline)
    ("scenario", "南沙智造产业园", "enterprise", "工厂零部件外观质检视觉模型", "智能制造",
     "园区内 3 家零部件企业需要可部署在产线边缘设备上的外观缺陷检测方案，提供样本数据与试点产线。", 30),
    ("financing", "湾区天使创投基金", "investor", "AI 应用早期项目天使轮对接", "人工智能",
     "面向已有产品原型的一人公司，单笔 50–300 万元，每月一次集中路演后一对一沟通。", 45),
    ("order", "南沙跨境电商协会", "enterprise", "跨境电商商品图与多语种文案生成", "跨境电商",
     "协会成员企业批量采购商品主图生成与多语种详情页文案服务，按件计价。", 20),
)
#: (kind, title, issuer, summary, benefit, eligibility, days to the deadline)
POLICIES = (
    ("subsidy", "南沙区一人公司创业扶持补贴", "南沙区人力资源和社会保障局",
     "对在南沙注册并入驻社区的一人公司给予一次性创业补贴，材料齐全后约 20 个工作日发放。", "一次性补贴最高 2 万元",
     "在南沙注册、入驻社区满 3 个月、依法纳税"),
    ("tax_relief", "小微企业增值税与所得税减免", "国家税务总局广州市南沙区税务局",
     "月销售额 10 万元以下免征增值税；年应纳税所得额 300 万元以下减按 25% 计入、按 20% 税率缴纳。", "按规定减免",
     "小型微利企业、个体工商户"),
)


def seed_matchmaking(demo: Demo, residents: dict[str, Resident]) -> None:
    """Three scenarios and opportunities with interest (one concluded with an order), two policies with a
    follower and a request for help being handled — all through the services."""
    from resources.models import Partner, Policy, Scenario
    from resources.services import policies as policy_services
    from resources.services import scenarios as scenario_services

    if Scenario.objects.filter(title=SCENARIOS[0][3]).exists():
        return
    staff = demo.users["resources"]
    today = local_date(demo.now)
    active = [r for r in residents.values() if r.status == ResidentStatus.ACTIVE]
    created = []
    for kind, partner_name, partner_kind, title, industry, description, days in SCENARIOS:
        partner, _ = Partner.objects.get_or_create(name=partner_name, defaults={
            "kind": partner_kind, "contact_person": "对接专员", "contact_phone": "020-84980000"})
        scenario = Scenario.objects.create(kind=kind, partner=partner, title=title, industry=industry,
                                           description=description, deadline=today + timedelta(days=days),
                                           created_by=staff)
        created.append(scenario_services.scenario_publish(scenario=scenario, actor=staff))
    proposals = ("我们已为两家工厂做过视觉质检模型，可两周内给出试点方案。",
                 "产品原型已上线，月活 3000，希望对接天使轮。",
                 "已有商品图生成工作流，日产能 2000 张，支持英、西、阿语文案。")
    for index, scenario in enumerate(created):
        for resident in [active[(index + k) % len(active)] for k in range(min(2, len(active)))]:
            scenario_services.interest_submit(scenario=scenario, resident=resident, proposal=proposals[index],
                                              actor=resident.user)
    order = created[2].interests.order_by("pk").first()
    if order is not None:
        for kind, note in (("introduction", "已引荐给协会秘书处"), ("meeting", "与三家会员企业线上洽谈")):
            scenario_services.step_record(interest=order, kind=kind, happened_on=today, note=note, actor=staff)
        scenario_services.step_record(interest=order, kind="outcome", outcome="order", amount=Decimal("86000"),
                                      happened_on=today, note="首批 4000 张商品图及文案", actor=staff)
    funding = created[1].interests.order_by("pk").first()
    if funding is not None:
        scenario_services.step_record(interest=funding, kind="introduction", happened_on=today,
                                      note="已推荐参加本月集中路演", actor=staff)
    for kind, title, issuer, summary, benefit, eligibility in POLICIES:
        body, _ = Partner.objects.get_or_create(name=issuer, defaults={"kind": "government"})
        policy = Policy.objects.create(kind=kind, title=title, issuer=body, summary=summary, benefit=benefit,
                                       eligibility=eligibility, application_deadline=today + timedelta(days=25),
                                       created_by=staff)
        policy_services.policy_publish(policy=policy, actor=staff)
        if active:
            policy_services.interest_mark(policy=policy, resident=active[0], actor=active[0].user)
        if active and kind == "subsidy":
            request = policy_services.help_request(policy=policy, resident=active[-1],
                                                   question="不清楚纳税证明需要哪几个月的，能否协助准备材料？",
                                                   actor=active[-1].user)
            policy_services.help_accept(request=request, note="请先准备营业执照与近 3 个月完税证明。", actor=staff)
# --- The sharing board (资源共享平台、AI能力共享池, 第四章第二条 3) ---------------------------------------------------

#: (author's place in the demo residents, kind, category, title, description)
SHARING_POSTS = (
    (0, "offer", "agents", "合同审查智能体（可按次调用）", "基于大模型的合同审查工作流：条款比对、风险提示、修改建议，可按次调用或私有化部署。"),
    (0, "need", "customers", "寻找律所、法务外包客户", "合同审查智能体寻找首批试用客户，试用期免费。"),
    (1, "offer", "datasets", "短视频脚本语料数据集（已脱敏）", "约 2 万条短视频脚本，已去除个人信息，可用于微调。"),
    (1, "need", "channels", "寻找小红书、抖音代运营渠道", "短视频脚本生成工具寻找代运营机构合作分发。"),
    (2, "offer", "channels", "东南亚跨境电商分销渠道", "在泰国、越南有稳定的电商分销渠道，可代为上架。"),
    (2, "need", "technology", "商品图片生成模型微调方案", "需要一套低成本的商品图片生成模型微调方案。"),
    (3, "offer", "technology", "RAG 知识库搭建经验与代码模板", "分享企业知识库检索增强生成的搭建经验和开源代码模板。"),
    (3, "offer", "agents", "发票识别与记账工作流", "发票 OCR 识别、自动分类记账的自动化工作流，可导入使用。"),
    (4, "need", "datasets", "寻找中文客服对话数据集", "训练客服模型需要中文客服对话数据，须已脱敏。"),
    (4, "offer", "other", "3D 打印机共享使用", "工作室有一台 3D 打印机，入驻主体可预约使用，耗材自备。"),
)


def seed_sharing(demo: Demo) -> None:
    """Ten posts of every category through the services, interest in two, and two matches: one both sides
    confirmed, one waiting for the second answer. Idempotent by the first post's title."""
    from resources.models import SharingPost
    from resources.services import sharing as sharing_services

    if SharingPost.objects.filter(title=SHARING_POSTS[0][3]).exists():
        return
    staff = demo.users["resources"]
    named = {r.user.username: r for r in Resident.objects.select_related("user").filter(
        user__username__in=("zhangsan", "ouyang", "lisi"), status=ResidentStatus.ACTIVE)}
    authors = [named[name] for name in ("zhangsan", "ouyang", "lisi") if name in named]
    authors += list(Resident.objects.filter(status=ResidentStatus.ACTIVE).exclude(pk__in=[r.pk for r in authors])
                    .select_related("user").order_by("pk")[: max(0, 5 - len(authors))])
    if len(authors) < 2:
        return
    posts = []
    for place, kind, category, title, body in SHARING_POSTS:
        author = authors[place % len(authors)]
        try:
            posts.append(sharing_services.post_create(resident=author, kind=kind, category=category, title=title,
                                                      body=body, confirm_no_secrets=True, actor=author.user))
        except DomainError:  # a suspended demo resident: its post is left out
            posts.append(None)
    agent, channels_need, channels_offer = posts[0], posts[3], posts[4]
    if agent is not None and agent.resident != authors[1]:
        wanted = sharing_services.interest_express(post=agent, resident=authors[1], actor=authors[1].user,
                                                   message="我们的短视频客户里有律所，想试用合同审查。")
        confirmed = sharing_services.match_propose(post=agent, interest=wanted, actor=staff,
                                                   note="建议先用三份真实合同（去除个人信息）试用。")
        sharing_services.match_answer(match=confirmed, accept=True, actor=agent.resident.user)
        sharing_services.match_answer(match=confirmed, accept=True, actor=authors[1].user)
    if channels_need is not None and channels_offer is not None and channels_need.resident != channels_offer.resident:
        waiting = sharing_services.match_propose(post=channels_need, other_post=channels_offer, actor=staff,
                                                 note="渠道方在东南亚，可先谈国内分发。")
        sharing_services.match_answer(match=waiting, accept=True, actor=channels_need.resident.user)


# --- Start-up services and the service-quality survey (第五章第三条、第四条) ----------------------------------


def seed_stage_services(demo: Demo) -> None:
    """Requests in every state, last quarter's survey with results, this quarter's, the standing notices."""
    from typing import Any

    from django.db.models import F

    from resources.models import ServiceRequest, StageService, SurveyResponse, SurveyTally
    from resources.rules import quarters
    from resources.services import board, surveys
    from resources.services import stage as stage_services

    if ServiceRequest.objects.exists():
        return
    staff = demo.users["resources"]
    active = list(Resident.objects.filter(status=ResidentStatus.ACTIVE).select_related("user").order_by("pk"))
    if not active:
        return
    by_name = {resident.user.username: resident for resident in active}
    first = by_name.get("zhangsan", active[0])
    second = by_name.get("ouyang", active[min(1, len(active) - 1)])
    third = by_name.get("lisi", active[min(2, len(active) - 1)])

    def request(resident: Resident, code: str, need: str) -> Any:
        return stage_services.request_submit(service=StageService.objects.get(code=code), resident=resident,
                                             need=need, actor=resident.user)

    request(second, "business_plan", "天使轮商业计划书需要专业修改，下月路演使用。")  # waiting
    in_progress = request(first, "ai_guidance", "法律文书智能体的工作流编排与私有化部署方案。")
    stage_services.request_assign(request=in_progress, handler=staff, actor=staff)
    stage_services.request_respond(request=in_progress, text="已安排 AI 技术导师，周四下午线下辅导。", actor=staff)
    rated = request(first, "compliance_review", "用户数据出境与隐私政策合规审查。")
    rated = stage_services.request_close(request=rated, result="已出具合规审查意见书，隐私政策已按意见修改。",
                                         actor=staff)
    stage_services.request_rate(request=rated, rating=5, comment="意见专业、及时。", actor=first.user)
    stage_services.request_close(request=request(third, "registration", "个体户转有限公司的变更登记。"),
                                 result="已协助完成变更登记，营业执照已领取。", actor=staff)
    stage_services.request_cancel(request=request(third, "brand_promotion", "新品发布宣传。"),
                                  actor=third.user, reason="已自行联系推广渠道。")
    # History: a request filed eight days ago and still unanswered — overdue in the staff queue.
    filed = demo.now - timedelta(days=8)
    ServiceRequest.objects.create(
        service=StageService.objects.get(code="investment_ma"), resident=second, need="A 轮融资对接，寻找产业资本。",
        filed_at=filed, response_due_at=filed + timedelta(days=2), resolution_due_at=filed + timedelta(days=6))

    year, quarter = quarters.quarter_number(local_date(demo.now))
    last_year, last_quarter = quarters.previous_quarter(year, quarter)
    last = surveys.survey_ensure(year=last_year, quarter=last_quarter, actor=staff)
    if not SurveyResponse.objects.filter(survey=last).exists():
        # History: every checked-in resident answered last quarter; the counters as the answers left them.
        answered_on = last.closes_on - timedelta(days=10)
        SurveyResponse.objects.bulk_create([SurveyResponse(survey=last, resident=resident, answered_on=answered_on)
                                            for resident in active])
        pattern = {"spaces": (5, 4, 4), "resources": (4, 4, 3), "stage_services": (4, 5, 3), "operations": (3, 3, 2)}
        for index, _resident in enumerate(active):
            for area, spec in last.questions.items():
                scores = pattern.get(area, (4, 4, 4))
                for question in spec["questions"]:
                    score = scores[index % len(scores)]
                    SurveyTally.objects.filter(survey=last, area=area, question=question, score=score).update(
                        count=F("count") + 1)
        surveys.survey_evaluate(survey=last, now=demo.now)
    current = surveys.survey_ensure(year=year, quarter=quarter, actor=staff)
    if not SurveyResponse.objects.filter(survey=current, resident=first).exists():
        surveys.survey_answer(survey=current, resident=first, actor=first.user,
                              answers={"spaces": {"cleanliness": 5, "booking": 4}, "stage_services": {"quality": 5}})
    board.standing_notices_refresh(actor=demo.users.get("lead") or staff)
