"""Pure rules of promotion and event permits (宣传、自组织活动需申请, 第四章第三条).

Decisions the regulation leaves open, made here (and said in the portal):

- posters and flyers are applied for with the design itself, so an upload is required;
  a roadshow or an event describes its material in the text and may attach a file;
- an approved self-organised event or roadshow may reserve a room, through the booking
  rules, only within the permit's own time; posters and flyers reserve nothing.
"""

from datetime import datetime

#: Kinds whose application must carry the material itself (the poster, the flyer).
MATERIAL_REQUIRED_KINDS = frozenset({"posters", "flyers"})
#: Kinds that take place somewhere at a time and may reserve a room once approved.
ROOM_KINDS = frozenset({"event", "roadshow"})
#: Statuses the resident may withdraw from (the moves to "withdrawn" of ``spaces.models.REQUEST_TRANSITIONS``).
WITHDRAWABLE_STATUSES = frozenset({"requested", "approved"})


def material_required(kind: str) -> bool:
    return kind in MATERIAL_REQUIRED_KINDS


def period_problem(*, starts_at: datetime, ends_at: datetime, now: datetime) -> str | None:
    """Why a permit's period is not acceptable ("order", "past"), or None when it is."""
    if ends_at <= starts_at:
        return "order"
    if starts_at < now:
        return "past"
    return None


def can_reserve_room(*, kind: str, status: str) -> bool:
    """Only an approved event or roadshow reserves a room."""
    return kind in ROOM_KINDS and status == "approved"


def withdraw_refusal(*, status: str, holds_bookings: bool) -> str | None:
    """Why the resident cannot withdraw the permit now, or None when it can: ``"status"`` (refused or
    withdrawn already) or ``"has_bookings"`` (an approved event still holds active room bookings: they are
    cancelled first). The service refuses, and the portal offers the button, on this one answer."""
    if status not in WITHDRAWABLE_STATUSES:
        return "status"
    if holds_bookings:
        return "has_bookings"
    return None


def booking_within_permit(
    *, permit_starts_at: datetime, permit_ends_at: datetime, starts_at: datetime, ends_at: datetime
) -> bool:
    """A booking linked to a permit lies wholly within the permit's time (touching the ends is fine)."""
    return permit_starts_at <= starts_at < ends_at <= permit_ends_at


def decidable(*, ends_at: datetime, now: datetime) -> bool:
    """A permit can still be approved while its time is not over."""
    return ends_at > now
