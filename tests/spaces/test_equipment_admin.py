"""Equipment and loans in the operations desk (第四章第二条): the inventory, the loan list with the overdue filter
and counts, hand out from the list, take back with a condition check from a loan's page; fixed query counts."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from spaces.models import EquipmentLoan, LoanStatus
from tests.spaces.support.equipment import NOW, at, lent, member, projector, reserve

pytestmark = pytest.mark.django_db

LIST = reverse("admin:spaces_equipmentloan_changelist")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def resident(resident_a):
    return member(resident_a, name="张三")


def test_the_overdue_filter_and_the_counts(client_for, daily_staff, resident, resident_b):
    other = member(resident_b, name="李四")
    late = lent(resident, projector("P1", name="旧投影仪"), daily_staff, due_at=at(16, 8), now=at(15, 9))
    lent(other, projector("P2", name="新相机", category="camera"), daily_staff)
    reserve(other, projector("P3", name="GPU 卡", category="gpu"))
    client = client_for(daily_staff)

    page = client.get(LIST).content.decode()
    assert "已预约，待领取：1" in page.replace(" ", "") or 'data-testid="loan-counts"' in page
    overdue = client.get(LIST, {"overdue": "yes"}).content.decode()
    assert "旧投影仪" in overdue and "新相机" not in overdue and "GPU 卡" not in overdue
    assert late.pk


def test_hand_out_from_the_list_and_take_back_damaged_from_the_page(client_for, daily_staff, resident):
    loan = reserve(resident, projector())
    client = client_for(daily_staff)

    page = client.post(LIST, {"action": "hand_out", "_selected_action": [loan.pk]})
    assert page.status_code == 200 and 'name="condition_out"' in page.content.decode()
    client.post(LIST, {"action": "hand_out", "_selected_action": [loan.pk], "apply": "1", "condition_out": "good"})
    loan.refresh_from_db()
    assert loan.status == LoanStatus.OUT

    take_back = reverse("admin:spaces_equipmentloan_take_back", args=[loan.pk])
    assert take_back in client.get(reverse("admin:spaces_equipmentloan_change", args=[loan.pk])).content.decode()
    asked_again = client.post(take_back, {"apply": "1", "condition_in": "damaged", "damage_value": ""})
    assert asked_again.status_code == 200 and "损坏价值" in asked_again.content.decode()
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        done = client.post(take_back, {"apply": "1", "condition_in": "damaged", "damage_value": "650.00",
                                       "note": "外壳开裂"})
    assert done.status_code == 302
    loan.refresh_from_db()
    assert (loan.status, str(loan.damage_value), loan.overdue_days) == (LoanStatus.RETURNED, "650.00", 1)


def test_readers_only_read(client_for, oversight, resources_staff, daily_staff, resident):
    loan = lent(resident, projector(), daily_staff)
    client = client_for(oversight)
    assert 'value="hand_out"' not in client.get(LIST).content.decode()
    assert client.get(reverse("admin:spaces_equipmentloan_take_back", args=[loan.pk])).status_code == 403
    assert client_for(resources_staff).get(LIST).status_code == 403


#: session, user, permissions (user, groups), role groups (handler?), count (filtered), count (all), the loan
#: counts, the page of loans with item and resident, the holiday banner.
LIST_QUERIES = 10


def test_the_list_costs_the_same_for_one_or_six_loans(client_for, daily_staff, resident,
                                                      django_assert_max_num_queries):
    client = client_for(daily_staff)
    reserve(resident, projector("P0"))
    with django_assert_max_num_queries(LIST_QUERIES) as one:
        client.get(LIST)
    for index in range(1, 6):
        EquipmentLoan.objects.create(equipment=projector(f"P{index}"), resident=resident, purpose="x",
                                     requested_at=NOW, due_at=NOW + timedelta(days=1))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(LIST)


def test_the_inventory_shows_what_is_on_loan(client_for, daily_staff, resident):
    lent(resident, projector("P1", name="借出的投影仪"), daily_staff)
    projector("P2", name="空闲的投影仪")
    page = client_for(daily_staff).get(reverse("admin:spaces_equipment_changelist")).content.decode()
    assert "借出的投影仪" in page and "空闲的投影仪" in page
