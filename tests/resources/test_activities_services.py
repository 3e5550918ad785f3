"""Services of activities: publish, change, cancel; register and cancel; check-in by list, walk-in and
QR code (signed, expiring, bound to resident and activity); duplicates are no-ops; who may do what."""

from datetime import timedelta

import pytest
from django.core import signing

from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import ResidentStatus
from resources.models import Activity, ActivityRegistration, Attendance, CheckInMethod
from resources.services import activities as services
from resources.services import attendance as attendance_services
from tests.resources.factories import ActivityRegistrationFactory
from tests.resources.support import ENDS, NOW, STARTS, at, make_activity, member, register, sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(resources_staff):
    return make_activity(resources_staff)


def _create(actor, **overrides):
    data = {
        "title": "AI 出海沙龙", "kind": "salon", "starts_at": STARTS, "ends_at": ENDS, "place": "3 楼咖啡区",
        "capacity": 20, "description": "跨境电商与大模型", "actor": actor,
    }
    return services.activity_create(**{**data, **overrides})


# --- Publishing, changing, cancelling --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["resources_staff", "administrator"])
def test_the_resources_team_and_the_administrator_publish_activities(request, who):
    staff = request.getfixturevalue(who)

    activity = _create(staff)

    assert (activity.title, activity.kind, activity.capacity, activity.created_by) == ("AI 出海沙龙", "salon", 20, staff)
    assert activity.counts_for_attendance is True  # the default (第六章第一条)
    assert len(activity.checkin_token) >= 40


@pytest.mark.parametrize(("kind", "label"), [
    ("training", "培训"), ("salon", "沙龙"), ("roadshow", "路演"), ("matchmaking", "对接会"), ("study", "研修学习"),
])
def test_every_kind_of_the_regulation_can_be_published(resources_staff, kind, label):
    """第四章第四条 3: 创业培训、技术沙龙、项目路演、资源对接会、研修学习."""
    activity = _create(resources_staff, kind=kind, title=f"{label}活动")
    assert label in activity.get_kind_display()


def test_every_activity_gets_its_own_random_checkin_token(resources_staff):
    assert _create(resources_staff).checkin_token != _create(resources_staff).checkin_token


@pytest.mark.parametrize("who", ["daily_staff", "intake_staff", "oversight", "resident_a"])
def test_others_cannot_publish(request, who):
    with pytest.raises(DomainError) as refused:
        _create(request.getfixturevalue(who))
    assert "只有资源赋能组或运营负责人" in str(refused.value.message)
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": " "}, "title", "请填写活动标题"),
        ({"place": ""}, "place", "请填写活动地点"),
        ({"ends_at": STARTS}, "ends_at", "结束时间必须晚于开始时间"),
        ({"starts_at": NOW - timedelta(minutes=1)}, "starts_at", "该时间已经过去"),
        ({"capacity": 0}, "capacity", "活动名额至少为 1 人"),
        ({"kind": "party"}, "kind", "请选择活动类型"),
    ],
)
def test_bad_data_is_refused_with_the_field_and_a_chinese_message(resources_staff, overrides, field, message):
    with pytest.raises(DomainError) as refused:
        _create(resources_staff, **overrides)
    assert refused.value.field == field
    assert message in str(refused.value.message)
    assert not Activity.objects.exists()


def test_every_problem_is_listed_by_field(resources_staff):
    with pytest.raises(DomainError) as refused:
        _create(resources_staff, title="", place="", capacity=0)
    assert set(refused.value.details["errors"]) == {"title", "place", "capacity"}


def test_a_change_of_time_is_told_to_the_registered_residents(activity, resources_staff, member_a, member_b):
    register(activity, member_a)
    ActivityRegistrationFactory(activity=activity, resident=member_b, cancelled_at=NOW)  # cancelled

    changed = services.activity_update(
        activity=activity, actor=resources_staff, starts_at=STARTS + timedelta(hours=1), ends_at=ENDS + timedelta(hours=1)
    )

    assert changed.starts_at == STARTS + timedelta(hours=1)
    notices = Notification.objects.filter(kind="resources.activity_changed")
    assert [n.recipient for n in notices] == [member_a.user]
    assert "15:00" in notices[0].body and "3 楼路演厅" in notices[0].body


