"""申诉 — a resident's appeal against its quarterly score (第六章第三条 申诉通道; RULEBOOK §7.3, §10).

- The resident appeals its OWN card of a *published* quarter while the quarter's publication window is
  open (after it: refused with a message naming the window's end; nothing written). One pending appeal
  per card (a database constraint backs the check).
- The answer is due ``deadlines.appeal_answer_working_days`` working days after submission (by 23:59:59
  of the 3rd working day after the day it was submitted, RULEBOOK §2), tracked on the appeal;
  :func:`score_appeals_flag_overdue` tells the administrator once when it is late.
- The administrator decides: **upheld** → the corrected inputs are written, the quarter is recomputed
  and elimination re-evaluated for everyone, every changed value recorded (ScoreChange;
  ``scoring.services.signoff.apply_upheld_appeal``); **dismissed** → the score stands, with the reasons.
  Either way the resident is told, with the answer; when the window has already closed and this was
  the last pending appeal, the quarter takes effect (``quarter_finalise_if_ready``).
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook, workdays
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.appeals import answers_recompute_provisional
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.moments import format_moment
from opc_community.core.transitions import lock
from opc_community.portal.services import notify, notify_overdue
from opc_community.workdays.registry import Recomputed
from residents.models import Resident
from scoring.models import QuarterStatus, ScoreAppeal, ScoreAppealStatus, ScoreCard, ScoreChange
from scoring.selectors.cards import ARTICLE_APPEAL
from scoring.selectors.quarters import publication_of
from scoring.services.inputs import Correction
from scoring.services.signoff import apply_upheld_appeal, quarter_finalise_if_ready

#: The longest grounds accepted (form, API and service say the same).
REASON_MAX_LENGTH = 4000


def _text(value: str, *, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(missing, field=field)
    if len(text) > REASON_MAX_LENGTH:
        raise DomainError(_("At most %(count)d characters.") % {"count": REASON_MAX_LENGTH}, field=field)
    return text


@transaction.atomic
def score_appeal_submit(*, card: ScoreCard, resident: Resident, reason: str, actor: Actor) -> ScoreAppeal:
    """The resident appeals its own published score during the publication window (第六章第三条)."""
    if card.resident_id != resident.pk:
        # Interfaces fetch the card through the resident (404); this is the service's own guard.
        raise PermissionDenied(_("You can only appeal your own score card."))
    reason = _text(reason, field="reason", missing=_("Write the grounds of your appeal."))
    publication = publication_of(card.quarter)
    if publication is not None:
        publication = lock(publication)  # the window cannot close while the appeal is being lodged
    quarter = card.quarter
    now = timezone.now()
    if quarter.status != QuarterStatus.PUBLISHED or publication is None:
        raise DomainError(
            _("The scores of %(quarter)s are “%(status)s”: an appeal is possible only while they are on the "
              "notice board (%(article)s).")
            % {"quarter": quarter, "status": quarter.get_status_display(), "article": ARTICLE_APPEAL},
            field="reason",
        )
    if not publication.is_window_open(now):
        raise DomainError(
            _("The publication window of %(quarter)s ended at %(end)s; an appeal is no longer possible "
              "(%(article)s).") % {"quarter": quarter, "end": format_moment(publication.window_ends_at),
                                   "article": ARTICLE_APPEAL},
            field="reason",
        )
    if card.appeals.filter(status=ScoreAppealStatus.PENDING).exists():
        raise ConflictError(_("Your appeal against this score is already awaiting its answer."), field="reason")
    days = rulebook.in_force(on=timezone.localdate(now)).deadlines.appeal_answer_working_days
    due = workdays.deadline(now, days)
    try:
        with transaction.atomic(), acting_as(actor, action="scoring.score_appeal_submit"):
            appeal = ScoreAppeal.objects.create(
                card=card, resident=resident, reason=reason, submitted_at=now, answer_due_at=due.at,
                due_provisional=due.provisional,
            )
    except IntegrityError as error:  # the one-pending-appeal constraint, should the check be raced
        raise ConflictError(
            _("Your appeal against this score is already awaiting its answer."), field="reason"
        ) from error
    notify(
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda: _("Score appeal: %(resident)s, %(quarter)s") % {"resident": resident.name, "quarter": quarter},
        body=lambda: _("%(resident)s appeals its score of %(quarter)s (%(total)d points); answer by %(due)s "
               "(%(days)d working days, %(article)s).")
        % {"resident": resident.name, "quarter": quarter, "total": card.total, "due": format_moment(due.at),
           "days": days, "article": ARTICLE_APPEAL},
        link=reverse("admin:scoring_scoreappeal_change", args=[appeal.pk]),
        kind="scoring.appeal_submitted",
        dedupe_key=f"scoring:appeal:{appeal.pk}:submitted",
    )
    notify(
        recipients=[resident.user],
        title=lambda: _("Your appeal against the score of %(quarter)s was received") % {"quarter": quarter},
        body=lambda: _("You will have the answer by %(due)s.") % {"due": format_moment(due.at)},
        link=reverse("scoring:card_detail", args=[card.pk]),
        kind="scoring.appeal_received",
        dedupe_key=f"scoring:appeal:{appeal.pk}:received",
    )
    return appeal


@transaction.atomic
def score_appeal_decide(
    *, appeal: ScoreAppeal, upheld: bool, answer: str, actor: Actor, correction: Correction | None = None
) -> tuple[ScoreAppeal, list[ScoreChange]]:
    """The administrator answers a pending appeal; upheld → corrected inputs, the quarter recomputed.

    Returns the appeal and the recorded score changes (every resident's, RULEBOOK §7.3: elimination is
    re-evaluated over the whole cohort, so a correction can move someone else's rank).
    """
    if not has_role(actor, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only the administrator decides score appeals (%(article)s).")
                               % {"article": ARTICLE_APPEAL})
    ensure_not_own(actor, concerned_user=appeal.resident.user_id, what=_("an appeal against your own score"))
    answer = _text(answer, field="answer", missing=_("Write the answer to the resident, with its reasons."))
    appeal = ScoreAppeal.objects.select_for_update(no_key=True).select_related("card__quarter", "resident__user").get(
        pk=appeal.pk)
    if appeal.status != ScoreAppealStatus.PENDING:
        raise InvalidTransition(
            _("This appeal was already answered (%(status)s).") % {"status": appeal.get_status_display()}
        )
    quarter = appeal.card.quarter
    if quarter.status != QuarterStatus.PUBLISHED:  # a pending appeal holds the quarter back from final
        raise InvalidTransition(_("The scores of %(quarter)s are “%(status)s”.")
                                % {"quarter": quarter, "status": quarter.get_status_display()})
    now = timezone.now()
    status = ScoreAppealStatus.UPHELD if upheld else ScoreAppealStatus.DISMISSED
    changes: list[ScoreChange] = []
    with acting_as(actor, action="scoring.score_appeal_decide"):
        ScoreAppeal.objects.filter(pk=appeal.pk, status=ScoreAppealStatus.PENDING).update(
            status=status, decided_by=actor, decided_at=now, answer=answer
        )
        appeal.refresh_from_db()
        if upheld:
            changes = apply_upheld_appeal(
                appeal=appeal, correction=correction or Correction(values={}), reason=answer, actor=actor
            )
    # The last appeal decided after the window closed lets the quarter take effect (第六章第二条).
    quarter_finalise_if_ready(quarter=quarter, actor=actor)
    notify(
        recipients=[appeal.resident.user],
        title=lambda: (_("Your appeal against the score of %(quarter)s was upheld") if upheld
               else _("Your appeal against the score of %(quarter)s was dismissed")) % {"quarter": quarter},
        body=lambda: _("Answer: %(answer)s") % {"answer": answer},
        link=reverse("scoring:card_detail", args=[appeal.card_id]),
        kind="scoring.appeal_decided",
        dedupe_key=f"scoring:appeal:{appeal.pk}:decided",
    )
    return appeal, changes


def score_appeals_flag_overdue(*, now: datetime | None = None) -> int:
    """Tell the administrator of each pending appeal past its answer time, once (dedupe key); returns how
    many were flagged this time (a second run flags none)."""
    now = now or timezone.now()
    overdue = ScoreAppeal.objects.filter(status=ScoreAppealStatus.PENDING, answer_due_at__lt=now).select_related(
        "card__quarter", "resident")
    return notify_overdue(
        overdue, recipients=members_of(Role.ADMINISTRATOR),
        title=lambda appeal: _("Score appeal overdue: %(resident)s, %(quarter)s")
        % {"resident": appeal.resident.name, "quarter": appeal.card.quarter},
        body=lambda appeal: _("The answer was due by %(due)s (%(article)s).")
        % {"due": format_moment(appeal.answer_due_at), "article": ARTICLE_APPEAL},
        link=lambda appeal: reverse("admin:scoring_scoreappeal_change", args=[appeal.pk]),
        kind="scoring.appeal_overdue", dedupe_key=lambda appeal: overdue_flag_key(appeal.pk),
    )


def overdue_flag_key(appeal_id: int) -> str:
    """The key of an appeal's overdue notice (withdrawn when a calendar change moves its deadline)."""
    return f"scoring:appeal:{appeal_id}:overdue"


def score_appeals_recompute_provisional() -> Recomputed:
    """Provisional answer deadlines of pending score appeals, computed again after a calendar change
    (RULEBOOK §2; registered in scoring/apps.py)."""
    return answers_recompute_provisional(ScoreAppeal, flag_key=overdue_flag_key)
