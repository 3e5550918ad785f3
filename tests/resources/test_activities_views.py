"""Portal pages of activities: residents (list, detail, register/cancel, own QR code, my activities with
the participation rule) and staff at the door (list, check-in sheet with one tap, walk-ins, undo, the
scan page). Who may open what; wrong methods; another resident's records → 404; fixed query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse

from resources.models import ActivityRegistration, Attendance, CheckInMethod
from resources.services import attendance as attendance_services
from tests.resources.support import (
    ENDS,
    NOW,
    STARTS,
    at,
    attend,
    make_activity,
    member,
    register,
    sh,
)

pytestmark = pytest.mark.django_db

LIST = reverse("resources:activity_list")
MINE = reverse("resources:my_activities")
STAFF_LIST = reverse("resources:staff_activities")
SCAN = reverse("resources:checkin_scan")


@pytest.fixture
def activity(resources_staff):
    return make_activity(resources_staff)


def url(name: str, activity) -> str:
    return reverse(f"resources:{name}", args=[activity.pk])


RESIDENT_PAGES = ["activity_list", "my_activities", "activity_detail", "my_code"]
RESIDENT_ACTIONS = ["activity_register", "activity_unregister"]
STAFF_PAGES = ["staff_activities", "checkin_sheet"]
STAFF_ACTIONS = ["checkin_tap", "checkin_undo"]


def _any(name: str, activity) -> str:
    if name in ("activity_list", "my_activities", "staff_activities"):
        return reverse(f"resources:{name}")
    return url(name, activity)


# --- Who may open what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RESIDENT_PAGES + RESIDENT_ACTIONS + STAFF_PAGES + STAFF_ACTIONS + ["scan"])
def test_anonymous_visitors_are_sent_to_login(client, activity, name):
    target = SCAN if name == "scan" else _any(name, activity)
    response = client.post(target) if name in RESIDENT_ACTIONS + STAFF_ACTIONS else client.get(target)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("who", ["resources_staff", "daily_staff", "outsider"])
@pytest.mark.parametrize("name", RESIDENT_PAGES)
def test_resident_pages_refuse_people_who_are_not_residents(client_for, request, activity, who, name):
    assert client_for(request.getfixturevalue(who)).get(_any(name, activity)).status_code == 403


@pytest.mark.parametrize("who", ["member_a", "daily_staff", "oversight", "intake_staff", "outsider"])
def test_staff_pages_refuse_everyone_but_the_resources_team_and_the_administrator(client_for, request, activity, who):
    person = request.getfixturevalue(who)
    client = client_for(getattr(person, "user", person))
    for name in STAFF_PAGES:
        assert client.get(_any(name, activity)).status_code == 403
    for name in STAFF_ACTIONS:
        assert client.post(_any(name, activity), {"resident": 1}).status_code == 403
    assert client.get(SCAN, {"code": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("name", "method"),
    [("activity_list", "post"), ("activity_detail", "post"), ("my_code", "post"), ("activity_register", "get"),
     ("activity_unregister", "get"), ("my_activities", "post")],
)
def test_wrong_methods_are_refused_on_resident_pages(client_for, member_a, activity, name, method):
    assert getattr(client_for(member_a.user), method)(_any(name, activity)).status_code == 405


@pytest.mark.parametrize(
    ("name", "method"),
    [("staff_activities", "post"), ("checkin_sheet", "post"), ("checkin_tap", "get"), ("checkin_undo", "get")],
)
def test_wrong_methods_are_refused_on_staff_pages(client_for, resources_staff, activity, name, method):
    assert getattr(client_for(resources_staff), method)(_any(name, activity)).status_code == 405
    assert client_for(resources_staff).put(SCAN).status_code == 405


def test_another_resident_s_past_activity_is_not_found(client_for, resources_staff, member_a, member_b):
    past = make_activity(resources_staff, starts_at=NOW - timedelta(days=3))
    attend(past, member_a, resources_staff)
    assert client_for(member_a.user).get(url("activity_detail", past)).status_code == 200
    assert client_for(member_b.user).get(url("activity_detail", past)).status_code == 404
    assert client_for(member_b.user).post(url("activity_register", past)).status_code == 404


# --- Residents ------------------------------------------------------------------------------------------------


def test_the_list_shows_upcoming_activities_with_places_and_the_rule(client_for, activity, member_a, member_b):
    register(activity, member_b)
    page = client_for(member_a.user).get(LIST).content.decode()
    assert "大模型应用开发培训" in page
    assert "2026年10月14日" in page and "14:00–16:00" in page
    assert "剩余 29 / 30 个名额" in page
    assert "计入考勤" in page
    assert "季度考核的第一个维度（第六章第一条）" in page


def test_a_resident_registers_and_sees_the_code_button(client_for, activity, member_a):
    client = client_for(member_a.user)
    response = client.post(url("activity_register", activity))
    assert response.status_code == 302
    assert response.headers["Location"] == url("activity_detail", activity)
    assert ActivityRegistration.objects.get().resident == member_a
    page = client.get(url("activity_detail", activity)).content.decode()
    assert "您已报名“大模型应用开发培训”" in page
    assert "出示我的签到码" in page
    assert "签到于活动开始前 30 分钟开放，活动结束时关闭。" in page


def test_a_full_activity_refuses_in_chinese_and_keeps_the_page(client_for, resources_staff, member_a, member_b):
    full = make_activity(resources_staff, capacity=1)
    register(full, member_b)
    response = client_for(member_a.user).post(url("activity_register", full))
    assert response.status_code == 409
    page = response.content.decode()
    assert "“大模型应用开发培训”已满员：1 个名额均已报满。" in page
    assert "名额已满" in page
    assert not ActivityRegistration.objects.filter(resident=member_a).exists()


def test_a_resident_cancels_its_registration(client_for, activity, member_a):
    register(activity, member_a)
    response = client_for(member_a.user).post(url("activity_unregister", activity))
    assert response.status_code == 302
    assert ActivityRegistration.objects.get().cancelled_at == NOW


def test_cancelling_after_the_start_is_refused_on_the_page(client_for, activity, member_a):
    register(activity, member_a)
    with at(STARTS + timedelta(minutes=1)):
        response = client_for(member_a.user).post(url("activity_unregister", activity))
    assert response.status_code == 400
    assert "不能再取消报名" in response.content.decode()


def test_the_code_page_shows_the_resident_s_own_qr_code(client_for, activity, member_a):
    register(activity, member_a)
    page = client_for(member_a.user).get(url("my_code", activity)).content.decode()
    assert '<svg' in page and 'class="qr-code__image"' in page
    assert "张三" in page
    assert "请勿转发" in page


def test_resident_b_cannot_see_a_s_qr_code(client_for, activity, member_a, member_b):
    """The code page only ever makes the caller's own code: without a registration, 404; with one,
    the code names B, never A."""
    register(activity, member_a)
    client_b = client_for(member_b.user)
    assert client_b.get(url("my_code", activity)).status_code == 404

    register(activity, member_b)
    context = client_b.get(url("my_code", activity)).context
    assert attendance_services.verify_code(context["code"]) == (activity, member_b)
    assert context["code"] != attendance_services.personal_code(activity=activity, resident=member_a)


def test_no_code_once_checked_in_or_over(client_for, activity, member_a, resources_staff):
    register(activity, member_a)
    attend(activity, member_a, resources_staff)
    page = client_for(member_a.user).get(url("my_code", activity)).content.decode()
    assert "qr-code__image" not in page and "已签到" in page
    other = make_activity(resources_staff, starts_at=NOW + timedelta(days=2))
    register(other, member_a)
    with at(other.ends_at):
        page = client_for(member_a.user).get(url("my_code", other)).content.decode()
    assert "签到码已失效" in page


def test_my_activities_show_the_quarter_with_the_rule(client_for, resources_staff, member_a):
    for day, attended in ((5, True), (8, True), (9, False)):
        held = make_activity(resources_staff, title=f"十月{day}日活动", starts_at=sh(2026, 10, day, 14))
        if attended:
            attend(held, member_a, resources_staff)
    coming = make_activity(resources_staff, title="下周路演")
    register(coming, member_a)

    page = client_for(member_a.user).get(MINE).content.decode()

    assert "本季度活动参与（2026年10月1日 – 2026年12月31日）" in page
    assert "66.7%" in page
    assert "截至目前，应参加 3 场，已参加 2 场" in page
    assert "未参加" in page
    assert "&gt;80% 得 10 分; 60%–80% 得 5 分; &lt;60% 得 0 分" in page
    assert "无应参加活动时得满分（第六章第一条）" in page
    assert "下周路演" in page
    assert "十月5日活动" in page  # in the attendance history


@pytest.mark.parametrize("page_name", ["activity_list", "my_activities"])
def test_resident_pages_have_a_fixed_number_of_queries(client_for, resources_staff, member_a, page_name,
                                                      django_assert_num_queries):
    client = client_for(member_a.user)
    target = reverse(f"resources:{page_name}")

    def add(n: int) -> None:
        for i in range(n):
            upcoming = make_activity(resources_staff, starts_at=NOW + timedelta(days=i + 1, minutes=len(str(i))))
            register(upcoming, member_a)
            attend(make_activity(resources_staff, starts_at=NOW - timedelta(days=i + 1)), member_a, resources_staff)

    add(1)
    client.get(target)  # warm-up (sessions, rulebook cache)
    # session, user, resident (+ application), orientation check, rulebook in force, unread badge,
    # then the page: list → count + page; mine → registrations, quarter, history count + page, rulebook bands
    with django_assert_num_queries(QUERIES[page_name]):
        client.get(target)
    add(5)
    with django_assert_num_queries(QUERIES[page_name]):
        assert client.get(target).status_code == 200


QUERIES = {"activity_list": 8, "my_activities": 11}


# --- Staff at the door -------------------------------------------------------------------------------------------


def test_staff_see_the_coming_activities(client_for, activity, resources_staff):
    make_activity(resources_staff, title="已取消的活动", cancelled_at=NOW)
    page = client_for(resources_staff).get(STAFF_LIST).content.decode()
    assert "大模型应用开发培训" in page and "已取消的活动" not in page
    assert "已签到 0 · 已报名 0 · 名额 30" in page


def test_the_sheet_lists_registered_residents_with_a_tap_to_check_in(client_for, activity, member_a, member_b,
                                                                     resources_staff):
    register(activity, member_a)
    register(activity, member_b)
    client = client_for(resources_staff)
    with at(STARTS - timedelta(minutes=10)):
        page = client.get(url("checkin_sheet", activity)).content.decode()
        assert "张三" in page and "欧阳娜娜" in page
        assert page.count('name="resident"') == 2

        response = client.post(url("checkin_tap", activity), {"resident": member_a.pk}, follow=True)

    assert Attendance.objects.get().method == CheckInMethod.LIST
    page = response.content.decode()
    assert "张三 签到成功（13:50）" in page
    assert "已签到 1 · 已报名 2 · 名额 30" in page


def test_a_second_tap_is_a_friendly_no_op(client_for, activity, member_a, resources_staff):
    register(activity, member_a)
    client = client_for(resources_staff)
    with at(STARTS):
        client.post(url("checkin_tap", activity), {"resident": member_a.pk})
    with at(STARTS + timedelta(minutes=5)):
        response = client.post(url("checkin_tap", activity), {"resident": member_a.pk}, follow=True)
    assert "张三 已于 14:00 签到，无需重复签到" in response.content.decode()
    assert Attendance.objects.count() == 1


def test_before_the_window_the_sheet_says_when_check_in_opens(client_for, activity, member_a, resources_staff):
    register(activity, member_a)
    client = client_for(resources_staff)
    page = client.get(url("checkin_sheet", activity)).content.decode()
    assert "签到于活动开始前 30 分钟开放" in page
    response = client.post(url("checkin_tap", activity), {"resident": member_a.pk}, follow=True)
    assert "签到于 2026年10月14日 13:30 开放" in response.content.decode()
    assert not Attendance.objects.exists()


def test_staff_find_and_check_in_a_walk_in(client_for, activity, member_a, resources_staff):
    client = client_for(resources_staff)
    with at(STARTS):
        page = client.get(url("checkin_sheet", activity), {"q": "张"}).content.decode()
        assert "添加现场参加者" in page and "张三" in page
        client.post(url("checkin_tap", activity), {"resident": member_a.pk})
        page = client.get(url("checkin_sheet", activity)).content.decode()
    assert "现场加入" in page
    assert Attendance.objects.get().resident == member_a


def test_staff_undo_a_wrong_tap(client_for, activity, member_a, resources_staff):
    client = client_for(resources_staff)
    with at(STARTS):
        client.post(url("checkin_tap", activity), {"resident": member_a.pk})
        response = client.post(url("checkin_undo", activity), {"resident": member_a.pk}, follow=True)
    assert "已撤销 张三 的签到" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_camera_link_asks_for_one_tap_then_checks_in(client_for, activity, member_a, resources_staff):
    register(activity, member_a)
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    client = client_for(resources_staff)
    with at(STARTS - timedelta(minutes=1)):
        page = client.get(SCAN, {"code": code})
        assert page.status_code == 200
        assert page.context["resident"] == member_a
        assert not Attendance.objects.exists()  # a GET writes nothing
        response = client.post(SCAN, {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == url("checkin_sheet", activity)
    assert "张三 签到成功（13:59）" in response.content.decode()
    assert Attendance.objects.get().method == CheckInMethod.QR


def test_the_scan_field_of_the_sheet_checks_in_straight_away(client_for, activity, member_a, resources_staff):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    with at(STARTS):
        response = client_for(resources_staff).post(SCAN, {"code": code, "activity": activity.pk})
    assert response.status_code == 302
    assert Attendance.objects.get().resident == member_a


@pytest.mark.parametrize("code", ["nonsense", "1.2.3:abc"])
def test_a_bad_code_is_refused_with_a_message(client_for, activity, resources_staff, code):
    with at(STARTS):
        response = client_for(resources_staff).post(SCAN, {"code": code, "activity": activity.pk}, follow=True)
    assert "这不是本社区有效的签到码" in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_expired_code_is_refused_on_the_confirmation_page(client_for, activity, member_a, resources_staff):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    with at(ENDS + timedelta(minutes=1)):
        response = client_for(resources_staff).get(SCAN, {"code": code}, follow=True)
    assert "签到码已过期" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 6])
def test_the_sheet_has_a_fixed_number_of_queries(client_for, activity, resources_staff, rows,
                                                 django_assert_num_queries):
    client = client_for(resources_staff)
    for n in range(rows):
        resident = member(name=f"报名{n}")
        register(activity, resident)
        attend(activity, member(name=f"现场{n}"), resources_staff)
    client.get(url("checkin_sheet", activity))  # warm-up
    # session, user, roles, activity (+ counts), registrations, attendance, walk-in search, unread badge
    with at(STARTS), django_assert_num_queries(8):
        client.get(url("checkin_sheet", activity), {"q": "报名"})
