"""Questions about the reward and penalty rules (答疑, 第九章第五条) and the published FAQ.

- a resident (checked in) asks: a topic from the rulebook in force (a kind of violation, a kind
  of reward, or "other") and its question; the answer is due within
  ``deadlines.rule_question_answer_working_days`` working days (rule data, a Decision);
- the daily management team or the administrator answers; the resident is told;
- an answer worth sharing becomes an FAQ entry: question and answer written anew by staff,
  scanned for personal data (``opc_community.core.personal_data`` through the notice board's
  ``ensure_publishable``) and refused while they hold any, then published on the notice board.

Suspensions (RULEBOOK §9) do not restrict asking: it is no guarded action.
"""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError, InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from opc_community.core.transitions import move
from opc_community.notices.models import PublicationKind
from opc_community.notices.services import publication_open
from opc_community.portal.services import notify
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.rules import local_date
from opc_community.workdays.services import DeadlineField, recompute_deadlines
from residents.models import QUESTION_TRANSITIONS, QuestionStatus, Resident, RuleFaq, RuleQuestion
from residents.rules import rule_questions as rules
from residents.services.complaints import TEXT_MAX_LENGTH, _required_text, _short, _team, is_handler
from residents.services.mediation import PARTIES

#: FAQ entries are published under this kind of notice (RULEBOOK §10 "其他"; docs/residents.md decision).
FAQ_KIND = PublicationKind.OTHER


@transaction.atomic
def question_ask(*, resident: Resident, topic: str, text: str, actor: Actor) -> RuleQuestion:
    """A resident asks how a reward or penalty rule applies to it (第九章第五条)."""
    if actor is None or actor.pk != resident.user_id:
        raise DomainError(_("Only the resident itself can ask in the portal."), code="not_allowed")
    if resident.status not in PARTIES:
        raise DomainError(
            _("Questions are asked in the portal after check-in; please contact the daily management team."),
            code="not_checked_in",
        )
    asked_at = timezone.now()
    rules_in_force = rulebook.in_force(on=local_date(asked_at))
    label = rules.topic_label(rules_in_force, topic or "")
    if label is None:
        raise DomainError(_("Choose the rule your question is about."), field="topic")
    text = _required_text(text, field="text")
    due = workdays.deadline(asked_at, rules_in_force.deadlines.rule_question_answer_working_days)
    with acting_as(actor, action="residents.rule_question_ask"):
        question = RuleQuestion.objects.create(
            resident=resident, topic=topic, topic_label=label, text=text, asked_at=asked_at,
            answer_due_at=due.at, due_provisional=due.provisional,
        )
    with community_language():
        notify(
            recipients=_team(exclude=actor),
            title=lambda: _("New question about the rules: %(topic)s") % {"topic": label},
            body=lambda: _("%(resident)s asks: %(text)s\n\nAnswer by %(due)s (Chapter 9, Article 5).")
            % {"resident": resident.name, "text": _short(text), "due": format_day(due.at)},
            link=staff_link(question),
            kind="residents.rule_question_asked",
            dedupe_key=f"rule_question:{question.pk}:asked",
        )
    return question


@transaction.atomic
def question_answer(*, question: RuleQuestion, text: str, actor: Actor) -> RuleQuestion:
    """The team's answer (awaiting answer → answered); the resident is told."""
    _ensure_handler(actor, question)
    text = _required_text(text, field="answer")
    question = _lock(question)
    with acting_as(actor, action="residents.rule_question_answer"):
        question = move(
            question, QuestionStatus.ANSWERED, transitions=QUESTION_TRANSITIONS,
            answer=text, answered_at=timezone.now(), answered_by=actor,
        )
    with community_language():
        notify(
            recipients=[question.resident.user],
            title=lambda: _("Your question was answered: %(topic)s") % {"topic": question.topic_label},
            body=text,
            link=resident_link(question),
            kind="residents.rule_question_answered",
            dedupe_key=f"rule_question:{question.pk}:answered",
        )
    return question


