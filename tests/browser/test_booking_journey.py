"""A room booking on a phone, in a real browser (第四章第一条): resident A finds a free slot in a room's
calendar, books it, sees it in "my bookings"; resident B then sees the slot busy — without A's name."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opc_community.accounts.roles import Role
from spaces.models import Booking, BookingStatus
from tests.browser.support import SCREENSHOTS, fits_the_phone, log_in
from tests.factories import UserFactory
from tests.spaces.factories import RoomFactory
from tests.spaces.support.bookings import make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]



def test_a_resident_books_a_room_on_a_phone_and_another_sees_it_busy(phone):
    # Given two checked-in residents and a meeting room
    make_member(UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT]), "张三")
    make_member(UserFactory(username="ouyang", full_name="欧阳娜娜", roles=[Role.RESIDENT]), "欧阳娜娜")
    meeting_room = RoomFactory(code="A301")
    tomorrow = timezone.localdate() + timedelta(days=1)

    # When resident A opens the rooms and picks the meeting room
    log_in(phone, "zhangsan", "/portal/spaces/rooms/")
    expect(phone.locator("h1")).to_have_text("预约场地")
    phone.get_by_test_id("room-A301").click()
    expect(phone.locator("h1")).to_have_text("A301 会议室")
    assert fits_the_phone(phone)

    # …goes to tomorrow in the day view and taps the free 10:00 slot
    phone.get_by_role("link", name="后一天").click()
    slot = phone.locator('[data-start="10:00"]')
    expect(slot).to_have_attribute("data-state", "free")
    phone.screenshot(path=str(SCREENSHOTS / "booking-calendar-day-375.png"), full_page=True)
    slot.get_by_role("link").click()

    # Then the form is filled in with the slot (an hour, since 10:30 is free too)
    expect(phone.locator("h1")).to_contain_text("预约 A301 会议室")
    expect(phone.get_by_label("开始时间")).to_have_value("10:00")
    expect(phone.get_by_label("结束时间")).to_have_value("11:00")
    phone.get_by_label("参加人数").fill("3")
    phone.get_by_label("用途").fill("客户会谈")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "booking-form-375.png"), full_page=True)
    phone.get_by_role("button", name="预约", exact=True).click()

    # …the booking is confirmed
    expect(phone.get_by_role("status")).to_contain_text("预约成功")
    expect(phone.get_by_test_id("booking-status")).to_have_text("已确认")
    booking = Booking.objects.get()
    assert (booking.resident.name, booking.status, timezone.localtime(booking.starts_at).strftime("%H:%M")) == (
        "张三", BookingStatus.CONFIRMED, "10:00")

    # …and it is in "my bookings"
    phone.get_by_role("link", name="返回我的预约").click()
    upcoming = phone.get_by_test_id("upcoming-bookings")
    expect(upcoming).to_contain_text("A301 会议室")
    expect(upcoming).to_contain_text("10:00–11:00")
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "booking-mine-375.png"), full_page=True)

    # When resident B looks at the same room and day
    phone.get_by_role("button", name="退出登录").click()
    log_in(phone, "ouyang", f"/portal/spaces/rooms/{meeting_room.pk}/?date={tomorrow.isoformat()}")

    # Then the slot is busy, and nothing says who booked it or why
    busy = phone.locator('[data-start="10:00"]')
    expect(busy).to_have_attribute("data-state", "busy")
    expect(busy).to_contain_text("已预约")
    expect(phone.locator('[data-start="10:30"]')).to_have_attribute("data-state", "busy")
    expect(phone.locator('[data-start="11:00"]')).to_have_attribute("data-state", "free")
    page_text = phone.locator("main").inner_text()
    assert "张三" not in page_text and "客户会谈" not in page_text
    phone.screenshot(path=str(SCREENSHOTS / "booking-busy-for-b-375.png"), full_page=True)

    # …also in the week grid, which fits the phone
    phone.get_by_role("link", name="周", exact=True).click()
    expect(phone.get_by_test_id("week-grid")).to_be_visible()
    assert fits_the_phone(phone)
    phone.screenshot(path=str(SCREENSHOTS / "booking-week-375.png"), full_page=True)
