"""Questions about the rules (答疑, 第九章第五条): asking from the rulebook's topics, the answer
deadline, overdue flags, and FAQ entries published on the board only without personal data."""

from datetime import timedelta

import pytest

from opc_community import workdays
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.notices.models import Publication
from opc_community.portal.models import Notification
from residents.models import QuestionStatus, RuleFaq
from residents.services import rule_questions as services
from tests.residents.support.mediation import REQUESTED, ask

pytestmark = pytest.mark.django_db


def test_a_question_gets_its_answer_deadline_and_tells_the_team(member_a, daily_staff):
    question = ask(member_a)
    assert question.status == QuestionStatus.OPEN
    assert question.answer_due_at == workdays.deadline(REQUESTED, 5).at
    assert "擅自宣传" in question.topic_label
    assert Notification.objects.filter(recipient=daily_staff, kind="residents.rule_question_asked").exists()


@pytest.mark.parametrize("topic", ["", "violation:99", "reward:nothing", "penalty"])
def test_the_topic_must_come_from_the_rulebook(member_a, topic):
    with pytest.raises(DomainError) as error:
        ask(member_a, topic=topic)
    assert error.value.field == "topic"


def test_only_handlers_answer_and_the_resident_is_told(member_a, daily_staff, intake_staff):
    question = ask(member_a)
    with pytest.raises(DomainError):
        services.question_answer(question=question, text="答复", actor=intake_staff)
    with pytest.raises(DomainError):
        services.question_answer(question=question, text="答复", actor=member_a.user)
    answered = services.question_answer(question=question, text="转发官方海报不属于擅自宣传。", actor=daily_staff)
    assert answered.status == QuestionStatus.ANSWERED and answered.answered_by == daily_staff
    assert Notification.objects.filter(recipient=member_a.user, kind="residents.rule_question_answered").exists()
    with pytest.raises(InvalidTransition):
        services.question_answer(question=answered, text="再答一次", actor=daily_staff)


def test_an_unanswered_question_is_flagged_once_after_its_due_day(member_a, daily_staff):
    question = ask(member_a)
    assert services.questions_flag_overdue(now=question.answer_due_at) == 0
    later = question.answer_due_at + timedelta(days=1)
    assert services.questions_flag_overdue(now=later) == 1
    assert services.questions_flag_overdue(now=later) == 0
    services.question_answer(question=question, text="答复", actor=daily_staff)
    assert services.questions_flag_overdue(now=later + timedelta(days=3)) == 0


def _answered(member, staff):
    return services.question_answer(question=ask(member), text="转发官方海报不属于擅自宣传。", actor=staff)


def test_an_answer_becomes_an_faq_entry_on_the_notice_board(member_a, daily_staff):
    question = _answered(member_a, daily_staff)
    entry = services.faq_publish(
        question=question, faq_question="转发社区官方活动海报算擅自宣传吗？", faq_answer="不算。", actor=daily_staff
    )
    publication = entry.publication
    assert publication.kind == "other"
    assert "转发社区官方活动海报算擅自宣传吗？" in publication.body
    assert publication.concerned_user is None and publication.subject is None
    assert "张三" not in publication.title + publication.body


@pytest.mark.parametrize(
    ("question", "answer", "found"),
    [
        ("张三转发海报算擅自宣传吗？", "不算。", "张三"),
        ("转发海报算擅自宣传吗？", "请致电 138 0013 8000 咨询。", "138 0013 8000"),
        ("转发海报算擅自宣传吗？", "请发邮件到 zhang@example.com。", "zhang@example.com"),
    ],
)
def test_an_faq_entry_with_personal_data_is_refused(member_a, daily_staff, question, answer, found):
    answered = _answered(member_a, daily_staff)
    with pytest.raises(DomainError) as error:
        services.faq_publish(question=answered, faq_question=question, faq_answer=answer, actor=daily_staff)
    assert error.value.code == "personal_data"
    assert found in error.value.message
    assert not RuleFaq.objects.exists() and not Publication.objects.exists()


def test_only_an_answered_question_by_a_handler_becomes_an_faq_entry(member_a, daily_staff, intake_staff):
    question = ask(member_a)
    with pytest.raises(InvalidTransition):
        services.faq_publish(question=question, faq_question="问", faq_answer="答", actor=daily_staff)
    answered = services.question_answer(question=question, text="答复", actor=daily_staff)
    with pytest.raises(DomainError):
        services.faq_publish(question=answered, faq_question="问", faq_answer="答", actor=intake_staff)
