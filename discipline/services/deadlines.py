"""Deadlines that act (RULEBOOK §9, decisions added 2026-12: "nothing waits for memory").

- **Rectification**: a 《违规整改通知书》 whose deadline has passed without the rectification recorded
  marks the case *not rectified* the next morning (:func:`rectification_overdue_run`, daily job; the
  deadline day itself still belongs to the resident) and tells the responsible staff — whoever issued the
  notice, else the daily management team — once per case. Idempotent: a marked case is no longer
  "notice issued", so a second run marks nothing.
- **Publication of a decision**: a decided case is published within
  ``deadlines.decision_publication_working_days`` working days of its decision (``publish_due_at``, stored
  at the event by ``decisions.case_decide``); one still not published after it is flagged to the
  administrator once (:func:`publication_overdue_flag`). The stored date follows the calendar while
  provisional (:func:`cases_recompute_provisional`, registered in discipline/apps.py).

Every case so flagged shows in the operations desk's "behind schedule" filter and column of the case
queue, with the count on the admin index (``selectors.cases.overdue_q``).
"""

import logging
from dataclasses import replace
from datetime import date, datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import CaseStatus, ViolationCase
from discipline.services.cases import case_mark_not_rectified
from opc_community import rulebook
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day, format_moment
from opc_community.portal.services import notifications_withdraw, notify, notify_overdue
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.services import DeadlineField, recompute_deadlines

logger = logging.getLogger(__name__)


def _admin_link(case: ViolationCase) -> str:
    return reverse("admin:discipline_violationcase_change", args=[case.pk])


def rectification_overdue_run(*, today: date) -> int:
    """Mark every case whose rectification deadline is before ``today`` *not rectified* (as the system) and
    tell the responsible staff; returns how many were marked. Each case in its own transaction: one that
    fails is logged and retried by the next run."""
    due = (
        ViolationCase.objects.filter(status=CaseStatus.NOTICE_ISSUED, notice__deadline__lt=today)
        .select_related("resident", "resident__user", "notice", "notice__issued_by")
        .order_by("notice__deadline", "pk")
    )
    marked = 0
    for case in due:
        notice = case.notice
        try:
            case_mark_not_rectified(
                case=case, actor=None,
                note=_("Deadline %(deadline)s passed without rectification (recorded by the system).")
                % {"deadline": format_day(notice.deadline)},
            )
        except Exception:
            logger.exception("Case %s could not be marked not rectified; the next run retries.", case.number)
            continue
        marked += 1
        issuer = notice.issued_by
        recipients = [issuer] if issuer is not None and issuer.is_active else members_of(Role.DAILY)
        with community_language():
            notify(
                recipients=recipients,
                title=_("Case %(number)s: not rectified") % {"number": case.number},
                body=_("The rectification deadline of notice %(notice)s was %(deadline)s and nothing was recorded: "
                       "the case is now “not rectified”; decide the penalty (Chapter 8, Article 2).")
                % {"notice": notice.number, "deadline": format_day(notice.deadline)},
                link=_admin_link(case),
                kind="discipline.rectification_overdue",
                dedupe_key=f"discipline:case:{case.pk}:rectification_overdue",
            )
    return marked


def late_publications(*, now: datetime) -> QuerySet[ViolationCase]:
    """Decided cases past their publish-by time."""
    return ViolationCase.objects.filter(status=CaseStatus.DECIDED, publish_due_at__lt=now)


def publication_overdue_key(case_id: int) -> str:
    """The key of a case's "publication late" notice (withdrawn when a calendar change moves the date)."""
    return f"discipline:case:{case_id}:publication_overdue"


def publication_overdue_flag(*, now: datetime | None = None) -> int:
    """Tell the administrator once of each decided case not published by its time; returns how many were
    flagged this time (a second run flags none)."""
    return notify_overdue(
        late_publications(now=now or timezone.now()).order_by("publish_due_at", "pk"),
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda case: _("Penalty decision %(number)s not yet published") % {"number": case.number},
        body=lambda case: _("The decision of case %(number)s was due on the notice board by %(due)s (RULEBOOK §9): "
                            "publish it.") % {"number": case.number, "due": format_moment(case.publish_due_at)},
        link=_admin_link, kind="discipline.publication_overdue", dedupe_key=lambda case: publication_overdue_key(case.pk),
    )


def provisional_publications() -> QuerySet[ViolationCase]:
    """Decided cases whose publish-by date is provisional (the calendar of its year is not loaded)."""
    return ViolationCase.objects.filter(status=CaseStatus.DECIDED, publish_due_provisional=True)


def cases_recompute_provisional() -> Recomputed:
    """Provisional publish-by dates computed again from the decision after a calendar change (RULEBOOK §2);
    the "late" notice of a case whose date moved is withdrawn (the flag job raises it again if need be)."""
    rules_on = rulebook.in_force_by_day()
    moves, result = recompute_deadlines(
        provisional_publications(), provisional="publish_due_provisional",
        fields=[DeadlineField("publish_due_at", "decided_at",
                              lambda day: rules_on(day).deadlines.decision_publication_working_days)],
    )
    withdrawn = notifications_withdraw(dedupe_keys=[publication_overdue_key(move.pk) for move in moves])
    return replace(result, flags_cleared=withdrawn)
