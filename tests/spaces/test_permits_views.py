"""Portal pages "my permits": apply (material by content), the list and a permit with the team's reasons,
reserve a room for an approved event, withdraw, the private material; only the resident's own permits
(404 otherwise); fixed query counts."""

import pytest
import time_machine
from django.urls import reverse

from spaces.models import Booking, Permit, RequestStatus
from spaces.services import bookings as booking_services
from spaces.services import permits as services
from tests.spaces.support.desks import (
    PDF,
    fake_pdf_upload,
    member,
    pdf_upload,
    use_private_storage,
)
from tests.spaces.support.permits import NOW, at, permit, room

pytestmark = pytest.mark.django_db

LIST = reverse("spaces:permit_list")
NEW = reverse("spaces:permit_new")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    use_private_storage(settings, tmp_path)


@pytest.fixture
def applicant(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def other(resident_b):
    return member(resident_b, name="欧阳娜娜")


def url(name: str, held) -> str:
    return reverse(f"spaces:permit_{name}", args=[held.pk])


def applied(resident, **kwargs):
    values = {"kind": "posters", "title": "招聘海报", "place": "一楼公告栏", "starts_at": at(17, 9),
              "ends_at": at(24, 18), "description": "招聘 AI 工程师", "material": pdf_upload(), **kwargs}
    return services.permit_apply(resident=resident, actor=resident.user, **values)


FORM = {"kind": "event", "title": "AI 创业沙龙", "place": "路演厅", "starts_at": "2026-11-17T09:00",
        "ends_at": "2026-11-17T12:00", "description": "交流活动"}


# --- Who may open the pages --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "new", "detail", "withdraw", "reserve", "material"])
def test_anonymous_visitors_are_sent_to_login(client, applicant, name):
    held = permit(applicant)
    target = {"list": LIST, "new": NEW}.get(name) or url(name, held)
    response = client.post(target) if name in ("withdraw", "reserve") else client.get(target)
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("who", ["daily_staff", "outsider"])
def test_people_who_are_not_residents_are_refused(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403


def test_wrong_methods_are_refused(client_for, applicant):
    held = permit(applicant, status="approved")
    client = client_for(applicant.user)
    assert client.post(LIST).status_code == 405
    assert client.post(url("detail", held)).status_code == 405
    assert client.get(url("withdraw", held)).status_code == 405
    assert client.get(url("reserve", held)).status_code == 405
    assert client.post(url("material", held)).status_code == 405
    assert client.put(NEW).status_code == 405


@pytest.mark.parametrize("name", ["detail", "material", "withdraw", "reserve"])
def test_another_resident_gets_404(client_for, applicant, other, name):
    held = applied(applicant)
    client = client_for(other.user)
    response = client.get(url(name, held)) if name in ("detail", "material") else client.post(url(name, held))
    assert response.status_code == 404
    held.refresh_from_db()
    assert held.status == RequestStatus.REQUESTED


# --- Applying ---------------------------------------------------------------------------------------------


def test_the_form_states_the_rule_and_the_upload_limit(client_for, applicant):
    page = client_for(applicant.user).get(NEW).content.decode()
    assert "第四章第三条" in page and "10 MB" in page and 'enctype="multipart/form-data"' in page


def test_a_resident_applies_with_a_pdf(client_for, applicant):
    response = client_for(applicant.user).post(NEW, {**FORM, "material": pdf_upload()})

    created = Permit.objects.get()
    assert response.status_code == 302 and response.headers["Location"] == url("detail", created)
    assert (created.title, created.starts_at, created.material_type) == ("AI 创业沙龙", at(17, 9), "application/pdf")


def test_a_fake_pdf_comes_back_with_the_error_next_to_the_field(client_for, applicant):
    response = client_for(applicant.user).post(NEW, {**FORM, "material": fake_pdf_upload()})

    assert response.status_code == 400
    page = response.content.decode()
    assert "不是 PDF / JPEG / PNG 文件" in page and 'value="AI 创业沙龙"' in page  # nothing lost
    assert not Permit.objects.exists()


def test_posters_without_material_are_refused(client_for, applicant):
    response = client_for(applicant.user).post(NEW, {**FORM, "kind": "posters"})
    assert response.status_code == 400 and "第四章第三条" in response.content.decode()


# --- The list, a permit, the material -------------------------------------------------------------------------


def test_the_list_shows_only_own_permits_with_refusal_reasons(client_for, applicant, other, daily_staff):
    services.permit_refuse(permit=applied(applicant), reason="公告栏已满", actor=daily_staff)
    applied(other, title="别人的海报")

    page = client_for(applicant.user).get(LIST).content.decode()

    assert "招聘海报" in page and "公告栏已满" in page and "别人的海报" not in page


def test_the_material_is_served_privately_to_the_resident_and_staff(client_for, applicant, daily_staff, oversight,
                                                                   resources_staff):
    held = applied(applicant)
    for who in (applicant.user, daily_staff, oversight):
        response = client_for(who).get(url("material", held))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf" and response["Cache-Control"] == "private, no-store"
    assert client_for(resources_staff).get(url("material", held)).status_code == 404


def test_an_approved_event_page_offers_a_room_and_books_it(client_for, applicant, daily_staff):
    held = services.permit_approve(permit=permit(applicant), note="注意消防通道", actor=daily_staff)
    hall = room()
    client = client_for(applicant.user)
    page = client.get(url("detail", held)).content.decode()
    assert "为该活动预约场地" in page and "注意消防通道" in page and 'value="2026-11-17T09:00"' in page

    response = client.post(url("reserve", held), {"room": hall.pk, "starts_at": "2026-11-17T09:00",
                                                  "ends_at": "2026-11-17T11:00", "attendees": 40})

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.permit, booking.room, booking.attendees) == (held, hall, 40)
    assert "H101 路演厅" in client.get(url("detail", held)).content.decode()


def test_a_room_outside_the_permits_time_is_refused_next_to_the_field(client_for, applicant, daily_staff):
    held = services.permit_approve(permit=permit(applicant), actor=daily_staff)
    response = client_for(applicant.user).post(url("reserve", held), {
        "room": room().pk, "starts_at": "2026-11-17T11:00", "ends_at": "2026-11-17T13:00", "attendees": 10})

    assert response.status_code == 400
    assert "必须在申请批准的时间范围内" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_requested_permit_offers_no_room_and_can_be_withdrawn(client_for, applicant):
    held = applied(applicant)
    client = client_for(applicant.user)
    page = client.get(url("detail", held)).content.decode()
    assert "为该活动预约场地" not in page and "撤回申请" in page

    client.post(url("withdraw", held))

    held.refresh_from_db()
    assert held.status == RequestStatus.WITHDRAWN


def test_an_event_holding_bookings_says_to_cancel_them_instead_of_offering_a_refused_withdraw(
    client_for, applicant, daily_staff
):
    # Given an approved event with a room booked for it: the service would refuse a withdrawal
    held = services.permit_approve(permit=permit(applicant), actor=daily_staff)
    services.permit_reserve_room(permit=held, room=room(), starts_at=at(17, 9), ends_at=at(17, 11), attendees=20,
                                 actor=applicant.user)
    client = client_for(applicant.user)

    # Then the page offers no withdraw button, and says why, as the service would
    page = client.get(url("detail", held)).content.decode()
    assert url("withdraw", held) not in page
    assert "该申请已关联场地预约；请先在“我的预约”中取消这些预约。" in page

    # And once the booking is cancelled, the button is back
    booking_services.booking_cancel(booking=Booking.objects.get(), actor=applicant.user)
    assert url("withdraw", held) in client.get(url("detail", held)).content.decode()


#: session, user, resident, rulebook version, rules acknowledged, count + page of permits, unread badge.
LIST_QUERIES = 8
#: session, user, resident, rulebook version, rules acknowledged, the permit, its bookings with rooms,
#: the rooms for the form, unread badge.
DETAIL_QUERIES = 9


def test_the_pages_cost_the_same_for_one_or_six_rows(client_for, applicant, daily_staff, django_assert_num_queries):
    client = client_for(applicant.user)
    held = services.permit_approve(permit=permit(applicant, starts_at=at(17, 8), ends_at=at(17, 21)),
                                   actor=daily_staff)
    hall = room()
    services.permit_reserve_room(permit=held, room=hall, starts_at=at(17, 8), ends_at=at(17, 9), attendees=5,
                                 actor=applicant.user)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(LIST)
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url("detail", held))
    for index in range(5):
        permit(applicant, title=f"活动{index}")
        services.permit_reserve_room(permit=held, room=room(f"R{index}"), starts_at=at(17, 10 + index),
                                     ends_at=at(17, 11 + index), attendees=5, actor=applicant.user)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(LIST).content.decode().count("/portal/spaces/permits/") >= 7
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(url("detail", held)).content.decode().count("路演厅 ") >= 6
