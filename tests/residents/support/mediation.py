"""Shared arrangements for the mediation and rule-question tests (no tests here)."""

from datetime import datetime

from residents.services import mediation as services
from residents.services import rule_questions as questions
from tests.residents.factories import AgreementFactory, ResidentFactory, acknowledge_rules
from tests.residents.support.complaints import SH, at, sh

__all__ = ["REQUESTED", "SH", "ask", "at", "member_c_of", "request_mediation", "schedule", "sh"]

#: Requested Wed 2026-09-30 10:00 (before the National Day holiday): 5 working days → end of Fri 10-09,
#: 15 working days → end of Fri 10-23 (2026 schedule: 10-01..10-08 off, Sat 10-10 a working day).
REQUESTED = sh(2026, 9, 30, 10, 0)


def member_c_of(user=None):
    """A third resident, checked in and oriented."""
    resident = ResidentFactory(**({"user": user} if user else {}), name="赵第三")
    acknowledge_rules(resident)
    AgreementFactory(resident=resident)
    return resident


def request_mediation(requester, respondent, *, moment: datetime = REQUESTED, **extra):
    with at(moment):
        return services.mediation_request(
            requester=requester, respondent=respondent,
            facts=extra.pop("facts", "对方在共享会议室长期占用我们预约的时段，协商未果。"),
            wish=extra.pop("wish", "希望对方按预约使用会议室，并就此前的冲突道歉。"),
            actor=requester.user,
        )


#: When the team schedules, and the session it sets (after the National Day holiday).
SCHEDULING = sh(2026, 10, 9, 9, 0)
SESSION = sh(2026, 10, 12, 14, 0)


def schedule(mediation, staff, *, moment: datetime = SCHEDULING, session_at=None):
    with at(moment):
        return services.mediation_schedule(
            mediation=mediation, session_at=session_at or SESSION, place="三楼 302 洽谈室",
            actor=staff,
        )


def ask(resident, *, moment: datetime = REQUESTED, topic: str = "violation:4c", text: str = "我在朋友圈转发社区活动海报，算不算擅自宣传？"):
    with at(moment):
        return questions.question_ask(resident=resident, topic=topic, text=text, actor=resident.user)
