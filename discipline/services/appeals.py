"""复核 — the resident's request for review of a penalty (第八章第二条; RULEBOOK §9 process, §10).

- The resident appeals its OWN published penalty during the publication window (after it: refused with
  a message naming the window's end), with its grounds and optional evidence files (private uploads).
  One pending appeal per case (a database constraint backs the check).
- The answer is due ``deadlines.appeal_answer_working_days`` working days after submission
  (``workdays.deadline``: by 23:59:59 of the 3rd working day after the day it was submitted).
- The administrator answers: **upheld** → the case is annulled (it no longer counts for escalation or
  renewal; its publication is withdrawn); **dismissed** → the penalty stands, and if the window has
  already closed the case is confirmed now (its effects applied). Either way the answer is appended to
  the decision ledger and the resident is told with the reason.
- An appeal not answered by its due time is flagged to the administrator once (``discipline.tasks``).
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import Appeal, AppealStatus, CaseStatus, LedgerKind, ViolationCase
from discipline.selectors import cases as selectors
from discipline.services import cases as case_services
from discipline.services.ledger import appeal_content, ledger_append
from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.appeals import answers_recompute_provisional
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.files import atomic_with_files
from opc_community.core.moments import format_moment
from opc_community.core.transitions import lock
from opc_community.notices.models import PublicationStatus
from opc_community.portal.services import notify, notify_overdue
from opc_community.workdays.registry import Recomputed
from residents.models import Resident

#: The longest grounds accepted (form, API and service say the same).
REASON_MAX_LENGTH = 4000
#: Cases that can be appealed (the decision is on the board, or took effect within its window).
APPEALABLE = (CaseStatus.PUBLISHED, CaseStatus.CONFIRMED)


@atomic_with_files
def appeal_submit(
    *, case: ViolationCase, resident: Resident, reason: str, actor: Actor, evidence: Iterable[UploadedFile] = ()
) -> Appeal:
    """The resident asks for review of its own penalty during the publication window."""
    if case.resident_id != resident.pk:
        # Interfaces fetch the case through the resident (404); this is the service's own guard.
        raise PermissionDenied(_("You can only appeal your own cases."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write the grounds of your request for review."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            _("The grounds are at most %(count)d characters long.") % {"count": REASON_MAX_LENGTH}, field="reason"
        )
    case = lock(case)
    if case.status not in APPEALABLE:
        raise InvalidTransition(
            _("Case %(number)s is “%(status)s”: a request for review is possible once the penalty decision is "
              "published, during its publication window.") % {"number": case.number, "status": case.get_status_display()}
        )
    publication = selectors.publication_of(case)
    now = timezone.now()
    if publication is None or publication.status == PublicationStatus.WITHDRAWN:
        raise InvalidTransition(_("The penalty decision is not on the notice board."))
    if not publication.is_window_open(now):
        raise DomainError(
            _("The publication window ended at %(end)s; a request for review is no longer possible "
              "(Chapter 8, Article 2).") % {"end": format_moment(publication.window_ends_at)},
            field="reason",
        )
    if case.appeals.filter(status=AppealStatus.PENDING).exists():
        raise ConflictError(_("A request for review of this case is already awaiting its answer."), field="reason")
    days = rulebook.in_force(on=timezone.localdate(now)).deadlines.appeal_answer_working_days
    due = workdays.deadline(now, days)
    try:
        with transaction.atomic(), acting_as(actor, action="discipline.appeal_submit"):
            appeal = Appeal.objects.create(
                case=case, resident=resident, reason=reason, submitted_at=now,
                answer_due_at=due.at, due_provisional=due.provisional,
            )
            case_services.evidence_add(case=case, files=evidence, actor=actor, by_resident=True)
    except IntegrityError as error:  # the one-pending-appeal constraint, should the check be raced
        raise ConflictError(
            _("A request for review of this case is already awaiting its answer."), field="reason"
        ) from error
    notify(
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda: _("Request for review: case %(number)s") % {"number": case.number},
        body=lambda: _("%(resident)s asks for review of case %(number)s; answer by %(due)s (%(days)d working days, "
               "Chapter 8, Article 2).")
        % {"resident": resident.name, "number": case.number, "due": format_moment(due.at), "days": days},
        link=reverse("admin:discipline_appeal_change", args=[appeal.pk]),
        kind="discipline.appeal_submitted",
        dedupe_key=f"discipline:appeal:{appeal.pk}:submitted",
    )
    notify(
        recipients=[resident.user],
        title=lambda: _("Request for review of case %(number)s received") % {"number": case.number},
        body=lambda: _("You will have the answer by %(due)s.") % {"due": format_moment(due.at)},
        link=reverse("discipline:case_detail", args=[case.pk]),
        kind="discipline.appeal_received",
        dedupe_key=f"discipline:appeal:{appeal.pk}:received",
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, upheld: bool, answer: str, actor: Actor) -> Appeal:
    """The administrator answers a pending appeal: upheld annuls the case, dismissed keeps the penalty."""
    if not has_role(actor, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only the administrator answers requests for review (Chapter 8, Article 2)."))
    ensure_not_own(actor, concerned_user=appeal.resident.user_id, what=_("a request for review of your own case"))
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("Write the answer to the resident, with its reasons."), field="answer")
    case = lock(appeal.case)
    appeal = Appeal.objects.select_for_update(no_key=True).get(pk=appeal.pk)
    if appeal.status != AppealStatus.PENDING:
        raise InvalidTransition(
            _("This request for review was already answered (%(status)s).") % {"status": appeal.get_status_display()}
        )
    now = timezone.now()
    status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
    with acting_as(actor, action="discipline.appeal_decide"):
        Appeal.objects.filter(pk=appeal.pk, status=AppealStatus.PENDING).update(
            status=status, decided_by=actor, decided_at=now, answer=answer
        )
        appeal.refresh_from_db()
        appeal.case = case
        ledger_append(kind=LedgerKind.APPEAL, object_id=appeal.pk, content=appeal_content(appeal))
        if upheld:
            case_services.case_annul(
                case=case, reason=_("request for review upheld: %(answer)s") % {"answer": answer}, actor=actor
            )
        else:
            publication = selectors.publication_of(case)
            window_closed = publication is not None and publication.status == PublicationStatus.CLOSED
            if case.status == CaseStatus.PUBLISHED and window_closed:
                case_services.case_confirm(case=case)
    notify(
        recipients=[appeal.resident.user],
        title=lambda: (_("Request for review of case %(number)s upheld") if upheld
               else _("Request for review of case %(number)s dismissed")) % {"number": case.number},
        body=lambda: _("Answer: %(answer)s") % {"answer": answer},
        link=reverse("discipline:case_detail", args=[case.pk]),
        kind="discipline.appeal_decided",
        dedupe_key=f"discipline:appeal:{appeal.pk}:decided",
    )
    return appeal


def appeals_flag_overdue(*, now: Any | None = None) -> int:
    """Tell the administrator of each pending appeal past its answer time, once (dedupe key); returns how
    many were flagged this time (a second run flags none)."""
    return notify_overdue(
        selectors.overdue_appeals(now=now or timezone.now()),
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda appeal: _("Request for review overdue: case %(number)s") % {"number": appeal.case.number},
        body=lambda appeal: _("The answer to the request for review of case %(number)s was due by %(due)s "
                              "(Chapter 8, Article 2).")
        % {"number": appeal.case.number, "due": format_moment(appeal.answer_due_at)},
        link=lambda appeal: reverse("admin:discipline_appeal_change", args=[appeal.pk]),
        kind="discipline.appeal_overdue", dedupe_key=lambda appeal: overdue_flag_key(appeal.pk),
    )


def overdue_flag_key(appeal_id: int) -> str:
    """The key of an appeal's overdue notice (withdrawn when a calendar change moves its deadline)."""
    return f"discipline:appeal:{appeal_id}:overdue"


def appeals_recompute_provisional() -> Recomputed:
    """Provisional answer deadlines of pending requests for review, computed again after a calendar
    change (RULEBOOK §2; registered in discipline/apps.py)."""
    return answers_recompute_provisional(Appeal, flag_key=overdue_flag_key)
