"""Portal pages "borrow equipment" and "my loans" (第四章第二条): availability, a reservation with a due time,
the loans with overdue flags, cancel; only the resident's own loans (404 otherwise); a suspension explained
instead of a form; fixed query counts."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from discipline.models import Suspension, SuspensionScope
from spaces.models import EquipmentLoan, LoanStatus
from tests.spaces.support.equipment import NOW, at, lent, member, projector, reserve

pytestmark = pytest.mark.django_db

LIST = reverse("spaces:equipment_list")
LOANS = reverse("spaces:loan_list")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def resident(resident_a):
    return member(resident_a, name="张三")


@pytest.fixture
def other(resident_b):
    return member(resident_b, name="欧阳娜娜")


def test_the_list_shows_what_is_available_and_what_is_on_loan(client_for, resident, other, daily_staff):
    free = projector("P1", name="空闲投影仪")
    lent(other, projector("P2", name="借出相机", category="camera"), daily_staff)
    page = client_for(resident.user).get(LIST).content.decode()
    assert "空闲投影仪" in page and "借出相机" in page
    assert reverse("spaces:equipment_borrow", args=[free.pk]) in page
    assert page.count("借出中") >= 1 and "最长借用 3 天" in page


def test_a_resident_borrows_a_projector_with_a_due_time(client_for, resident):
    item = projector()
    client = client_for(resident.user)
    url = reverse("spaces:equipment_borrow", args=[item.pk])
    assert "2026年11月19日 09:00" in client.get(url).content.decode()  # the latest due time allowed

    too_long = client.post(url, {"due_at": "2026-11-19T09:01", "purpose": "客户演示"})
    assert too_long.status_code == 400 and "最长借用 3 天" in too_long.content.decode()
    done = client.post(url, {"due_at": "2026-11-18T18:00", "purpose": "客户演示"}, follow=True)
    assert done.redirect_chain[-1][0] == LOANS
    loan = EquipmentLoan.objects.get()
    assert (loan.status, loan.due_at) == (LoanStatus.REQUESTED, at(18, 18))
    assert "已为您预约" in done.content.decode()


def test_my_loans_flags_an_overdue_loan_and_cancels_a_reservation(client_for, resident, daily_staff):
    late = lent(resident, projector("P1", name="投影仪甲"), daily_staff, due_at=at(16, 8), now=at(15, 9))
    held = reserve(resident, projector("P2", name="投影仪乙"))
    client = client_for(resident.user)
    page = client.get(LOANS).content.decode()
    assert "投影仪甲" in page and "已逾期 1 天" in page and late.pk
    client.post(reverse("spaces:loan_cancel", args=[held.pk]))
    held.refresh_from_db()
    assert held.status == LoanStatus.CANCELLED


def test_a_resident_cannot_see_or_cancel_another_residents_loan(client_for, resident, other):
    theirs = reserve(other, projector(name="别人的投影仪"))
    client = client_for(resident.user)
    assert "别人的投影仪" not in client.get(LOANS).content.decode()
    assert client.post(reverse("spaces:loan_cancel", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == LoanStatus.REQUESTED


def test_a_suspended_resident_is_told_why_instead_of_a_form(client_for, resident):
    item = projector()
    Suspension.objects.create(resident=resident, scope=SuspensionScope.PUBLIC_RESOURCES,
                              starts_at=NOW - timedelta(days=1), ends_at=at(23, 18), reason="违规处罚：损坏公共资源")
    client = client_for(resident.user)
    page = client.get(LIST).content.decode()
    assert 'data-testid="borrow-refused"' in page and "2026年11月23日 18:00" in page
    assert reverse("spaces:equipment_borrow", args=[item.pk]) not in page
    refused = client.post(reverse("spaces:equipment_borrow", args=[item.pk]),
                          {"due_at": "2026-11-18T18:00", "purpose": "演示"})
    assert refused.status_code == 400 and not EquipmentLoan.objects.exists()


def test_staff_and_outsiders_have_no_portal_loans(client_for, daily_staff, outsider):
    assert client_for(outsider).get(LOANS).status_code in (302, 403, 404)


def test_the_pages_cost_the_same_for_one_or_six_items(client_for, resident, daily_staff,
                                                       django_assert_max_num_queries):
    client = client_for(resident.user)
    lent(resident, projector("P0"), daily_staff)
    with django_assert_max_num_queries(30) as one_list:
        client.get(LIST)
    with django_assert_max_num_queries(30) as one_loans:
        client.get(LOANS)
    for index in range(1, 6):
        item = projector(f"P{index}")
        EquipmentLoan.objects.create(equipment=item, resident=resident, purpose="x", requested_at=NOW,
                                     due_at=NOW + timedelta(days=1), status="cancelled", cancelled_at=NOW)
    with django_assert_max_num_queries(len(one_list.captured_queries)):
        client.get(LIST)
    with django_assert_max_num_queries(len(one_loans.captured_queries)):
        client.get(LOANS)
