"""What every appeal (``core.models.AppealRecord``) shares beyond its fields: its answer deadline
follows the calendar (RULEBOOK §2; 复核 第八章第二条, 申诉 第六章第三条)."""

from collections.abc import Callable
from dataclasses import replace

from django.db.models import Model, QuerySet

from opc_community import rulebook
from opc_community.core.models import PENDING
from opc_community.portal.services import notifications_withdraw
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.services import DeadlineField, recompute_deadlines


def provisional_answers(model: type[Model]) -> QuerySet:
    """Pending appeals of ``model`` answered by a provisional deadline."""
    return model.objects.filter(status=PENDING, due_provisional=True)


def answers_recompute_provisional(model: type[Model], *, flag_key: Callable[[int], str]) -> Recomputed:
    """Pending appeals answered by a provisional deadline, computed again from their submission after
    a calendar change (``appeal_answer_working_days`` of the rulebook in force that day). The overdue
    notice of an appeal whose deadline moved (key ``flag_key(pk)``) is withdrawn; the flag job raises
    it again if the new deadline passes too."""
    rules_on = rulebook.in_force_by_day()
    moves, result = recompute_deadlines(
        provisional_answers(model), provisional="due_provisional",
        fields=[DeadlineField("answer_due_at", "submitted_at",
                              lambda day: rules_on(day).deadlines.appeal_answer_working_days)],
    )
    return replace(result, flags_cleared=notifications_withdraw(dedupe_keys=[flag_key(move.pk) for move in moves]))
