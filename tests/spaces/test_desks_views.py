"""Portal page "my desk": the current desk, a change request (reason, a free desk), the open request with
withdraw, the history of requests with the team's reasons; only the resident's own requests (404 otherwise);
fixed query counts."""

import pytest
from django.urls import reverse

from spaces.models import DeskChangeRequest, RequestStatus
from spaces.services import desks as services
from tests.spaces.factories import DeskFactory
from tests.spaces.support.desks import member, seat

pytestmark = pytest.mark.django_db

PAGE = reverse("spaces:desk")
NEW = reverse("spaces:desk_request_new")


def withdraw_url(request) -> str:
    return reverse("spaces:desk_request_withdraw", args=[request.pk])


@pytest.fixture
def seated(resident_a, daily_staff):
    resident = member(resident_a, name="张三")
    seat(resident, "A-101", daily_staff)
    return resident


@pytest.fixture
def other(resident_b, daily_staff):
    resident = member(resident_b, name="欧阳娜娜")
    seat(resident, "A-102", daily_staff)
    return resident


def ask(resident, **kwargs):
    return services.desk_request_create(resident=resident, reason=kwargs.pop("reason", "离空调太近"),
                                        actor=resident.user, **kwargs)


def test_anonymous_visitors_are_sent_to_login(client, seated):
    change = ask(seated)
    for url, method in ((PAGE, "get"), (NEW, "post"), (withdraw_url(change), "post")):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.headers["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("who", ["daily_staff", "outsider"])
def test_people_who_are_not_residents_are_refused(client_for, request, who):
    assert client_for(request.getfixturevalue(who)).get(PAGE).status_code == 403


def test_wrong_methods_are_refused(client_for, seated):
    client = client_for(seated.user)
    assert client.post(PAGE).status_code == 405
    assert client.get(NEW).status_code == 405
    assert client.get(withdraw_url(ask(seated))).status_code == 405


def test_the_page_shows_the_desk_and_the_rule(client_for, seated):
    page = client_for(seated.user).get(PAGE).content.decode()
    assert "A-101" in page and "3F" in page and "A 区" in page
    assert "第四章第一条" in page
    assert 'name="reason"' in page


def test_a_resident_asks_for_a_free_desk(client_for, seated, other, daily_staff):
    free = DeskFactory(code="B-201")
    client = client_for(seated.user)
    options = client.get(PAGE).content.decode()
    assert "B-201" in options and "A-102" not in options  # only free desks are offered

    response = client.post(NEW, {"reason": "想靠近会议室", "preferred_desk": free.pk})

    assert response.status_code == 302 and response.headers["Location"] == PAGE
    change = DeskChangeRequest.objects.get()
    assert (change.resident, change.preferred_desk, change.reason) == (seated, free, "想靠近会议室")
    page = client.get(PAGE).content.decode()
    assert "撤回申请" in page and 'name="reason"' not in page  # one open request: no second form


def test_a_taken_desk_is_refused_next_to_the_field(client_for, seated, other):
    taken = other.desk_assignments.get().desk
    response = client_for(seated.user).post(NEW, {"reason": "x", "preferred_desk": taken.pk})
    assert response.status_code == 400
    assert not DeskChangeRequest.objects.exists()


def test_a_second_open_request_is_refused_cleanly(client_for, seated):
    ask(seated)
    response = client_for(seated.user).post(NEW, {"reason": "again"})
    assert response.status_code == 400
    assert DeskChangeRequest.objects.count() == 1


def test_withdraw_and_another_residents_request_is_404(client_for, seated, other):
    mine, theirs = ask(seated), ask(other)
    client = client_for(seated.user)

    assert client.post(withdraw_url(theirs)).status_code == 404
    assert client.post(withdraw_url(mine)).status_code == 302

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (RequestStatus.WITHDRAWN, RequestStatus.REQUESTED)


def test_the_history_shows_decisions_and_reasons_and_not_others_requests(client_for, seated, other, daily_staff):
    services.desk_request_refuse(request=ask(seated), reason="暂无空闲工位", actor=daily_staff)
    services.desk_request_approve(request=ask(seated), desk=DeskFactory(code="C-301"), actor=daily_staff)
    ask(other, reason="别人的理由")

    page = client_for(seated.user).get(PAGE).content.decode()

    assert "暂无空闲工位" in page and "C-301" in page and "已通过" in page
    assert "别人的理由" not in page


#: session, user, resident, rulebook version, rules acknowledged, the history of requests (with desks),
#: the current desk, the free desks for the form, unread-messages badge.
PAGE_QUERIES = 9


def test_the_page_costs_the_same_for_one_or_six_requests(client_for, seated, daily_staff, django_assert_num_queries):
    client = client_for(seated.user)
    services.desk_request_refuse(request=ask(seated), reason="不行", actor=daily_staff)
    DeskFactory(code="F-1")
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(PAGE).status_code == 200
    for index in range(5):
        services.desk_request_refuse(request=ask(seated), reason=f"理由{index}", actor=daily_staff)
        DeskFactory(code=f"F-{index + 2}")
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(PAGE).content.decode()
    assert page.count("拒绝理由") == 6
