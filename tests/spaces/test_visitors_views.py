"""Portal page "my visitors": only the host's own visitors (404 otherwise), phone numbers masked,
confirm / refuse buttons, fixed query counts."""

import pytest
from django.urls import reverse

from spaces.models import VisitorStatus
from spaces.services import visitors as services
from tests.spaces.support.desks import in_hours, member

pytestmark = pytest.mark.django_db

LIST = reverse("spaces:visitor_list")
PHONE = "13812345678"


@pytest.fixture
def host(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def other(resident_b):
    return member(resident_b, name="欧阳娜娜")


def register(host, staff, name="李四", phone=PHONE):
    return services.visitor_register(name=name, phone=phone, host=host, purpose="商务洽谈",
                                     expected_at=in_hours(2), actor=staff)


def step(name: str, visitor) -> str:
    return reverse(f"spaces:visitor_{name}", args=[visitor.pk])


# --- Who may open the page ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, host, daily_staff):
    visitor = register(host, daily_staff)
    for url, method in ((LIST, "get"), (step("confirm", visitor), "post"), (step("refuse", visitor), "post")):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("who", ["daily_staff", "resources_staff", "outsider"])
def test_people_who_are_not_residents_are_refused(client_for, request, who):
    assert client_for(request.getfixturevalue(who)).get(LIST).status_code == 403


def test_wrong_methods_are_refused(client_for, host, daily_staff):
    visitor = register(host, daily_staff)
    client = client_for(host.user)
    assert client.post(LIST).status_code == 405
    assert client.get(step("confirm", visitor)).status_code == 405
    assert client.get(step("refuse", visitor)).status_code == 405


@pytest.mark.parametrize("name", ["confirm", "refuse"])
def test_another_resident_gets_404_and_nothing_changes(client_for, host, other, daily_staff, name):
    visitor = register(host, daily_staff)

    assert client_for(other.user).post(step(name, visitor)).status_code == 404

    visitor.refresh_from_db()
    assert visitor.status == VisitorStatus.AWAITING_HOST


def test_the_page_lists_only_the_hosts_own_visitors(client_for, host, other, daily_staff):
    register(host, daily_staff, name="李四")
    register(other, daily_staff, name="王五")

    page = client_for(host.user).get(LIST).content.decode()

    assert "李四" in page and "王五" not in page


# --- Masked numbers, answers -------------------------------------------------------------------------


def test_the_hosts_page_never_shows_the_full_phone_number(client_for, host, daily_staff):
    register(host, daily_staff, phone="139 8765 4321")

    page = client_for(host.user).get(LIST).content.decode()

    assert "139****4321" in page
    assert "13987654321" not in page and "8765" not in page
    assert "第四章第一条" in page


def test_the_host_confirms_from_the_page(client_for, host, daily_staff):
    visitor = register(host, daily_staff)
    client = client_for(host.user)
    assert "确认来访" in client.get(LIST).content.decode()

    response = client.post(step("confirm", visitor))

    assert response.status_code == 302 and response.headers["Location"] == LIST
    visitor.refresh_from_db()
    assert (visitor.status, visitor.confirmed_by) == (VisitorStatus.CONFIRMED, host.user)
    page = client.get(LIST).content.decode()
    assert "前台可以放行" in page  # the success message
    assert "确认来访" not in page  # answered once


def test_the_host_refuses_with_a_reason(client_for, host, daily_staff):
    visitor = register(host, daily_staff)

    client_for(host.user).post(step("refuse", visitor), {"reason": "不认识"})

    visitor.refresh_from_db()
    assert (visitor.status, visitor.note) == (VisitorStatus.REFUSED, "不认识")


def test_answering_twice_says_so(client_for, host, daily_staff):
    visitor = register(host, daily_staff)
    client = client_for(host.user)
    client.post(step("confirm", visitor))

    response = client.post(step("refuse", visitor), follow=True)

    assert "该来访已答复" in response.content.decode()
    visitor.refresh_from_db()
    assert visitor.status == VisitorStatus.CONFIRMED


# --- Fixed number of queries ---------------------------------------------------------------------------


#: session, user, resident, rulebook version in force, rules acknowledged, count of visitors, the page of
#: visitors (with their host), unread-messages badge.
PAGE_QUERIES = 8


def test_the_page_costs_the_same_for_one_or_six_visitors(client_for, host, daily_staff, django_assert_num_queries):
    client = client_for(host.user)
    register(host, daily_staff)

    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(LIST).status_code == 200
    for index in range(5):
        register(host, daily_staff, name=f"访客{index}")
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(LIST).content.decode()
    assert page.count("确认来访") == 6