def test_a_change_of_the_description_alone_tells_nobody(activity, resources_staff, member_a):
    register(activity, member_a)
    services.activity_update(activity=activity, actor=resources_staff, description="请自带电脑")
    activity.refresh_from_db()
    assert activity.description == "请自带电脑"
    assert not Notification.objects.exists()


def test_the_capacity_cannot_go_below_the_registrations(activity, resources_staff, member_a, member_b):
    register(activity, member_a)
    register(activity, member_b)
    with pytest.raises(DomainError) as refused:
        services.activity_update(activity=activity, actor=resources_staff, capacity=1)
    assert refused.value.field == "capacity"
    assert "已有 2 位入驻主体报名" in str(refused.value.message)
    services.activity_update(activity=activity, actor=resources_staff, capacity=2)


def test_a_started_activity_keeps_its_start_but_its_place_can_be_corrected(activity, resources_staff):
    with at(STARTS + timedelta(minutes=10)):
        services.activity_update(activity=activity, actor=resources_staff, place="2 楼会议室")
        with pytest.raises(DomainError):
            services.activity_update(activity=activity, actor=resources_staff, starts_at=STARTS + timedelta(minutes=20))


def test_a_finished_or_cancelled_activity_cannot_be_changed(activity, resources_staff):
    with at(ENDS), pytest.raises(InvalidTransition):
        services.activity_update(activity=activity, actor=resources_staff, title="x")
    services.activity_cancel(activity=activity, reason="讲师临时有事", actor=resources_staff)
    with pytest.raises(InvalidTransition):
        services.activity_update(activity=activity, actor=resources_staff, title="x")


def test_cancelling_tells_the_registered_residents_the_reason(activity, resources_staff, member_a):
    register(activity, member_a)

    cancelled = services.activity_cancel(activity=activity, reason="台风预警，活动延期", actor=resources_staff)

    assert cancelled.cancelled_at == NOW
    notice = Notification.objects.get(kind="resources.activity_cancelled")
    assert notice.recipient == member_a.user
    assert "台风预警，活动延期" in notice.body
    assert notice.link == f"/portal/resources/activities/{activity.pk}/"


def test_cancelling_needs_a_reason_and_happens_once(activity, resources_staff):
    with pytest.raises(DomainError) as refused:
        services.activity_cancel(activity=activity, reason="  ", actor=resources_staff)
    assert refused.value.field == "reason"
    services.activity_cancel(activity=activity, reason="场地冲突", actor=resources_staff)
    with pytest.raises(InvalidTransition):
        services.activity_cancel(activity=activity, reason="场地冲突", actor=resources_staff)


def test_a_finished_activity_cannot_be_cancelled(activity, resources_staff):
    with at(ENDS), pytest.raises(InvalidTransition):
        services.activity_cancel(activity=activity, reason="x", actor=resources_staff)


# --- Registration ------------------------------------------------------------------------------------------


def test_a_resident_registers(activity, member_a):
    registration = services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    assert (registration.activity, registration.resident, registration.cancelled_at) == (activity, member_a, None)


def test_the_last_place_is_taken_then_the_next_is_refused_in_chinese(resources_staff, member_a, member_b):
    activity = make_activity(resources_staff, capacity=1)
    services.registration_create(activity=activity, resident=member_a, actor=member_a.user)

    with pytest.raises(ConflictError) as refused:
        services.registration_create(activity=activity, resident=member_b, actor=member_b.user)

    assert refused.value.code == "full"
    assert str(refused.value.message) == "“大模型应用开发培训”已满员：1 个名额均已报满。"
    assert ActivityRegistration.objects.count() == 1


def test_registering_twice_is_refused(activity, member_a):
    services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    with pytest.raises(ConflictError) as refused:
        services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    assert "您已报名" in str(refused.value.message)


