"""Equipment lending services (spaces.services.equipment; 第四章第二条, RULEBOOK §6, §9 scopes): reserve with a
due time and the rulebook's limits, hand out and take back with a condition check, the overdue job, exit and
archive."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from discipline.models import Suspension, SuspensionScope
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.portal.models import Notification
from residents.models import ClearanceItem, Exit
from residents.selectors.archive import Entry
from residents.services.lifecycle import exit_clear, exit_handlers, force_exit
from spaces.models import EquipmentCondition, EquipmentLoan, LoanStatus
from spaces.selectors import equipment as selectors
from spaces.services import equipment as services
from tests.spaces.support.equipment import NOW, at, lent, member, projector, reserve

pytestmark = pytest.mark.django_db


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


# --- Reserving ---------------------------------------------------------------------------------------


def test_a_resident_reserves_an_available_item_until_a_due_time(resident, daily_staff):
    item = projector()
    loan = reserve(resident, item, due_at=at(18, 18))
    assert (loan.status, loan.due_at, loan.requested_at) == (LoanStatus.REQUESTED, at(18, 18), NOW)
    shown = {i.pk: i for i in selectors.lendable()}[item.pk]
    assert (shown.available, shown.on_loan) == (False, True)
    assert Notification.objects.filter(recipient=daily_staff, kind="spaces.loan_reserved").count() == 1


def test_an_item_is_never_lent_twice_at_once(resident, other):
    item = projector()
    reserve(resident, item)
    with pytest.raises(ConflictError) as refused:
        reserve(other, item)
    assert refused.value.code == "taken" and "已被借出" in str(refused.value.message) or refused.value.field == "equipment"
    assert EquipmentLoan.objects.filter(equipment=item, status__in=("requested", "out")).count() == 1


def test_the_due_time_is_within_the_category_limit_exactly_allowed(resident):
    assert reserve(resident, projector("P1"), due_at=NOW + timedelta(days=3)).due_at == at(19, 9)
    with pytest.raises(DomainError) as refused:
        reserve(resident, projector("P2"), due_at=NOW + timedelta(days=3, minutes=1))
    assert refused.value.field == "due_at" and refused.value.code == "too_long"
    assert "3" in str(refused.value.message) and "2026年11月19日 09:00" in str(refused.value.message)
    with pytest.raises(DomainError) as past:
        reserve(resident, projector("P3"), due_at=NOW)
    assert past.value.field == "due_at"


def test_a_gpu_may_be_lent_for_thirty_days(resident):
    gpu = projector("G1", name="RTX 4090 显卡", category="gpu")
    assert reserve(resident, gpu, due_at=NOW + timedelta(days=30)).status == LoanStatus.REQUESTED


def test_a_resident_holds_at_most_the_rulebook_number_of_open_loans(resident, daily_staff):
    reserve(resident, projector("P1"))
    lent(resident, projector("P2"), daily_staff)
    third = projector("P3")
    with pytest.raises(DomainError) as refused:
        reserve(resident, third)
    assert refused.value.code == "loan_limit"
    services.loan_cancel(loan=EquipmentLoan.objects.get(equipment__asset_number="P1"), actor=resident.user)
    assert reserve(resident, third).status == LoanStatus.REQUESTED


def test_a_damaged_or_retired_item_is_not_lent(resident):
    with pytest.raises(DomainError) as damaged:
        reserve(resident, projector("P1", condition=EquipmentCondition.DAMAGED))
    assert damaged.value.code == "not_lendable"
    with pytest.raises(DomainError):
        reserve(resident, projector("P2", is_active=False))


def test_only_the_resident_itself_reserves(resident, other):
    with pytest.raises(DomainError) as refused:
        services.loan_reserve(resident=resident, equipment=projector(), due_at=at(17, 9), purpose="路演",
                              actor=other.user)
    assert refused.value.code == "not_allowed"


@pytest.mark.parametrize("scope", [SuspensionScope.PUBLIC_RESOURCES, SuspensionScope.RESOURCES,
                                   SuspensionScope.COMMUNITY])
def test_a_suspension_covering_lending_refuses_a_reservation(resident, scope):
    Suspension.objects.create(resident=resident, scope=scope, starts_at=NOW - timedelta(days=1), ends_at=at(23, 18),
                              reason="违规处罚：损坏公共资源")
    with pytest.raises(DomainError) as refused:
        reserve(resident, projector())
    assert refused.value.code == "suspended" and "2026年11月23日 18:00" in str(refused.value.message)
    assert not EquipmentLoan.objects.exists()


def test_a_public_spaces_suspension_does_not_stop_lending(resident):
    Suspension.objects.create(resident=resident, scope=SuspensionScope.PUBLIC_SPACES,
                              starts_at=NOW - timedelta(days=1), ends_at=at(23, 18), reason="违规处罚：擅自宣传")
    assert reserve(resident, projector()).status == LoanStatus.REQUESTED


def test_a_suspension_after_the_reservation_refuses_the_hand_out(resident, daily_staff):
    loan = reserve(resident, projector())
    Suspension.objects.create(resident=resident, scope=SuspensionScope.PUBLIC_RESOURCES,
                              starts_at=NOW - timedelta(hours=1), ends_at=at(23, 18), reason="违规处罚")
    with pytest.raises(DomainError) as refused:
        services.loan_hand_out(loan=loan, actor=daily_staff)
    assert refused.value.code == "suspended"


# --- Handing out and taking back ------------------------------------------------------------------------


def test_staff_hand_out_and_take_back_on_time(resident, daily_staff):
    item = projector()
    loan = lent(resident, item, daily_staff, due_at=at(18, 18))
    assert (loan.status, loan.handed_out_by, loan.condition_out) == (LoanStatus.OUT, daily_staff, "good")
    loan = services.loan_take_back(loan=loan, actor=daily_staff, condition_in="good", now=at(18, 18))
    assert (loan.status, loan.overdue_days, loan.damage_value) == (LoanStatus.RETURNED, 0, None)
    assert {i.pk: i for i in selectors.lendable()}[item.pk].available
    assert Notification.objects.filter(recipient=resident.user, kind="spaces.loan_returned").exists()


def test_a_late_return_records_the_days_overdue(resident, daily_staff):
    loan = lent(resident, projector(), daily_staff, due_at=at(18, 18))
    loan = services.loan_take_back(loan=loan, actor=daily_staff, condition_in="good", now=at(20, 18, 1))
    assert loan.overdue_days == 3
    body = Notification.objects.get(recipient=resident.user, kind="spaces.loan_returned").body
    assert "3" in body


def test_a_damaged_return_records_the_value_and_the_item_is_not_lent_until_repaired(resident, other, daily_staff):
    item = projector()
    loan = lent(resident, item, daily_staff)
    with pytest.raises(DomainError) as missing:
        services.loan_take_back(loan=loan, actor=daily_staff, condition_in="damaged")
    assert missing.value.field == "damage_value"
    loan = services.loan_take_back(loan=loan, actor=daily_staff, condition_in="damaged", damage_value="800.00",
                                   note="镜头裂痕")
    assert (loan.damage_value, loan.return_note) == (Decimal("800.00"), "镜头裂痕")
    item.refresh_from_db()
    assert item.condition == EquipmentCondition.DAMAGED
    assert selectors.loan_for_case(loan.pk) == loan
    with pytest.raises(DomainError):
        reserve(other, item)
    item = services.equipment_mark_repaired(equipment=item, actor=daily_staff)
    assert reserve(other, item).status == LoanStatus.REQUESTED


def test_only_the_daily_team_hands_out_and_nobody_handles_their_own_loan(resident, resources_staff, daily_staff):
    loan = reserve(resident, projector())
    with pytest.raises(DomainError) as refused:
        services.loan_hand_out(loan=loan, actor=resources_staff)
    assert refused.value.code == "not_allowed"
    with pytest.raises(DomainError):
        services.loan_hand_out(loan=loan, actor=resident.user)
    services.loan_hand_out(loan=loan, actor=daily_staff)
    with pytest.raises(InvalidTransition):
        services.loan_hand_out(loan=loan, actor=daily_staff)
    with pytest.raises(InvalidTransition):
        services.loan_cancel(loan=loan, actor=resident.user)


def test_a_resident_cannot_cancel_another_residents_reservation(resident, other):
    loan = reserve(resident, projector())
    with pytest.raises(DomainError) as refused:
        services.loan_cancel(loan=loan, actor=other.user)
    assert refused.value.code == "not_allowed"


# --- The daily job ----------------------------------------------------------------------------------------


def test_the_daily_job_flags_overdue_loans_once_and_tells_resident_and_staff(resident, other, daily_staff):
    late = lent(resident, projector("P1"), daily_staff, due_at=at(17, 18))
    on_time = lent(other, projector("P2"), daily_staff, due_at=at(18, 18))
    uncollected = reserve(other, projector("P3"), due_at=at(17, 12))

    flagged = services.loans_flag_overdue(now=at(18, 8))
    assert [loan.pk for loan in flagged] == [late.pk]
    late.refresh_from_db()
    assert (late.overdue_flagged_at, late.overdue_days) == (at(18, 8), 1)
    on_time.refresh_from_db()
    assert on_time.overdue_flagged_at is None
    uncollected.refresh_from_db()
    assert uncollected.status == LoanStatus.CANCELLED
    assert Notification.objects.filter(recipient=resident.user, kind="spaces.loan_overdue").count() == 1
    assert Notification.objects.filter(recipient=daily_staff, kind="spaces.loan_overdue_staff").count() == 1

    assert services.loans_flag_overdue(now=at(18, 8, 5)) == []  # a second run changes nothing
    assert [loan.pk for loan in services.loans_flag_overdue(now=at(19, 8))] == [on_time.pk]  # now late too
    assert services.loans_flag_overdue(now=at(20, 8)) == []     # flagged once per loan
    assert Notification.objects.filter(kind__startswith="spaces.loan_overdue").count() == 4


def test_the_task_runs_the_job(resident, daily_staff):
    from spaces.tasks import flag_overdue_loans

    lent(resident, projector(), daily_staff, due_at=at(16, 12))
    with time_machine.travel(at(17, 8), tick=False):
        assert flag_overdue_loans() == 1
        assert flag_overdue_loans() == 0


# --- Exit and archive (第三章第四条、第五条) ------------------------------------------------------------------


def _exit(resident, staff, kind="voluntary"):
    return Exit.objects.create(resident=resident, kind=kind, status="scheduled", requested_on=date(2026, 11, 1),
                               exit_on=date(2026, 11, 30), deposit_outcome="refund", created_by=staff)


def test_the_exit_handler_is_registered_on_belongings_cleared():
    assert exit_handlers(ClearanceItem.ITEMS_CLEARED)["spaces.equipment"] is services.loans_block_exit


def test_equipment_still_out_blocks_the_exit_clearance_until_returned(resident, daily_staff, administrator):
    loan = lent(resident, projector(), daily_staff)
    exit = _exit(resident, daily_staff)
    with pytest.raises(DomainError) as refused:
        exit_clear(exit=exit, item=ClearanceItem.ITEMS_CLEARED, actor=administrator)
    assert refused.value.code == "loans_outstanding" and "爱普生投影仪" in str(refused.value.message)
    services.loan_take_back(loan=loan, actor=daily_staff, condition_in="good")
    assert exit_clear(exit=exit, item=ClearanceItem.ITEMS_CLEARED, actor=administrator).item == "items_cleared"


def test_an_exit_cancels_open_reservations(resident, daily_staff, administrator):
    loan = reserve(resident, projector())
    exit_clear(exit=_exit(resident, daily_staff), item=ClearanceItem.ITEMS_CLEARED, actor=administrator)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CANCELLED


def test_a_forced_exit_is_not_blocked_and_names_the_items_to_recover(resident, daily_staff, administrator):
    lent(resident, projector(), daily_staff)
    exit = force_exit(resident=resident, reason="严重违规", ban_years=3, actor=administrator)
    note = exit.clearances.get(item=ClearanceItem.ITEMS_CLEARED).note
    assert "爱普生投影仪" in note


def test_loans_appear_in_the_archive(resident, daily_staff, django_assert_num_queries):
    loan = lent(resident, projector(), daily_staff, due_at=at(17, 9))
    services.loan_take_back(loan=loan, actor=daily_staff, condition_in="damaged", damage_value="300",
                            now=at(18, 10))
    with django_assert_num_queries(1):
        entries = selectors.archive_entries(resident)
    assert all(isinstance(entry, Entry) and entry.section == "equipment" for entry in entries)
    assert [entry.title for entry in entries][-1].startswith("归还") or len(entries) == 3
    assert "2" in entries[-1].detail and "300" in entries[-1].detail
