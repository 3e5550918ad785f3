"""Safety drills and training (消防演练、安全培训、应急演练, 第七章第一条、第四条): every write.

- ``drill_plan``: a drill is an activity of kind ``drill`` (residents register and check in as for any
  activity) plus its ``SafetyDrill`` row. It counts for the participation rate (第六章第一条) only when
  staff tick ``counts_for_attendance`` — unticked by default, like an activity staff have not marked.
- ``drill_report``: after the drill, the after-action report and its findings; each finding opens a
  safety work item (``spaces.services.emergency.work_item_open``) in the same transaction. Reported once.

Who: the daily management team (responsible for safety, 第二章第二条), the resources team (activities)
and the administrator.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from resources.models import Activity, ActivityKind, DrillFinding, DrillType, SafetyDrill
from resources.rules import activities as activity_rules
from resources.services.activities import _check_data, new_checkin_token
from spaces.services.emergency import work_item_open

DRILL_STAFF = (Role.DAILY, Role.RESOURCES, Role.ADMINISTRATOR)
REPORT_MAX_LENGTH = 4000
FINDINGS_MAX = 20


def is_drill_staff(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and has_role(user, *DRILL_STAFF)


def _ensure_staff(actor: Actor) -> None:
    if not is_drill_staff(actor):
        raise DomainError(_("Only the daily management team, the resources team or the administrator organises "
                            "safety drills (Chapter 7, Article 4)."), code="not_allowed")


@transaction.atomic
def drill_plan(
    *, title: str, drill_type: str, starts_at: datetime, ends_at: datetime, place: str, capacity: int,
    actor: Actor, plan_kind: str = "", description: str = "", counts_for_attendance: bool = False,
) -> SafetyDrill:
    """Plan a drill: its activity (kind ``drill``, open for registration) and the drill row."""
    _ensure_staff(actor)
    if drill_type not in DrillType.values:
        raise DomainError(_("Choose the type of drill: fire drill, safety training or emergency drill."),
                          field="drill_type")
    _check_data(activity_rules.activity_problems(
        title=title, place=place, starts_at=starts_at, ends_at=ends_at, capacity=capacity, registered=0,
        now=timezone.now()), registered=0)
    with acting_as(actor, action="resources.drill_plan"):
        activity = Activity.objects.create(
            title=title.strip(), kind=ActivityKind.DRILL, description=(description or "").strip(),
            starts_at=starts_at, ends_at=ends_at, place=place.strip(), capacity=capacity,
            counts_for_attendance=counts_for_attendance, checkin_token=new_checkin_token(), created_by=actor,
        )
        return SafetyDrill.objects.create(activity=activity, drill_type=drill_type, plan_kind=plan_kind or "")


@transaction.atomic
def drill_report(*, drill: SafetyDrill, report: str, findings: list[str], actor: Actor) -> SafetyDrill:
    """Record the after-action report of a drill that has ended; each non-empty finding (one a line on the
    form) opens a safety work item. A drill is reported once."""
    _ensure_staff(actor)
    drill = SafetyDrill.objects.select_for_update(no_key=True, of=("self",)).select_related("activity").get(
        pk=drill.pk)
    if drill.reported_at is not None:
        raise DomainError(_("This drill's after-action report is already recorded."), code="done")
    if drill.activity.cancelled_at is not None:
        raise DomainError(_("This drill was cancelled: there is nothing to report."), code="cancelled")
    if drill.activity.ends_at > timezone.now():
        raise DomainError(_("The drill has not ended yet: report on it afterwards."), code="not_ended")
    report = (report or "").strip()
    if not report:
        raise DomainError(_("Please write the after-action report."), field="report")
    if len(report) > REPORT_MAX_LENGTH:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": REPORT_MAX_LENGTH},
                          field="report")
    findings = [line.strip() for line in findings if line and line.strip()]
    if len(findings) > FINDINGS_MAX:
        raise DomainError(_("At most %(limit)s findings, please.") % {"limit": FINDINGS_MAX}, field="findings")
    if any(len(line) > 200 for line in findings):
        raise DomainError(_("A finding is at most 200 characters; split it over two lines."), field="findings")
    with acting_as(actor, action="resources.drill_report"):
        drill.report, drill.reported_at, drill.reported_by = report, timezone.now(), actor
        drill.save(update_fields=["report", "reported_at", "reported_by"])
        for line in findings:
            with community_language():  # the work item's title is stored in Chinese
                title = _("Drill finding (%(drill)s): %(finding)s") % {"drill": drill.activity.title, "finding": line}
                note = _("Found in the drill of %(day)s.") % {"day": format_day(timezone.localdate(
                    drill.activity.starts_at))}
            item = work_item_open(title=title, actor=actor, link_note=note)
            DrillFinding.objects.create(drill=drill, text=line, work_item=item)
    return drill
