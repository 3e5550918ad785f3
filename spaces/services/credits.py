"""Roadshow-hall credits (第八章第一条 合规优秀): granted by a reward, used and returned by bookings."""


from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError
from residents.models import Resident
from spaces.models import (
    Booking,
    CreditChange,
    RoadshowCredit,
)

# --- Credits -------------------------------------------------------------------------------------


def _lock_resident(resident: Resident) -> None:
    """Serialise credit uses and returns of one resident (FOR NO KEY UPDATE: inserts referencing the
    resident are not blocked)."""
    list(Resident.objects.select_for_update(no_key=True).filter(pk=resident.pk).values_list("pk", flat=True))


def _balance(resident: Resident) -> int:
    return RoadshowCredit.objects.filter(resident=resident).aggregate(total=Sum("change"))["total"] or 0


@transaction.atomic
def credit_grant(
    *, resident: Resident, count: int, max_hours: int, source_key: str, actor: Actor, note: str = ""
) -> RoadshowCredit:
    """Grant ``count`` free roadshow-hall bookings of at most ``max_hours`` each (第八章第一条 合规优秀).

    Idempotent on ``source_key`` (e.g. the reward's key): a second call returns the first grant and
    changes nothing. The same key for another resident is a conflict.
    """
    source_key = (source_key or "").strip()
    if not source_key:
        raise DomainError(_("A credit grant needs the key of what it rewards."), field="source_key")
    if count < 1 or max_hours < 1:
        raise DomainError(_("A credit grant gives at least one booking of at least one hour."), field="count")
    existing = RoadshowCredit.objects.filter(source_key=source_key).first()
    if existing is None:
        try:
            with transaction.atomic(), acting_as(actor, action="spaces.credit_grant"):
                existing = RoadshowCredit.objects.create(
                    resident=resident, kind=CreditChange.GRANTED, change=count, max_hours=max_hours,
                    source_key=source_key, note=note[:200], created_by=actor,
                )
        except IntegrityError:  # a concurrent grant with the same key won
            existing = RoadshowCredit.objects.get(source_key=source_key)
    if existing.resident_id != resident.pk:
        raise ConflictError(_("This reward's credits were granted to another resident."), field="source_key")
    return existing


def _use_credit(*, booking: Booking, actor: Actor) -> None:
    """Take one credit for ``booking`` (the resident is locked; the balance is read under the lock)."""
    RoadshowCredit.objects.create(
        resident_id=booking.resident_id, kind=CreditChange.USED, change=-1, booking=booking, created_by=actor
    )


def _return_credit(*, booking: Booking, actor: Actor) -> bool:
    """Give back the credit ``booking`` used (once)."""
    if not booking.uses_credit:
        return False
    _lock_resident(booking.resident)
    if RoadshowCredit.objects.filter(booking=booking, kind=CreditChange.RETURNED).exists():
        return False
    RoadshowCredit.objects.create(
        resident_id=booking.resident_id, kind=CreditChange.RETURNED, change=1, booking=booking, created_by=actor,
        note=_("booking cancelled"),
    )
    return True