@transaction.atomic
def faq_publish(*, question: RuleQuestion, faq_question: str, faq_answer: str, actor: Actor) -> RuleFaq:
    """Publish an answered question as an FAQ entry on the notice board, written anew by staff.

    Both texts are scanned for personal data (ID, phone, bank card numbers, e-mail addresses,
    names of people the system knows) and the publication is refused, naming what was found,
    while they hold any. The resident who asked is never named or linked on the board.
    """
    if not is_handler(actor):
        raise DomainError(
            _("Only the daily management team or the administrator publishes FAQ entries."), code="not_allowed"
        )
    faq_question = _required_text(faq_question, field="faq_question")
    faq_answer = _required_text(faq_answer, field="faq_answer")
    question = _lock(question)
    if question.status != QuestionStatus.ANSWERED:
        raise InvalidTransition(_("Only an answered question can become an FAQ entry."))
    with community_language():
        title = _("FAQ about the rules: %(topic)s") % {"topic": question.topic_label}
        body = _("Question: %(question)s\n\nAnswer: %(answer)s\n\n(Chapter 9, Article 5)") % {
            "question": faq_question, "answer": faq_answer,
        }
    # publication_open scans staff_text (opc_community.core.personal_data) and refuses personal data.
    publication = publication_open(
        kind=FAQ_KIND, title=_short_title(title), body=body,
        staff_text={"faq_question": faq_question, "faq_answer": faq_answer}, actor=actor,
    )
    with acting_as(actor, action="residents.rule_faq_publish"):
        return RuleFaq.objects.create(
            source=question, topic=question.topic, topic_label=question.topic_label, question=faq_question,
            answer=faq_answer, published_at=publication.window_starts_at, published_by=actor,
            publication=publication,
        )


def questions_flag_overdue(*, now: datetime | None = None) -> int:
    """Tell the daily management team about each question not answered in time, once each."""
    from residents.selectors.rule_questions import overdue_questions

    now = now or timezone.now()
    team = list(members_of(Role.DAILY))
    if not team:
        return 0
    created = 0
    with community_language():
        for question in overdue_questions(now=now):
            created += len(notify(
                recipients=team,
                title=_("Question about the rules not answered in time: %(topic)s") % {"topic": question.topic_label},
                body=_("%(resident)s asked on %(asked)s; the answer was due by %(due)s (Chapter 9, Article 5).")
                % {"resident": question.resident.name, "asked": format_day(question.asked_at),
                   "due": format_day(question.answer_due_at)},
                link=staff_link(question),
                kind="residents.rule_question_overdue",
                dedupe_key=f"rule_question:{question.pk}:overdue:{local_date(question.answer_due_at).isoformat()}",
            ))
    return created


def questions_recompute_provisional() -> Recomputed:
    """Open provisional answer deadlines computed again after a calendar change (RULEBOOK §2)."""
    from residents.selectors.rule_questions import provisional_questions

    rules_on = rulebook.in_force_by_day()
    _moves, result = recompute_deadlines(
        provisional_questions(),
        provisional="due_provisional",
        fields=[DeadlineField("answer_due_at", "asked_at",
                              lambda day: rules_on(day).deadlines.rule_question_answer_working_days)],
    )
    return result


# --- Helpers -----------------------------------------------------------------------------------


def _lock(question: RuleQuestion) -> RuleQuestion:
    return RuleQuestion.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "resident__user"
    ).get(pk=question.pk)


def _ensure_handler(actor: Actor, question: RuleQuestion) -> None:
    if not is_handler(actor):
        raise DomainError(
            _("Only the daily management team or the administrator answers questions about the rules "
              "(Chapter 9, Article 5)."),
            code="not_allowed",
        )
    ensure_not_own(actor, concerned_user=question.resident.user_id, what=_("a question of your own account"))


def _short_title(title: str) -> str:
    return title[:200]


def staff_link(question: RuleQuestion) -> str:
    return reverse("admin:residents_rulequestion_change", args=[question.pk])


def resident_link(question: RuleQuestion) -> str:
    return reverse("residents:rule_question_detail", args=[question.pk])


__all__ = ["TEXT_MAX_LENGTH", "faq_publish", "question_answer", "question_ask", "questions_flag_overdue"]
