"""Shared pieces of the resident's term and exit (第三章第三条、第四条): small helpers of the renewal and exit services.
"""

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from opc_community.accounts.actors import Actor
from opc_community.accounts.selectors import members_of
from opc_community.core.transitions import lock, move
from residents.models import (
    AGREEMENT_TRANSITIONS,
    RENEWAL_TRANSITIONS,
    RESIDENT_TRANSITIONS,
    Agreement,
    AgreementStatus,
    Exit,
    RenewalRequest,
    RenewalStatus,
    Resident,
)
from residents.selectors import lifecycle as selectors

# The state machines are declared beside their models (residents.models.residency).

#: What a member of staff may not decide: renewal and exit steps of their own residency (conflict of interest).
OWN_RESIDENCY = gettext_lazy("the renewal or exit of your own residency")
# --- Small helpers -------------------------------------------------------------------------------


def _staff(*roles: str) -> list[Any]:
    return list(members_of(*roles))


def _portal(name: str, *args: Any) -> str:
    return reverse(f"residents:{name}", args=args)


def _admin(exit_or_renewal: Exit | RenewalRequest) -> str:
    meta = exit_or_renewal._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[exit_or_renewal.pk])


def _move_resident(resident: Resident, to_status: str, **fields: Any) -> Resident:
    resident = lock(resident)
    if resident.status == to_status:
        return resident
    return move(resident, to_status, transitions=RESIDENT_TRANSITIONS, **fields)


def _end_agreements(resident: Resident, *, on: date, reason: str) -> list[Agreement]:
    """End every live agreement of the resident: accepted → ended on ``on``; issued → cancelled."""
    changed = []
    for agreement in Agreement.objects.select_for_update(no_key=True).filter(
        resident=resident, status__in=selectors.LIVE_AGREEMENT
    ):
        if agreement.status == AgreementStatus.ACCEPTED:
            ended_on = min(on, agreement.ends_on)
            changed.append(
                move(agreement, AgreementStatus.ENDED, transitions=AGREEMENT_TRANSITIONS,
                     ended_on=ended_on, end_reason=reason[:200])
            )
        else:
            changed.append(
                move(agreement, AgreementStatus.CANCELLED, transitions=AGREEMENT_TRANSITIONS,
                     end_reason=reason[:200])
            )
    return changed


def _close_open_renewals(resident: Resident, *, reason: str, actor: Actor) -> None:
    """An exit ends every open renewal request (withdrawn, with the reason)."""
    for renewal in RenewalRequest.objects.select_for_update(no_key=True).filter(
        resident=resident, status=RenewalStatus.REQUESTED
    ):
        move(renewal, RenewalStatus.WITHDRAWN, transitions=RENEWAL_TRANSITIONS,
             decided_at=timezone.now(), decided_by=actor, decision_reason=reason)



def _lock_exit(exit: Exit) -> Exit:
    return Exit.objects.select_for_update(no_key=True, of=("self",)).select_related("resident__user", "resident__application").get(
        pk=exit.pk
    )

