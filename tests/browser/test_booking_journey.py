"""A room booking on a phone, in a real browser (第四章第一条): resident A finds a free slot in a room's
calendar, books it, sees it in "my bookings"; resident B then sees the slot busy — without A's name."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opc_community.accounts.roles import Role
from spaces.models import Booking, BookingStatus
from spaces.services.bookings import booking_create
from tests.browser.conftest import _page
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


def test_free_times_first_ends_after_the_start_and_a_clash_with_ones_own_booking_on_a_390_phone(browser, live_server):
    # Given a resident who already booked 10:00–11:00 tomorrow, on a 390×844 phone
    context, phone = _page(browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                           is_mobile=True, has_touch=True, locale="zh-CN")
    resident = make_member(UserFactory(username="zhangsan", full_name="张三", roles=[Role.RESIDENT]), "张三")
    meeting_room = RoomFactory(code="A301")
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time(10)))
    booking_create(resident=resident, room=meeting_room, starts_at=start, ends_at=start + timedelta(hours=1),
                   purpose="产品评审", attendees=2, actor=resident.user)

    # When they open the room's day calendar
    log_in(phone, "zhangsan", f"/portal/spaces/rooms/{meeting_room.pk}/?date={tomorrow.isoformat()}")

    # Then the free times come first, merged, and the page fits the phone with tap-sized buttons
    free = phone.get_by_test_id("free-times")
    expect(free).to_contain_text("空闲时段")
    links = free.get_by_role("link")
    expect(links.first).to_have_text("08:00–10:00")
    expect(links.nth(1)).to_have_text("11:00–22:00")
    assert free.bounding_box()["y"] < phone.get_by_test_id("day-slots").bounding_box()["y"]
    assert links.first.bounding_box()["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SCREENSHOTS / "booking-free-times-390.png"), full_page=True)

    # When they open the form from the first free time and choose 09:30 as the start
    links.first.click()
    phone.get_by_label("开始时间").select_option("09:30")

    # Then no end at or before the start is offered, and the end moved after it
    offered = phone.eval_on_selector_all("#id_end option", "options => options.filter(o => !o.disabled).map(o => o.value)")
    assert offered and min(offered) == "10:00"
    expect(phone.get_by_label("结束时间")).to_have_value("10:00")

    # When they book 09:30–10:30, over their own booking
    phone.get_by_label("结束时间").select_option("10:30")
    phone.get_by_label("用途").fill("客户会谈")
    phone.get_by_role("button", name="预约", exact=True).click()

    # Then the page says the clash is their own booking and offers the next free hour
    expect(phone.locator("main")).to_contain_text("您本人已预约")
    suggestion = phone.get_by_test_id("suggestion").get_by_role("link")
    expect(suggestion).to_contain_text("11:00–12:00")
    phone.screenshot(path=str(SCREENSHOTS / "booking-own-clash-390.png"), full_page=True)
    suggestion.click()
    expect(phone.get_by_label("开始时间")).to_have_value("11:00")
    expect(phone.get_by_label("结束时间")).to_have_value("12:00")
    context.close()
