"""The no-show job (Celery beat, every 5 minutes): thin, idempotent, run twice changes nothing."""

import pytest

from spaces import tasks
from spaces.models import Booking, BookingStatus
from tests.spaces.support.bookings import (
    TOMORROW,
    at,
    book,
    clock_fixture,  # noqa: F401
    meeting_room_fixture,  # noqa: F401
    member_a_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_the_job_releases_no_shows_once(member_a, meeting_room, clock):
    no_show = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    later = book(member_a, meeting_room, at(TOMORROW, "10:00"), at(TOMORROW, "11:00"))

    clock.move_to(at(TOMORROW, "09:20"))
    assert tasks.release_no_show_bookings.delay().get() == 1
    assert tasks.release_no_show_bookings.delay().get() == 0

    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {no_show.pk: BookingStatus.RELEASED, later.pk: BookingStatus.CONFIRMED}


def test_the_job_is_known_to_the_worker():
    from opc_community.celery import app

    app.loader.import_default_modules()
    assert "spaces.tasks.release_no_show_bookings" in app.tasks


def test_beat_runs_the_job_every_five_minutes():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["spaces-release-no-show-bookings"]
    assert entry["task"] == "spaces.tasks.release_no_show_bookings"
    assert entry["schedule"].minute == set(range(0, 60, 5))
    assert entry["schedule"].hour == set(range(24))
