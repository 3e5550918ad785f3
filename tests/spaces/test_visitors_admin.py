"""The front desk and the visitor log in the operations desk: fast registration, the day's board with one
button per step, the searchable log with a day range and an Excel export; full phone numbers only for
the front desk (daily management team, administrator), masked for every other reader; other teams refused."""

from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from spaces.models import Visitor, VisitorStatus
from spaces.services import visitors as services
from tests.spaces.support.desks import member, sh

pytestmark = pytest.mark.django_db

FRONT_DESK = reverse("admin:spaces_visitor_front_desk")
LOG = reverse("admin:spaces_visitor_changelist")
EXPORT = reverse("admin:spaces_visitor_export")
PHONE = "13812345678"
MASKED = "138****5678"
NOW = sh(2026, 10, 8, 9, 0)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def host(resident_a):
    return member(resident_a, name="张三")


def register(host, staff, *, name="李四", phone=PHONE, expected_at=None):
    return services.visitor_register(name=name, phone=phone, host=host, purpose="商务洽谈",
                                     expected_at=expected_at or sh(2026, 10, 8, 10, 0), actor=staff)


def step_url(visitor, step):
    return reverse("admin:spaces_visitor_step", args=[visitor.pk, step])


# --- The front desk ------------------------------------------------------------------------------------


def test_the_front_desk_registers_a_visitor_in_one_form(client_for, daily_staff, host):
    client = client_for(daily_staff)
    page = client.get(FRONT_DESK).content.decode()
    assert 'name="phone"' in page and 'data-ajax--url="/admin/autocomplete/"' in page  # the host is searchable

    response = client.post(FRONT_DESK, {"name": "李四", "phone": "138-1234-5678", "host": host.pk,
                                        "purpose": "面试", "expected_at": "2026-10-08T14:30", "note": ""})

    assert response.status_code == 302
    visitor = Visitor.objects.get()
    assert (visitor.phone, visitor.host, visitor.status, visitor.registered_by) == (
        PHONE, host, VisitorStatus.AWAITING_HOST, daily_staff)
    assert visitor.expected_at == sh(2026, 10, 8, 14, 30)


def test_a_bad_registration_comes_back_with_the_error_next_to_the_field(client_for, daily_staff, host):
    response = client_for(daily_staff).post(FRONT_DESK, {"name": "李四", "phone": "12345", "host": host.pk,
                                                         "purpose": "面试", "expected_at": "2026-10-08T14:30"})

    assert response.status_code == 400
    assert "请填写 11 位手机号码" in response.content.decode()
    assert not Visitor.objects.exists()


def test_the_board_shows_full_numbers_and_the_steps_each_status_allows(client_for, daily_staff, host):
    waiting = register(host, daily_staff, name="等待者")
    ready = services.visitor_confirm(visitor=register(host, daily_staff, name="已确认"), actor=host.user)
    register(host, daily_staff, name="明天来", expected_at=sh(2026, 10, 9, 10, 0))

    page = client_for(daily_staff).get(FRONT_DESK).content.decode()

    assert PHONE in page
    assert "等待者" in page and "已确认" in page and "明天来" not in page
    assert step_url(waiting, "confirm_by_phone") in page and step_url(waiting, "admit") not in page
    assert step_url(ready, "admit") in page


def test_admitting_without_the_hosts_confirmation_is_refused_with_the_rule(client_for, daily_staff, host):
    visitor = register(host, daily_staff)

    response = client_for(daily_staff).post(step_url(visitor, "admit"), {"next": FRONT_DESK}, follow=True)

    assert "被访入驻主体尚未确认来访" in response.content.decode()
    visitor.refresh_from_db()
    assert visitor.status == VisitorStatus.AWAITING_HOST


def test_confirm_by_phone_then_admit_then_sign_out(client_for, daily_staff, host):
    visitor = register(host, daily_staff)
    client = client_for(daily_staff)

    for step, status in (("confirm_by_phone", "confirmed"), ("admit", "admitted"), ("sign_out", "signed_out")):
        response = client.post(step_url(visitor, step), {"next": FRONT_DESK})
        assert response.status_code == 302 and response.headers["Location"] == FRONT_DESK
        visitor.refresh_from_db()
        assert visitor.status == status
    assert (visitor.confirmed_by, visitor.confirmed_by_phone) == (daily_staff, True)


def test_an_admitted_visitor_stays_on_the_board_the_next_day(client_for, daily_staff, host):
    visitor = services.visitor_admit(
        visitor=services.visitor_confirm(visitor=register(host, daily_staff), actor=host.user), actor=daily_staff)

    with time_machine.travel(sh(2026, 10, 9, 9, 0), tick=False):
        page = client_for(daily_staff).get(FRONT_DESK).content.decode()

    assert step_url(visitor, "sign_out") in page


def test_the_step_page_only_takes_posts_and_never_redirects_off_site(client_for, daily_staff, host):
    visitor = register(host, daily_staff)
    client = client_for(daily_staff)
    assert client.get(step_url(visitor, "cancel")).status_code == 405

    response = client.post(step_url(visitor, "cancel"), {"next": "https://evil.example/"})

    assert response.headers["Location"] == FRONT_DESK
    assert client.post(step_url(visitor, "explode")).status_code == 404


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff", "oversight"])
def test_other_teams_are_refused_on_the_front_desk_pages(client_for, request, who, daily_staff, host):
    visitor = register(host, daily_staff)
    client = client_for(request.getfixturevalue(who))

    assert client.get(FRONT_DESK).status_code == 403
    assert client.post(step_url(visitor, "admit")).status_code == 403
    visitor.refresh_from_db()
    assert visitor.status == VisitorStatus.AWAITING_HOST


