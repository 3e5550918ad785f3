"""Leaving the community revokes what the spaces app granted (第三章第四条 注销权限): the handlers
registered in SpacesConfig.ready run inside the exit, so a forced exit leaves no future booking,
open desk request, usable permit or expected visitor behind."""

from datetime import timedelta

import pytest

from residents.services.lifecycle import exit_handlers, force_exit
from spaces.models import (
    Booking,
    BookingStatus,
    RequestStatus,
    VisitorStatus,
)
from spaces.services import booking_release, desks, permits, visitors
from tests.spaces.factories import DeskChangeRequestFactory, PermitFactory, VisitorFactory
from tests.spaces.support.bookings import (
    NOW,
    TOMORROW,
    at,
    book,
    clock_fixture,  # noqa: F401
    meeting_room_fixture,  # noqa: F401
    member_a_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_every_spaces_exit_handler_is_registered():
    assert {name: handler for name, handler in exit_handlers().items() if name.startswith("spaces.")} == {
        "spaces.bookings": booking_release.cancel_future_bookings,
        "spaces.desk_requests": desks.desk_requests_close_for_exit,
        "spaces.permits": permits.permits_withdraw_for_exit,
        "spaces.visitors": visitors.visitors_cancel_for_exit,
    }


def test_a_forced_exit_revokes_bookings_desk_requests_permits_and_visits(member_a, meeting_room, administrator):
    # Given a resident with a booking tomorrow, an open desk request, an approved event and a visitor expected
    booking = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    request = DeskChangeRequestFactory(resident=member_a)
    permit = PermitFactory(resident=member_a, title="产品发布会", starts_at=at(TOMORROW, "14:00"),
                           ends_at=at(TOMORROW, "16:00"), description="发布新版本", status=RequestStatus.APPROVED)
    visitor = VisitorFactory(name="王五", phone="13800138000", host=member_a, expected_at=NOW + timedelta(hours=2),
                             registered_by=administrator)

    # When the resident is forced out (the discipline app's entry point)
    force_exit(resident=member_a, reason="严重违规", ban_years=1, actor=administrator)

    # Then nothing the spaces app granted survives the exit
    booking.refresh_from_db()
    request.refresh_from_db()
    permit.refresh_from_db()
    visitor.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert request.status == RequestStatus.WITHDRAWN
    assert permit.status == RequestStatus.WITHDRAWN
    assert visitor.status == VisitorStatus.CANCELLED
    assert not Booking.objects.filter(resident=member_a, status=BookingStatus.CONFIRMED).exists()
