"""Reads of the desk register: free desks, who sits where, change requests and each desk's history
(one query each); the desk's part of check-in and of the resident's archive (registered with the
residents app in ``SpacesConfig.ready()``)."""

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residents.extensions import Problem
from spaces.models import Desk, DeskAssignment, DeskChangeRequest, RequestStatus


def _open_assignments() -> QuerySet[DeskAssignment]:
    return DeskAssignment.objects.filter(ends_at__isnull=True)


def occupied(desks: QuerySet[Desk], *, occupied: bool = True) -> QuerySet[Desk]:
    """Those of ``desks`` that someone holds now (an open assignment), or with ``occupied=False`` the others."""
    held = Exists(_open_assignments().filter(desk=OuterRef("pk")))
    return desks.filter(held if occupied else ~held)


def free_desks() -> QuerySet[Desk]:
    """Desks in use (``is_active``) with no open assignment, by floor, zone and code."""
    return occupied(Desk.objects.filter(is_active=True), occupied=False)


def desks_with_occupant() -> QuerySet[Desk]:
    """Every desk annotated with ``occupant_name`` and ``occupant_id`` (None when free), in one query."""
    current = _open_assignments().filter(desk=OuterRef("pk"))
    return Desk.objects.annotate(
        occupant_id=Subquery(current.values("resident_id")[:1]),
        occupant_name=Subquery(current.values("resident__name")[:1]),
        assigned_at=Subquery(current.values("starts_at")[:1]),
    )


def current_desk_assignment(resident: Any) -> DeskAssignment | None:
    """The resident's open desk assignment with its desk, or None (one query)."""
    return _open_assignments().select_related("desk").filter(resident=resident).first()


def desk_held_by(resident: Any) -> QuerySet[Desk]:
    """The desk the resident holds now, as a queryset of zero or one desk (the API's resident view)."""
    return Desk.objects.filter(
        Exists(_open_assignments().filter(desk=OuterRef("pk"), resident=resident))
    ).annotate(assigned_at=Subquery(_open_assignments().filter(desk=OuterRef("pk")).values("starts_at")[:1]))


# --- Change requests ------------------------------------------------------------------------------

_REQUEST_RELATED = ("resident", "current_desk", "preferred_desk", "assigned_desk", "decided_by")


def desk_requests() -> QuerySet[DeskChangeRequest]:
    """Every change request with its resident, desks and decider (one query for a page of them)."""
    return DeskChangeRequest.objects.select_related(*_REQUEST_RELATED).order_by("-requested_at", "-pk")


def desk_requests_of(resident: Any) -> QuerySet[DeskChangeRequest]:
    """The resident's own requests, newest first (the portal and the API fetch through this)."""
    return desk_requests().filter(resident=resident)


def open_desk_request(resident: Any) -> DeskChangeRequest | None:
    return desk_requests_of(resident).filter(status=RequestStatus.REQUESTED).first()


def desk_history(desk: Desk) -> dict[str, list[Any]]:
    """Who sat at the desk and when (assignments), and the change requests that named it (two queries)."""
    assignments = list(
        DeskAssignment.objects.filter(desk=desk)
        .select_related("resident", "assigned_by", "released_by")
        .order_by("-starts_at", "-pk")
    )
    requests = list(
        desk_requests().filter(Q(current_desk=desk) | Q(preferred_desk=desk) | Q(assigned_desk=desk))
    )
    return {"assignments": assignments, "requests": requests}


# --- Check-in (第三章第二条 办理入驻: a desk is assigned) -------------------------------------------------


def check_in_problems(resident: Any, *, today: date, choice: Desk | None) -> list[Problem]:
    """What blocks check-in on the desk's side: the chosen desk out of use or taken, or (no choice) no
    free desk at all (one query)."""
    if choice is None:
        return [] if free_desks().exists() else [Problem("desk", _("no free desk"), field="desk")]
    if not choice.is_active:
        return [Problem("desk", _("desk %(desk)s is out of use") % {"desk": choice.code}, field="desk")]
    if _open_assignments().filter(desk=choice).exists():
        return [Problem("desk", _("desk %(desk)s is already assigned") % {"desk": choice.code}, field="desk")]
    return []


def desk_line(resident: Any) -> str:
    """The orientation page's line on the resident's desk, "" without one (one query)."""
    assignment = current_desk_assignment(resident)
    if assignment is None:
        return ""
    desk = assignment.desk
    return _("Your desk: %(desk)s (%(floor)s, %(zone)s).") % {"desk": desk.code, "floor": desk.floor, "zone": desk.zone}


# --- The archive (第三章第五条; RULEBOOK §4.7) ------------------------------------------------------------

ARCHIVE_LABEL = gettext_lazy("Desks")


def archive_entries(resident: Any) -> list[Any]:
    """The resident's desks as archive lines: each assignment (and its release) and each change request
    with its decision, in time order (two queries)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for assignment in DeskAssignment.objects.filter(resident=resident).select_related(
        "desk", "assigned_by", "released_by"
    ):
        entries.append(Entry(
            at=assignment.starts_at, section="desk",
            title=_("Desk %(desk)s assigned") % {"desk": assignment.desk.code},
            detail=assignment.note, actor=_name(assignment.assigned_by),
        ))
        if assignment.ends_at is not None:
            entries.append(Entry(
                at=assignment.ends_at, section="desk",
                title=_("Desk %(desk)s released") % {"desk": assignment.desk.code},
                actor=_name(assignment.released_by),
            ))
    for request in desk_requests_of(resident):
        entries.append(Entry(
            at=request.requested_at, section="desk",
            title=_("Desk change requested: %(status)s") % {"status": request.get_status_display()},
            detail=" · ".join(part for part in (request.reason, request.decision_reason) if part),
            actor=_name(request.decided_by) if request.decided_by_id else str(resident),
        ))
    return sorted(entries, key=lambda entry: entry.at)
