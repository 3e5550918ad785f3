"""Demo data of mediation (第四章第三条) and questions about the rules (第九章第五条), run by ``residents.demo``.

- 欧阳娜娜 asked for mediation with 张三 about noise at the shared desks; 张三 added his side and the
  daily management team scheduled the session for the day after tomorrow (in progress);
- 欧阳娜娜 asked how the late-payment penalty (kind 7) applies to her; the team answered and
  published the answer, rewritten without personal data, as an FAQ entry on the notice board.

Each is skipped when already there, so seeding twice changes nothing.
"""

from datetime import datetime, time, timedelta
from typing import Any

from opc_community.workdays.rules import SHANGHAI
from residents.models import Mediation, Resident, ResidentStatus, RuleQuestion
from residents.services import mediation, rule_questions

FAQ_QUESTION = "逾期缴费后补缴了费用，还会被处罚吗？"
FAQ_ANSWER = (
    "会按第八章第二条“逾期缴费”的规定处理：逾期未缴的，先发出催缴提醒；逾期天数达到规定的，"
    "按规则给予相应处罚。补缴后不再累计逾期天数，但已发生的逾期仍会记录在档案中。"
)


def seed(ctx: Any) -> None:
    """``ctx`` is ``residents.demo.Seeding`` (today, the staff who act)."""
    residents = {r.user.username: r for r in Resident.objects.filter(
        user__username__in=("ouyang", "zhangsan"), status=ResidentStatus.ACTIVE
    ).select_related("user")}
    ouyang, zhangsan = residents.get("ouyang"), residents.get("zhangsan")
    if ouyang is None or zhangsan is None:
        return
    if not Mediation.objects.filter(requester=ouyang, respondent=zhangsan).exists():
        case = mediation.mediation_request(
            requester=ouyang, respondent=zhangsan,
            facts="共享办公区 B 排相邻工位，对方近两周每天下午在工位上长时间外放语音通话，影响我接待客户。"
                  "我当面提过两次，没有改善。",
            wish="希望对方通话时使用耳机或到洽谈室，双方约定共享区安静时段。",
            actor=ouyang.user,
        )
        mediation.mediation_statement(
            mediation=case, text="我这两周在赶项目交付，通话确实多了。愿意配合，但希望明确哪些时段需要保持安静。",
            actor=zhangsan.user,
        )
        session_at = datetime.combine(ctx.today + timedelta(days=2), time(14, 30), tzinfo=SHANGHAI)
        mediation.mediation_schedule(mediation=case, session_at=session_at, place="三楼 302 洽谈室", actor=ctx.daily)
    if not RuleQuestion.objects.filter(resident=ouyang).exists():
        question = rule_questions.question_ask(
            resident=ouyang, topic="violation:7",
            text="我上个月的费用晚了几天才交齐，这次会被处罚吗？以后怎么避免？", actor=ouyang.user,
        )
        question = rule_questions.question_answer(
            question=question,
            text="您的账单已补缴，系统不再累计逾期天数；本次逾期未达到处罚条件，只记录在档案中。"
                 "建议在门户“账单与押金”页面查看到期日，提前缴费。",
            actor=ctx.daily,
        )
        rule_questions.faq_publish(question=question, faq_question=FAQ_QUESTION, faq_answer=FAQ_ANSWER,
                                   actor=ctx.daily)
