"""Booking services (第四章第一条): who may book, the rules of the slot, the database's no-overlap
guarantee turned into a clean conflict, change, cancel, check-in, no-show release, credits, exit."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone, translation

from discipline.models import SuspensionScope
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import ResidentStatus
from residents.services.lifecycle import exit_handlers
from spaces.models import Booking, BookingStatus, CalendarFeed, CreditChange, RoadshowCredit
from spaces.selectors import bookings as selectors
from spaces.services import booking_release, calendar_feeds, credits
from spaces.services import bookings as services
from tests.discipline.factories import SuspensionFactory
from tests.spaces.support.bookings import (
    NOW,
    TODAY,
    TOMORROW,
    at,
    book,
    clock_fixture,  # noqa: F401
    meeting_room_fixture,  # noqa: F401
    member_a_fixture,  # noqa: F401
    member_b_fixture,  # noqa: F401
    negotiation_room_fixture,  # noqa: F401
    roadshow_hall_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def create(resident, room, start, end, **kwargs):
    defaults = {"purpose": "客户会谈", "attendees": 2, "actor": resident.user}
    return services.booking_create(resident=resident, room=room, starts_at=start, ends_at=end,
                                   **{**defaults, **kwargs})


# --- Create ---------------------------------------------------------------------------------------


def test_a_checked_in_resident_books_a_free_slot(member_a, meeting_room):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    assert (booking.status, booking.resident, booking.booked_by, booking.uses_credit) == (
        BookingStatus.CONFIRMED, member_a, member_a.user, False)
    assert booking.purpose == "客户会谈" and booking.attendees == 2


def test_a_booking_is_two_queries_and_a_suspension_found_in_the_first(member_a, meeting_room,
                                                                    django_assert_num_queries):
    create(member_a, meeting_room, at(TOMORROW, "08:00"), at(TOMORROW, "09:00"))  # the rulebook parsed once

    # The service's atomic block (here a savepoint in the test's transaction; BEGIN/COMMIT on its own):
    # SAVEPOINT, (1) the rulebook version in force with EXISTS(a suspension covering bookings) in the same
    # row, (2) the INSERT with its audit context, whose exclusion constraint is the overlap check (no
    # SELECT before it), RELEASE SAVEPOINT.
    with django_assert_num_queries(4):
        create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    SuspensionFactory(resident=member_a, scope=SuspensionScope.PUBLIC_SPACES)
    with pytest.raises(DomainError) as refused:
        create(member_a, meeting_room, at(TOMORROW, "10:00"), at(TOMORROW, "11:00"))
    assert refused.value.code == "suspended" and "暂停" in str(refused.value.message)


def test_adjacent_slots_both_succeed(member_a, member_b, meeting_room):
    first = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    second = create(member_b, meeting_room, at(TOMORROW, "10:00"), at(TOMORROW, "11:00"))
    before = create(member_b, meeting_room, at(TOMORROW, "08:00"), at(TOMORROW, "09:00"))

    assert {first.status, second.status, before.status} == {BookingStatus.CONFIRMED}
    assert Booking.objects.count() == 3


def test_the_same_slot_in_another_room_is_no_conflict(member_a, member_b, meeting_room, negotiation_room):
    create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    create(member_b, negotiation_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    assert Booking.objects.count() == 2


@pytest.mark.parametrize(
    ("start", "end"),
    [("09:00", "10:00"), ("09:30", "10:30"), ("08:30", "09:30"), ("08:00", "11:00"), ("09:30", "10:00")],
)
def test_an_overlap_is_a_conflict_naming_the_taken_slot_not_the_booker(member_a, member_b, meeting_room, start, end):
    create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    with pytest.raises(ConflictError) as refused:
        create(member_b, meeting_room, at(TOMORROW, start), at(TOMORROW, end))

    error = refused.value
    assert error.status_code == 409
    assert error.details["conflict"] == {"starts_at": "2026-11-17T09:00:00+08:00", "ends_at": "2026-11-17T10:00:00+08:00",
                                         "own_booking": False}
    # The next free time of the same length from the requested start on (10:00 at the earliest).
    length = at(TOMORROW, end) - at(TOMORROW, start)
    assert error.details["suggestion"] == {"starts_at": "2026-11-17T10:00:00+08:00",
                                           "ends_at": (at(TOMORROW, "10:00") + length).isoformat()}
    assert "2026年11月17日 09:00–10:00" in str(error.message)
    assert "A301 会议室已被预约" in str(error.message)
    assert "张三" not in str(error.message) and "张三" not in str(error.as_dict())
    assert Booking.objects.count() == 1


def test_a_conflict_leaves_the_callers_transaction_usable(member_a, member_b, meeting_room):
    create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    with transaction.atomic():
        with pytest.raises(ConflictError):
            create(member_b, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
        # The savepoint was rolled back, not the whole transaction: the next statement works.
        create(member_b, meeting_room, at(TOMORROW, "10:00"), at(TOMORROW, "11:00"))

    assert Booking.objects.filter(resident=member_b).count() == 1


def test_cancelled_and_released_bookings_free_their_slot(member_a, member_b, meeting_room):
    book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), status=BookingStatus.CANCELLED)
    book(member_a, meeting_room, at(TOMORROW, "10:00"), at(TOMORROW, "11:00"), status=BookingStatus.RELEASED)

    create(member_b, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "11:00"))


@pytest.mark.parametrize(
    ("case", "start", "end", "field", "code", "message"),
    [
        ("end before start", at(TOMORROW, "10:00"), at(TOMORROW, "09:00"), "ends_at", "end_before_start", "结束时间必须晚于开始时间"),
        ("before opening", at(TOMORROW, "07:00"), at(TOMORROW, "08:30"), "starts_at", "before_opening", "开放时间为 08:00–22:00"),
        ("after closing", at(TOMORROW, "21:00"), at(TOMORROW, "22:30"), "ends_at", "after_closing", "开放时间为 08:00–22:00"),
        ("too long", at(TOMORROW, "09:00"), at(TOMORROW, "13:30"), "ends_at", "too_long", "最长 240 分钟"),
        ("too far ahead", at(TODAY + timedelta(days=31), "09:00"), at(TODAY + timedelta(days=31), "10:00"), "starts_at", "too_far_ahead", "最多提前 30 天"),
        ("past", at(TODAY - timedelta(days=1), "09:00"), at(TODAY - timedelta(days=1), "10:00"), "starts_at", "in_past", "已经过去"),
        ("unaligned", at(TOMORROW, "09:10"), at(TOMORROW, "10:10"), "starts_at", "unaligned", "30 分钟"),
        ("short notice", NOW + timedelta(minutes=0), NOW + timedelta(minutes=60), "starts_at", "short_notice", "至少提前 30 分钟"),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else None,
)
def test_bad_input_is_refused_clearly_and_nothing_is_written(member_a, meeting_room, case, start, end, field, code, message):
    with pytest.raises(DomainError) as refused:
        create(member_a, meeting_room, start, end)

    error = refused.value
    assert (error.field, error.code) == (field, code)
    assert message in str(error.message)
    assert "第四章第一条" in str(error.message) or code in ("end_before_start", "in_past")
    assert error.details["errors"][field]
    assert Booking.objects.count() == 0


def test_every_problem_is_listed_by_field(member_a, meeting_room):
    with pytest.raises(DomainError) as refused:
        create(member_a, meeting_room, at(TOMORROW, "07:15"), at(TOMORROW, "22:30"), attendees=9)

    assert set(refused.value.details["errors"]) == {"starts_at", "ends_at", "attendees"}
    assert len(refused.value.details["errors"]["ends_at"]) == 2  # after closing, too long


def test_the_room_type_rules_come_from_the_rulebook(member_a, negotiation_room):
    # A negotiation room: at most 120 minutes (seed data), a meeting room would allow 240.
    with pytest.raises(DomainError, match="最长 120 分钟"):
        create(member_a, negotiation_room, at(TOMORROW, "09:00"), at(TOMORROW, "11:30"))
    create(member_a, negotiation_room, at(TOMORROW, "09:00"), at(TOMORROW, "11:00"))


def test_too_many_attendees(member_a, negotiation_room):
    with pytest.raises(DomainError) as refused:
        create(member_a, negotiation_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), attendees=5)
    assert refused.value.field == "attendees" and "最多容纳 4 人" in str(refused.value.message)


def test_a_purpose_is_needed(member_a, meeting_room):
    with pytest.raises(DomainError) as refused:
        create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), purpose="  ")
    assert refused.value.field == "purpose"


def test_a_closed_room_cannot_be_booked(member_a, meeting_room):
    meeting_room.is_active = False
    meeting_room.save()
    with pytest.raises(DomainError) as refused:
        create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    assert refused.value.field == "room"


@pytest.mark.parametrize("status", [ResidentStatus.ONBOARDING, ResidentStatus.EXITED])
def test_a_resident_who_is_not_checked_in_cannot_book(member_a, meeting_room, status):
    member_a.status = status
    with pytest.raises(DomainError) as refused:
        create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    assert (refused.value.field, refused.value.code) == ("resident", "not_checked_in")
    assert "只有已入驻的主体才能预约" in str(refused.value.message)
    assert Booking.objects.count() == 0


def test_an_exiting_resident_may_still_book(member_a, meeting_room):
    member_a.status = ResidentStatus.EXITING
    create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))


@pytest.mark.parametrize("scope", [SuspensionScope.PUBLIC_SPACES, SuspensionScope.COMMUNITY])
def test_a_suspended_resident_cannot_book_and_is_told_until_when(member_a, meeting_room, scope):
    SuspensionFactory(resident=member_a, scope=scope, ends_at=at(TODAY + timedelta(days=7), "18:00"))

    with pytest.raises(DomainError) as refused:
        create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    assert (refused.value.field, refused.value.code) == ("resident", "suspended")
    assert "2026年11月23日 18:00" in str(refused.value.message) and "第八章第二条" in str(refused.value.message)
    assert Booking.objects.count() == 0


def test_a_resource_suspension_or_a_lifted_one_does_not_stop_booking(member_a, meeting_room):
    SuspensionFactory(resident=member_a, scope=SuspensionScope.RESOURCES)
    SuspensionFactory(resident=member_a, lifted_at=timezone.now())
    create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))


# --- Credits -------------------------------------------------------------------------------------


def grant(resident, count=2, key="reward-2026-1", actor=None):
    return credits.credit_grant(resident=resident, count=count, max_hours=3, source_key=key, actor=actor)


def test_a_credit_grant_is_idempotent_on_its_key(member_a, administrator):
    first = grant(member_a, actor=administrator)
    again = grant(member_a, actor=administrator)

    assert first.pk == again.pk
    assert (first.kind, first.change, first.max_hours) == (CreditChange.GRANTED, 2, 3)
    assert selectors.credit_balance(member_a) == 2


def test_a_reward_key_belongs_to_one_resident(member_a, member_b, administrator):
    grant(member_a, actor=administrator)
    with pytest.raises(ConflictError):
        grant(member_b, actor=administrator)
    assert selectors.credit_balance(member_b) == 0


def test_a_roadshow_booking_consumes_a_credit_and_cancelling_returns_it(member_a, roadshow_hall, administrator):
    grant(member_a, count=1, actor=administrator)

    booking = create(member_a, roadshow_hall, at(TOMORROW, "14:00"), at(TOMORROW, "17:00"), use_credit=True)
    assert booking.uses_credit and selectors.credit_balance(member_a) == 0

    services.booking_cancel(booking=booking, actor=member_a.user)
    assert selectors.credit_balance(member_a) == 1
    assert list(RoadshowCredit.objects.filter(booking=booking).values_list("kind", "change")) == [
        (CreditChange.USED, -1), (CreditChange.RETURNED, 1)]


def test_without_a_credit_left_nothing_is_booked_and_the_balance_stays_at_zero(member_a, roadshow_hall, administrator):
    grant(member_a, count=1, actor=administrator)
    create(member_a, roadshow_hall, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), use_credit=True)

    with pytest.raises(DomainError) as refused:
        create(member_a, roadshow_hall, at(TOMORROW, "14:00"), at(TOMORROW, "15:00"), use_credit=True)

    assert (refused.value.field, refused.value.code) == ("use_credit", "no_credit")
    assert selectors.credit_balance(member_a) == 0
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("room_fixture", "hours", "code"),
    [("meeting_room", 1, "credit_wrong_room"), ("roadshow_hall", 3.5, "credit_too_long")],
)
def test_a_credit_covers_the_roadshow_hall_for_three_hours_at_most(request, member_a, administrator, room_fixture, hours, code):
    grant(member_a, actor=administrator)
    room = request.getfixturevalue(room_fixture)
    with pytest.raises(DomainError) as refused:
        create(member_a, room, at(TOMORROW, "09:00"), at(TOMORROW, "09:00") + timedelta(hours=hours), use_credit=True)
    assert (refused.value.field, refused.value.code) == ("use_credit", code)
    assert selectors.credit_balance(member_a) == 2 and Booking.objects.count() == 0


def test_a_conflicting_credit_booking_keeps_the_credit(member_a, member_b, roadshow_hall, administrator):
    grant(member_a, count=1, actor=administrator)
    create(member_b, roadshow_hall, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    with pytest.raises(ConflictError):
        create(member_a, roadshow_hall, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), use_credit=True)
    assert selectors.credit_balance(member_a) == 1


def test_a_credit_is_returned_once(member_a, roadshow_hall, administrator):
    grant(member_a, count=1, actor=administrator)
    booking = create(member_a, roadshow_hall, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), use_credit=True)
    services.booking_cancel(booking=booking, actor=member_a.user)
    with pytest.raises(InvalidTransition):
        services.booking_cancel(booking=booking, actor=member_a.user)
    assert selectors.credit_balance(member_a) == 1


# --- Change ------------------------------------------------------------------------------------------


def test_changing_a_booking_moves_it(member_a, meeting_room):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    moved = services.booking_change(booking=booking, starts_at=at(TOMORROW, "09:30"), ends_at=at(TOMORROW, "11:00"),
                                    attendees=3, actor=member_a.user)

    assert (moved.starts_at, moved.ends_at, moved.attendees) == (at(TOMORROW, "09:30"), at(TOMORROW, "11:00"), 3)


def test_changing_onto_another_booking_is_a_conflict_and_keeps_the_old_time(member_a, member_b, meeting_room):
    create(member_b, meeting_room, at(TOMORROW, "11:00"), at(TOMORROW, "12:00"))
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    with pytest.raises(ConflictError) as refused:
        services.booking_change(booking=booking, starts_at=at(TOMORROW, "10:30"), ends_at=at(TOMORROW, "11:30"),
                                actor=member_a.user)

    assert refused.value.details["conflict"]["starts_at"] == "2026-11-17T11:00:00+08:00"
    booking.refresh_from_db()
    assert booking.starts_at == at(TOMORROW, "09:00")


def test_changing_follows_the_same_rules(member_a, meeting_room):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    with pytest.raises(DomainError) as refused:
        services.booking_change(booking=booking, starts_at=at(TOMORROW, "21:00"), ends_at=at(TOMORROW, "23:00"),
                                actor=member_a.user)
    assert refused.value.field == "ends_at"


def test_a_booking_that_started_cannot_be_changed(member_a, meeting_room, clock):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    clock.move_to(at(TOMORROW, "09:00"))
    with pytest.raises(DomainError):
        services.booking_change(booking=booking, starts_at=at(TOMORROW, "11:00"), ends_at=at(TOMORROW, "12:00"),
                                actor=member_a.user)


def test_a_credit_booking_cannot_grow_beyond_what_the_credit_covers(member_a, roadshow_hall, administrator):
    grant(member_a, count=1, actor=administrator)
    booking = create(member_a, roadshow_hall, at(TOMORROW, "09:00"), at(TOMORROW, "12:00"), use_credit=True)
    with pytest.raises(DomainError) as refused:
        services.booking_change(booking=booking, starts_at=at(TOMORROW, "09:00"), ends_at=at(TOMORROW, "13:00"),
                                actor=member_a.user)
    assert refused.value.code == "credit_too_long"


def test_staff_changing_a_booking_tell_the_resident(member_a, meeting_room, daily_staff):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    services.booking_change(booking=booking, starts_at=at(TOMORROW, "14:00"), ends_at=at(TOMORROW, "15:00"),
                            actor=daily_staff)
    assert Notification.objects.filter(recipient=member_a.user, kind="spaces.booking_changed").count() == 1


# --- Cancel -------------------------------------------------------------------------------------------


def test_the_resident_cancels_until_the_release_time(member_a, meeting_room, clock):
    early = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    late = create(member_a, meeting_room, at(TOMORROW, "11:00"), at(TOMORROW, "12:00"))

    clock.move_to(at(TOMORROW, "09:14"))
    cancelled = services.booking_cancel(booking=early, actor=member_a.user, reason="会议改期")
    assert (cancelled.status, cancelled.cancel_reason, cancelled.cancelled_by) == (
        BookingStatus.CANCELLED, "会议改期", member_a.user)
    assert not Notification.objects.filter(kind="spaces.booking_cancelled").exists()

    clock.move_to(at(TOMORROW, "11:15"))
    with pytest.raises(DomainError, match="已过释放时间"):
        services.booking_cancel(booking=late, actor=member_a.user)


def test_staff_cancel_with_a_reason_the_resident_is_told(member_a, meeting_room, daily_staff):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    services.booking_cancel(booking=booking, actor=daily_staff, reason="设备检修")

    note = Notification.objects.get(recipient=member_a.user, kind="spaces.booking_cancelled")
    assert "设备检修" in note.body and note.link == f"/portal/spaces/bookings/{booking.pk}/"


def test_the_resident_is_told_in_chinese_when_staff_use_english(member_a, meeting_room, daily_staff):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))

    with translation.override("en"):
        services.booking_cancel(booking=booking, actor=daily_staff, reason="设备检修")

    note = Notification.objects.get(recipient=member_a.user, kind="spaces.booking_cancelled")
    assert note.title == "您的预约已被取消"
    assert note.body.startswith("社区工作人员取消了您预约的") and "cancelled" not in note.body


def test_a_checked_in_booking_cannot_be_cancelled(member_a, meeting_room, clock):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    clock.move_to(at(TOMORROW, "09:00"))
    services.booking_check_in(booking=booking, actor=member_a.user)
    with pytest.raises(InvalidTransition):
        services.booking_cancel(booking=booking, actor=member_a.user)


# --- Check-in ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "by_staff", "allowed"),
    [
        ("08:44", False, False),
        ("08:45", False, True),
        ("09:14", False, True),
        ("09:15", False, False),
        ("09:15", True, True),
        ("09:59", True, True),
    ],
)
def test_check_in_window(member_a, meeting_room, daily_staff, clock, moment, by_staff, allowed):
    booking = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    clock.move_to(at(TOMORROW, moment))
    actor = daily_staff if by_staff else member_a.user

    if allowed:
        checked = services.booking_check_in(booking=booking, actor=actor)
        assert (checked.status, checked.checked_in_by, checked.checked_in_at) == (
            BookingStatus.CHECKED_IN, actor, at(TOMORROW, moment))
    else:
        with pytest.raises(DomainError, match="签到时间为"):
            services.booking_check_in(booking=booking, actor=actor)
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED


# --- No-show release --------------------------------------------------------------------------------


def test_the_no_show_job_releases_each_booking_once(member_a, member_b, meeting_room, negotiation_room, clock):
    no_show = book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    checked_in = book(member_b, negotiation_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"),
                      status=BookingStatus.CHECKED_IN)
    not_yet = book(member_b, meeting_room, at(TOMORROW, "10:00"), at(TOMORROW, "10:30"))  # released at 10:15
    cancelled = book(member_a, meeting_room, at(TOMORROW, "08:00"), at(TOMORROW, "09:00"),
                     status=BookingStatus.CANCELLED)

    now = at(TOMORROW, "09:15")  # exactly the release time of the 09:00 booking
    assert booking_release.bookings_release_no_shows(now=now) == [no_show.pk]
    assert booking_release.bookings_release_no_shows(now=now) == []

    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {no_show.pk: BookingStatus.RELEASED, checked_in.pk: BookingStatus.CHECKED_IN,
                        not_yet.pk: BookingStatus.CONFIRMED, cancelled.pk: BookingStatus.CANCELLED}
    no_show.refresh_from_db()
    assert no_show.released_at == now
    note = Notification.objects.get(recipient=member_a.user, kind="spaces.booking_released")
    assert "15 分钟" in note.body


def test_a_minute_before_the_release_time_nothing_is_released(member_a, meeting_room):
    book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    assert booking_release.bookings_release_no_shows(now=at(TOMORROW, "09:14")) == []


def test_a_released_slot_can_be_booked_again(member_a, member_b, meeting_room, clock):
    book(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "12:00"))
    clock.move_to(at(TOMORROW, "09:15"))
    booking_release.bookings_release_no_shows(now=timezone.now())
    create(member_b, meeting_room, at(TOMORROW, "10:00"), at(TOMORROW, "11:00"))


def test_a_released_credit_booking_keeps_its_credit_used(member_a, roadshow_hall, administrator):
    grant(member_a, count=1, actor=administrator)
    create(member_a, roadshow_hall, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), use_credit=True)
    booking_release.bookings_release_no_shows(now=at(TOMORROW, "09:15"))
    assert selectors.credit_balance(member_a) == 0


# --- No-show candidates (violation 2c) ------------------------------------------------------------------


def no_shows(resident, room, *days_ago):
    for index, days in enumerate(days_ago):
        start = at(TODAY - timedelta(days=days), "09:00") + timedelta(hours=index % 8)
        book(resident, room, start, start + timedelta(minutes=30), status=BookingStatus.RELEASED)


def test_three_no_shows_in_thirty_days_make_a_candidate(member_a, member_b, meeting_room, negotiation_room,
                                                          django_assert_num_queries):
    no_shows(member_a, meeting_room, 1, 10, 29)  # three within the window
    no_shows(member_b, negotiation_room, 2, 5, 31)  # the third is 31 days ago: it no longer counts
    book(member_b, negotiation_room, at(TODAY - timedelta(days=3), "09:00"), at(TODAY - timedelta(days=3), "10:00"),
         status=BookingStatus.CANCELLED)  # a cancellation is no no-show

    with django_assert_num_queries(2):  # the rulebook, the candidates (one aggregate query)
        candidates = list(selectors.no_show_candidates(now=NOW))

    assert [(c.pk, c.no_shows) for c in candidates] == [(member_a.pk, 3)]
    assert candidates[0].last_no_show_at == at(TODAY - timedelta(days=1), "09:00")


def test_two_no_shows_are_no_candidate(member_a, meeting_room):
    no_shows(member_a, meeting_room, 1, 2)
    assert list(selectors.no_show_candidates(now=NOW)) == []


def test_a_no_show_exactly_thirty_days_ago_still_counts(member_a, meeting_room):
    no_shows(member_a, meeting_room, 1, 2)
    book(member_a, meeting_room, NOW - timedelta(days=30), NOW - timedelta(days=30) + timedelta(minutes=30),
         status=BookingStatus.RELEASED)
    assert [c.no_shows for c in selectors.no_show_candidates(now=NOW)] == [3]


# --- Exit --------------------------------------------------------------------------------------------


def test_the_exit_handler_is_registered():
    assert exit_handlers()["spaces.bookings"] is booking_release.cancel_future_bookings


def test_leaving_cancels_future_bookings_and_returns_their_credits(member_a, meeting_room, roadshow_hall,
                                                                     daily_staff, administrator, clock):
    grant(member_a, count=1, actor=administrator)
    past = book(member_a, meeting_room, at(TODAY - timedelta(days=1), "09:00"), at(TODAY - timedelta(days=1), "10:00"),
                status=BookingStatus.CHECKED_IN)
    future = create(member_a, meeting_room, at(TOMORROW, "09:00"), at(TOMORROW, "10:00"))
    with_credit = create(member_a, roadshow_hall, at(TOMORROW, "14:00"), at(TOMORROW, "15:00"), use_credit=True)

    note = booking_release.cancel_future_bookings(resident=member_a, exit=None, actor=daily_staff)

    assert "2" in note
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {past.pk: BookingStatus.CHECKED_IN, future.pk: BookingStatus.CANCELLED,
                        with_credit.pk: BookingStatus.CANCELLED}
    assert selectors.credit_balance(member_a) == 1  # the ledger keeps the history: granted, used, returned
    assert RoadshowCredit.objects.filter(resident=member_a).count() == 3
    assert booking_release.cancel_future_bookings(resident=member_a, exit=None, actor=daily_staff) == "没有未来的场地预约。"


# --- Calendar feed ----------------------------------------------------------------------------------------


def test_the_calendar_feed_is_created_once_and_can_be_rotated(member_a):
    feed = calendar_feeds.calendar_feed_get_or_create(resident=member_a, actor=member_a.user)
    assert calendar_feeds.calendar_feed_get_or_create(resident=member_a, actor=member_a.user).token == feed.token
    assert len(feed.token) >= 40

    rotated = calendar_feeds.calendar_feed_rotate(resident=member_a, actor=member_a.user)
    assert rotated.token != feed.token and CalendarFeed.objects.count() == 1


# --- The database as referee: errors other than the overlap ------------------------------------------


def _database_error(kind, sqlstate):
    """A Django database error caused by a psycopg error with this SQLSTATE."""
    error = kind("simulated")
    error.__cause__ = type("Cause", (Exception,), {"sqlstate": sqlstate})()
    return error


def test_a_deadlock_between_concurrent_inserts_is_retried(meeting_room):
    attempts = []

    def step():
        attempts.append(1)
        if len(attempts) == 1:
            raise _database_error(OperationalError, services.DEADLOCK_DETECTED)
        return "booked"

    assert services._refereed(step, room=meeting_room, starts_at=at(TOMORROW, "09:00"),
                              ends_at=at(TOMORROW, "10:00")) == "booked"
    assert len(attempts) == 2


def test_deadlocks_that_keep_coming_end_in_a_clean_conflict(meeting_room):
    attempts = []

    def step():
        attempts.append(1)
        raise _database_error(OperationalError, services.DEADLOCK_DETECTED)

    with pytest.raises(ConflictError):
        services._refereed(step, room=meeting_room, starts_at=at(TOMORROW, "09:00"), ends_at=at(TOMORROW, "10:00"))
    assert len(attempts) == services.DEADLOCK_RETRIES + 1


@pytest.mark.parametrize(("kind", "sqlstate"), [(IntegrityError, "23514"), (OperationalError, "57014")])
def test_other_database_errors_are_not_disguised_as_conflicts(meeting_room, kind, sqlstate):
    def step():
        raise _database_error(kind, sqlstate)

    with pytest.raises(kind):
        services._refereed(step, room=meeting_room, starts_at=at(TOMORROW, "09:00"), ends_at=at(TOMORROW, "10:00"))
