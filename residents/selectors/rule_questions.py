"""Reads of questions about the rules (答疑, 第九章第五条) and of the published FAQ."""

from datetime import datetime

from django.db.models import Q, QuerySet

from residents.models import QuestionStatus, Resident, RuleFaq, RuleQuestion
from residents.rules import complaints as sla


def questions_of(resident: Resident) -> QuerySet[RuleQuestion]:
    """The resident's own questions, newest first (another resident's: not found)."""
    return RuleQuestion.objects.filter(resident=resident).order_by("-asked_at", "-id")


def answer_overdue_q(now: datetime) -> Q:
    """Not answered and the answer's due day is over (residents.rules.complaints.is_overdue_now)."""
    return Q(status=QuestionStatus.OPEN, answer_due_at__lt=sla.overdue_cutoff(now))


def question_queue() -> QuerySet[RuleQuestion]:
    """Every question for staff, the earliest answer deadline first."""
    return RuleQuestion.objects.select_related("resident", "answered_by").order_by("answer_due_at", "-id")


def overdue_questions(*, now: datetime) -> QuerySet[RuleQuestion]:
    return RuleQuestion.objects.filter(answer_overdue_q(now)).select_related("resident")


def faq_entries() -> QuerySet[RuleFaq]:
    """The published FAQ, newest first, with its board publication (one query)."""
    return RuleFaq.objects.select_related("publication").order_by("-published_at", "-id")


def answer_state(question: RuleQuestion, *, now: datetime) -> sla.SlaState:
    return sla.sla_state(due_at=question.answer_due_at, done_at=question.answered_at, now=now)


def provisional_questions() -> QuerySet[RuleQuestion]:
    return RuleQuestion.objects.filter(due_provisional=True, status=QuestionStatus.OPEN)
