"""A resident's discipline history as the residents app reads it: the renewal conditions (第三章第三条;
RULEBOOK §4.3) and the archive (第三章第五条; RULEBOOK §4.7).

They fill the residents app's extension points (``residents.extensions``, registered in
``DisciplineConfig.ready()``): the renewal conditions "no violation" (:func:`no_violation`)
and "cooperation" (:func:`cooperation`), and the archive's violations section
(:func:`archive_rows`). The residents app never imports this app.

Definitions (decisions, also in docs):

- **A penalty on record** is a case in ``COUNTING_STATUSES`` — decided, published (appeal
  window open) or confirmed. Warnings count (RULEBOOK §4.3 decision: "warnings included").
  A case annulled on appeal does not count ("a penalty overturned on appeal does not
  count"), nor one dismissed as not verified, nor one still being verified or waiting
  for its rectification outcome (no penalty has been decided yet). A decided penalty
  counts from the decision, not only once its window is over, exactly as it counts for
  escalation (§9): the renewal is judged on the record as it stands, and an appeal
  upheld later removes it. The date is the day it happened (``occurred_on``), as for
  the look-back window of §9.
- **An unresolved rectification notice** is a 《违规整改通知书》 that was issued and whose
  case has neither been rectified nor been decided: the case is ``NOTICE_ISSUED``
  (deadline running or passed) or ``NOT_RECTIFIED`` (found not rectified, penalty not yet
  decided). Once rectified the notice is resolved; once a penalty is decided the matter
  is counted as a penalty instead (above), so one case never fails both conditions for
  the same reason twice; an annulled or dismissed case resolves its notice too.
"""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from discipline import rules
from discipline.models import (
    COUNTING_STATUSES,
    CaseStatus,
    PenaltyMeasure,
    RectificationNotice,
    ViolationCase,
)
from opc_community import rulebook
from residents.extensions import Judgement, RenewalCondition, RenewalContext

#: Case statuses in which the case's rectification notice is unresolved (see the module docstring).
UNRESOLVED_NOTICE_STATUSES = (CaseStatus.NOTICE_ISSUED, CaseStatus.NOT_RECTIFIED)


def penalties_on_record(resident: Any, *, since: date) -> int:
    """Penalties on record (warnings included) that happened on or after ``since``; one query."""
    return ViolationCase.objects.filter(
        resident=resident, status__in=COUNTING_STATUSES, occurred_on__gte=since
    ).count()


def unresolved_notices(resident: Any) -> int:
    """《违规整改通知书》 of the resident not yet resolved (see the module docstring); one query."""
    return RectificationNotice.objects.filter(
        case__resident=resident, case__status__in=UNRESOLVED_NOTICE_STATUSES, rectified_at__isnull=True
    ).count()


# --- Renewal conditions (RULEBOOK §4.3) ------------------------------------------------------------


def no_violation(context: RenewalContext) -> Judgement:
    """No violation on record this term: no penalty on record since the term started (one query)."""
    since = context.agreement.starts_on
    count = penalties_on_record(context.resident, since=since)
    start = date_format(since, "DATE_FORMAT")
    if rules.no_penalty_this_term(count):
        return Judgement(True, _("No confirmed penalty since %(start)s (warnings count too).") % {"start": start})
    return Judgement(False, _("Confirmed penalties since %(start)s: %(count)d (warnings count too).")
                     % {"count": count, "start": start})


def cooperation(context: RenewalContext) -> Judgement:
    """Cooperation: no rectification notice left unresolved (one query)."""
    count = unresolved_notices(context.resident)
    if rules.cooperating(count):
        return Judgement(True, str(_("No rectification notice is waiting to be resolved.")))
    return Judgement(False, _("Rectification notices not yet resolved: %(count)d.") % {"count": count})


#: This app's renewal conditions, in the regulation's order among the residents app's (fees 20, fit 40).
RENEWAL_CONDITIONS = (
    RenewalCondition("no_violation", 10, gettext_lazy("No violation on record this term"), no_violation),
    RenewalCondition("cooperation", 30, gettext_lazy("No unresolved rectification notice"), cooperation),
)

#: The archive section of the cases (第三章第五条; RULEBOOK §4.7).
ARCHIVE_LABEL = gettext_lazy("Violations and penalties")


def _describe(measure: PenaltyMeasure) -> str:
    from discipline.selectors.cases import describe_measure

    return describe_measure(measure)


def _admin_link(case: ViolationCase) -> str:
    try:
        return reverse("admin:discipline_violationcase_change", args=[case.pk])
    except NoReverseMatch:  # not registered in the admin
        return ""


def _actor(user: Any) -> str:
    if user is None:
        return str(_("system"))
    return user.get_full_name() or user.get_username()


def archive_rows(resident: Any) -> list[Any]:
    """One archive line per case of the resident, in the order they happened.

    Each line: the day it happened; number, kind (name and category from the rulebook) and
    status; the measures decided (with amounts, days, ban) and the notice number; who found
    it (or "system" for the automatic ladders); a link to the case for staff.
    Queries: the cases with their notice and finder (1), their measures (2), and — only when
    there is a case — the rulebook for the kinds' names (3); the same for any number of cases.
    """
    from discipline.selectors.cases import kind_label
    from residents.selectors.archive import Entry

    cases = list(
        ViolationCase.objects.filter(resident=resident)
        .select_related("notice", "found_by")
        .prefetch_related(Prefetch("measures", queryset=PenaltyMeasure.objects.order_by("id"), to_attr="measure_list"))
        .order_by("occurred_on", "found_at", "id")
    )
    if not cases:
        return []
    book = rulebook.in_force(on=timezone.localdate())
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = []
    for case in cases:
        details = []
        if case.measure_list:
            details.append(_("measures: %(measures)s") % {"measures": "、".join(_describe(m) for m in case.measure_list)})
        notice = getattr(case, "notice", None)
        if notice is not None:
            details.append(_("rectification notice %(number)s") % {"number": notice.number})
        rows.append(Entry(
            at=datetime.combine(case.occurred_on, time.min, tzinfo=zone),
            section="violation",
            title=_("%(number)s %(kind)s: %(status)s") % {
                "number": case.number, "kind": kind_label(case.kind, book), "status": case.get_status_display(),
            },
            detail=" · ".join(str(part) for part in details),
            actor=_actor(case.found_by),
            link=_admin_link(case),
            date_only=True,
        ))
    return rows
