"""Writes of the desk register (第四章第一条): assign a desk at check-in, release it at exit.

The database guarantees one open assignment per desk and per resident (partial
unique constraints on ``DeskAssignment``); these services turn a collision into
a :class:`~opc_community.core.errors.ConflictError` with a Chinese message, so
two staff members assigning the same desk at once get a clear answer, not a 500.
Booking rules and desk-change requests come with the spaces issue.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError
from spaces.models import Desk, DeskAssignment


@transaction.atomic
def desk_assign(*, resident: Any, desk: Desk, actor: Any, note: str = "") -> DeskAssignment:
    """Open an assignment of ``desk`` to ``resident`` (check-in, 第三章第二条 分配办公空间).

    Refuses an out-of-use desk, a desk already taken and a resident who already holds
    a desk (ConflictError). The desk row is locked first, so concurrent assignments of
    the same desk queue up and the second one sees the first one's assignment.
    """
    desk = Desk.objects.select_for_update().get(pk=desk.pk)
    if not desk.is_active:
        raise DomainError(
            _("Desk %(desk)s is out of use and cannot be assigned.") % {"desk": desk.code}, field="desk"
        )
    try:
        # A savepoint: the caller's transaction stays usable after a refused insert.
        with transaction.atomic(), acting_as(actor, action="spaces.desk_assign"):
            return DeskAssignment.objects.create(
                desk=desk, resident=resident, starts_at=timezone.now(), assigned_by=actor, note=note
            )
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "") or str(error)
        if "resident_one_open_desk" in constraint:
            raise ConflictError(
                _("%(resident)s already holds a desk; release it before assigning another one.")
                % {"resident": resident},
                field="resident",
            ) from error
        raise ConflictError(
            _("Desk %(desk)s is already assigned to another resident. Choose a free desk.") % {"desk": desk.code},
            field="desk",
        ) from error


@transaction.atomic
def desk_release(*, resident: Any, actor: Any, note: str = "") -> DeskAssignment | None:
    """Close the resident's open desk assignment (exit: 释放工位); None when it holds no desk.

    Safe to call twice: the second call finds no open assignment and changes nothing.
    """
    assignment = (
        DeskAssignment.objects.select_for_update().filter(resident=resident, ends_at__isnull=True).first()
    )
    if assignment is None:
        return None
    assignment.ends_at = timezone.now()
    assignment.released_by = actor
    if note:
        assignment.note = f"{assignment.note}; {note}".strip("; ")[:200]
    with acting_as(actor, action="spaces.desk_release"):
        assignment.save(update_fields=["ends_at", "released_by", "note"])
    return assignment