def test_registration_closes_at_the_start(activity, member_a):
    with at(STARTS), pytest.raises(DomainError) as refused:
        services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    assert "报名已截止" in str(refused.value.message)
    with at(STARTS - timedelta(seconds=1)):
        services.registration_create(activity=activity, resident=member_a, actor=member_a.user)


def test_a_cancelled_activity_takes_no_registration(activity, resources_staff, member_a):
    services.activity_cancel(activity=activity, reason="场地冲突", actor=resources_staff)
    with pytest.raises(DomainError) as refused:
        services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    assert refused.value.code == "cancelled"


def test_nobody_registers_someone_else(activity, member_a, member_b, resources_staff):
    for actor in (member_b.user, resources_staff):
        with pytest.raises(DomainError):
            services.registration_create(activity=activity, resident=member_a, actor=actor)
    assert not ActivityRegistration.objects.exists()


def test_only_checked_in_residents_register(activity, outsider):
    onboarding = member(outsider, status=ResidentStatus.ONBOARDING)
    with pytest.raises(DomainError) as refused:
        services.registration_create(activity=activity, resident=onboarding, actor=outsider)
    assert "已办理入驻" in str(refused.value.message)


def test_cancelling_a_registration_frees_the_place(resources_staff, member_a, member_b):
    activity = make_activity(resources_staff, capacity=1)
    registration = services.registration_create(activity=activity, resident=member_a, actor=member_a.user)

    services.registration_cancel(registration=registration, actor=member_a.user)

    registration.refresh_from_db()
    assert registration.cancelled_at == NOW
    services.registration_create(activity=activity, resident=member_b, actor=member_b.user)


def test_registering_again_after_cancelling_reuses_the_row(activity, member_a):
    registration = services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    services.registration_cancel(registration=registration, actor=member_a.user)
    with at(NOW + timedelta(hours=1)):
        again = services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    assert again.pk == registration.pk
    assert again.cancelled_at is None
    assert again.registered_at == NOW + timedelta(hours=1)


def test_a_registration_cannot_be_cancelled_after_the_start_or_twice_or_by_another(activity, member_a, member_b):
    registration = services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    with pytest.raises(DomainError):
        services.registration_cancel(registration=registration, actor=member_b.user)
    with at(STARTS), pytest.raises(DomainError) as refused:
        services.registration_cancel(registration=registration, actor=member_a.user)
    assert "不能再取消报名" in str(refused.value.message)
    services.registration_cancel(registration=registration, actor=member_a.user)
    with pytest.raises(InvalidTransition):
        services.registration_cancel(registration=registration, actor=member_a.user)


# --- Check-in by the list -------------------------------------------------------------------------------------------


def test_staff_check_a_registered_resident_in(activity, member_a, resources_staff):
    register(activity, member_a)
    with at(STARTS - timedelta(minutes=5)):
        outcome = attendance_services.attendance_record(
            activity=activity, resident=member_a, method=CheckInMethod.LIST, actor=resources_staff
        )
    assert outcome.created
    attendance = outcome.attendance
    assert (attendance.method, attendance.checked_in_by, attendance.checked_in_at) == (
        CheckInMethod.LIST, resources_staff, STARTS - timedelta(minutes=5)
    )


def test_checking_in_twice_is_a_no_op(activity, member_a, resources_staff, administrator):
    register(activity, member_a)
    with at(STARTS):
        first = attendance_services.attendance_record(activity=activity, resident=member_a, method="list", actor=resources_staff)
    with at(STARTS + timedelta(minutes=3)):
        second = attendance_services.attendance_record(activity=activity, resident=member_a, method="qr", actor=administrator)
    assert (first.created, second.created) == (True, False)
    assert second.attendance.pk == first.attendance.pk
    assert Attendance.objects.get().checked_in_at == STARTS  # the first check-in stands


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (STARTS - timedelta(minutes=31), "签到于 2026年10月14日 13:30 开放（开始前 30 分钟）"),
        (ENDS, "已结束，签到已关闭"),
    ],
)
def test_check_in_only_within_the_window(activity, member_a, resources_staff, moment, message):
    register(activity, member_a)
    with at(moment), pytest.raises(DomainError) as refused:
        attendance_services.attendance_record(activity=activity, resident=member_a, method="list", actor=resources_staff)
    assert message in str(refused.value.message)
    assert not Attendance.objects.exists()


