""""立即" measures (1a 擅自入驻, 4b 传销、侵权盗版, 6c 网络违规; RULEBOOK §9, decisions added 2026-12).

The administrator may impose an **interim community suspension**, effective at once and recorded with a
reason, on a verified case of one of those kinds while its decision waits for the publication window: the
resident sees it on the portal dashboard and every action the community scope covers refuses it with the
reason (``selectors.suspensions.suspension_guard``). The final measure takes effect after the window as
usual; the interim suspension ends then (``effects.apply_effects``), or when the case is dismissed or
annulled. One interim suspension per case at a time.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline import rules
from discipline.models import CaseStatus, Suspension, SuspensionScope, ViolationCase
from discipline.services.case_support import DECIDERS, require, tell_resident
from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.transitions import lock

#: Statuses in which an interim suspension may be imposed: verified, and not yet in effect or closed.
INTERIM_STATUSES = frozenset({
    CaseStatus.VERIFIED, CaseStatus.NOTICE_ISSUED, CaseStatus.RECTIFIED, CaseStatus.NOT_RECTIFIED,
    CaseStatus.DECIDED, CaseStatus.PUBLISHED,
})


def may_impose_interim(case: ViolationCase) -> bool:
    """The one predicate the service, the admin and the API share."""
    return rules.is_immediate(case.kind) and case.status in INTERIM_STATUSES and case.resident_id is not None


@transaction.atomic
def interim_suspend(*, case: ViolationCase, reason: str, actor: Actor) -> Suspension:
    """Impose the interim community suspension of a "立即" case now (the administrator only)."""
    require(actor, DECIDERS, case.resident)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the interim suspension."), field="reason")
    case = lock(case)
    if case.resident_id is None:
        raise DomainError(
            _("%(name)s is not a resident and has no account to suspend: the decision orders them to leave at once "
              "(Chapter 8, Article 2).") % {"name": case.occupant_name},
            field="reason",
        )
    if not rules.is_immediate(case.kind):
        raise DomainError(
            _("Only kinds %(kinds)s are measures “at once” (立即) allowing an interim suspension (Chapter 8, "
              "Article 2).") % {"kinds": "、".join(sorted(rules.IMMEDIATE_KINDS))},
            field="kind",
        )
    if case.status not in INTERIM_STATUSES:
        raise InvalidTransition(
            _("Case %(number)s is “%(status)s”: an interim suspension is imposed on a verified case before its "
              "decision takes effect.") % {"number": case.number, "status": case.get_status_display()}
        )
    if case.interim_suspensions.filter(lifted_at__isnull=True).exists():
        raise ConflictError(_("An interim suspension of this case is already in force."), field="reason")
    now = timezone.now()
    with acting_as(actor, action="discipline.interim_suspend"):
        suspension = Suspension.objects.create(
            resident=case.resident, scope=SuspensionScope.COMMUNITY, starts_at=now, ends_at=None,
            interim_for=case, reason=(_("Case %(number)s (interim): %(reason)s")
                                      % {"number": case.number, "reason": reason})[:300],
            created_by=actor,
        )
    tell_resident(
        case,
        title=_("Interim suspension: case %(number)s") % {"number": case.number},
        body=_("Your use of the community is suspended from now until the decision of case %(number)s takes "
               "effect: %(reason)s (Chapter 8, Article 2).") % {"number": case.number, "reason": reason},
        step=f"interim_{suspension.pk}",
    )
    return suspension


def interim_lift(case: ViolationCase, *, at: datetime | None = None) -> int:
    """End the interim suspensions of ``case`` (its final measure took effect, or it was dismissed or
    annulled); returns how many were lifted."""
    return Suspension.objects.filter(interim_for=case, lifted_at__isnull=True).update(
        lifted_at=at or timezone.now()
    )
