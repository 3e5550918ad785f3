"""Jobs of complaints and requests (第四章第四条): overdue flags, auto-closing, deadlines recomputed after a calendar change."""

from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import InvalidTransition
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from opc_community.core.transitions import move
from opc_community.portal.services import notifications_withdraw, notify
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.rules import local_date
from opc_community.workdays.selectors import work_calendar
from opc_community.workdays.services import DeadlineField, recompute_deadlines
from residents.models import (
    COMPLAINT_TRANSITIONS,
    Complaint,
    ComplaintStatus,
    MessageKind,
)
from residents.rules import complaints as rules
from residents.services.complaints import (
    _lock,
    _post,
    _short,
    _staff_link,
)

# --- Jobs --------------------------------------------------------------------------------------


def complaints_flag_overdue(*, now: datetime | None = None) -> int:
    """Tell the daily management team about every deadline missed, once per complaint and deadline.

    The dedupe key names the complaint, the deadline (response or solution) and its due date,
    so running again notifies nobody twice, while a reopened complaint's new solution deadline
    is flagged afresh when it, too, passes. Returns how many notifications were created.
    """
    from residents.selectors import complaints as selectors

    now = now or timezone.now()
    team = list(members_of(Role.DAILY))
    if not team:
        return 0
    created = 0
    with community_language():
        for complaint, kind in selectors.overdue_deadlines(now=now):
            due = complaint.response_due_at if kind == rules.DueKind.RESPONSE else complaint.solution_due_at
            if kind == rules.DueKind.RESPONSE:
                title = _("Response overdue: %(subject)s")
                body = _("%(resident)s filed it on %(filed)s; the response was due by %(due)s (Chapter 4, Article 4).")
            else:
                title = _("Solution overdue: %(subject)s")
                body = _("%(resident)s filed it on %(filed)s; the solution was due by %(due)s (Chapter 4, Article 4).")
            with community_language():
                created += len(
                    notify(
                        recipients=team,
                        title=title % {"subject": _short(complaint.subject)},
                        body=body % {
                            "resident": complaint.resident.name,
                            "filed": format_day(complaint.filed_at),
                            "due": format_day(due),
                        },
                        link=_staff_link(complaint),
                        kind=f"residents.complaint_{kind}_overdue",
                        dedupe_key=overdue_flag_key(complaint.pk, kind, due),
                    )
                )
    return created


def overdue_flag_key(complaint_id: int, kind: str, due_at: datetime) -> str:
    """The key of the overdue notice of one deadline (response or solution) on its due date."""
    return f"complaint:{complaint_id}:{kind}-overdue:{local_date(due_at).isoformat()}"


def complaints_recompute_provisional() -> Recomputed:
    """Open provisional deadlines computed again after a calendar change (RULEBOOK §2, registered in
    residents/apps.py): the response from the filing while awaited, the solution from the filing or
    the last reopening, each with the rulebook in force that day. An overdue notice raised for a date
    that moved is withdrawn; the hourly flag job raises it again if the new date passes too."""
    from residents.selectors.complaints import provisional_complaints

    rules_on = rulebook.in_force_by_day()
    moves, result = recompute_deadlines(
        provisional_complaints().annotate(solution_from=Coalesce("reopened_at", "filed_at")),
        provisional="due_provisional",
        fields=[
            DeadlineField("response_due_at", "filed_at",
                          lambda day: rules_on(day).deadlines.complaint_response_working_days,
                          open=Q(status=ComplaintStatus.OPEN)),
            DeadlineField("solution_due_at", "solution_from",
                          lambda day: rules_on(day).deadlines.complaint_solution_working_days),
        ],
    )
    kinds = {"response_due_at": rules.DueKind.RESPONSE, "solution_due_at": rules.DueKind.SOLUTION}
    cleared = notifications_withdraw(
        dedupe_keys=[overdue_flag_key(move.pk, kinds[move.due], move.old) for move in moves]
    )
    return replace(result, flags_cleared=cleared)


@transaction.atomic
def complaint_auto_close(*, complaint: Complaint, now: datetime, working_days: int) -> Complaint:
    """Close a solved complaint the resident neither confirmed nor reopened in time.

    Runs only once the rulebook carries ``deadlines.complaint_auto_close_working_days``
    (see ``residents.tasks.complaints``). The thread says who closed it: the system,
    on behalf of the handler who gave the solution.
    """
    complaint = _lock(complaint)
    if complaint.status != ComplaintStatus.SOLVED or complaint.solved_at is None:
        raise InvalidTransition(_("Only a complaint with a solution can be confirmed."))
    calendar = work_calendar()
    due = rules.auto_close_due(calendar, solved_at=complaint.solved_at, working_days=working_days)
    if not rules.is_overdue_now(due_at=due, done_at=None, now=now):
        raise InvalidTransition(_("The resident may still confirm or reopen this complaint."))
    author = complaint.assigned_to or complaint.filed_by
    with acting_as(None, action="residents.complaint_auto_close"), community_language():
        complaint = move(complaint, ComplaintStatus.CLOSED, transitions=COMPLAINT_TRANSITIONS, closed_at=now)
        _post(
            complaint,
            kind=MessageKind.MESSAGE,
            author=author,
            body=_("Closed automatically: the solution was neither confirmed nor reopened within %(days)s working days.")
            % {"days": working_days},
        )
    return complaint