def test_check_in_opens_thirty_minutes_before_and_closes_at_the_end(activity, member_a, member_b, resources_staff):
    with at(STARTS - timedelta(minutes=30)):
        assert attendance_services.attendance_record(activity=activity, resident=member_a, method="list",
                                          actor=resources_staff).created
    with at(ENDS - timedelta(seconds=1)):
        assert attendance_services.attendance_record(activity=activity, resident=member_b, method="list",
                                          actor=resources_staff).created


def test_no_check_in_at_a_cancelled_activity(activity, member_a, resources_staff):
    services.activity_cancel(activity=activity, reason="场地冲突", actor=resources_staff)
    with at(STARTS), pytest.raises(DomainError) as refused:
        attendance_services.attendance_record(activity=activity, resident=member_a, method="list", actor=resources_staff)
    assert refused.value.code == "cancelled"


@pytest.mark.parametrize("who", ["daily_staff", "oversight", "intake_staff"])
def test_only_the_resources_team_and_the_administrator_check_in(request, activity, member_a, who):
    with at(STARTS), pytest.raises(DomainError):
        attendance_services.attendance_record(activity=activity, resident=member_a, method="list",
                                   actor=request.getfixturevalue(who))
    assert not Attendance.objects.exists()


def test_an_exited_resident_is_not_checked_in(activity, resources_staff, outsider):
    gone = member(outsider, status=ResidentStatus.EXITED, exited_on=NOW.date(), retain_until=NOW.date())
    with at(STARTS), pytest.raises(DomainError) as refused:
        attendance_services.attendance_record(activity=activity, resident=gone, method="list", actor=resources_staff)
    assert refused.value.field == "resident"


def test_a_walk_in_is_checked_in_while_a_place_is_free(resources_staff, member_a, member_b):
    activity = make_activity(resources_staff, capacity=2)
    register(activity, member_a)
    with at(STARTS):
        outcome = attendance_services.attendance_record(activity=activity, resident=member_b, method="list", actor=resources_staff)
    assert outcome.created


def test_a_walk_in_is_refused_when_registrations_fill_every_place(resources_staff, member_a, member_b):
    activity = make_activity(resources_staff, capacity=1)
    register(activity, member_a)
    with at(STARTS):
        with pytest.raises(ConflictError) as refused:
            attendance_services.attendance_record(activity=activity, resident=member_b, method="list", actor=resources_staff)
        assert "欧阳娜娜 未报名" in str(refused.value.message)
        # The registered resident's place stayed reserved for her.
        assert attendance_services.attendance_record(activity=activity, resident=member_a, method="list",
                                          actor=resources_staff).created


def test_undo_takes_back_a_wrong_tap_until_the_end(activity, member_a, resources_staff):
    with at(STARTS):
        attendance = attendance_services.attendance_record(activity=activity, resident=member_a, method="list",
                                                actor=resources_staff).attendance
        attendance_services.attendance_undo(attendance=attendance, actor=resources_staff)
        assert not Attendance.objects.exists()
        attendance = attendance_services.attendance_record(activity=activity, resident=member_a, method="list",
                                                actor=resources_staff).attendance
    with at(ENDS), pytest.raises(InvalidTransition):
        attendance_services.attendance_undo(attendance=attendance, actor=resources_staff)
    assert Attendance.objects.exists()


# --- Check-in by QR code -----------------------------------------------------------------------------------------------


def test_the_scanned_code_checks_its_resident_in(activity, member_a, resources_staff):
    register(activity, member_a)
    code = attendance_services.personal_code(activity=activity, resident=member_a)

    with at(STARTS):
        outcome = attendance_services.attendance_check_in_by_code(code=code, actor=resources_staff, activity=activity)

    assert outcome.created
    assert (outcome.attendance.resident, outcome.attendance.method) == (member_a, CheckInMethod.QR)


