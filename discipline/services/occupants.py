"""Cases against an *occupant* — someone who occupies the community without being a resident (第八章第二条
1a 擅自入驻; the rules in ``discipline.rules.occupants``): who they are, checked as intake checks an ID
number; the printed notice handed over (an occupant has no account, so no portal message); a written
request for review upheld by the administrator. Opening, deciding and publishing such a case are the
usual steps (``cases``, ``decisions``, ``publishing``), which read ``case.resident`` None as an occupant.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import CaseStatus, RectificationNotice, ViolationCase
from discipline.rules import occupants
from discipline.rules.occupants import Occupant, OccupantProblem
from discipline.services.case_support import CASE_HANDLERS, DECIDERS, require
from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.moments import format_day
from residents.rules.identity import IdCardProblem


def _occupant_message(field: str, problem: str) -> str:
    if field == "occupant_id_number":
        return {
            IdCardProblem.LENGTH: _("Occupant's ID card number: a resident identity card number has 18 characters."),
            IdCardProblem.CHARACTERS: _(
                "Occupant's ID card number: only the digits 0-9, and X as the last character (full-width digits are "
                "converted; digits of other scripts are not accepted)."),
            IdCardProblem.BIRTH_DATE: _("Occupant's ID card number: characters 7 to 14 must be a real date of birth."),
            IdCardProblem.CHECK: _("Occupant's ID card number: the last character does not match (GB 11643 check "
                                   "character). Please check the number."),
        }[IdCardProblem(problem)]
    return {
        OccupantProblem.KIND: _("Only an unauthorised occupancy (1a 擅自入驻) can be recorded against a person who is "
                                "not a resident (Chapter 8, Article 2); open the case against the resident."),
        OccupantProblem.NAME: _("Occupant's name: required (as on the ID card)."),
        OccupantProblem.NAME_LENGTH: _("Occupant's name: at most %(count)d characters.")
        % {"count": occupants.NAME_MAX_LENGTH},
        OccupantProblem.PHONE: _("Occupant's phone: digits only (an optional leading +), 5 to 20 of them."),
    }[OccupantProblem(problem)]


def checked_occupant(occupant: Occupant, *, kind: str) -> Occupant:
    """The occupant as kept (normalised), or the first problem refused with its field named."""
    from residents.models import Application, ResidentStatus

    occupant = occupant.normalised()
    problems = occupants.occupant_problems(occupant, kind=kind, today=timezone.localdate())
    for field, problem in problems.items():
        raise DomainError(_occupant_message(field, problem), field=field)
    current = (
        Application.objects.filter(id_number=occupant.id_number, resident__isnull=False)
        .exclude(resident__status=ResidentStatus.EXITED).values_list("resident__name", flat=True).first()
    )
    if current is not None:
        raise DomainError(
            _("Occupant's ID card number: this is the ID number of resident %(name)s — open the case against the "
              "resident.") % {"name": current},
            field="occupant_id_number",
        )
    return occupant



@transaction.atomic
def notice_hand_over(*, case: ViolationCase, handed_over_on: date, actor: Actor) -> RectificationNotice:
    """Record that the printed 《违规整改通知书》 was handed to an occupant (who has no account and so gets no
    portal message): the day and the member of staff. Once: a second record is refused."""
    require(actor, CASE_HANDLERS, case.resident)
    if case.resident_id is not None:
        raise DomainError(_("A resident receives the notice in the portal; nothing is handed over."),
                          field="handed_over_on")
    notice = RectificationNotice.objects.filter(case=case).first()
    if notice is None:
        raise InvalidTransition(_("Issue the rectification notice first."))
    notice = RectificationNotice.objects.select_for_update(no_key=True).get(pk=notice.pk)
    if notice.handed_over_on is not None:
        raise ConflictError(
            _("The notice was already handed over on %(day)s.") % {"day": format_day(notice.handed_over_on)},
            field="handed_over_on",
        )
    today = timezone.localdate()
    if handed_over_on > today or handed_over_on < timezone.localdate(notice.issued_at):
        raise DomainError(_("The day of the handover is between the day the notice was issued and today."),
                          field="handed_over_on")
    with acting_as(actor, action="discipline.notice_hand_over"):
        notice.handed_over_on = handed_over_on
        notice.handed_over_by = actor
        notice.save(update_fields=["handed_over_on", "handed_over_by"])
    return notice


@transaction.atomic
def occupant_review_upheld(*, case: ViolationCase, reason: str, actor: Actor) -> ViolationCase:
    """An occupant's written request for review (复核; no account, so no appeal in the portal) upheld by the
    administrator: the case is annulled as an upheld appeal annuls it (``publishing.case_annul``)."""
    from discipline.services.publishing import case_annul

    require(actor, DECIDERS, case.resident)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for upholding the request for review."), field="reason")
    if case.resident_id is not None:
        raise DomainError(_("A resident asks for review in the portal; answer the appeal there."), field="reason")
    if case.status not in (CaseStatus.PUBLISHED, CaseStatus.CONFIRMED):
        raise InvalidTransition(_("Only a published or confirmed decision can be reviewed."))
    return case_annul(case=case, reason=_("request for review upheld: %(reason)s") % {"reason": reason}, actor=actor)
