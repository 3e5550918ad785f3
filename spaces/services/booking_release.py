"""Bookings released without the resident: no-shows (the Celery job every 5 minutes) and an exit."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.i18n import community_language
from residents.models import Resident
from spaces.models import (
    Booking,
    BookingStatus,
)
from spaces.services.bookings import (
    _tell_resident,
    booking_cancel,
    format_slot,
)

# --- No-show release (the Celery job every 5 minutes) -------------------------------------------------

_RELEASE_SQL = """
UPDATE spaces_booking
   SET status = %(released)s, released_at = %(now)s
 WHERE status = %(confirmed)s AND starts_at <= %(cutoff)s AND resident_id IS NOT NULL
RETURNING id
"""


@transaction.atomic
def bookings_release_no_shows(*, now: datetime) -> list[int]:
    """Release every confirmed booking not checked in ``no_show_release_minutes`` after its start
    (RULEBOOK §5): one UPDATE … RETURNING; the released rows are the no-show record. Returns the
    released ids; a second run at the same time finds nothing left to release.
    """
    section = rulebook.in_force(on=timezone.localdate(now)).booking
    minutes = section.no_show_release_minutes
    cutoff = now - timedelta(minutes=minutes)
    with acting_as(None, action="spaces.bookings_release_no_shows"), connection.cursor() as cursor:
        cursor.execute(
            _RELEASE_SQL,
            {"released": BookingStatus.RELEASED, "now": now, "confirmed": BookingStatus.CONFIRMED, "cutoff": cutoff},
        )
        released = [row[0] for row in cursor.fetchall()]
    if released:
        for booking in Booking.objects.filter(pk__in=released).select_related("room", "resident__user"):
            with community_language():
                _tell_resident(
                    booking,
                    title=_("Your booking was released as a no-show"),
                    body=_("Nobody checked in to your booking of %(room)s, %(slot)s, within %(minutes)s minutes of the start, so the room was released and a no-show recorded. %(limit)s no-shows within %(days)s days may be treated as misuse of space (Chapter 4, Article 1; Chapter 8, Article 2).")
                    % {
                        "room": booking.room.name,
                        "slot": format_slot(booking.starts_at, booking.ends_at),
                        "minutes": minutes,
                        "limit": section.no_show_limit,
                        "days": section.no_show_window_days,
                    },
                    kind="spaces.booking_released",
                )
    return sorted(released)

# --- Exit (registered in SpacesConfig.ready) -----------------------------------------------------------


def cancel_future_bookings(*, resident: Resident, exit: Any, actor: Actor) -> str:
    """Exit handler (第三章第四条 注销权限): cancel the resident's confirmed bookings that have not
    started; used credits come back to the ledger, which is kept as history."""
    now = timezone.now()
    future: Iterable[Booking] = Booking.objects.select_related("resident", "room").filter(
        resident=resident, status=BookingStatus.CONFIRMED, starts_at__gt=now
    )
    count = 0
    for booking in future:
        booking_cancel(booking=booking, actor=actor, reason=_("The resident is leaving the community."))
        count += 1
    if not count:
        return _("No future room bookings.")
    return _("Future room bookings cancelled: %(count)s.") % {"count": count}