@pytest.mark.parametrize("who", ["resources_staff", "intake_staff"])
def test_teams_without_the_spaces_area_cannot_read_the_log(client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(LOG).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_the_add_button_leads_to_the_front_desk(client_for, daily_staff):
    response = client_for(daily_staff).get(reverse("admin:spaces_visitor_add"))
    assert response.status_code == 302 and response.headers["Location"] == FRONT_DESK


# --- The log: masked for other readers -------------------------------------------------------------------


def test_the_front_desk_sees_full_numbers_in_the_log(client_for, daily_staff, administrator, host):
    register(host, daily_staff)
    assert PHONE in client_for(daily_staff).get(LOG).content.decode()
    assert PHONE in client_for(administrator).get(LOG).content.decode()


def test_oversight_reads_the_log_with_masked_numbers_everywhere(client_for, daily_staff, oversight, host):
    visitor = register(host, daily_staff)
    client = client_for(oversight)

    listing = client.get(LOG).content.decode()
    detail = client.get(reverse("admin:spaces_visitor_change", args=[visitor.pk])).content.decode()
    searched = client.get(LOG, {"q": PHONE}).content.decode()  # cannot probe numbers by searching
    workbook = load_workbook(BytesIO(client.get(EXPORT).content))

    assert MASKED in listing and PHONE not in listing
    assert MASKED in detail and PHONE not in detail
    assert "李四" not in searched
    cells = [str(cell.value) for row in workbook.active.iter_rows() for cell in row]
    assert MASKED in cells and PHONE not in cells
    assert 'value="admit"' not in listing  # no front-desk actions for readers


def test_the_log_is_searchable_by_name_host_status_and_day_range(client_for, daily_staff, host, resident_b):
    other = member(resident_b, name="欧阳娜娜")
    register(host, daily_staff, name="甲访客", expected_at=sh(2026, 10, 8, 10, 0))
    register(other, daily_staff, name="乙访客", expected_at=sh(2026, 10, 10, 10, 0))
    register(other, daily_staff, name="丙访客", expected_at=sh(2026, 10, 12, 23, 30))
    client = client_for(daily_staff)

    def names(**params):
        page = client.get(LOG, params).content.decode()
        return {name for name in ("甲访客", "乙访客", "丙访客") if name in page}

    assert names(q="乙访") == {"乙访客"}
    assert names(q="欧阳") == {"乙访客", "丙访客"}
    assert names(q="1381234") == {"甲访客", "乙访客", "丙访客"}  # the front desk may search by number
    assert names(status__exact="awaiting_host") == {"甲访客", "乙访客", "丙访客"}
    assert names(status__exact="admitted") == set()
    assert names(expected_at__from="2026-10-09", expected_at__to="2026-10-12") == {"乙访客", "丙访客"}
    assert names(expected_at__to="2026-10-08") == {"甲访客"}
    assert names(expected_at__from="2026-10-11", q="欧阳") == {"丙访客"}
    assert client.get(LOG, {"expected_at__from": "yesterday"}).status_code == 302  # the admin's "bad filter"


def test_the_export_follows_the_filters(client_for, daily_staff, host):
    register(host, daily_staff, name="甲访客", expected_at=sh(2026, 10, 8, 10, 0))
    register(host, daily_staff, name="乙访客", expected_at=sh(2026, 10, 10, 10, 0))

    response = client_for(daily_staff).get(EXPORT, {"expected_at__from": "2026-10-10"})

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("预计到访时间", "访客姓名", "访客电话")
    assert [row[1] for row in rows[1:]] == ["乙访客"]
    assert rows[1][2] == PHONE  # the front desk's export keeps the number


def test_list_actions_run_the_steps(client_for, daily_staff, host):
    visitor = services.visitor_confirm(visitor=register(host, daily_staff), actor=host.user)
    waiting = register(host, daily_staff, name="未确认")

    client_for(daily_staff).post(LOG, {"action": "admit", "_selected_action": [visitor.pk, waiting.pk]})

    statuses = dict(Visitor.objects.values_list("name", "status"))
    assert statuses == {"李四": "admitted", "未确认": "awaiting_host"}


def test_nothing_is_edited_or_deleted_by_hand(client_for, administrator, host, daily_staff):
    visitor = register(host, daily_staff)
    client = client_for(administrator)
    assert client.post(reverse("admin:spaces_visitor_change", args=[visitor.pk]), {"name": "X"}).status_code == 403
    assert client.get(reverse("admin:spaces_visitor_delete", args=[visitor.pk])).status_code == 403


# --- Fixed number of queries ---------------------------------------------------------------------------------


#: session, user, the user's role groups (front desk?), user permissions, group permissions, count of the
#: filtered log, count of the whole log, the page of visitors with host, registrar and answerer (one join).
LOG_QUERIES = 8
#: session, user, role groups, the day's board with host, registrar and answerer, user permissions and group
#: permissions (the sidebar).
BOARD_QUERIES = 6


def test_the_log_and_the_board_cost_the_same_for_one_or_six_visitors(client_for, daily_staff, host,
                                                                    django_assert_num_queries):
    client = client_for(daily_staff)
    services.visitor_confirm(visitor=register(host, daily_staff), actor=host.user)

    for rows in (1, 6):
        with django_assert_num_queries(LOG_QUERIES):
            assert client.get(LOG).content.decode().count(PHONE) == rows
        with django_assert_num_queries(BOARD_QUERIES):
            assert client.get(FRONT_DESK).status_code == 200
        if rows == 1:
            for index in range(5):
                register(host, daily_staff, name=f"访客{index}")
