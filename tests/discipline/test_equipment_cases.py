"""第八章第二条 3c 损坏公共资源: a loan returned damaged opens its case with the value (discipline.services.equipment),
once per loan, through the public case-opening service; the loan keeps the case number; the equipment-loan
list offers the action to staff who may open cases."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from discipline.models import CaseStatus, ViolationCase
from discipline.services import equipment as services
from opc_community.core.errors import DomainError
from spaces.extensions import loan_actions
from spaces.services import equipment as loan_services
from tests.spaces.support.equipment import NOW, at, lent, member, projector

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(at(18, 10), tick=False):
        yield


@pytest.fixture
def damaged(resident_a, daily_staff):
    resident = member(resident_a, name="张三")
    with time_machine.travel(NOW, tick=False):
        loan = lent(resident, projector("EQ-P07", name="索尼相机", category="camera"), daily_staff)
    return loan_services.loan_take_back(loan=loan, actor=daily_staff, condition_in="damaged",
                                        damage_value="820.00", note="镜头碎裂")


def test_a_damaged_loan_opens_a_3c_case_with_the_value_once(damaged, daily_staff):
    case = services.case_open_for_damaged_loan(loan_id=damaged.pk, actor=daily_staff)
    assert (case.kind, case.status, case.resident_id, case.occurred_on) == (
        "3c", CaseStatus.FOUND, damaged.resident_id, at(18, 10).date())
    assert "索尼相机" in case.facts and "820.00" in case.facts and "镜头碎裂" in case.facts
    damaged.refresh_from_db()
    assert damaged.case_number == case.number
    assert services.case_open_for_damaged_loan(loan_id=damaged.pk, actor=daily_staff) == case
    assert ViolationCase.objects.count() == 1


def test_a_loan_returned_in_good_condition_opens_nothing(resident_b, daily_staff):
    resident = member(resident_b, name="李四")
    with time_machine.travel(NOW, tick=False):
        loan = lent(resident, projector(), daily_staff)
    loan = loan_services.loan_take_back(loan=loan, actor=daily_staff, condition_in="good")
    with pytest.raises(DomainError) as refused:
        services.case_open_for_damaged_loan(loan_id=loan.pk, actor=daily_staff)
    assert refused.value.code == "not_damaged"


def test_only_case_handlers_open_it(damaged, resources_staff):
    with pytest.raises(PermissionDenied):
        services.case_open_for_damaged_loan(loan_id=damaged.pk, actor=resources_staff)
    assert not ViolationCase.objects.exists()


def test_the_loan_list_offers_the_action_and_opens_the_case(client_for, damaged, daily_staff, oversight):
    assert [action.name for action in loan_actions()] == ["open_damage_case"]
    changelist = reverse("admin:spaces_equipmentloan_changelist")
    assert 'value="open_damage_case"' not in client_for(oversight).get(changelist).content.decode()
    client = client_for(daily_staff)
    assert 'value="open_damage_case"' in client.get(changelist).content.decode()
    page = client.post(changelist, {"action": "open_damage_case", "_selected_action": [damaged.pk]}, follow=True)
    case = ViolationCase.objects.get()
    assert case.number in page.content.decode()