def test_the_link_the_camera_opens_works_as_well(activity, member_a, resources_staff):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    link = f"https://opc.example.cn/portal/resources/staff/check-in/?code={code.replace(':', '%3A')}"
    with at(STARTS):
        assert attendance_services.attendance_check_in_by_code(code=link, actor=resources_staff).attendance.resident == member_a


def test_scanning_twice_is_a_no_op(activity, member_a, resources_staff):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    with at(STARTS):
        attendance_services.attendance_check_in_by_code(code=code, actor=resources_staff)
        assert not attendance_services.attendance_check_in_by_code(code=code, actor=resources_staff).created
    assert Attendance.objects.count() == 1


def _refused(code, staff, **kwargs):
    with at(STARTS), pytest.raises(DomainError) as refused:
        attendance_services.attendance_check_in_by_code(code=code, actor=staff, **kwargs)
    assert not Attendance.objects.exists()
    return refused.value


def test_a_forged_code_is_refused(activity, member_a, member_b, resources_staff):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    value, signature = code.rsplit(":", 1)
    # Another resident's id with A's signature; a changed expiry; a broken signature; plain nonsense.
    aid, _rid, expires = value.split(".")
    for forged in (f"{aid}.{member_b.pk}.{expires}:{signature}", f"{aid}.{member_a.pk}.{int(expires) + 3600}:{signature}",
                   f"{value}:{signature[:-2]}xx", "hello", f"999999.{member_a.pk}.{expires}:{signature}"):
        error = _refused(forged, resources_staff)
        assert error.code == "bad_code", forged
        assert "不是本社区有效的签到码" in str(error.message)


def test_a_code_signed_with_another_key_is_refused(activity, member_a, resources_staff):
    value = f"{activity.pk}.{member_a.pk}.{int(ENDS.timestamp())}"
    assert _refused(signing.Signer(salt="something else").sign(value), resources_staff).code == "bad_code"


def test_a_new_checkin_token_voids_every_code_of_the_activity(activity, member_a, resources_staff):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    Activity.objects.filter(pk=activity.pk).update(checkin_token=services.new_checkin_token())
    assert _refused(code, resources_staff).code == "bad_code"


def test_an_expired_code_is_refused(activity, member_a, resources_staff):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    with at(ENDS + timedelta(seconds=1)), pytest.raises(DomainError) as refused:
        attendance_services.attendance_check_in_by_code(code=code, actor=resources_staff)
    assert refused.value.code == "expired"
    assert "签到码已过期" in str(refused.value.message)


def test_a_code_for_another_activity_is_refused_on_this_activity_s_sheet(activity, member_a, resources_staff):
    other = make_activity(resources_staff, title="路演训练营", starts_at=STARTS)
    code = attendance_services.personal_code(activity=other, resident=member_a)
    error = _refused(code, resources_staff, activity=activity)
    assert str(error.message) == "这是“路演训练营”的签到码，不是本活动的。"


def test_verifying_a_code_writes_nothing(activity, member_a):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    assert attendance_services.verify_code(code) == (activity, member_a)
    assert not Attendance.objects.exists()


def test_only_managers_check_in_by_code(activity, member_a, daily_staff):
    code = attendance_services.personal_code(activity=activity, resident=member_a)
    with at(STARTS), pytest.raises(DomainError):
        attendance_services.attendance_check_in_by_code(code=code, actor=daily_staff)
    with at(STARTS), pytest.raises(DomainError):  # the resident cannot check itself in with its own code
        attendance_services.attendance_check_in_by_code(code=code, actor=member_a.user)


def test_every_change_is_in_the_audit_trail(activity, member_a, resources_staff):
    registration = services.registration_create(activity=activity, resident=member_a, actor=member_a.user)
    with at(STARTS):
        attendance_services.attendance_record(activity=activity, resident=member_a, method="list", actor=resources_staff)
    assert registration.events.get(pgh_label="insert").pgh_context.metadata["action"] == "resources.registration_create"
    event = Attendance.objects.get().events.get(pgh_label="insert")
    assert event.pgh_context.metadata["user"] == resources_staff.pk
    assert sh(2026, 10, 14, 14, 0) == event.checked_in_at
